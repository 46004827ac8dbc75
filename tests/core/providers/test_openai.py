"""OpenAI shapes: today's three profiles byte for byte, the documented lines, rules and round trips."""

import json
from pathlib import Path

import pytest

from app.core.presets import get_preset
from app.core.profiles import PROFILES as TODAY
from app.core.profiles import jsonl_line
from app.core.project_settings import ExampleValues
from app.core.providers import openai
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, TextPair, Tool, ToolCall, Turn, from_canonical
from app.core.render import canonical

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden-lines.jsonl"
FORM_CASES = [(c["preset"], c["fields"], c["output"]) for c in map(json.loads, GOLDEN.read_text().splitlines())] + [
    ("chat", {"system": "Be brief."}, [["user", "Hi"], ["assistant", "Hello", 0], ["user", "More"], ["assistant", "Sure", 1]]),
    ("chat", {}, [{"role": "user", "content": "Ünïcode ✓"}, {"role": "assistant", "content": "ok", "weight": 1}]),
    ("preference", {"system": "S", "turns": [["user", "Q"], ["assistant", "A0"], ["user", "Q2"]]},
     {"preferred": "A", "non_preferred": "B"}),
]
WEATHER = Tool("get_current_weather", "Get the current weather", {
    "type": "object",
    "properties": {"location": {"type": "string", "description": "The city and country, eg. San Francisco, USA"},
                   "format": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["location", "format"]})
CALL = ToolCall("call_id", "get_current_weather", "{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}")


SAME_AS_TODAY = [(key, *case) for key in ("openai-legacy", "openai-chat", "openai-preference") for case in FORM_CASES
                 if get_preset(case[0]).settings.kind in TODAY[key].kinds]


@pytest.mark.parametrize("key,preset,fields,output", SAME_AS_TODAY)
def test_the_three_openai_profiles_write_what_the_app_writes_today(key, preset, fields, output):
    settings = get_preset(preset).settings
    form = canonical(settings, ExampleValues(fields=fields, output=output))
    today = [jsonl_line(r) for r in TODAY[key].build(form, "o200k_base")]
    profile = next(p for p in openai.PROFILES if p.key == key)
    assert [json_line(line) for line in profile.write(from_canonical(form, settings.kind)).lines] == today
    assert today


def test_chat_sft_with_weights_is_the_guides_line():
    example = Example("chat", (
        Turn("system", "Marv is a factual chatbot that is also sarcastic."),
        Turn("user", "What's the capital of France?"), Turn("assistant", "Paris", weight=0),
        Turn("user", "Can you be more sarcastic?"),
        Turn("assistant", "Paris, as if everyone doesn't know that already.", weight=1)))
    assert openai.CHAT_PROFILE.write(example).lines == ({"messages": [
        {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."},
        {"role": "user", "content": "What's the capital of France?"},
        {"role": "assistant", "content": "Paris", "weight": 0},
        {"role": "user", "content": "Can you be more sarcastic?"},
        {"role": "assistant", "content": "Paris, as if everyone doesn't know that already.", "weight": 1}]},)


def tool_example() -> Example:
    return Example("chat", (Turn("user", "What is the weather in San Francisco?"), Turn("assistant", tool_calls=(CALL,)),
                            Turn("tool", "21.0", call_id="call_id", name="get_current_weather"),
                            Turn("assistant", "It is 21 degrees.")), tools=(WEATHER,), parallel_tool_calls=False)


def test_tool_calling_sft_is_the_specs_line():
    assert openai.CHAT_PROFILE.write(tool_example()).lines == ({
        "messages": [
            {"role": "user", "content": "What is the weather in San Francisco?"},
            {"role": "assistant", "tool_calls": [{"id": "call_id", "type": "function", "function": {
                "name": "get_current_weather",
                "arguments": "{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}"}}]},
            {"role": "tool", "tool_call_id": "call_id", "content": "21.0"},
            {"role": "assistant", "content": "It is 21 degrees."}],
        "tools": [{"type": "function", "function": {"name": "get_current_weather", "description": "Get the current weather",
                   "parameters": {"type": "object", "properties": {
                       "location": {"type": "string", "description": "The city and country, eg. San Francisco, USA"},
                       "format": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                       "required": ["location", "format"]}}}],
        "parallel_tool_calls": False},)


def preference_example() -> Example:
    return Example("preference", (Turn("user", "Hello, can you tell me how cold San Francisco is today?"),),
                   Turn("assistant", "Today in San Francisco, it is not quite cold as expected."),
                   Turn("assistant", "It is not particularly cold in San Francisco today."))


def test_dpo_is_the_guides_line():
    assert openai.PREFERENCE.write(preference_example()).lines == ({
        "input": {"messages": [{"role": "user", "content": "Hello, can you tell me how cold San Francisco is today?"}]},
        "preferred_output": [{"role": "assistant", "content": "Today in San Francisco, it is not quite cold as expected."}],
        "non_preferred_output": [{"role": "assistant", "content": "It is not particularly cold in San Francisco today."}]},)


def test_legacy_is_the_guides_line():
    example = Example("classification", pairs=(TextPair("Overjoyed with the new iPhone! ->", " positive"),))
    assert openai.LEGACY.write(example).lines == ({"prompt": "Overjoyed with the new iPhone! ->", "completion": " positive"},)


def test_a_tool_call_without_an_id_is_refused_by_name():
    example = tool_example()
    turns = list(example.turns)
    turns[1] = Turn("assistant", tool_calls=(CALL._replace(id=""),))
    checked = openai.CHAT_PROFILE.check(example._replace(turns=tuple(turns)))
    assert checked.refused
    assert {f.code for f in checked.findings if f.level == "error"} == {"openai-tool-call-id", "openai-tool-result-unlinked"}
    assert not openai.CHAT_PROFILE.check(tool_example()).findings


def test_reasoning_is_dropped_with_a_warning():
    example = Example("chat", (Turn("user", "2+2?"), Turn("assistant", "4", reasoning="Add them.")))
    checked = openai.CHAT_PROFILE.check(example)
    assert checked.written.lines == ({"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]},)
    assert [(f.code, f.level) for f in checked.findings] == [("carry-reasoning", "warning")]
    assert "turn 2 (assistant)" in checked.findings[0].message


@pytest.mark.parametrize("profile,example", [
    (openai.CHAT_PROFILE, tool_example()),
    (openai.CHAT_PROFILE, Example("chat", (Turn("system", "S"), Turn("user", "Hi", name="ann"), Turn("assistant", "Yo", weight=0)))),
    (openai.PREFERENCE, preference_example()._replace(tools=(WEATHER,), parallel_tool_calls=True)),
    (openai.LEGACY, Example("generation", pairs=(TextPair("a\n\n###\n\n", " b END"),))),
])
def test_reading_a_written_line_gives_the_example_back(profile, example):
    (line,) = profile.write(example).lines
    assert profile.read(json.loads(json_line(line)), example.kind) == example


def test_the_file_needs_ten_examples_and_fits_in_512_mb():
    line = openai.CHAT_PROFILE.write(tool_example()).lines[0]
    assert [f.code for f in openai.CHAT_PROFILE.check_file([line] * 9)] == ["openai-min-examples"]
    assert openai.CHAT_PROFILE.check_file([line] * 10) == ()


def test_every_openai_profile_says_when_fine_tuning_stops():
    assert all("2027-01-06" in p.note for p in openai.PROFILES)


CHAT_LINES = {
    "classification": {"messages": [{"role": "user", "content": "Great phone"},
                                    {"role": "assistant", "content": "positive"}]},
    "generation": {"messages": [{"role": "user", "content": "Describe: red mug"},
                                {"role": "assistant", "content": "A red mug."}]},
    "chat": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                          {"role": "assistant", "content": "Hello!"}]},
    "preference": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "Hello!"}]},  # trained on the preferred reply
}


@pytest.mark.parametrize("kind", CHAT_LINES)
def test_each_kind_is_a_chat_line(examples, kind):
    assert openai.CHAT_PROFILE.write(examples[kind]).lines == (CHAT_LINES[kind],)


@pytest.mark.parametrize("kind,line", [
    ("classification", {"prompt": "Great phone ->", "completion": " positive"}),
    ("generation", {"prompt": "Describe: red mug\n\n###\n\n", "completion": " A red mug. END"}),
])
def test_each_kind_is_a_legacy_line(examples, kind, line):
    assert openai.LEGACY.write(examples[kind]).lines == (line,)


def test_a_preference_pair_is_a_dpo_line(examples):
    assert openai.PREFERENCE.write(examples["preference"]).lines == ({
        "input": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}]},)
