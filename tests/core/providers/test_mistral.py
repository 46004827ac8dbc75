"""Mistral (mistral-finetune): the documented lines, mistral-common's rules, round trips."""

import json

import pytest

from app.core.providers import mistral
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, Tool, ToolCall, Turn

ANAGRAM = Tool("generate_anagram", "Generate an anagram of a given word", {
    "type": "object", "properties": {"word": {"type": "string", "description": "The word to generate an anagram of"}},
    "required": ["word"]})


def tools_example() -> Example:
    return Example("chat", (
        Turn("system", "You are a helpful assistant who has access to tools."),
        Turn("user", "Can you help me generate an anagram of the word 'listen'?"),
        Turn("assistant", tool_calls=(ToolCall("TX92Jm8Zi", "generate_anagram", "{\"word\": \"listen\"}"),)),
        Turn("tool", "{\"anagram\": \"silent\"}", call_id="TX92Jm8Zi", name="generate_anagram"),
        Turn("assistant", "The anagram of the word 'listen' is 'silent'.")), tools=(ANAGRAM,))


def test_the_basic_line_is_the_documented_one():
    example = Example("chat", (Turn("user", "User interaction n°1"), Turn("assistant", "Bot interaction n°1", weight=0),
                               Turn("user", "User interaction n°2"), Turn("assistant", "Bot interaction n°2")))
    assert mistral.CHAT.write(example).lines == ({"messages": [
        {"role": "user", "content": "User interaction n°1"},
        {"role": "assistant", "content": "Bot interaction n°1", "weight": 0},
        {"role": "user", "content": "User interaction n°2"},
        {"role": "assistant", "content": "Bot interaction n°2"}]},)


def test_the_function_calling_line_is_the_documented_one():
    assert mistral.CHAT.write(tools_example()).lines == ({
        "messages": [
            {"role": "system", "content": "You are a helpful assistant who has access to tools."},
            {"role": "user", "content": "Can you help me generate an anagram of the word 'listen'?"},
            {"role": "assistant", "tool_calls": [{"id": "TX92Jm8Zi", "type": "function", "function": {
                "name": "generate_anagram", "arguments": "{\"word\": \"listen\"}"}}]},
            {"role": "tool", "tool_call_id": "TX92Jm8Zi", "content": "{\"anagram\": \"silent\"}"},
            {"role": "assistant", "content": "The anagram of the word 'listen' is 'silent'."}],
        "tools": [{"type": "function", "function": {
            "name": "generate_anagram", "description": "Generate an anagram of a given word",
            "parameters": {"type": "object", "properties": {"word": {"type": "string", "description":
                           "The word to generate an anagram of"}}, "required": ["word"]}}}]},)
    checked = mistral.CHAT.check(tools_example())
    assert not checked.refused and [f.code for f in checked.findings] == ["mistral-tools-train-last"]  # the call turn


@pytest.mark.parametrize("change,code", [
    (lambda t: t[:-1], "mistral-last-not-assistant"),
    (lambda t: (Turn("system", "Second."),) + t, "mistral-system-count"),
    (lambda t: t[:2] + (t[2]._replace(tool_calls=(t[2].tool_calls[0]._replace(id="call_1"),)),) + t[3:],
     "mistral-tool-call-id"),
    (lambda t: t[:2] + (t[2]._replace(content="Sure."),) + t[3:], "mistral-content-or-calls"),
])
def test_mistral_commons_rules_refuse_a_bad_example_by_name(change, code):
    example = tools_example()
    findings = mistral.CHAT.check(example._replace(turns=change(example.turns))).findings
    assert code in {f.code for f in findings if f.level == "error"}


def test_with_tools_only_the_last_reply_is_trained_and_that_is_said():
    example = tools_example()._replace(turns=tools_example().turns + (Turn("user", "Again?"), Turn("assistant", "Silent.")))
    (finding,) = mistral.CHAT.check(example).findings
    assert (finding.code, finding.level) == ("mistral-tools-train-last", "warning") and "2 earlier" in finding.message


def test_the_note_says_the_hosted_service_is_deprecated():
    assert "deprecated" in mistral.CHAT.note


def test_reading_a_written_line_gives_the_example_back():
    (line,) = mistral.CHAT.write(tools_example()).lines
    assert mistral.CHAT.read(json.loads(json_line(line))) == tools_example()


@pytest.mark.parametrize("kind,messages", [
    ("classification", [{"role": "user", "content": "Great phone"}, {"role": "assistant", "content": "positive"}]),
    ("generation", [{"role": "user", "content": "Describe: red mug"}, {"role": "assistant", "content": "A red mug."}]),
    ("chat", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
              {"role": "assistant", "content": "Hello!"}]),
    ("preference", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello!"}]),
])
def test_each_kind_is_a_messages_line(examples, kind, messages):
    assert mistral.CHAT.write(examples[kind]).lines == ({"messages": messages},)
