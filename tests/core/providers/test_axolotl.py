"""Axolotl: chat_template lines with the per-turn training flag, the DPO shape, round trips."""

import json

import pytest

from app.core.providers import axolotl
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, Tool, ToolCall, Turn


def conversation() -> Example:
    return Example("chat", (
        Turn("system", "You are an AI assistant."), Turn("user", "Hello"), Turn("assistant", "Hello", weight=0),
        Turn("user", "How are you?"), Turn("assistant", "I'm doing very well, thank you!", weight=1)))


def test_the_training_flag_is_the_docs_train_field():
    assert axolotl.CHAT_TEMPLATE.write(conversation()).lines == ({"messages": [
        {"role": "system", "content": "You are an AI assistant."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hello", "train": False},
        {"role": "user", "content": "How are you?"},
        {"role": "assistant", "content": "I'm doing very well, thank you!", "train": True}]},)


def test_tool_calls_keep_json_text_arguments_and_reasoning_is_reasoning_content():
    example = Example("chat", (Turn("user", "Add 1 and 2"),
                               Turn("assistant", reasoning="Use add.", tool_calls=(ToolCall("", "add", "{\"a\": 1, \"b\": 2}"),)),
                               Turn("tool", "3", name="add"), Turn("assistant", "3")),
                      tools=(Tool("add", "Add two numbers", {"type": "object"}),))
    checked = axolotl.CHAT_TEMPLATE.check(example)
    assert checked.written.lines == ({
        "messages": [
            {"role": "user", "content": "Add 1 and 2"},
            {"role": "assistant", "reasoning_content": "Use add.", "tool_calls": [
                {"type": "function", "function": {"name": "add", "arguments": "{\"a\": 1, \"b\": 2}"}}]},
            {"role": "tool", "content": "3"},
            {"role": "assistant", "content": "3"}],
        "tools": [{"type": "function", "function": {"name": "add", "description": "Add two numbers",
                                                    "parameters": {"type": "object"}}}]},)
    assert [(f.code, f.level) for f in checked.findings] == [("axolotl-reasoning-template", "warning")]


def dpo() -> Example:
    return Example("preference", (Turn("system", "Be helpful."), Turn("user", "Name a colour.")),
                   Turn("assistant", "Blue."), Turn("assistant", "No."))


def test_dpo_replies_are_single_message_objects():
    assert axolotl.DPO_PROFILE.write(dpo()).lines == ({
        "messages": [{"role": "system", "content": "Be helpful."}, {"role": "user", "content": "Name a colour."}],
        "chosen": {"role": "assistant", "content": "Blue."},
        "rejected": {"role": "assistant", "content": "No."}},)


@pytest.mark.parametrize("profile,example,code", [
    (axolotl.CHAT_TEMPLATE, Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello", weight=2))), "carry-weight"),
    (axolotl.DPO_PROFILE, dpo()._replace(turns=(Turn("user", "Hi"), Turn("assistant", tool_calls=(ToolCall("", "f", "{}"),)),
                                                Turn("tool", "ok"))), "carry-tool-calls"),
])
def test_an_example_the_shape_cannot_hold_is_refused_by_name(profile, example, code):
    checked = profile.check(example)
    assert checked.refused and {f.code for f in checked.findings if f.level == "error"} == {code}


def test_an_untrained_last_turn_is_warned_about():
    example = Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello", weight=0)))
    assert [f.code for f in axolotl.CHAT_TEMPLATE.check(example).findings] == ["axolotl-last-not-trained"]


@pytest.mark.parametrize("profile,example", [(axolotl.CHAT_TEMPLATE, conversation()), (axolotl.DPO_PROFILE, dpo())])
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
def test_each_kind_is_a_chat_template_line(examples, kind, messages):
    assert axolotl.CHAT_TEMPLATE.write(examples[kind]).lines == ({"messages": messages},)


def test_a_preference_pair_is_a_dpo_line(examples):
    assert axolotl.DPO_PROFILE.write(examples["preference"]).lines == ({
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "chosen": {"role": "assistant", "content": "Hello!"}, "rejected": {"role": "assistant", "content": "Go away."}},)
