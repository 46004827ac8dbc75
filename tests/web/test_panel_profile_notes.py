"""The live panel says what the chosen export profile does with the example (what it merges or
drops) and the profile's own hard rules, as the export preflight does, while the user types."""

import html

CHAT_SETTINGS = {"name": "Assistant", "target_model": "gpt-4.1-mini", "separator": "", "stop": "",
                 "leading_space": "yes", "guidelines": "", "prompt_style": "template", "tools": ""}


def chat_project(web, profile: str, **extra) -> int:
    project = web.create_project("chat")
    response = web.post(f"/projects/{project}/settings", {**CHAT_SETTINGS, "export_profile": profile, **extra})
    assert response.status_code == 200, response.text
    return project


def test_reasoning_the_profile_drops_is_said_in_the_panel(web):
    project = chat_project(web, "openai-chat", reasoning="yes")
    form = {"f.system": "", "chat.role": ["user", "assistant"], "chat.content": ["2+2?", "4"], "chat.weight": ["1", "1"],
            "chat.reasoning": ["", "Two and two make four."], "chat.answers": ["", ""], "chat.key": ["t1", "t2"]}
    panel = html.unescape(web.post(f"/projects/{project}/lint", form, htmx=True).text)
    assert 'data-testid="profile-notes"' in panel
    assert 'class="finding level-warning" data-code="carry-reasoning"' in panel and ">dropped<" in panel
    twin = web.post(f"/api/v1/projects/{project}/lint", json={
        "fields": {"system": ""}, "output": [{"role": "user", "content": "2+2?"},
                                              {"role": "assistant", "content": "4", "reasoning_content": "Two."}]},
        htmx=True).json()
    assert [(n["code"], n["effect"]) for n in twin["notes"]] == [("carry-reasoning", "dropped")]
    # The same example under a profile that carries reasoning: nothing to say.
    fireworks = web.post(f"/projects/{project}/lint", {**form, "profile": "fireworks-chat"}, htmx=True).text
    assert 'data-testid="profile-notes"' not in fireworks


def test_a_providers_hard_rule_shows_in_the_panel(web):
    project = chat_project(web, "together-chat")
    form = {"f.system": "", "chat.role": ["assistant", "user", "assistant"], "chat.content": ["Hi!", "Hello", "Yes?"],
            "chat.weight": ["1", "1", "1"]}
    panel = html.unescape(web.post(f"/projects/{project}/lint", form, htmx=True).text)
    assert 'data-code="together-first-role"' in panel
    twin = web.post(f"/api/v1/projects/{project}/lint", json={"fields": {"system": ""}, "output": [
        {"role": "assistant", "content": "Hi!"}, {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Yes?"}]}, htmx=True).json()
    assert "together-first-role" in {f["code"] for f in twin["profile_findings"]}
