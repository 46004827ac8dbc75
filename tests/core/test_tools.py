"""Project tools (app.core.tools) through the one render path: the definitions an owner may save,
the exported lines and token counts that carry them, and the arguments checks."""

import json

import pytest

from app.core import tokens
from app.core.evaluate import evaluate
from app.core.presets import get_preset
from app.core.project_settings import ExampleValues, ProjectSettings
from app.core.tools import DefinitionError, argument_problems, parse_definitions, project_tools

PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"},
                                               "days": {"type": "integer", "minimum": 1}}, "required": ["city"]}
WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
                                            "parameters": PARAMETERS}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
TURNS = [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "reasoning_content": "I should call the weather tool.", "tool_calls": [CALL]},
    {"role": "tool", "content": '{"temp_c": 18}', "tool_call_id": "call_1"},
    {"role": "assistant", "content": "It is 18 °C."},
]


def chat_settings(**changes) -> ProjectSettings:
    return get_preset("chat").settings.with_changes(tools=(WEATHER,), **changes)


def lines(settings: ProjectSettings, turns, profile: str) -> list[dict]:
    return [json.loads(line) for line in evaluate(settings, ExampleValues({"system": "Be brief."}, turns), profile).lines]


def test_bare_and_openai_style_definitions_are_stored_openai_style():
    bare = json.dumps([{"name": "get_weather", "description": "Current weather", "parameters": PARAMETERS}])
    assert parse_definitions(bare) == parse_definitions(json.dumps([WEATHER])) == (WEATHER,)
    assert parse_definitions("  ") == ()
    assert parse_definitions('{"name": "ping"}')[0]["function"]["parameters"] == {"type": "object", "properties": {}}


@pytest.mark.parametrize("text, message", [
    ("[{]", "Line 1, column 3: not valid JSON"),
    ('[{"name": "a b"}]', "Tool 1: the name 'a b' must be 1 to 64 letters"),
    ('[{"name": "' + "x" * 65 + '"}]', "must be 1 to 64 letters"),
    ('[{"name": "a"}, {"name": "a"}]', "Tool 2: the name 'a' is already used"),
    ('[{"name": "a", "parameters": {"type": "object", "required": "city"}}]',
     "Tool 1 (a): parameters.required is not valid JSON Schema"),
    ('[{"name": "a", "parameters": {"type": "object", "properties": {"n": {"minimum": "1"}}}}]',
     "parameters.properties.n.minimum is not valid JSON Schema"),
    ('[{"name": "a", "strict": true}]', "unknown key 'strict'"),
    ('[{"type": "function", "function": {"name": "a"}, "extra": 1}]', "{\"type\": \"function\", \"function\": {...}} only"),
    ('"get_weather"', "Write a JSON list"),
])
def test_bad_definitions_are_refused_naming_where(text, message):
    with pytest.raises(DefinitionError, match=None) as refused:
        parse_definitions(text)
    assert message in str(refused.value)


def test_the_openai_chat_line_carries_the_tools_and_the_calls_exactly():
    (line,) = lines(chat_settings(parallel_tool_calls=False), TURNS, "openai-chat")
    assert line == {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 18}'},
            {"role": "assistant", "content": "It is 18 °C."},
        ],
        "tools": [WEATHER],
        "parallel_tool_calls": False,
    }


def test_plain_turns_of_a_project_with_tools_still_export_the_tools():
    (line,) = lines(chat_settings(), [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
                    "openai-chat")
    assert line["tools"] == [WEATHER] and "parallel_tool_calls" not in line


def test_the_fireworks_line_carries_the_reasoning():
    (line,) = lines(chat_settings(), TURNS, "fireworks-chat")
    assert line["messages"][2] == {"role": "assistant", "reasoning_content": "I should call the weather tool.",
                                   "tool_calls": [CALL]}
    assert line["tools"] == [WEATHER]


def test_an_open_models_count_renders_its_chat_template_with_the_tools():
    settings = chat_settings(target_model="Qwen/Qwen3-8B")
    with_tools = evaluate(settings, ExampleValues({"system": "Be brief."}, TURNS), "trl-messages").rendered
    without = evaluate(settings.with_changes(tools=()), ExampleValues({"system": "Be brief."}, TURNS), "trl-messages").rendered
    line = with_tools.records[0].line
    assert with_tools.tokens == tokens.count_chat(line["messages"], "qwen3", line["tools"]).tokens
    assert with_tools.tokens > without.tokens  # the template lists the function definitions


def findings(turns, settings=None) -> list[tuple[str, str, str]]:
    evaluation = evaluate(settings or chat_settings(), ExampleValues({"system": "Be brief."}, turns), "openai-chat")
    return [(f.code, f.field, f.message) for f in evaluation.findings if f.code.startswith(("tool-", "openai-tool"))]


def with_call(arguments: str, name: str = "get_weather") -> list[dict]:
    call = {**CALL, "function": {"name": name, "arguments": arguments}}
    return [TURNS[0], {**TURNS[1], "tool_calls": [call]}, *TURNS[2:]]


def test_a_valid_call_and_its_result_raise_no_tool_finding():
    assert findings(TURNS) == []


def test_arguments_are_checked_against_the_schema_naming_the_property():
    assert findings(with_call('{"city": 7, "days": 0}')) == [
        ("tool-arguments-invalid", "output[1]", "Turn 2, call call_1 (get_weather): arguments.city: 7 is not of type 'string'."),
        ("tool-arguments-invalid", "output[1]", "Turn 2, call call_1 (get_weather): arguments.days: 0 is less than the minimum of 1."),
    ]
    assert findings(with_call('{"days": 2}'))[0][2].endswith("arguments: 'city' is a required property.")
    assert "not valid JSON (line 1, column 2" in findings(with_call("{city: 1}"))[0][2]
    assert "are a JSON list, not a JSON object" in findings(with_call("[1]"))[0][2]


def test_a_call_to_a_function_the_project_does_not_define_is_an_error():
    ((code, field, message),) = findings(with_call("{}", name="get_time"))
    assert (code, field) == ("tool-unknown", "output[1]")
    assert "calls 'get_time', which is not among the project's tools (get_weather)" in message


def test_a_result_must_answer_an_earlier_call_and_a_call_its_result():
    unlinked = [*TURNS[:2], {**TURNS[2], "tool_call_id": "call_9"}, TURNS[3]]
    assert [(c, f) for c, f, _ in findings(unlinked)] == [("tool-result-unlinked", "output[2]"),
                                                          ("tool-call-unanswered", "output[1]")]
    assert "answers 'call_9', which no earlier turn calls" in findings(unlinked)[0][2]
    ending_with_a_call = TURNS[:2]  # teaching the model to call: nothing after the call
    assert findings(ending_with_a_call) == []


def test_without_project_tools_only_the_links_are_checked():
    plain = get_preset("chat").settings
    assert findings(with_call("not json", name="anything"), plain) == []
    assert project_tools(plain.tools) == ()


def test_argument_problems_name_nested_places():
    (tool,) = project_tools(parse_definitions(json.dumps([{"name": "route", "parameters": {
        "type": "object", "properties": {"stops": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"}}}}}}}])))
    assert argument_problems(tool, '{"stops": [{"name": "A"}, {"name": 2}]}') == [
        "arguments.stops[1].name: 2 is not of type 'string'"]


def test_old_settings_without_tools_load_unchanged():
    old = get_preset("chat").settings.to_dict()
    for key in ("tools", "parallel_tool_calls", "reasoning"):
        old.pop(key)
    loaded = ProjectSettings.from_dict(old)
    assert loaded == get_preset("chat").settings and loaded.tools == () and loaded.parallel_tool_calls is None


def test_odd_definitions_and_arguments_give_a_message_never_an_exception():
    with pytest.raises(DefinitionError, match="nests too deeply"):
        parse_definitions("[" * 100_000 + "]" * 100_000)
    (tool,) = project_tools(parse_definitions('[{"name": "f", "parameters": {"type": "object", "properties": '
                                              '{"x": {"$ref": "https://example.com/x.json"}}}}]'))
    assert argument_problems(tool, '{"x": 1}') == [
        "the parameters schema of 'f' refers to 'https://example.com/x.json', which it does not contain"]
    assert argument_problems(tool, "[" * 100_000 + "]" * 100_000) == ["the arguments nest too deeply to be read"]
