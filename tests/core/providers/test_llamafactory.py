"""LLaMA-Factory: alpaca and sharegpt lines from data/README.md, positions, what is dropped, round trips."""

import json

import pytest

from app.core.providers import llamafactory
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, Tool, ToolCall, Turn

WEATHER = Tool("get_weather", "Get current weather", {"type": "object", "properties": {"city": {"type": "string"}},
                                                      "required": ["city"]})


def history_chat() -> Example:
    return Example("chat", (Turn("system", "system prompt"), Turn("user", "human instruction in the first round"),
                            Turn("assistant", "model response in the first round"), Turn("user", "human instruction"),
                            Turn("assistant", "model response")))


def weather_chat() -> Example:
    return Example("chat", (
        Turn("user", "What is the weather in Bengaluru right now?"),
        Turn("assistant", tool_calls=(ToolCall("", "get_weather", "{\"city\": \"Bengaluru\"}"),)),
        Turn("tool", "{\"temp_c\": 27, \"condition\": \"cloudy\"}", name="get_weather"),
        Turn("assistant", "It is 27 °C and cloudy in Bengaluru.")), tools=(WEATHER,))


def test_alpaca_is_the_readmes_line_with_history():
    assert llamafactory.ALPACA.write(history_chat()).lines == ({
        "instruction": "human instruction", "output": "model response", "system": "system prompt",
        "history": [["human instruction in the first round", "model response in the first round"]]},)


def test_alpaca_preference_has_chosen_and_rejected():
    example = Example("preference", (Turn("user", "human instruction"),), Turn("assistant", "chosen answer"),
                      Turn("assistant", "rejected answer"))
    assert llamafactory.ALPACA.write(example).lines == ({
        "instruction": "human instruction", "chosen": "chosen answer", "rejected": "rejected answer"},)


def test_sharegpt_with_tools_is_the_documented_line():
    assert llamafactory.SHAREGPT.write(weather_chat()).lines == ({
        "conversations": [
            {"from": "human", "value": "What is the weather in Bengaluru right now?"},
            {"from": "function_call", "value": "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Bengaluru\"}}"},
            {"from": "observation", "value": "{\"temp_c\": 27, \"condition\": \"cloudy\"}"},
            {"from": "gpt", "value": "It is 27 °C and cloudy in Bengaluru."}],
        "tools": "[{\"name\": \"get_weather\", \"description\": \"Get current weather\", \"parameters\": {\"type\": "
                 "\"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}]"},)


def test_sharegpt_preference_has_gpt_replies_after_the_last_human_turn():
    example = Example("preference", (Turn("user", "human instruction"), Turn("assistant", "model response"),
                                     Turn("user", "human instruction")),
                      Turn("assistant", "chosen answer"), Turn("assistant", "rejected answer"))
    checked = llamafactory.SHAREGPT.check(example)
    assert checked.written.lines == ({
        "conversations": [{"from": "human", "value": "human instruction"}, {"from": "gpt", "value": "model response"},
                          {"from": "human", "value": "human instruction"}],
        "chosen": {"from": "gpt", "value": "chosen answer"},
        "rejected": {"from": "gpt", "value": "rejected answer"}},)
    assert checked.findings == ()


def test_sharegpt_positions_refuse_two_observations_in_a_row():
    example = weather_chat()._replace(turns=weather_chat().turns[:3] + (Turn("tool", "again"),) + weather_chat().turns[3:])
    checked = llamafactory.SHAREGPT.check(example)
    assert checked.refused and [f.code for f in checked.findings] == ["llamafactory-sharegpt-positions"]


def test_alpaca_refuses_a_conversation_that_is_not_user_assistant_pairs():
    checked = llamafactory.ALPACA.check(weather_chat())
    assert checked.refused and [f.code for f in checked.findings] == ["carry-turn-order"]


def test_reasoning_weights_and_ids_are_dropped_and_system_turns_merged():
    example = Example("chat", (Turn("system", "A"), Turn("user", "Hi"), Turn("assistant", "Hello", reasoning="r", weight=0),
                               Turn("system", "B"), Turn("user", "Go"),
                               Turn("assistant", tool_calls=(ToolCall("c1", "f", "{}"),)), Turn("tool", "done", call_id="c1"),
                               Turn("assistant", "Done.")))
    written = llamafactory.SHAREGPT.write(example)
    assert [(n.code, n.effect) for n in written.notes] == [
        ("carry-system", "merged"), ("carry-reasoning", "dropped"), ("carry-weight", "dropped"),
        ("carry-tool-call-id", "dropped"), ("carry-tool-call-id", "dropped")]  # the call's id, then the result's
    assert written.lines[0]["system"] == "A\n\nB"


@pytest.mark.parametrize("profile,example", [
    (llamafactory.ALPACA, history_chat()),
    (llamafactory.ALPACA, Example("preference", history_chat().turns[:-1], Turn("assistant", "yes"), Turn("assistant", "no"))),
    (llamafactory.SHAREGPT, weather_chat()),
    (llamafactory.SHAREGPT, Example("chat", (Turn("user", "Two at once?"), Turn("assistant", tool_calls=(
        ToolCall("", "a", "{\"x\": 1}"), ToolCall("", "b", "{}"))), Turn("tool", "[1, 2]", name="a"),
        Turn("assistant", "Both done.")))),
    (llamafactory.SHAREGPT, Example("preference", history_chat().turns[:-1], Turn("assistant", "yes"), Turn("assistant", "no"))),
])
def test_reading_a_written_line_gives_the_example_back(profile, example):
    (line,) = profile.write(example).lines
    assert profile.read(json.loads(json_line(line)), example.kind) == example


@pytest.mark.parametrize("kind,alpaca,sharegpt", [
    ("classification", {"instruction": "Great phone", "output": "positive"},
     {"conversations": [{"from": "human", "value": "Great phone"}, {"from": "gpt", "value": "positive"}]}),
    ("generation", {"instruction": "Describe: red mug", "output": "A red mug."},
     {"conversations": [{"from": "human", "value": "Describe: red mug"}, {"from": "gpt", "value": "A red mug."}]}),
    ("chat", {"instruction": "Hi", "output": "Hello!", "system": "Be brief."},
     {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}], "system": "Be brief."}),
    ("preference", {"instruction": "Hi", "chosen": "Hello!", "rejected": "Go away.", "system": "Be brief."},
     {"conversations": [{"from": "human", "value": "Hi"}], "chosen": {"from": "gpt", "value": "Hello!"},
      "rejected": {"from": "gpt", "value": "Go away."}, "system": "Be brief."}),
])
def test_each_kind_is_an_alpaca_and_a_sharegpt_line(examples, kind, alpaca, sharegpt):
    assert llamafactory.ALPACA.write(examples[kind]).lines == (alpaca,)
    assert llamafactory.SHAREGPT.write(examples[kind]).lines == (sharegpt,)
