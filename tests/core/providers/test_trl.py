"""Hugging Face TRL: the dataset_formats.md lines, what each shape refuses or drops, round trips."""

import json

import pytest

from app.core.providers import trl
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, TextPair, Tool, ToolCall, Turn

SKY = (Turn("user", "What color is the sky?"), Turn("assistant", "It is blue."))
LIGHT = Tool("control_light", "Controls the lights in a room.", {
    "type": "object",
    "properties": {"room": {"type": "string", "description": "The name of the room."},
                   "state": {"type": "string", "description": "The desired state of the light (\"on\" or \"off\")."}},
    "required": ["room", "state"]})


def lights() -> Example:
    return Example("chat", (
        Turn("user", "Turn on the living room lights."),
        Turn("assistant", tool_calls=(ToolCall("", "control_light", "{\"room\": \"living room\", \"state\": \"on\"}"),)),
        Turn("tool", "The lights in the living room are now on.", name="control_light"),
        Turn("assistant", "Done!")), tools=(LIGHT,))


def sky_preference(*turns: Turn) -> Example:
    return Example("preference", turns or (Turn("user", "What color is the sky?"),),
                   Turn("assistant", "It is blue."), Turn("assistant", "It is green."))


def test_conversational_language_modeling_is_the_documented_line():
    assert trl.MESSAGES.write(Example("chat", SKY)).lines == ({"messages": [
        {"role": "user", "content": "What color is the sky?"}, {"role": "assistant", "content": "It is blue."}]},)


def test_tool_calling_is_the_documented_line():
    assert trl.MESSAGES.write(lights()).lines == ({
        "messages": [
            {"role": "user", "content": "Turn on the living room lights."},
            {"role": "assistant", "tool_calls": [{"type": "function", "function": {
                "name": "control_light", "arguments": {"room": "living room", "state": "on"}}}]},
            {"role": "tool", "name": "control_light", "content": "The lights in the living room are now on."},
            {"role": "assistant", "content": "Done!"}],
        "tools": [{"type": "function", "function": {
            "name": "control_light", "description": "Controls the lights in a room.",
            "parameters": {"type": "object", "properties": {
                "room": {"type": "string", "description": "The name of the room."},
                "state": {"type": "string", "description": "The desired state of the light (\"on\" or \"off\")."}},
                "required": ["room", "state"]}}}]},)


def test_prompt_completion_and_preference_are_the_documented_lines():
    pair = Example("generation", pairs=(TextPair("The sky is", " blue."),))
    assert trl.PROMPT_COMPLETION.write(pair).lines == ({"prompt": "The sky is", "completion": " blue."},)
    assert trl.PROMPT_COMPLETION_CHAT.write(Example("chat", SKY)).lines == ({
        "prompt": [{"role": "user", "content": "What color is the sky?"}],
        "completion": [{"role": "assistant", "content": "It is blue."}]},)
    standard = Example("preference", (Turn("user", "The sky is"),), Turn("assistant", " blue."), Turn("assistant", " green."))
    assert trl.PREFERENCE.write(standard).lines == ({"prompt": "The sky is", "chosen": " blue.", "rejected": " green."},)
    assert trl.PREFERENCE_CHAT.write(sky_preference()).lines == ({
        "prompt": [{"role": "user", "content": "What color is the sky?"}],
        "chosen": [{"role": "assistant", "content": "It is blue."}],
        "rejected": [{"role": "assistant", "content": "It is green."}]},)


def test_reasoning_is_written_for_qwen3s_template_with_a_warning():
    example = Example("chat", (SKY[0], SKY[1]._replace(reasoning="Rayleigh scattering.")))
    checked = trl.MESSAGES.check(example)
    assert checked.written.lines[0]["messages"][1]["reasoning_content"] == "Rayleigh scattering."
    assert [(f.code, f.level) for f in checked.findings] == [("trl-reasoning-template", "warning")]


def test_a_zero_weight_is_dropped_with_a_warning():
    example = Example("chat", SKY + (Turn("user", "Sure?"), Turn("assistant", "Yes.")))
    example = example._replace(turns=(example.turns[0], example.turns[1]._replace(weight=0)) + example.turns[2:])
    assert [(f.code, f.level) for f in trl.MESSAGES.check(example).findings] == [("carry-weight", "warning")]


@pytest.mark.parametrize("profile,example,code", [
    (trl.MESSAGES, lights()._replace(turns=(lights().turns[0], Turn("assistant", tool_calls=(
        ToolCall("", "control_light", "room=living"),)))), "carry-tool-arguments"),
    (trl.PROMPT_COMPLETION, Example("chat", SKY), "carry-kind"),
    (trl.PROMPT_COMPLETION_CHAT, Example("chat", SKY + (Turn("user", "Why?"),)), "carry-turn-order"),
    (trl.PREFERENCE, sky_preference(Turn("system", "Be brief."), Turn("user", "What color is the sky?")), "carry-turn-order"),
    (trl.PREFERENCE_CHAT, sky_preference(Turn("user", "Hi"), Turn("critic", "Hm")), "carry-role"),
])
def test_an_example_the_shape_cannot_hold_is_refused_by_name(profile, example, code):
    checked = profile.check(example)
    assert checked.refused and code in {f.code for f in checked.findings if f.level == "error"}
    assert checked.written.lines == ()


def test_earlier_assistant_turns_go_untrained_into_the_prompt_and_that_is_said():
    example = Example("chat", SKY + (Turn("user", "Why?"), Turn("assistant", "Scattering.")))
    written = trl.PROMPT_COMPLETION_CHAT.write(example)
    assert len(written.lines[0]["prompt"]) == 3 and [n.code for n in written.notes] == ["carry-weight"]


@pytest.mark.parametrize("profile,example", [
    (trl.MESSAGES, lights()),
    (trl.MESSAGES, Example("chat", (Turn("system", "Be kind."),) + SKY)),
    (trl.PROMPT_COMPLETION, Example("generation", pairs=(TextPair("The sky is", " blue."),))),
    (trl.PROMPT_COMPLETION_CHAT, lights()),
    (trl.PREFERENCE, sky_preference()),
    (trl.PREFERENCE_CHAT, sky_preference(Turn("system", "Be brief."), Turn("user", "Sky colour?"))._replace(tools=(LIGHT,))),
])
def test_reading_a_written_line_gives_the_example_back(profile, example):
    (line,) = profile.write(example).lines
    assert profile.read(json.loads(json_line(line)), example.kind) == example


USER = {"role": "user", "content": "Hi"}
SYSTEM = {"role": "system", "content": "Be brief."}
HELLO = {"role": "assistant", "content": "Hello!"}
KIND_MESSAGES = {
    "classification": [{"role": "user", "content": "Great phone"}, {"role": "assistant", "content": "positive"}],
    "generation": [{"role": "user", "content": "Describe: red mug"}, {"role": "assistant", "content": "A red mug."}],
    "chat": [SYSTEM, USER, HELLO],
    "preference": [SYSTEM, USER, HELLO],
}


@pytest.mark.parametrize("kind", KIND_MESSAGES)
def test_each_kind_is_a_messages_line_and_a_conversational_prompt_completion_line(examples, kind):
    messages = KIND_MESSAGES[kind]
    assert trl.MESSAGES.write(examples[kind]).lines == ({"messages": messages},)
    assert trl.PROMPT_COMPLETION_CHAT.write(examples[kind]).lines == ({"prompt": messages[:-1],
                                                                       "completion": messages[-1:]},)


@pytest.mark.parametrize("kind,line", [
    ("classification", {"prompt": "Great phone ->", "completion": " positive"}),
    ("generation", {"prompt": "Describe: red mug\n\n###\n\n", "completion": " A red mug. END"}),
])
def test_each_kind_is_a_standard_prompt_completion_line(examples, kind, line):
    assert trl.PROMPT_COMPLETION.write(examples[kind]).lines == (line,)


def test_a_preference_pair_is_a_conversational_preference_line(examples):
    assert trl.PREFERENCE_CHAT.write(examples["preference"]).lines == ({
        "prompt": [SYSTEM, USER], "chosen": [HELLO], "rejected": [{"role": "assistant", "content": "Go away."}]},)
