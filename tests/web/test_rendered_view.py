"""The live panel's "Rendered for <model>" view (app/web/pages/lint.py, templates/examples/_rendered.html):
an open model's chat template output with the trained tokens marked, fetched only when opened."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.core import tokens
from tests.web.conftest import Web

QWEN = "Qwen/Qwen3-8B"
CHAT = [("system", "You are terse."), ("user", "Name one river."), ("assistant", "The Loire."),
        ("user", "And one more?"), ("assistant", "The Rhine.")]


def chat_project(web: Web, model: str, profile: str = "trl-messages") -> int:
    project = web.create_project("chat", name="Rivers")
    response = web.post(f"/projects/{project}/settings", {
        "name": "Rivers", "target_model": model, "export_profile": profile, "separator": "", "stop": "",
        "leading_space": "yes", "prompt_style": "template"})
    assert response.status_code == 200, response.text
    return project


def chat_form(turns=CHAT) -> dict:
    system = [t for r, t in turns if r == "system"]
    rest = [(r, t) for r, t in turns if r != "system"]
    return {"f.system": system[0] if system else "", "chat.role": [r for r, _ in rest],
            "chat.content": [t for _, t in rest], "chat.weight": ["1"] * len(rest)}


def messages(turns=CHAT) -> list[dict]:
    return [{"role": r, "content": t} for r, t in turns]


def test_the_qwen3_view_shows_the_template_text_and_marks_exactly_the_assistant_replies(web: Web):
    project = chat_project(web, QWEN)
    response = web.post(f"/projects/{project}/rendered", chat_form(), htmx=True)
    assert response.status_code == 200, response.text
    page = BeautifulSoup(response.text, "html.parser")
    text = page.select_one('[data-testid="rendered-text"]').get_text()
    expected = tokens.count_chat(messages(), "qwen3")
    assert text == expected.text  # the template's own text, escaped and complete
    assert "<|im_start|>assistant\nThe Loire.<|im_end|>" in text
    marked = [m.get_text() for m in page.select('[data-testid="rendered-text"] mark')]
    # Each reply from the end of its header to the next turn: the reply, Qwen3's empty think block on
    # the last turn, the end-of-turn token and its newline; nothing of the system or user turns.
    assert marked == ["The Loire.<|im_end|>\n", "<think>\n\n</think>\n\nThe Rhine.<|im_end|>\n"]


def test_the_marked_tokens_are_the_trained_count_and_the_total_is_the_panels(web: Web):
    project = chat_project(web, QWEN)
    view = BeautifulSoup(web.post(f"/projects/{project}/rendered", chat_form(), htmx=True).text, "html.parser")
    panel = BeautifulSoup(web.post(f"/projects/{project}/lint", chat_form(), htmx=True).text, "html.parser")
    counted = tokens.count_chat(messages(), "qwen3")
    marked = sum(tokens.count(m.get_text(), "qwen3") for m in view.select('[data-testid="rendered-text"] mark'))
    assert marked == counted.trained_tokens == int(view.select_one('[data-testid="trained-tokens"]').get_text())
    shown_total = int(panel.select_one('[data-testid="token-total"]').get_text().replace(",", ""))
    assert int(view.select_one('[data-testid="rendered-tokens"]').get_text().replace(",", "")) == shown_total
    assert "trained tokens: %d of %d" % (counted.trained_tokens, shown_total) in " ".join(
        view.select_one('[data-testid="trained-legend"]').get_text().split())


def test_the_view_follows_what_is_typed_and_its_json_twin_says_the_same(web: Web):
    project = chat_project(web, QWEN)
    typed = CHAT[:-1] + [("assistant", "The Rhine, which flows north.")]
    html = BeautifulSoup(web.post(f"/projects/{project}/rendered", chat_form(typed), htmx=True).text, "html.parser")
    body = {"fields": {"system": "You are terse."}, "output": messages(typed)[1:]}
    twin = web.client.post(f"/api/v1/projects/{project}/rendered", json=body, headers={"x-csrftoken": web.csrf})
    assert twin.status_code == 200, twin.text
    (view,) = twin.json()["views"]
    assert view["text"] == html.select_one('[data-testid="rendered-text"]').get_text()
    assert "which flows north.<|im_end|>" in view["text"]
    assert [s["text"] for s in view["segments"] if s["trained"]] == [
        m.get_text() for m in html.select('[data-testid="rendered-text"] mark')]
    assert view["trained_tokens"] == tokens.count_chat(messages(typed), "qwen3").trained_tokens
    bad = web.client.post(f"/api/v1/projects/{project}/rendered", json={**body, "profile": "nope"},
                          headers={"x-csrftoken": web.csrf})
    assert bad.status_code == 422 and "profile" in bad.text


def test_the_editor_offers_the_view_closed_and_a_tiktoken_model_shows_none(web: Web):
    qwen = chat_project(web, QWEN)
    page = BeautifulSoup(web.get(f"/projects/{qwen}/examples/new").text, "html.parser")
    details = page.select_one('details[data-testid="rendered"]')
    assert details is not None and not details.has_attr("open")  # nothing rendered until opened
    assert details.summary.get_text(strip=True) == f"Rendered for {QWEN}"
    assert "im_start" not in details.get_text()
    panel = web.post(f"/projects/{qwen}/lint", chat_form(), htmx=True).text
    assert "im_start" not in panel  # typing renders the panel only, never the view

    openai = chat_project(web, "gpt-4o-mini-2024-07-18", "openai-chat")
    page = BeautifulSoup(web.get(f"/projects/{openai}/examples/new").text, "html.parser")
    assert page.select_one('[data-testid="rendered"]') is None
    answer = BeautifulSoup(web.post(f"/projects/{openai}/rendered", chat_form(), htmx=True).text, "html.parser")
    assert answer.select('[data-testid="template-view"]') == []
    assert answer.select_one('[data-testid="no-template"]') is not None


def test_a_conversation_gemma_3_refuses_is_named_in_the_panel_and_the_view_never_a_500(web: Web):
    project = chat_project(web, "google/gemma-3-12b-it")
    two_users = [("user", "First part"), ("user", "second part"), ("assistant", "Answer")]
    panel = web.post(f"/projects/{project}/lint", chat_form(two_users), htmx=True)
    assert panel.status_code == 200, panel.text
    note = BeautifulSoup(panel.text, "html.parser").select_one('[data-testid="refused-note"]')
    assert "Conversation roles must alternate user/assistant/user/assistant" in note.get_text()
    assert 'data-code="chat-roles-not-alternating"' in panel.text  # the rule says what to fix
    view = web.post(f"/projects/{project}/rendered", chat_form(two_users), htmx=True)
    assert view.status_code == 200, view.text
    assert "roles must alternate" in BeautifulSoup(view.text, "html.parser").select_one(
        '[data-testid="template-refused"]').get_text()
    twin = web.client.post(f"/api/v1/projects/{project}/rendered", headers={"x-csrftoken": web.csrf},
                           json={"fields": {"system": ""}, "output": messages(two_users)})
    assert twin.status_code == 200 and twin.json()["views"] == [] and "alternate" in twin.json()["refused"]


def test_with_project_tools_the_view_renders_them_and_its_total_is_the_panels(web: Web):
    """The template receives the project's tools for the count (Qwen3 lists them in its system
    turn): the view renders the same conversation, so its total is the panel's."""
    import json

    project = chat_project(web, QWEN)
    weather = {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
                                                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
    response = web.post(f"/projects/{project}/settings", {
        "name": "Rivers", "target_model": QWEN, "export_profile": "trl-messages", "separator": "", "stop": "",
        "leading_space": "yes", "prompt_style": "template", "tools": json.dumps([weather])})
    assert response.status_code == 200, response.text
    form = {**chat_form(), "chat.reasoning": [""] * 4, "chat.answers": [""] * 4, "chat.key": ["t1", "t2", "t3", "t4"]}
    view = BeautifulSoup(web.post(f"/projects/{project}/rendered", form, htmx=True).text, "html.parser")
    panel = BeautifulSoup(web.post(f"/projects/{project}/lint", form, htmx=True).text, "html.parser")
    text = view.select_one('[data-testid="rendered-text"]').get_text()
    assert '"name": "get_weather"' in text and "<tools>" in text
    shown_total = int(panel.select_one('[data-testid="token-total"]').get_text().replace(",", ""))
    assert int(view.select_one('[data-testid="rendered-tokens"]').get_text().replace(",", "")) == shown_total
    assert text == tokens.count_chat(messages(), "qwen3", [weather]).text
