"""Fireworks: chat SFT with reasoning_content and DPO, their rules and round trips."""

import json

import pytest

from app.core.providers import fireworks
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, Tool, ToolCall, Turn

CHAT = Example("chat", (Turn("system", "You are a helpful assistant."), Turn("user", "What is 2 + 2?"),
                        Turn("assistant", "4", reasoning="2 plus 2 is 4.", weight=1)))
DPO = Example("preference", (Turn("user", "Write a haiku about rain."),),
              Turn("assistant", "Soft rain on the roof"), Turn("assistant", "Rain."))


def test_chat_is_the_documented_line_with_reasoning_content():
    assert fireworks.CHAT_PROFILE.write(CHAT).lines == ({"messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "reasoning_content": "2 plus 2 is 4.", "content": "4", "weight": 1}]},)


def test_dpo_is_the_openai_preference_line():
    assert fireworks.DPO_PROFILE.write(DPO).lines == ({
        "input": {"messages": [{"role": "user", "content": "Write a haiku about rain."}]},
        "preferred_output": [{"role": "assistant", "content": "Soft rain on the roof"}],
        "non_preferred_output": [{"role": "assistant", "content": "Rain."}]},)


def test_a_system_message_after_the_first_is_refused_by_name():
    example = CHAT._replace(turns=CHAT.turns[1:] + (Turn("system", "Now be terse."),))
    assert [f.code for f in fireworks.CHAT_PROFILE.check(example).findings if f.level == "error"] == [
        "fireworks-system-not-first"]


def test_a_multi_turn_dpo_input_is_refused_by_name():
    example = DPO._replace(turns=(Turn("user", "Hi"), Turn("assistant", "Hello"), Turn("user", "A haiku?")))
    assert [f.code for f in fireworks.DPO_PROFILE.check(example).findings] == ["fireworks-dpo-multi-turn"]


def test_dpo_replies_lose_their_reasoning_with_a_warning():
    example = DPO._replace(chosen=DPO.chosen._replace(reasoning="Think of rain."))
    assert [(f.code, f.level) for f in fireworks.DPO_PROFILE.check(example).findings] == [("carry-reasoning", "warning")]


def test_the_file_holds_three_to_three_million_examples():
    line = fireworks.CHAT_PROFILE.write(CHAT).lines[0]
    assert [f.code for f in fireworks.CHAT_PROFILE.check_file([line] * 2)] == ["fireworks-example-count"]
    assert fireworks.CHAT_PROFILE.check_file([line] * 3) == ()


@pytest.mark.parametrize("profile,example", [
    (fireworks.CHAT_PROFILE, CHAT),
    (fireworks.CHAT_PROFILE, Example("chat", (Turn("user", "Sum 1 and 2"),
                                              Turn("assistant", tool_calls=(ToolCall("c1", "add", "{\"a\": 1, \"b\": 2}"),)),
                                              Turn("tool", "3", call_id="c1", name="add"), Turn("assistant", "3")),
                                     tools=(Tool("add", "Add two numbers", {"type": "object"}),))),
    (fireworks.DPO_PROFILE, DPO._replace(tools=(Tool("add", "Add", {"type": "object"}),))),
])
def test_reading_a_written_line_gives_the_example_back(profile, example):
    (line,) = profile.write(example).lines
    assert profile.read(json.loads(json_line(line)), example.kind) == example


@pytest.mark.parametrize("kind,messages", [
    ("classification", [{"role": "user", "content": "Great phone"}, {"role": "assistant", "content": "positive"}]),
    ("generation", [{"role": "user", "content": "Describe: red mug"}, {"role": "assistant", "content": "A red mug."}]),
    ("chat", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
              {"role": "assistant", "content": "Hello!"}]),
    ("preference", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello!"}]),
])
def test_each_kind_is_a_chat_line(examples, kind, messages):
    assert fireworks.CHAT_PROFILE.write(examples[kind]).lines == ({"messages": messages},)


def test_a_preference_pair_is_a_dpo_line(examples):
    assert fireworks.DPO_PROFILE.write(examples["preference"]).lines == ({
        "input": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}]},)
