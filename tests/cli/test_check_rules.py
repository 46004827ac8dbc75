"""`tunelab check`, one rule at a time: for every code the checker can raise on a file, a small file
whose last line (or whose data) triggers it, with the code's level, its line and the gist of its
message; and a clean file of each format raises no line finding. (Replaces a 746 KB snapshot of
whole reports: a failure here names the rule that changed.)"""

from __future__ import annotations

import json

import pytest

from app.core.check_report import LINE_CODES
from app.core.jsonl_check import check_file
from app.core.model_table import ModelInfo, ModelTable, load_model_table
from app.core.rules.registry import RULES

SYSTEM = {"role": "system", "content": "You are a terse support assistant."}
USER = {"role": "user", "content": "Where is my parcel?"}
ASSISTANT = {"role": "assistant", "content": "It arrives on Monday."}
ASK = {"role": "user", "content": "Can I still change the address?"}  # another input than USER's


def chat(*messages, **top):
    return {"messages": list(messages), **top}


def pref(preferred="Here is how: open Settings.", non_preferred="No.", messages=(USER,), **changes):
    line = {"input": {"messages": list(messages)},
            "preferred_output": [{"role": "assistant", "content": preferred}],
            "non_preferred_output": [{"role": "assistant", "content": non_preferred}]}
    line.update(changes)
    return line


def legacy(prompt, completion):
    return {"prompt": prompt, "completion": completion}


CLEAN_CHAT = chat(SYSTEM, USER, ASSISTANT)
CLEAN_PREF = pref()
CLEAN_CLS = legacy("Overjoyed with the new phone ->", " positive")
CLEAN_GEN = legacy("Name: kettle\n\n###\n\n", " A fast steel kettle. END")
CLS = {"kind": "classification", "separator": " ->", "labels": [" positive", " negative"]}
GEN = {"kind": "generation", "separator": "\n\n###\n\n", "stop": " END"}
TINY = ModelInfo("tiny", "Test", "o200k_base", 40, 1.0, "test row")
TABLE = load_model_table()
MODELS = ModelTable(TABLE.as_of, TABLE.models + (TINY,))


def write(tmp_path, lines, bom=False):
    data = b"\n".join(line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines) + b"\n"
    path = tmp_path / "data.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# code, the file's lines (the first is clean), options, the lines the code is on, level, gist of the message
LINE_CASES = [
    # Chat rules
    ("chat-no-assistant", [CLEAN_CHAT, chat(SYSTEM, ASK)], {}, {2}, "error", "no assistant message"),
    ("chat-last-not-assistant", [CLEAN_CHAT, chat(SYSTEM, ASK, ASSISTANT, ASK)], {}, {2}, "warning",
     "ends with a user turn"),
    ("chat-bad-role", [CLEAN_CHAT, chat(SYSTEM, {"role": "bot", "content": "Hi"}, ASSISTANT)], {}, {2}, "error",
     "Turn 1 has the role 'bot'"),
    ("chat-function-role", [CLEAN_CHAT, chat(SYSTEM, ASK, {"role": "function", "name": "f", "content": "42"}, ASSISTANT)],
     {}, {2}, "warning", "deprecated function role"),
    ("chat-empty-message", [CLEAN_CHAT, chat(SYSTEM, {"role": "user", "content": "  "}, ASSISTANT)], {}, {2}, "error",
     "Turn 1 (user) is empty"),
    ("chat-weight-invalid", [CLEAN_CHAT, chat(SYSTEM, ASK, dict(ASSISTANT, weight=1.0))], {}, {2}, "error",
     "Turn 2 has the weight 1.0"),
    ("chat-roles-not-alternating", [CLEAN_CHAT, chat(SYSTEM, ASK, ASK, ASSISTANT)], {}, {2}, "warning", "are both user"),
    ("chat-no-user", [CLEAN_CHAT, chat(SYSTEM, ASSISTANT)], {}, {2}, "warning", "no user message"),
    ("chat-no-system", [CLEAN_CHAT, chat(ASK, ASSISTANT)], {}, {2}, "info", "No system message"),
    ("too-long", [CLEAN_CHAT, chat(SYSTEM, ASK, {"role": "assistant", "content": "word " * 60})],
     {"model": "tiny"}, {2}, "warning", "over the 40-token limit of tiny"),
    ("uppercase-heavy", [CLEAN_CHAT, chat(SYSTEM, {"role": "user", "content": "WHERE IS MY PARCEL, I PAID FOR IT"},
                                          ASSISTANT)], {}, {2}, "info", "Turn 1 is mostly uppercase"),
    ("special-token", [CLEAN_CHAT, chat(SYSTEM, {"role": "user", "content": "Say <|endoftext|> now"}, ASSISTANT)], {},
     {2}, "error", "contains <|endoftext|>"),
    ("duplicate", [CLEAN_CHAT, chat(USER, ASSISTANT), CLEAN_CHAT], {}, {1, 3}, "warning",
     "same input and output as line 3"),
    ("conflict", [CLEAN_CHAT, chat(SYSTEM, USER, {"role": "assistant", "content": "Tomorrow."})], {}, {1, 2}, "warning",
     "same input as line 2, but their replies differ"),
    # Preference rules
    ("pref-shape", [CLEAN_PREF, pref(messages=(ASK,), preferred_output=[ASSISTANT, ASSISTANT])], {}, {2}, "error", "holds 2 messages"),
    ("pref-not-text", [CLEAN_PREF, pref(messages=(ASK,), preferred_output=[{"role": "assistant", "content": [{"type": "text", "text": "x"}]}])],
     {}, {2}, "error", "not plain text"),
    ("pref-multi-turn", [CLEAN_PREF, pref(messages=(ASK, ASSISTANT, {"role": "user", "content": "And then?"}))], {}, {2},
     "warning", "earlier assistant turn"),
    ("pref-identical", [CLEAN_PREF, pref(messages=(ASK,), preferred="Same.", non_preferred="Same.")], {}, {2}, "warning", "identical"),
    ("output-empty", [CLEAN_PREF, pref(messages=(ASK,), preferred="")], {}, {2}, "error", "preferred reply is empty"),
    # Prompt/completion rules
    ("label-unknown", [CLEAN_CLS, legacy("Meh ->", " meh")], CLS, {2}, "error", "is not a label"),
    ("label-multi-token", [CLEAN_CLS, legacy("Wow ->", " very positive")], CLS, {2}, "warning",
     'exported as " very positive", which is 2 tokens'),
    ("separator-missing", [CLEAN_CLS, legacy("No arrow here", " positive")], CLS, {2}, "warning",
     'does not end with the separator " ->"'),
    ("separator-inside", [CLEAN_CLS, legacy("A -> B ->", " positive")], CLS, {2}, "warning", "also occurs inside"),
    ("no-leading-space", [CLEAN_CLS, legacy("Great ->", "positive")], CLS, {2}, "warning", "does not start with a space"),
    ("long-example", [CLEAN_GEN, legacy("x" * 10_001 + "\n\n###\n\n", " Long. END")], GEN, {2}, "info",
     "over 10,000"),
    ("stop-missing", [CLEAN_GEN, legacy("Name: cup\n\n###\n\n", " A cup.")], GEN, {2}, "warning",
     'does not end with the stop sequence " END"'),
    ("stop-inside", [CLEAN_GEN, legacy("Name: cup\n\n###\n\n", " A cup END and more END")], GEN, {2}, "warning",
     'The stop sequence " END" occurs inside'),
    # File and line checks
    ("line-not-json", [CLEAN_CHAT, b'{"messages": ['], {}, {2}, "error", "not valid JSON"),
    ("line-not-object", [CLEAN_CHAT, b"[1, 2]"], {}, {2}, "error", "not an object"),
    ("not-utf8", [CLEAN_CHAT, b'{"messages": "\xff"}'], {}, {2}, "error", "not valid UTF-8"),
    ("missing-key", [CLEAN_CHAT, {"conversation": [USER, ASSISTANT]}], {}, {2}, "error", "none of the keys of a known format"),
    ("unrecognized-key", [CLEAN_CHAT, chat(SYSTEM, ASK, ASSISTANT, meta=1)], {}, {2}, "warning", 'The key "meta"'),
    ("wrong-type", [CLEAN_CHAT, {"messages": "hello"}], {}, {2}, "error", "must be a list of messages"),
    ("messages-empty", [CLEAN_CHAT, {"messages": []}], {}, {2}, "error", "is an empty list"),
    ("mixed-formats", [CLEAN_CHAT, legacy("a ->", " b")], {}, {2}, "error", "keep one format per file"),
]


@pytest.mark.parametrize("code,lines,options,where,level,gist", LINE_CASES, ids=[c[0] for c in LINE_CASES])
def test_each_line_rule_on_its_line(tmp_path, code, lines, options, where, level, gist):
    result = check_file(write(tmp_path, lines), models=MODELS, **options)
    hits = [(n, f) for n, f in result.findings if f.code == code]
    assert {n for n, _ in hits} == where
    assert {f.level for _, f in hits} == {level}
    assert any(gist in f.message for _, f in hits), [f.message for _, f in hits]
    if 1 not in where:  # the clean first line raises nothing
        assert all(n != 1 for n, _ in result.findings)


def test_a_bom_is_reported_on_line_1_and_the_line_is_still_judged(tmp_path):
    result = check_file(write(tmp_path, [chat(SYSTEM, ASK, dict(ASSISTANT, weight=2)), CLEAN_CHAT], bom=True))
    assert dict(result.line_codes()) == {1: ["bom", "chat-weight-invalid"]}
    assert "byte-order mark" in next(f.message for _, f in result.findings if f.code == "bom")


@pytest.mark.parametrize("lines,options", [
    ([CLEAN_CHAT, chat(SYSTEM, ASK, {"role": "assistant", "content": "Yes, until it ships."})], {}),
    ([CLEAN_PREF, pref(preferred="Sure: open Settings, then Profile.")], {}),
    ([CLEAN_CLS, legacy("Awful service ->", " negative")], CLS),
    ([CLEAN_GEN, legacy("Name: cup\n\n###\n\n", " A blue cup. END")], GEN),
], ids=["chat", "preference", "classification", "generation"])
def test_clean_lines_raise_nothing(tmp_path, lines, options):
    result = check_file(write(tmp_path, lines), **options)
    assert dict(result.line_codes()) == {} and result.findings == []
    assert result.examples == 2
    assert [f.code for f in result.dataset if f.level == "error"] == ["too-few-examples"]  # two lines are too few


def gen_file(prompts, completions):
    return [legacy(p, c) for p, c in zip(prompts, completions)]


WORDS = ["kettle", "cup", "toaster", "blender", "spoon", "plate", "oven", "fork", "bowl", "pan", "jar", "lid"]
DISTINCT = [f"Name: {w}\n\n###\n\n" for w in WORDS]
OUTPUTS = [f" A {w} for the kitchen. END" for w in WORDS]

# code, lines, options, level, gist
DATASET_CASES = [
    ("too-few-examples", [CLEAN_CHAT], {}, "error", "needs at least 10"),
    ("few-examples", [CLEAN_CHAT], {}, "info", "fewer than the 50 recommended"),
    ("estimate", [CLEAN_CHAT], {}, "info", "training tokens"),
    ("class-too-small", [CLEAN_CLS] * 3, CLS, "warning", 'The class " positive" has 3 examples'),
    ("class-imbalance", [legacy(f"Good {i} ->", " positive") for i in range(11)] + [legacy("Bad ->", " negative")],
     CLS, "info", 'The largest class " positive" has 11 examples'),
    ("labels-case-variants", [CLEAN_CLS, legacy("Nice ->", " Positive")], {"kind": "classification", "separator": " ->"},
     "warning", "differ only by case"),
    ("task-type", [legacy(f"Text {i} ->", " positive" if i % 2 else " negative") for i in range(12)], {}, "info",
     "looks like classification"),
    ("generation-too-small", gen_file(DISTINCT, OUTPUTS), GEN, "warning", "aim for at least 500"),
    ("gen-hyperparameters", gen_file(DISTINCT, OUTPUTS), GEN, "info", "lower learning rate"),
    ("prompts-all-identical", gen_file([DISTINCT[0]] * 3, OUTPUTS), GEN, "error", "prompts are identical"),
    ("completions-all-identical", gen_file(DISTINCT, [OUTPUTS[0]] * 12), GEN, "error", "completions are identical"),
    ("separator-inconsistent", gen_file([f"Name: {w}" + (" ->" if i % 2 else " ::") for i, w in enumerate(WORDS)], OUTPUTS),
     {"kind": "generation", "stop": " END"}, "warning", "do not all end with the same separator"),
    ("separator-long", gen_file([f"Name: {w} >>>>>>>>>>>>" for w in WORDS], OUTPUTS), {"kind": "generation", "stop": " END"},
     "warning", "characters, over 10"),
    ("prompt-common-prefix", gen_file([f"Describe this product: {w}\n\n###\n\n" for w in WORDS], OUTPUTS), GEN,
     "warning", 'Every prompt starts with "Describe this product: "'),
    ("completion-common-prefix", gen_file(DISTINCT, [f" Answer: {w} END" for w in WORDS]), GEN, "warning",
     'Every completion starts with "Answer: "'),
    ("stop-inconsistent", gen_file(DISTINCT, [f" A {w}" + ("." if i % 2 else "!") for i, w in enumerate(WORDS)]),
     {"kind": "generation", "separator": "\n\n###\n\n"}, "warning", "do not all end with the same stop sequence"),
    ("stop-long", gen_file(DISTINCT, [f" A {w} <<<<<<<<<<<<" for w in WORDS]), {"kind": "generation", "separator": "\n\n###\n\n"},
     "warning", "characters, over 10"),
]


@pytest.mark.parametrize("code,lines,options,level,gist", DATASET_CASES, ids=[c[0] for c in DATASET_CASES])
def test_each_dataset_rule(tmp_path, code, lines, options, level, gist):
    result = check_file(write(tmp_path, lines), **options)
    found = [f for f in result.dataset if f.code == code]
    assert len(found) >= 1 and {f.level for f in found} == {level}
    assert any(gist in f.message for f in found), [f.message for f in found]


# Codes no file can raise: a required form field (files have none), attribute rows (a form widget), and
# a train / validation split (one file is one split).
NOT_IN_A_FILE = {"input-empty", "attributes-natural-language", "split-leakage"}


def test_every_code_the_checker_can_raise_has_a_case():
    covered = {c[0] for c in LINE_CASES} | {c[0] for c in DATASET_CASES} | {"bom"}
    raisable = {code for code, spec in RULES.items() if spec.scope in ("example", "file", "dataset")} - NOT_IN_A_FILE
    assert raisable - covered == set()
    assert set(LINE_CODES) - NOT_IN_A_FILE <= covered
