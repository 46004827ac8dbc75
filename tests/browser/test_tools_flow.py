"""Tools in real Chromium: an owner defines a tool on the settings page, writes an assistant turn
that reasons and calls it, adds the tool's result linked to the call, sees the exported line with
the tools and the call in the live panel, and saves. A screenshot lands in /tmp/tools-form.png."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.teams import live_team

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
WEATHER = [{"name": "get_weather", "description": "Current weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


def test_define_a_tool_call_it_give_its_result_and_save(live_server, page):
    base = live_server
    team = live_team(base, [], PASSWORD, project_name="Weather bot", preset="chat")
    sign_in(page, base, "admin", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 1000})

    page.goto(f"{base}/projects/{team.project}/settings")
    page.get_by_label("Tool definitions (JSON)").fill('[{"name": "get_weather", "parameters": {"type": "objekt"}}]')
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#err-tools")).to_contain_text("Tool 1 (get_weather)")
    page.get_by_label("Tool definitions (JSON)").fill(json.dumps(WEATHER))
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    page.goto(f"{base}/projects/{team.project}/examples/new")
    turns = page.locator("[data-turn]")
    page.get_by_label("System prompt").fill("You answer weather questions.")
    turns.nth(0).get_by_label("message").fill("What's the weather in Paris?")
    assistant = turns.nth(1)
    assistant.locator("summary").click()
    assistant.get_by_label("reasoning").fill("The user wants the weather in Paris: call get_weather.")
    assistant.get_by_role("button", name="Call a tool").click()
    call = assistant.locator("[data-call]")
    expect(call.locator("[data-call-id-label]")).to_have_text("call_1")
    call.get_by_label("arguments (JSON)").fill('{"city": 75001}')
    panel = page.locator("#panel")
    expect(panel.locator('[data-code="tool-arguments-invalid"]')).to_contain_text("arguments.city: 75001 is not of type 'string'")
    call.get_by_label("arguments (JSON)").fill('{"city": "Paris"}')

    page.get_by_role("button", name="Add turn").click()
    result = turns.nth(2)
    result.get_by_label("role").select_option("tool")
    result.get_by_label("message").fill('{"temp_c": 18, "sky": "clear"}')
    expect(result.get_by_label("the call this result answers")).to_be_visible()
    result.get_by_label("the call this result answers").select_option("call_1")
    page.get_by_role("button", name="Add turn").click()
    reply = turns.nth(3)
    reply.get_by_label("role").select_option("assistant")
    reply.get_by_label("message").fill("It is 18 °C and clear in Paris.")

    line = panel.locator("[data-testid=line]")
    expect(line).to_contain_text("It is 18 °C and clear in Paris.")
    expect(line).to_contain_text('"tool_call_id": "call_1"')
    expect(panel.locator("table.parts")).to_contain_text('get_weather({"city":·"Paris"})')  # spaces shown as ·
    expect(panel.locator('[data-code^="tool-"]')).to_have_count(0)
    exported = json.loads(line.inner_text())
    assert exported["tools"] == [{"type": "function", "function": WEATHER[0]}]
    assert exported["messages"][2]["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]
    assert exported["messages"][3] == {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 18, "sky": "clear"}'}
    page.screenshot(path="/tmp/tools-form.png", full_page=True)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/examples/\d+\?saved=\d+$"))
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.locator("[data-call] [data-call-id-label]")).to_have_text("call_1")
    expect(page.locator("[data-turn]").nth(2).get_by_label("the call this result answers")).to_have_value("call_1")
