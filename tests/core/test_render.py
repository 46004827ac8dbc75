"""The seed's golden lines come out byte-exact from the matching presets (legacy profile).

tests/data/golden-lines.jsonl is a copy of the seed's shared/seed/golden-lines.jsonl, so these tests
run in a bare clone."""

import json
from pathlib import Path

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
