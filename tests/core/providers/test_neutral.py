"""The neutral example: today's canonical examples convert to it without losing what the form gave."""

from app.core.presets import get_preset
from app.core.project_settings import ExampleValues
from app.core.providers.neutral import (
    Example, TextPair, Tool, ToolCall, Turn, from_canonical, link_tool_results, tool_from_spec, turn_from_message,
)
from app.core.records import Canonical, Conversation
from app.core.render import canonical


def convert(preset: str, fields: dict, output) -> Example:
    settings = get_preset(preset).settings
    return from_canonical(canonical(settings, ExampleValues(fields=fields, output=output)), settings.kind)


def test_a_classification_example_keeps_its_exported_pair_and_its_conversation():
    example = convert("sentiment", {"text": "Overjoyed with the new iPhone!"}, "positive")
    assert example.kind == "classification"
    assert example.pairs == (TextPair("Overjoyed with the new iPhone! ->", " positive"),)
    assert example.turns == (Turn("user", "Overjoyed with the new iPhone!"), Turn("assistant", "positive"))


def test_a_chat_example_keeps_the_system_prompt_and_each_weight_as_typed():
    example = convert("chat", {"system": "Be brief."},
                      [["user", "Hi"], ["assistant", "Hello", 0], ["user", "More"], ["assistant", "Sure", 1.0]])
    assert example.turns == (
        Turn("system", "Be brief."), Turn("user", "Hi"), Turn("assistant", "Hello", weight=0),
        Turn("user", "More"), Turn("assistant", "Sure", weight=1.0),  # 1.0 stays, for the rules to refuse
    )
    assert example.pairs == () and example.chosen is None


def test_a_preference_example_is_its_input_and_two_assistant_replies():
    example = convert("preference", {"system": "S", "turns": [["user", "Q"]]}, {"preferred": "A", "non_preferred": "B"})
    assert example.turns == (Turn("system", "S"), Turn("user", "Q"))
    assert (example.chosen, example.rejected) == (Turn("assistant", "A"), Turn("assistant", "B"))
    assert example.conversation() == example.turns + (Turn("assistant", "A"),)


def test_tool_calls_reasoning_and_results_come_through_from_app_messages():
    messages = (
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "reasoning_content": "Look it up.",
         "tool_calls": [{"id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "21"},
    )
    tools = (tool_from_spec({"type": "function", "function": {"name": "get_weather", "description": "Weather",
                                                              "parameters": {"type": "object"}}}),)
    example = from_canonical(Canonical(conversation=Conversation(messages)), "chat", tools, parallel_tool_calls=False)
    assert example.turns[1] == Turn("assistant", reasoning="Look it up.",
                                    tool_calls=(ToolCall("call_1", "get_weather", "{\"city\": \"Paris\"}"),))
    assert example.turns[2] == Turn("tool", "21", call_id="call_1", name="get_weather")  # name from its call
    assert example.tools == (Tool("get_weather", "Weather", {"type": "object"}),)
    assert example.parallel_tool_calls is False and example.uses_tools()


def test_odd_messages_never_raise():
    assert turn_from_message({"role": 3, "content": ["part"], "tool_calls": "x"}) == Turn("", "[\"part\"]")


def test_results_without_ids_are_linked_to_calls_by_order():
    turns = (Turn("assistant", tool_calls=(ToolCall("", "a", "{}"), ToolCall("", "b", "{}"))),
             Turn("tool", "1"), Turn("tool", "2"))
    assert [t.name for t in link_tool_results(turns)] == ["", "a", "b"]
