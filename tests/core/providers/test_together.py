"""Together shapes: the documented lines, the rules, round trips, and together==2.14.0's own checker."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from together.lib.utils.files import check_file

from app.core.providers import together
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, TextPair, Tool, ToolCall, Turn

WEATHER = Tool("getCurrentWeather", "Get the current weather in a given location",
               {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]})
CALL = ToolCall("call_abc123", "getCurrentWeather", "{\"location\": \"San Francisco, CA\"}")
REASONING = ("The user is asking about the capital of France. France is a country in Western Europe. Its capital "
             "city is Paris, which has been the capital since the 10th century.")


def chat() -> Example:
    return Example("chat", (
        Turn("system", "This is a system prompt."), Turn("user", "Hello, how are you?"),
        Turn("assistant", "I'm doing well, thank you! How can I help you?"),
        Turn("user", "Can you explain machine learning?"), Turn("assistant", "Machine learning is...")))


def reasoned() -> Example:
    return Example("chat", (Turn("user", "What is the capital of France?"),
                            Turn("assistant", "The capital of France is Paris.", reasoning=REASONING, weight=1)))


def tool_chat() -> Example:
    return Example("chat", (
        Turn("system", "You are a helpful travel planning assistant."),
        Turn("user", "What is the current temperature in San Francisco?"), Turn("assistant", tool_calls=(CALL,)),
        Turn("tool", "{\"temperature\": 15, \"unit\": \"celsius\"}", call_id="call_abc123", name="getCurrentWeather"),
        Turn("assistant", "It is 15 degrees Celsius in San Francisco.")), tools=(WEATHER,))


def preference() -> Example:
    return Example("preference", (Turn("user", "What is the capital of France?"),),
                   Turn("assistant", "The capital of France is Paris.", reasoning=REASONING),
                   Turn("assistant", "The capital of France is Lyon.", reasoning="France's capital is Lyon."))


def test_conversational_is_the_data_preparation_line():
    assert together.CHAT_PROFILE.write(chat()).lines == ({"messages": [
        {"role": "system", "content": "This is a system prompt."},
        {"role": "user", "content": "Hello, how are you?"},
        {"role": "assistant", "content": "I'm doing well, thank you! How can I help you?"},
        {"role": "user", "content": "Can you explain machine learning?"},
        {"role": "assistant", "content": "Machine learning is..."}]},)


def test_weights_go_on_any_message_as_in_the_docs():
    example = Example("chat", (Turn("user", "Question A", weight=0), Turn("assistant", "Answer A", weight=1)))
    assert together.CHAT_PROFILE.write(example).lines == ({"messages": [
        {"role": "user", "content": "Question A", "weight": 0},
        {"role": "assistant", "content": "Answer A", "weight": 1}]},)


def test_reasoning_is_the_reasoning_field_of_the_docs():
    assert together.CHAT_PROFILE.write(reasoned()).lines == ({"messages": [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "reasoning": REASONING, "content": "The capital of France is Paris.", "weight": 1}]},)


def test_tool_calls_are_written_only_by_the_tools_profile():
    assert together.CHAT_TOOLS_PROFILE.write(tool_chat()).lines == ({
        "messages": [
            {"role": "system", "content": "You are a helpful travel planning assistant."},
            {"role": "user", "content": "What is the current temperature in San Francisco?"},
            {"role": "assistant", "tool_calls": [{"id": "call_abc123", "type": "function", "function": {
                "name": "getCurrentWeather", "arguments": "{\"location\": \"San Francisco, CA\"}"}}]},
            {"role": "tool", "tool_call_id": "call_abc123", "content": "{\"temperature\": 15, \"unit\": \"celsius\"}"},
            {"role": "assistant", "content": "It is 15 degrees Celsius in San Francisco."}],
        "tools": [{"type": "function", "function": {
            "name": "getCurrentWeather", "description": "Get the current weather in a given location",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]},)
    refused = together.CHAT_PROFILE.write(tool_chat())
    assert refused.lines == () and {n.code for n in refused.notes} == {"carry-tool-calls", "carry-tools"}


def test_instruction_and_preference_are_the_documented_lines():
    pair = Example("generation", pairs=(TextPair("Translate to French: Hello ->", " Bonjour END"),))
    assert together.INSTRUCTION.write(pair).lines == ({"prompt": "Translate to French: Hello ->", "completion": " Bonjour END"},)
    assert together.PREFERENCE.write(preference()).lines == ({
        "input": {"messages": [{"role": "user", "content": "What is the capital of France?"}]},
        "preferred_output": [{"role": "assistant", "reasoning": REASONING, "content": "The capital of France is Paris."}],
        "non_preferred_output": [{"role": "assistant", "reasoning": "France's capital is Lyon.",
                                  "content": "The capital of France is Lyon."}]},)


def test_two_user_turns_in_a_row_are_merged_with_a_note():
    example = Example("chat", (Turn("user", "Here is the photo."), Turn("user", "What is it?"), Turn("assistant", "A cat.")))
    written = together.CHAT_PROFILE.write(example)
    assert written.lines[0]["messages"][0] == {"role": "user", "content": "Here is the photo.\n\nWhat is it?"}
    assert [(n.code, n.effect) for n in written.notes] == [("carry-user-turns", "merged")]
    assert "turn 2 (user)" in written.notes[0].message


def test_two_assistant_turns_in_a_row_are_refused_by_name():
    example = Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello."), Turn("assistant", "How can I help?")))
    checked = together.CHAT_PROFILE.check(example)
    assert checked.refused and [f.code for f in checked.findings] == ["together-role-repeated"]


def test_a_preference_input_ending_with_the_assistant_is_refused():
    example = preference()._replace(turns=(Turn("user", "Hi"), Turn("assistant", "Hello")))
    assert "together-pref-input-ends-assistant" in {f.code for f in together.PREFERENCE.check(example).findings}


def test_reasoning_before_the_last_reply_is_warned_about():
    example = Example("chat", reasoned().turns + (Turn("user", "And Spain?"), Turn("assistant", "Madrid.", reasoning="Spain.")))
    assert [(f.code, f.level) for f in together.CHAT_PROFILE.check(example).findings] == [
        ("together-reasoning-not-last", "warning")]


@pytest.mark.parametrize("profile,example", [
    (together.CHAT_PROFILE, chat()), (together.CHAT_PROFILE, reasoned()),
    (together.CHAT_TOOLS_PROFILE, tool_chat()), (together.PREFERENCE, preference()),
    (together.INSTRUCTION, Example("generation", pairs=(TextPair("p ->", " c"),))),
])
def test_reading_a_written_line_gives_the_example_back(profile, example):
    (line,) = profile.write(example).lines
    assert profile.read(json.loads(json_line(line)), example.kind) == example


def together_check(tmp_path, monkeypatch, profile, lines, name="data.jsonl"):
    monkeypatch.setenv("TOGETHER_DISABLE_TQDM", "true")
    path = tmp_path / name
    path.write_bytes(profile.file_bytes(lines))
    return check_file(path)


EXPORTS = {
    "together-chat": [chat(), reasoned(), Example("classification", (Turn("user", "Great!"), Turn("assistant", "positive"))),
                      Example("chat", (Turn("user", "a"), Turn("user", "b"), Turn("assistant", "c", weight=0)))],
    "together-chat-tools": [tool_chat(), chat()],
    "together-instruction": [Example("generation", pairs=(TextPair("Q: 2+2?\n\n###\n\n", " 4 END"),
                                                          TextPair("Ünïcode ✓ ->", " ok")))],
    "together-preference": [preference(), preference()._replace(turns=(Turn("system", "Be exact."), Turn("user", "Hi")))],
}


@pytest.mark.parametrize("key", EXPORTS)
def test_togethers_checker_passes_every_line_we_write(tmp_path, monkeypatch, key):
    profile = next(p for p in together.PROFILES if p.key == key)
    lines = [line for example in EXPORTS[key] for line in profile.write(example).lines]
    report = together_check(tmp_path, monkeypatch, profile, lines)
    assert report["is_check_passed"], report["message"]
    assert report["num_samples"] == len(lines) and profile.check_file(lines) == ()


def test_togethers_checker_and_our_file_rules_refuse_an_extra_key(tmp_path, monkeypatch):
    bad = [*together.CHAT_PROFILE.write(chat()).lines, {**together.CHAT_PROFILE.write(reasoned()).lines[0], "id": 7}]
    report = together_check(tmp_path, monkeypatch, together.CHAT_PROFILE, bad)
    assert not report["is_check_passed"] and "extra column" in report["message"]
    assert [f.code for f in together.CHAT_PROFILE.check_file(bad)] == ["together-extra-key"]


def test_togethers_checker_and_our_file_rules_refuse_mixed_formats(tmp_path, monkeypatch):
    mixed = [*together.CHAT_PROFILE.write(chat()).lines, {"prompt": "p", "completion": "c"}]
    report = together_check(tmp_path, monkeypatch, together.CHAT_PROFILE, mixed)
    assert not report["is_check_passed"] and "same dataset format" in report["message"]
    assert [f.code for f in together.CHAT_PROFILE.check_file(mixed)] == ["together-mixed-formats"]


CONVERSATIONS = {
    "classification": {"messages": [{"role": "user", "content": "Great phone"},
                                    {"role": "assistant", "content": "positive"}]},
    "generation": {"messages": [{"role": "user", "content": "Describe: red mug"},
                                {"role": "assistant", "content": "A red mug."}]},
    "chat": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                          {"role": "assistant", "content": "Hello!"}]},
    "preference": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "Hello!"}]},
}


@pytest.mark.parametrize("kind", CONVERSATIONS)
@pytest.mark.parametrize("profile", [together.CHAT_PROFILE, together.CHAT_TOOLS_PROFILE], ids=lambda p: p.key)
def test_each_kind_is_a_conversational_line(examples, profile, kind):
    assert profile.write(examples[kind]).lines == (CONVERSATIONS[kind],)


@pytest.mark.parametrize("kind,line", [
    ("classification", {"prompt": "Great phone ->", "completion": " positive"}),
    ("generation", {"prompt": "Describe: red mug\n\n###\n\n", "completion": " A red mug. END"}),
])
def test_each_kind_is_an_instruction_line(examples, kind, line):
    assert together.INSTRUCTION.write(examples[kind]).lines == (line,)


def test_a_preference_pair_is_a_preference_line(examples):
    assert together.PREFERENCE.write(examples["preference"]).lines == ({
        "input": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}]},)


@pytest.mark.parametrize("profile", together.PROFILES, ids=lambda p: p.key)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_line_our_rules_let_through_passes_togethers_checker(tmp_path, monkeypatch, generated_examples,
                                                                    profile, data):
    example = data.draw(generated_examples(profile.kinds))
    checked = profile.check(example)
    if checked.written.lines and not checked.refused:
        report = together_check(tmp_path, monkeypatch, profile, checked.written.lines)
        assert report["is_check_passed"], report["message"]
