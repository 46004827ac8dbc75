"""The OpenAI-style message codec: what each style writes, notes and refuses to read."""

import pytest

from app.core.providers.base import ShapeError
from app.core.providers.messages import MessageStyle, decode, encode
from app.core.providers.neutral import ToolCall, Turn

OPENAI = MessageStyle("OpenAI chat", participant_names=True)
TRL = MessageStyle("TRL", reasoning_key="reasoning_content", weight_key=None, call_ids=False,
                   arguments_as_object=True, result_name=True)
FLAG = MessageStyle("Axolotl", weight_key="train", weight_as_flag=True)
NO_TOOLS = MessageStyle("Plain", tool_calls=False)
CALL = ToolCall("call_1", "add", "{\"a\": 1}")


def test_an_openai_assistant_turn_with_calls_has_no_content_key():
    notes = []
    assert encode(Turn("assistant", tool_calls=(CALL,), weight=1), 2, OPENAI, notes) == {
        "role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                                             "function": {"name": "add", "arguments": "{\"a\": 1}"}}], "weight": 1}
    assert notes == []


def test_trl_writes_object_arguments_names_results_and_drops_ids_and_zero_weights():
    notes = []
    assert encode(Turn("assistant", "ok", reasoning="r", tool_calls=(CALL,), weight=0), 1, TRL, notes) == {
        "role": "assistant", "reasoning_content": "r", "content": "ok",
        "tool_calls": [{"type": "function", "function": {"name": "add", "arguments": {"a": 1}}}]}
    assert [(n.code, n.effect) for n in notes] == [("carry-tool-call-id", "dropped"), ("carry-weight", "dropped")]
    assert encode(Turn("tool", "2", call_id="call_1", name="add"), 2, TRL, notes) == {"role": "tool", "name": "add",
                                                                                    "content": "2"}


def test_a_training_flag_holds_only_zero_or_one():
    notes = []
    assert encode(Turn("assistant", "a", weight=0), 0, FLAG, notes) == {"role": "assistant", "content": "a", "train": False}
    encode(Turn("assistant", "a", weight=1.0), 3, FLAG, notes)
    assert [(n.code, n.effect) for n in notes] == [("carry-weight", "refused")] and "turn 4" in notes[0].message


def test_what_a_style_cannot_carry_is_refused_or_dropped_by_name():
    notes = []
    encode(Turn("assistant", "a", tool_calls=(CALL,)), 0, NO_TOOLS, notes)
    encode(Turn("critic", "b"), 1, OPENAI, notes)
    encode(Turn("user", "c", name="ann"), 2, NO_TOOLS, notes)
    assert [(n.code, n.effect) for n in notes] == [
        ("carry-tool-calls", "refused"), ("carry-role", "refused"), ("carry-name", "dropped")]


@pytest.mark.parametrize("style,message", [
    (OPENAI, {"role": "assistant", "content": "a", "reasoning_content": "r"}),  # OpenAI has no reasoning key
    (TRL, {"role": "assistant", "content": "a", "weight": 1}),  # TRL has no weight
    (FLAG, {"role": "assistant", "content": "a", "train": 1}),  # the flag is a boolean
    (NO_TOOLS, {"role": "tool", "content": "2"}),
    (OPENAI, {"role": "user", "content": ["parts"]}),
    (OPENAI, {"role": "user"}),
    (TRL, {"role": "assistant", "tool_calls": [{"id": "x", "type": "function", "function": {"name": "f", "arguments": {}}}]}),
])
def test_decoding_is_strict_about_keys_and_types(style, message):
    with pytest.raises(ShapeError):
        decode(message, style)


def test_decoding_reads_back_what_encoding_wrote():
    turn = Turn("assistant", "ok", reasoning="r", tool_calls=(ToolCall("", "add", "{\"a\": 1}"),))
    assert decode(encode(turn, 0, TRL, []), TRL) == turn
    assert decode({"role": "assistant", "content": None, "tool_calls": []}, OPENAI) == Turn("assistant")


def test_optional_keys_that_sdks_write_as_null_are_read_as_absent():
    message = {"role": "assistant", "content": "Hi", "name": None, "tool_calls": None, "function_call": None}
    assert decode(message, OPENAI) == Turn("assistant", "Hi")
    assert decode({"role": "user", "content": "Hi", "name": None, "weight": None}, TRL) == Turn("user", "Hi")
    with pytest.raises(ShapeError):  # a function_call with a value is still not part of the shape
        decode({"role": "assistant", "content": "Hi", "function_call": {"name": "f"}}, OPENAI)
    with pytest.raises(ShapeError):  # nor is a null required value
        decode({"role": None, "content": "Hi"}, OPENAI)
