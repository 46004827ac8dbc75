"""Every per-example rule fires on a bad example and stays silent on a clean one (real presets, real tokenizer)."""


import pytest

from app.core.evaluate import evaluate
from app.core.model_table import ModelInfo, ModelTable, load_model_table
from app.core.presets import get_preset
from app.core.rules import registry
from app.core.rules.example_rules import case_counts
from app.core.project_settings import ExampleValues, Label

GALAXY = {"name": "Samsung Galaxy Feel", "description": "The Samsung Galaxy Feel is an Android smartphone for the Japanese market."}
SUPPORT = {
    "summary": "Customer wants to change the delivery address of order 1234.",
    "specific_information": "Order 1234: shipped 2021-06-01, carrier DHL.",
    "turns": [
        ["Customer", "Can I still change the address?"],
        ["Agent", "Let me check that for you."],
        ["Customer", "Thanks, it should go to 5 Main St."],
        ["Agent", "Done: order 1234 now goes to 5 Main St."],
    ],
}
HANDBAG = {"attributes": [["Item", "handbag"], ["Color", "army_green"], ["price", "$99"], ["size", "S"]]}
CHAT_TURNS = [
    {"role": "user", "content": "Hi, can you help me reset my password?"},
    {"role": "assistant", "content": "Of course. Open Settings, then Account, then Reset password.", "weight": 1},
]
PAIR = {"preferred": "Of course: open Settings, then Account.", "non_preferred": "No."}

# A clean example per preset: no finding at all.
CLEAN = {
    "sentiment": ({"text": "Overjoyed with the new iPhone!"}, "positive", {}),
    "ad_supported": ({"company": "BHFF insurance", "product": "allround insurance", "ad": "One stop shop for all your insurance needs!"}, "yes", {}),
    "ad_from_wikipedia": (GALAXY, "Looking for a smartphone that can do it all? Try the Galaxy Feel!", {}),
    "entity_extraction": ({"text": "Portugal will be removed from the UK's green travel list."}, ["Portugal", "UK"], {}),
    "support_chatbot": (SUPPORT, None, {}),
    "product_description": (HANDBAG, "This stylish small green handbag.", {"stop": " END", "prompt_style": "natural_language"}),
    "chat": ({"system": "You are a helpful support assistant."}, CHAT_TURNS, {}),
    "preference": ({"system": "Be kind.", "turns": [["user", "Can you help me?"]]}, PAIR, {}),
    "custom": ({"input": "Translate: bonjour"}, "hello", {}),
}


def run(preset, fields, output, profile=None, duplicates=(), conflicts=(), models=None, **changes):
    settings = get_preset(preset).settings
    if changes:
        settings = settings.with_changes(**changes)
    return evaluate(
        settings,
        ExampleValues(fields, output),
        profile=profile,
        find_neighbors=lambda ih, ch: registry.Neighbors(tuple(duplicates), tuple(conflicts)),
        models=models,
    )


def found(evaluation, code):
    return [f for f in evaluation.findings if f.code == code]


def only(evaluation, code):
    hits = found(evaluation, code)
    assert len(hits) == 1, (code, [f.as_dict() for f in evaluation.findings])
    return hits[0]


def with_turns(*turns, system="You are a helpful support assistant."):
    return {"system": system}, list(turns)


U = {"role": "user", "content": "Hi there, I need help."}
A = {"role": "assistant", "content": "Sure, how can I help?"}
TOOLS = ({"type": "function", "function": {"name": "lookup_order", "description": "An order's status", "parameters": {
    "type": "object", "properties": {"order": {"type": "integer"}}, "required": ["order"]}}},)


def call(arguments='{"order": 1234}', name="lookup_order", call_id="call_1"):
    """An assistant turn calling one tool."""
    return {"role": "assistant", "content": "", "tool_calls": [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}]}


def result(call_id="call_1"):
    return {"role": "tool", "content": '{"status": "shipped"}', "tool_call_id": call_id}


# Each case: code, preset, fields, output, settings changes, profile, level, field, record, text in message.
FIRE = [
    ("input-empty", "sentiment", {"text": "   "}, "positive", {}, None, "error", "text", None, "Tweet is required"),
    ("input-empty", "product_description", {"attributes": [["", " "]]}, "A bag.", {}, None, "error", "attributes", None, "required"),
    ("output-empty", "sentiment", {"text": "Overjoyed!"}, None, {}, None, "error", "output", None, "pick a label"),
    ("output-empty", "sentiment", {"text": "Overjoyed!"}, "  ", {}, None, "error", "output", None, "pick a label"),
    ("output-empty", "ad_from_wikipedia", GALAXY, "", {}, None, "error", "output", None, "output is empty"),
    ("output-empty", "entity_extraction", {"text": "Portugal"}, [], {}, None, "error", "output", None, "output is empty"),
    ("output-empty", "preference", {"turns": [["user", "Hi"]]}, {"preferred": "", "non_preferred": "No."}, {}, None, "error", "preferred", None, "preferred reply"),
    ("output-empty", "support_chatbot", {**SUPPORT, "turns": [["Customer", "Hi?"], ["Agent", "Hello."], ["Customer", "Hm?"], ["Agent", " "]]}, None, {}, None, "error", "turns", 1, "Agent turn 2 is empty"),
    ("output-empty", "support_chatbot", {**SUPPORT, "turns": [["Customer", "Hi?"]]}, None, {}, None, "error", "turns", None, "no Agent turn"),
    ("label-unknown", "sentiment", {"text": "Meh."}, "neutral", {}, None, "error", "output", None, "'neutral' is not a label"),
    ("label-unknown", "sentiment", {"text": "Meh."}, ["positive"], {}, None, "error", "output", None, "not a label"),
    ("label-multi-token", "sentiment", {"text": "Overjoyed!"}, "very positive",
     {"labels": (Label("very positive", " very positive", "1"), Label("negative", " negative", "2"))}, None,
     "warning", "output", None, '" very positive", which is 2 tokens [" very", " positive"]'),
    ("label-multi-token", "email_triage", {"subject": "Address", "from": "Joe", "to": "us", "date": "2021", "content": "Update it."}, "Account change",
     {}, None, "warning", "output", None, '" 4", which is 2 tokens [" ", "4"] in cl100k_base'),
    ("separator-missing", "sentiment", {"text": "Overjoyed!"}, "positive", {"separator": ""}, None, "warning", "separator", None, "no separator"),
    ("separator-inside", "sentiment", {"text": "Good -> great"}, "positive", {}, None, "warning", "text", None, '" ->"'),
    ("separator-inside", "support_chatbot", {**SUPPORT, "turns": [["Customer", "Hi\n\n###\n\nthere"], ["Agent", "Hello."]]}, None, {}, None, "warning", "turns", None, "separator"),
    ("no-leading-space", "ad_from_wikipedia", GALAXY, "Buy it.", {"leading_space": False}, None, "warning", "output", None, "does not start with a space"),
    ("no-leading-space", "sentiment", {"text": "Overjoyed!"}, "positive",
     {"labels": (Label("positive", "positive", "1"), Label("negative", "negative", "2"))}, None, "warning", "output", None, "space"),
    ("stop-missing", "ad_from_wikipedia", GALAXY, "Buy it.", {"stop": ""}, None, "warning", "stop", None, '" END"'),
    ("stop-missing", "product_description", HANDBAG, "A small green handbag.", {}, None, "warning", "stop", None, "no stop sequence"),
    ("stop-inside", "ad_from_wikipedia", GALAXY, "Buy it END now.", {}, None, "warning", "output", None, '" END" occurs inside'),
    ("stop-inside", "support_chatbot", {**SUPPORT, "turns": [["Customer", "Hi?"], ["Agent", "Hello."], ["Customer", "Hm?"], ["Agent", "Line one\nline two"]]}, None, {}, None, "warning", "turns", 1, '"\\n"'),
    ("long-example", "ad_from_wikipedia", {"name": "Bag", "description": "lorem ipsum " * 900}, "Buy it.", {}, None, "info", "description", None, "10,000"),
    ("uppercase-heavy", "sentiment", {"text": "THIS PHONE IS THE BEST EVER, I LOVE IT!"}, "positive", {}, None, "info", "text", None, "uppercase"),
    ("uppercase-heavy", "ad_from_wikipedia", GALAXY, "BUY THE GALAXY FEEL TODAY AND SAVE BIG!", {}, None, "info", "output", None, "uppercase"),
    ("uppercase-heavy", "chat", *with_turns(U, {"role": "assistant", "content": "PLEASE RESTART THE ROUTER NOW, THEN CALL US."}), {}, None, "info", "output[1]", None, "uppercase"),
    ("attributes-natural-language", "product_description", HANDBAG, "A small green handbag.", {"stop": " END"}, None, "info", "attributes", None, "natural-language"),
    ("special-token", "sentiment", {"text": "Love it <|endoftext|> so much"}, "positive", {}, None, "error", "text", None, "<|endoftext|>"),
    ("special-token", "ad_from_wikipedia", GALAXY, "Buy <|fim_suffix|> it.", {}, None, "error", "output", None, "<|fim_suffix|>"),
    ("special-token", "chat", *with_turns(U, {"role": "assistant", "content": "Done <|endoftext|>"}), {}, None, "error", "output[1]", None, "<|endoftext|>"),
    ("special-token", "preference", {"turns": [["user", "Hi"]]}, {"preferred": "Hello <|endofprompt|>", "non_preferred": "No."}, {}, None, "error", "preferred", None, "<|endofprompt|>"),
    ("chat-no-assistant", "chat", *with_turns(U), {}, None, "error", "output", None, "no assistant message"),
    ("chat-bad-role", "chat", *with_turns({"role": "bot", "content": "Hi"}, A), {}, None, "error", "output[0]", None, "'bot'"),
    ("chat-bad-role", "chat", *with_turns(U, A, {"content": "No role"}), {}, None, "error", "output[2]", None, "has no role"),
    ("chat-function-role", "chat", *with_turns(U, {"role": "function", "name": "lookup", "content": "{}"}, A), {}, None, "warning", "output[1]", None, "tool role"),
    ("chat-empty-message", "chat", *with_turns(U, {"role": "assistant", "content": "  "}), {}, None, "error", "output[1]", None, "is empty"),
    ("chat-empty-message", "chat", *with_turns({"role": "user"}, A), {}, None, "error", "output[0]", None, "is empty"),
    ("chat-weight-invalid", "chat", *with_turns(U, {**A, "weight": 1.0}), {}, None, "error", "output[1]", None, "1.0"),
    ("chat-weight-invalid", "chat", *with_turns(U, {**A, "weight": True}), {}, None, "error", "output[1]", None, "True"),
    ("chat-weight-invalid", "chat", *with_turns(U, {**A, "weight": "1"}), {}, None, "error", "output[1]", None, "'1'"),
    ("chat-weight-invalid", "chat", *with_turns(U, {**A, "weight": 2}), {}, None, "error", "output[1]", None, "0"),
    ("chat-weight-invalid", "chat", *with_turns({**U, "weight": 0}, A), {}, None, "error", "output[0]", None, "only on assistant"),
    ("chat-last-not-assistant", "chat", *with_turns(U, A, U), {}, None, "warning", "output[2]", None, "ends with a user"),
    ("chat-roles-not-alternating", "chat", *with_turns(U, U, A), {}, None, "warning", "output[1]", None, "both user"),
    ("chat-no-user", "chat", *with_turns(A), {}, None, "warning", "output", None, "no user message"),
    ("chat-no-system", "chat", *with_turns(U, A, system=""), {}, None, "info", "system", None, "No system message"),
    ("tool-unknown", "chat", *with_turns(U, call(name="cancel_order"), result(), A), {"tools": TOOLS}, None, "error", "output[1]", None, "'cancel_order', which is not among the project's tools (lookup_order)"),
    ("tool-arguments-invalid", "chat", *with_turns(U, call('{"order": "1234"}'), result(), A), {"tools": TOOLS}, None, "error", "output[1]", None, "arguments.order: '1234' is not of type 'integer'"),
    ("tool-arguments-invalid", "chat", *with_turns(U, call("{order: 1234}"), result(), A), {"tools": TOOLS}, None, "error", "output[1]", None, "not valid JSON"),
    ("tool-result-unlinked", "chat", *with_turns(U, call(), result(), result(), A), {"tools": TOOLS}, None, "error", "output[3]", None, "already answers"),
    ("tool-result-unlinked", "chat", *with_turns(U, result(""), A), {}, None, "error", "output[1]", None, "answers no call"),
    ("tool-call-unanswered", "chat", *with_turns(U, call(), A), {"tools": TOOLS}, None, "warning", "output[1]", None, "no tool result answers it"),
    ("pref-shape", "preference", {"turns": [["user", "Hi"], ["assistant", "Hello."]]}, PAIR, {}, None, "error", "turns[1]", None, "ends with an assistant"),
    ("pref-shape", "preference", {"turns": [["user", "Hi"]]}, {"preferred": "Hello.", "non_preferred": " "}, {}, None, "error", "non_preferred", None, "non-preferred reply is empty"),
    ("pref-shape", "preference", {"system": "Be kind.", "turns": []}, PAIR, {}, None, "error", "turns", None, "no user turn"),
    ("pref-not-text", "preference", {"turns": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]}, PAIR, {}, None, "error", "turns[0]", None, "not plain text"),
    ("pref-not-text", "preference", {"turns": [["user", "Hi"]]}, {"preferred": ["Hello."], "non_preferred": "No."}, {}, None, "error", "preferred", None, "not plain text"),
    ("pref-multi-turn", "preference", {"turns": [["user", "Hi"], ["assistant", "Hello."], ["user", "Help?"]]}, PAIR, {}, None, "warning", "turns[1]", None, "one-turn"),
    ("pref-identical", "preference", {"turns": [["user", "Hi"]]}, {"preferred": "Hello.", "non_preferred": " Hello. "}, {}, None, "warning", "non_preferred", None, "identical"),
]


@pytest.mark.parametrize(
    "code, preset, fields, output, changes, profile, level, field, record, text",
    FIRE,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(FIRE)],
)
def test_rule_fires(code, preset, fields, output, changes, profile, level, field, record, text):
    finding = only(run(preset, fields, output, profile, **changes), code)
    assert (finding.level, finding.field, finding.record) == (level, field, record)
    assert text in finding.message


@pytest.mark.parametrize("preset", sorted(CLEAN))
@pytest.mark.parametrize("profile", [None, "openai-chat"])
def test_clean_example_has_no_findings(preset, profile):
    fields, output, changes = CLEAN[preset]
    evaluation = run(preset, fields, output, profile, **changes)
    assert [f.as_dict() for f in evaluation.findings] == []


def _kind_presets(code):
    kinds = registry.RULES[code].task_kinds
    return [p for p in sorted(CLEAN) if get_preset(p).settings.kind in kinds]


EXAMPLE_CODES = sorted(c for c, s in registry.RULES.items() if s.scope == "example")


@pytest.mark.parametrize("code", EXAMPLE_CODES)
def test_every_rule_has_a_firing_case_and_is_silent_on_clean_examples_of_its_kinds(code):
    assert any(case[0] == code for case in FIRE) or code in ("too-long", "duplicate", "conflict"), f"no firing case for {code}"
    presets = _kind_presets(code)
    assert presets, code
    for preset in presets:
        fields, output, changes = CLEAN[preset]
        assert found(run(preset, fields, output, **changes), code) == [], (code, preset)


# Rules that apply to the prompt/completion export only ------------------------------------

@pytest.mark.parametrize(
    "code, preset, fields, output, changes",
    [
        ("separator-missing", "sentiment", {"text": "Overjoyed!"}, "positive", {"separator": ""}),
        ("separator-inside", "sentiment", {"text": "Good -> great"}, "positive", {}),
        ("no-leading-space", "ad_from_wikipedia", GALAXY, "Buy it.", {"leading_space": False}),
        ("stop-missing", "ad_from_wikipedia", GALAXY, "Buy it.", {"stop": ""}),
        ("stop-inside", "ad_from_wikipedia", GALAXY, "Buy it END now.", {}),
    ],
)
def test_text_pair_rules_are_silent_for_a_chat_export(code, preset, fields, output, changes):
    assert found(run(preset, fields, output, "openai-legacy", **changes), code)
    assert found(run(preset, fields, output, "openai-chat", **changes), code) == []


def test_completion_rules_skip_an_empty_output():
    evaluation = run("ad_from_wikipedia", GALAXY, "", stop="")
    assert evaluation.codes == ["output-empty"]


def test_support_chatbot_with_an_empty_separator_still_ends_prompts_with_the_speaker():
    assert found(run("support_chatbot", SUPPORT, None, separator=""), "separator-missing") == []


def test_label_multi_token_counts_only_the_chosen_label():
    labels = (Label("positive", " positive", "1"), Label("very negative", " very negative", "2"))
    assert found(run("sentiment", {"text": "Great!"}, "positive", labels=labels), "label-multi-token") == []
    assert found(run("sentiment", {"text": "Awful!"}, "very negative", labels=labels), "label-multi-token")


def test_label_multi_token_counts_what_the_export_profile_writes():
    """The legacy profile exports the label's completion " 4" (2 tokens in o200k_base); the chat
    profile exports the stripped label "4" as the assistant message (1 token): no warning there."""
    email = {"subject": "Update my address", "from": "Joe", "to": "support@ourcompany.com", "date": "2021-06-03",
             "content": "Please update my billing address."}
    legacy = only(run("email_triage", email, "4", profile="openai-legacy"), "label-multi-token")
    assert 'exported as " 4", which is 2 tokens' in legacy.message
    assert found(run("email_triage", email, "4", profile="openai-chat"), "label-multi-token") == []
    labels = (Label("positive", " positive", "1"), Label("very negative", " very negative", "2"))
    chat = only(run("sentiment", {"text": "Awful!"}, "very negative", profile="openai-chat", labels=labels),
                "label-multi-token")
    assert 'exported as "very negative", which is 2 tokens' in chat.message


def test_uppercase_needs_twenty_letters_and_a_third_uppercase():
    assert found(run("sentiment", {"text": "OK GO NOW!"}, "positive"), "uppercase-heavy") == []
    assert found(run("sentiment", {"text": "Loved the NEW iPhone and the NASA app on it"}, "positive"), "uppercase-heavy") == []
    assert case_counts("ÉCOLE école ABC") == (8, 5)
    assert case_counts("") == (0, 0)


def test_special_token_of_another_encoding_is_plain_text():
    # <|fim_suffix|> is special in cl100k_base (davinci-002) but not in o200k_base (gpt-4.1-mini).
    assert found(run("chat", *with_turns(U, {"role": "assistant", "content": "a <|fim_suffix|> b"})), "special-token") == []


# too-long: the model table decides the limit and the level --------------------------------

def tiny_table(rejects):
    base = load_model_table()
    tiny = ModelInfo("tiny-model", "Vertex AI" if rejects else "OpenAI", "cl100k_base", 30, 1.0, "test", rejects)
    return ModelTable(base.as_of, base.models + (tiny,))


@pytest.mark.parametrize("rejects, level, text", [(False, "warning", "truncates it from the end"), (True, "error", "Vertex AI rejects")])
def test_too_long_level_follows_the_model(rejects, level, text):
    evaluation = run("ad_from_wikipedia", GALAXY, "Buy the Galaxy Feel today, it is the phone for you.",
                     models=tiny_table(rejects), target_model="tiny-model")
    finding = only(evaluation, "too-long")
    tokens = evaluation.rendered.records[0].tokens
    assert (finding.level, finding.field) == (level, "description")
    assert f"{tokens:,} tokens" in finding.message and "30-token limit of tiny-model" in finding.message
    assert text in finding.message


def test_too_long_is_silent_under_the_limit_and_names_the_record_of_a_multi_row_example():
    assert found(run("ad_from_wikipedia", GALAXY, "Buy it."), "too-long") == []
    evaluation = run("support_chatbot", SUPPORT, None, models=tiny_table(False), target_model="tiny-model")
    assert [f.record for f in found(evaluation, "too-long")] == [0, 1]


def test_too_long_counts_are_marked_approximate_for_models_without_an_encoding():
    base = load_model_table()
    table = ModelTable(base.as_of, base.models + (ModelInfo("open-tiny", "open", None, 10, None, "test"),))
    finding = only(run("chat", *with_turns(U, A), models=table, target_model="open-tiny"), "too-long")
    assert "approximate" in finding.message and finding.level == "warning"


# Duplicates and conflicts come from the caller's neighbour lookup -------------------------

@pytest.mark.parametrize("preset", ["sentiment", "ad_from_wikipedia", "chat", "preference"])
def test_duplicate_names_the_other_examples(preset):
    fields, output, changes = CLEAN[preset]
    finding = only(run(preset, fields, output, duplicates=(12, 14), **changes), "duplicate")
    assert finding.level == "warning" and "#12, #14" in finding.message and "delete one" in finding.message


@pytest.mark.parametrize("preset, field", [("sentiment", "output"), ("support_chatbot", "turns"), ("chat", "output")])
def test_conflict_names_the_other_examples(preset, field):
    fields, output, changes = CLEAN[preset]
    finding = only(run(preset, fields, output, conflicts=(7,), **changes), "conflict")
    assert (finding.level, finding.field) == ("warning", field) and "#7" in finding.message and "decide which" in finding.message


def test_preference_pairs_have_no_conflict_rule():
    fields, output, _ = CLEAN["preference"]
    assert found(run("preference", fields, output, conflicts=(7,)), "conflict") == []


# Chat: odd values never crash, fields map to the form's turns ------------------------------

def test_chat_fields_skip_rows_the_renderer_drops():
    evaluation = run("chat", {"system": "Be kind."}, ["junk", {"role": "bot", "content": "Hi"}, A])
    assert only(evaluation, "chat-bad-role").field == "output[1]"


@pytest.mark.parametrize(
    "output",
    [
        "not a list",
        None,
        [None, 5, {"role": None}, {"role": ["x"], "content": {"a": 1}, "weight": "1"}],
        [["user", "Hi"], ["assistant", "Hello", 1], ["assistant", 3, 1.5]],
        [{"role": 7, "content": 7, "weight": float("nan")}, {"role": "assistant", "tool_calls": [{"id": "a"}]}],
    ],
)
def test_chat_odd_values_never_crash(output):
    evaluation = run("chat", {"system": 5}, output)
    assert all(f.code in registry.RULES for f in evaluation.findings)


def test_chat_tool_calls_are_not_empty_and_parallel_tool_results_may_repeat():
    turns = [
        U,
        {"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                                             {"id": "b", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "a", "content": "1"},
        {"role": "tool", "tool_call_id": "b", "content": "2"},  # each result answers its own call (tool-result-unlinked)
        A,
    ]
    evaluation = run("chat", *with_turns(*turns))
    assert evaluation.findings == ()


def test_chat_valid_weights_are_silent():
    evaluation = run("chat", *with_turns(U, {**A, "weight": 0}, U, {**A, "weight": 1}))
    assert found(evaluation, "chat-weight-invalid") == []


@pytest.mark.parametrize(
    "fields, output",
    [
        ({"turns": "x", "system": ["y"]}, "not a dict"),
        ({"turns": [None, ["user"], {"role": "user", "content": None}]}, {"preferred": 3, "non_preferred": None}),
        (None, None),
    ],
)
def test_preference_odd_values_never_crash(fields, output):
    evaluation = run("preference", fields, output)
    assert evaluation.errors


def test_pref_multi_turn_ignores_the_trailing_assistant_turn_that_pref_shape_reports():
    evaluation = run("preference", {"turns": [["user", "Hi"], ["assistant", "Hello."]]}, PAIR)
    assert found(evaluation, "pref-multi-turn") == [] and found(evaluation, "pref-shape")


