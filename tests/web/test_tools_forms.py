"""Tools in the forms: the settings page checks tool definitions, the chat form writes tool calls,
tool results and reasoning, and the live panel shows the exported line with them."""

import html
import json
import re

from app.core.tools import parse_definitions

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
CHAT_SETTINGS = {"name": "Assistant", "target_model": "gpt-4.1-mini", "export_profile": "openai-chat",
                 "separator": "", "stop": "", "leading_space": "yes", "guidelines": "", "prompt_style": "template"}


def with_tools(web, project: int, tools_text: str, **extra):
    return web.post(f"/projects/{project}/settings", {**CHAT_SETTINGS, "tools": tools_text, **extra})


def stored_settings(web, project: int) -> str:
    return web.get(f"/projects/{project}/settings").text


def tools_box(page: str) -> str:
    """The text in the settings page's tool definitions box."""
    return html.unescape(re.search(r'<textarea id="tools"[^>]*>([^<]*)</textarea>', page).group(1))


def test_a_bad_schema_is_refused_beside_the_field_and_nothing_is_saved(web):
    project = web.create_project("chat")
    bad = [{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "strin"}}}}]
    response = with_tools(web, project, json.dumps(bad), parallel_tool_calls="false", guidelines="changed")
    assert response.status_code == 422
    error = html.unescape(re.search(r'id="err-tools" role="alert">([^<]+)<', response.text).group(1))
    assert "Tool 1 (get_weather)" in error and "parameters.properties.city.type" in error
    assert tools_box(response.text) == json.dumps(bad)  # the owner's text comes back as typed
    page = stored_settings(web, project)
    assert tools_box(page) == "" and "changed" not in page  # nothing was saved
    assert 'value="" selected' in page  # parallel_tool_calls still not set


def test_definitions_are_refused_for_bad_json_names_and_duplicates(web):
    project = web.create_project("chat")
    cases = {
        '[{"name": "a",\n "parameters": {]': "Line 2, column",
        '[{"name": "get weather"}]': "1 to 64 letters",
        json.dumps([WEATHER, WEATHER]): "already used",
        '[{"name": "f", "parameters": {"type": "array"}}]': "must be \"object\"",
    }
    for text, expected in cases.items():
        response = with_tools(web, project, text)
        assert response.status_code == 422, text
        assert expected in html.unescape(response.text), text


def test_saved_definitions_come_back_in_openai_style_and_export_with_the_line(web):
    project = web.create_project("chat")
    bare = [{"name": "get_weather", "description": "Current weather in a city",
             "parameters": WEATHER["function"]["parameters"]}]
    assert with_tools(web, project, json.dumps(bare), parallel_tool_calls="false").status_code == 200
    page = stored_settings(web, project)
    assert json.loads(tools_box(page)) == [WEATHER] and 'value="false" selected' in page
    form = {"f.system": "", "chat.role": ["user", "assistant"], "chat.content": ["Hi", "Hello!"],
            "chat.weight": ["1", "1"], "chat.reasoning": ["", ""], "chat.answers": ["", ""], "chat.key": ["t1", "t2"]}
    panel = web.post(f"/projects/{project}/lint", form, htmx=True).text
    line = json.loads(html.unescape(re.search(r'data-testid="line">([^<]+)<', panel).group(1)))
    assert line["tools"] == [WEATHER] and line["parallel_tool_calls"] is False


def tool_call_form(arguments: str) -> dict:
    return {
        "f.system": "You answer weather questions.",
        "chat.role": ["user", "assistant", "tool", "assistant"],
        "chat.content": ["Weather in Paris?", "", '{"temp_c": 18}', "It is 18 °C in Paris."],
        "chat.weight": ["1", "1", "1", "1"],
        "chat.reasoning": ["", "The user wants the weather: call the tool.", "", ""],
        "chat.answers": ["", "", "call_1", ""],
        "chat.key": ["t1", "t2", "t3", "t4"],
        "chat.call.turn": ["t2"], "chat.call.id": ["call_1"], "chat.call.name": ["get_weather"],
        "chat.call.arguments": [arguments],
    }


def test_an_example_with_a_tool_call_and_its_result_saves_and_the_panel_shows_its_line(web):
    project = web.create_project("chat")
    assert with_tools(web, project, json.dumps([WEATHER])).status_code == 200
    form = tool_call_form('{"city": "Paris"}')
    panel = web.post(f"/projects/{project}/lint", form, htmx=True).text
    shown = html.unescape(re.search(r'data-testid="line">([^<]+)<', panel).group(1))
    line = json.loads(shown)
    assert line["messages"][2] == {"role": "assistant", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    assert line["messages"][3] == {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 18}'}
    assert line["tools"] == [WEATHER]
    assert 'data-code="tool-' not in panel
    saved = web.post(f"/projects/{project}/examples", {**form, "after": "stay"})
    assert saved.status_code == 303
    assert web.get(f"/projects/{project}/export.jsonl?status=draft").text == shown + "\n"
    example = re.search(r"/examples/(\d+)", saved.headers["location"]).group(1)
    page = html.unescape(web.get(f"/projects/{project}/examples/{example}").text)
    assert "The user wants the weather: call the tool." in page  # the reasoning comes back in the form
    assert 'value="call_1" selected' in page and '{"city": "Paris"}' in page


def test_arguments_against_the_schema_are_an_error_naming_the_property(web):
    project = web.create_project("chat")
    with_tools(web, project, json.dumps([WEATHER]))
    panel = html.unescape(web.post(f"/projects/{project}/lint", tool_call_form('{"city": 75001}'), htmx=True).text)
    assert 'data-code="tool-arguments-invalid"' in panel and "arguments.city: 75001 is not of type 'string'" in panel
    refused = web.post(f"/projects/{project}/examples", {**tool_call_form("{city: Paris}"), "after": "stay"}, htmx=True)
    assert refused.status_code == 422 and "not valid JSON" in html.unescape(refused.text)
    unlinked = {**tool_call_form('{"city": "Paris"}'), "chat.answers": ["", "", "", ""]}
    panel = web.post(f"/projects/{project}/lint", unlinked, htmx=True).text
    assert 'data-code="tool-result-unlinked"' in panel and 'data-code="tool-call-unanswered"' in panel


def test_a_chat_project_without_tools_posts_and_shows_the_plain_editor(web):
    project = web.create_project("chat")
    page = web.get(f"/projects/{project}/examples/new").text
    assert 'name="chat.weight"' in page and "chat.reasoning" not in page and "Call a tool" not in page
    with_tools(web, project, json.dumps([WEATHER]))
    page = web.get(f"/projects/{project}/examples/new").text
    assert 'name="chat.reasoning"' in page and "Call a tool" in page
    assert parse_definitions(json.dumps([WEATHER])) == (WEATHER,)


def test_a_preference_project_writes_its_tools_but_its_pairs_stay_text(web):
    """Preference pairs take text only (RULES.md pref-not-text, from OpenAI's DPO guide): the input has
    no tool rows to offer a dead end, the tools go with every line of a profile that carries them,
    and a tool call sent in an input anyway is refused by that rule."""
    project = web.create_project("preference")
    settings = {**CHAT_SETTINGS, "export_profile": "trl-preference-chat", "tools": json.dumps([WEATHER])}
    assert web.post(f"/projects/{project}/settings", settings).status_code == 200
    page = web.get(f"/projects/{project}/examples/new").text
    assert "Call a tool" not in page and 'name="f.turns.role"' in page
    form = {"f.system": "", "f.turns.role": ["user"], "f.turns.text": ["Weather in Paris?"],
            "output.preferred": "It is 18 °C.", "output.non_preferred": "No idea."}
    panel = html.unescape(web.post(f"/projects/{project}/lint", form, htmx=True).text)
    line = json.loads(re.search(r'data-testid="line">([^<]+)<', panel).group(1))
    assert line["tools"] == [WEATHER] and line["prompt"] == [{"role": "user", "content": "Weather in Paris?"}]
    assert "pref-not-text" not in panel
    call = {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function", "function": {
        "name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    checked = web.post(f"/api/v1/projects/{project}/lint", json={
        "fields": {"system": "", "turns": [{"role": "user", "content": "Weather in Paris?"}, call]},
        "output": {"preferred": "It is 18 °C.", "non_preferred": "No idea."}}, htmx=True)
    assert checked.status_code == 200, checked.text
    assert "pref-not-text" in {f["code"] for f in checked.json()["findings"]}


def test_the_reasoning_switch_alone_gives_reasoning_boxes_and_no_tool_rows(web):
    project = web.create_project("chat")
    settings = {**CHAT_SETTINGS, "export_profile": "fireworks-chat", "tools": "", "reasoning": "yes"}
    assert web.post(f"/projects/{project}/settings", settings).status_code == 200
    page = web.get(f"/projects/{project}/examples/new").text
    assert 'name="chat.reasoning"' in page and "Call a tool" not in page
    form = {"f.system": "", "chat.role": ["user", "assistant"], "chat.content": ["2+2?", "4"], "chat.weight": ["1", "1"],
            "chat.reasoning": ["", "Two and two make four."], "chat.answers": ["", ""], "chat.key": ["t1", "t2"]}
    panel = html.unescape(web.post(f"/projects/{project}/lint", form, htmx=True).text)
    line = json.loads(re.search(r'data-testid="line">([^<]+)<', panel).group(1))
    assert line == {"messages": [{"role": "user", "content": "2+2?"},
                                 {"role": "assistant", "content": "4", "reasoning_content": "Two and two make four."}]}
