"""The seed's golden lines come out byte-exact from the matching presets (legacy profile).

tests/data/golden-lines.jsonl is a copy of the seed's shared/seed/golden-lines.jsonl, so these tests
run in a bare clone."""

import json
from pathlib import Path

from dataclasses import replace

import pytest

from app.core.presets import get_preset
from app.core.profiles import jsonl_line
from app.core.render import render
from app.core.project_settings import ExampleValues

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden-lines.jsonl"
CASES = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_lines(case):
    return [json.dumps(obj, ensure_ascii=False) for obj in case["exported"]]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['preset']}-{i}" for i, c in enumerate(CASES)])
def test_golden_line_is_exported_byte_exact(case):
    settings = get_preset(case["preset"]).settings
    rendered = render(settings, ExampleValues(fields=case["fields"], output=case["output"]), "openai-legacy")
    assert [jsonl_line(r) for r in rendered.records] == expected_lines(case)


def test_support_chat_expands_to_one_row_per_agent_turn():
    case = next(c for c in CASES if c["preset"] == "support chatbot")
    settings = get_preset("support_chatbot").settings
    rendered = render(settings, ExampleValues(fields=case["fields"], output=None), "openai-legacy")
    assert len(rendered.records) == 2
    assert all(r.line["prompt"].endswith("\nAgent:") for r in rendered.records)


# Chat keys: the JSON the app always hashed ----------------------------------------------------------

def _json_keys(messages):
    """What chat_keys must give for a plain conversation ending in its (trained) assistant turn."""
    return (json.dumps(messages[:-1], ensure_ascii=False, sort_keys=True),
            json.dumps(messages[-1:], ensure_ascii=False, sort_keys=True))


def test_the_chat_keys_quote_every_code_point_as_json_dumps_does():
    """The fast quoting (orjson) must give json.dumps's text for every character, lone surrogates too,
    or a file line and the same example typed in the app would not be duplicates."""
    from app.core.render import chat_keys

    code_points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]  # lone surrogates: below
    for start in range(0, len(code_points), 4_096):
        text = "".join(map(chr, code_points[start:start + 4_096]))
        messages = [{"role": "user", "content": text}, {"role": "assistant", "content": text[::-1]}]
        assert chat_keys(messages) == _json_keys(messages), hex(code_points[start])
    odd = [{"role": 'us"er\\', "content": "tab\t, nul\x00, quote \", DEL \x7f, \u2028"},
           {"role": "assistant", "content": "\ud800 alone"}]
    assert chat_keys([{"role": "user", "content": "Hi"}] + odd) == _json_keys([{"role": "user", "content": "Hi"}] + odd)


@pytest.mark.parametrize("messages", [
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Bye"}],
    [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"},
     {"role": "assistant", "content": ""}, {"role": "tool", "content": "d"}],
    [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello"}],  # no user turn
    [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hello"}],  # no assistant turn
    [{"role": "assistant", "content": "Hello"}],
    [{"role": "user", "content": "Hi"}],
    [{"role": "user", "content": "Ünïcödé, 100% {} [] : , }, { %s"}, {"role": "assistant", "content": "ok"}],
])
def test_plain_text_chat_keys_are_the_same_keys(messages):
    """A line without a backslash needs no quoting: the keys built so are the keys json gives."""
    from app.core.render import chat_keys

    assert chat_keys(messages, plain_text=True) == chat_keys(messages)


# Every provider profile through `render`, from the presets' own settings ---------------------------

from app.core import tokens  # noqa: E402
from app.core.model_table import load_model_table  # noqa: E402
from app.core.profiles import PROFILES  # noqa: E402

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"},
        {"role": "assistant", "content": "Hello."}]
PAIR = {"prompt": "Great! ->", "completion": " positive"}
INPUT = {"messages": MSGS[:2]}
PREFERRED, REJECTED = {"role": "assistant", "content": "Hello."}, {"role": "assistant", "content": "Go away."}
OPENAI_DPO = {"input": INPUT, "preferred_output": [PREFERRED], "non_preferred_output": [REJECTED]}
EXPECTED = {  # written from each provider's documented shape (docs/provider-rules.md, reference/)
    "openai-legacy": PAIR, "together-instruction": PAIR, "bedrock-prompt-completion": PAIR,
    "trl-prompt-completion": PAIR,
    "openai-chat": {"messages": MSGS}, "azure-openai-chat": {"messages": MSGS}, "together-chat": {"messages": MSGS},
    "together-chat-tools": {"messages": MSGS}, "fireworks-chat": {"messages": MSGS},
    "trl-messages": {"messages": MSGS}, "axolotl-chat-template": {"messages": MSGS},
    "mistral-finetune": {"messages": MSGS},
    "openai-preference": OPENAI_DPO, "together-preference": OPENAI_DPO, "fireworks-dpo": OPENAI_DPO,
    "vertex-gemini": {"systemInstruction": {"role": "system", "parts": [{"text": "Be brief."}]},
                      "contents": [{"role": "user", "parts": [{"text": "Hi?"}]},
                                   {"role": "model", "parts": [{"text": "Hello."}]}]},
    "bedrock-nova": {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}],
                     "messages": [{"role": "user", "content": [{"text": "Hi?"}]},
                                  {"role": "assistant", "content": [{"text": "Hello."}]}]},
    "trl-prompt-completion-chat": {"prompt": MSGS[:2], "completion": [PREFERRED]},
    "trl-preference": {"prompt": "Hi?", "chosen": "Hello.", "rejected": "Go away."},
    "trl-preference-chat": {"prompt": MSGS[:2], "chosen": [PREFERRED], "rejected": [REJECTED]},
    "axolotl-dpo": {"messages": MSGS[:2], "chosen": PREFERRED, "rejected": REJECTED},
    "llamafactory-alpaca": {"instruction": "Hi?", "output": "Hello.", "system": "Be brief."},
    "llamafactory-sharegpt": {"conversations": [{"from": "human", "value": "Hi?"}, {"from": "gpt", "value": "Hello."}],
                              "system": "Be brief."},
}


def preset_case(key):
    """The preset and example a profile key is exported from (a preference preset for DPO shapes)."""
    profile = PROFILES[key]
    if profile.kinds == ("preference",):
        system = "" if key == "trl-preference" else "Be brief."  # its standard shape holds one prompt text
        return get_preset("preference").settings, ExampleValues(
            {"system": system, "turns": [["user", "Hi?"]]}, {"preferred": "Hello.", "non_preferred": "Go away."})
    if profile.text_pairs:
        return get_preset("sentiment").settings, ExampleValues({"text": "Great!"}, "positive")
    return get_preset("chat").settings, ExampleValues({"system": "Be brief."}, MSGS[1:])


def test_every_profile_key_has_a_golden_line():
    assert set(EXPECTED) == set(PROFILES)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_profile_exports_its_golden_line_from_a_preset(key):
    settings, example = preset_case(key)
    rendered = render(settings, example, key)
    assert [jsonl_line(r) for r in rendered.records] == [json.dumps(EXPECTED[key], ensure_ascii=False)]
    assert rendered.notes == () and rendered.profile_findings == ()


OPEN_MODELS = ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-8B", "google/gemma-3-12b-it", "openai/gpt-oss-20b"]


@pytest.mark.parametrize("name", OPEN_MODELS)
def test_an_open_model_counts_the_conversation_its_chat_template_renders(name):
    model = load_model_table().get(name)
    settings = replace(get_preset("chat").settings, target_model=name)
    rendered = render(settings, ExampleValues({"system": "Be brief."}, MSGS[1:]), "trl-messages")
    expected = tokens.count_chat(MSGS, model.tokenizer)
    assert rendered.tokens == expected.tokens and not rendered.approximate
    assert rendered.template == tokens.MODEL_TOKENIZERS[model.tokenizer].template
    cookbook = render(replace(settings, target_model="gpt-4.1-mini"), ExampleValues({"system": "Be brief."}, MSGS[1:]))
    assert cookbook.template == "" and cookbook.approximate is False  # the cookbook recipe: no template


@pytest.mark.parametrize("name", OPEN_MODELS[:3])
def test_an_open_model_counts_prompt_plus_completion_with_its_tokenizer(name):
    model = load_model_table().get(name)
    settings = replace(get_preset("sentiment").settings, target_model=name)
    rendered = render(settings, ExampleValues({"text": "Great!"}, "positive"), "trl-prompt-completion")
    assert rendered.tokens == len(tokens.encode("Great! ->", model.tokenizer)) + len(tokens.encode(" positive", model.tokenizer))


def test_a_preference_pair_for_an_open_model_counts_the_longer_conversation():
    settings = replace(get_preset("preference").settings, target_model="Qwen/Qwen3-8B")
    example = ExampleValues({"system": "Be brief.", "turns": [["user", "Hi?"]]},
                            {"preferred": "Hello.", "non_preferred": "Go away, I am busy today."})
    rendered = render(settings, example, "trl-preference-chat")
    chosen = tokens.count_chat(MSGS, "qwen3").tokens
    rejected = tokens.count_chat(MSGS[:2] + [{"role": "assistant", "content": "Go away, I am busy today."}], "qwen3").tokens
    assert rendered.tokens == max(chosen, rejected) == rejected and rendered.billed_tokens == chosen + rejected
