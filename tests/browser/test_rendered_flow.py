"""The "Rendered for <model>" view in real Chromium: closed, nothing is fetched; opened, Qwen3's
chat template text shows with the replies marked; typing in a reply updates it (and the view stays
open while the panel is replaced on every keystroke). A screenshot lands in pytest's tmp_path
(panel-rendered.png) for a look at the layout."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.conftest import PASSWORD, TOKEN_RE

pytestmark = pytest.mark.browser

TURNS = [{"role": "user", "content": "Name one river in France."}, {"role": "assistant", "content": "The Loire."},
         {"role": "user", "content": "And one more?"}, {"role": "assistant", "content": "The Rhine"}]


def qwen_example(base: str) -> tuple[int, int]:
    admin = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = TOKEN_RE.search(admin.get("/setup").text).group(1)
    admin.post("/setup", data={"csrftoken": token, "username": "olga", "password": PASSWORD, "password_again": PASSWORD})
    created = admin.post("/projects", data={"csrftoken": token, "name": "Rivers", "preset": "chat"})
    project = int(re.search(r"/projects/(\d+)/", created.headers["location"]).group(1))
    settings = admin.post(f"/projects/{project}/settings", data={
        "csrftoken": token, "name": "Rivers", "target_model": "Qwen/Qwen3-8B", "export_profile": "trl-messages",
        "separator": "", "stop": "", "leading_space": "yes", "prompt_style": "template"})
    assert settings.status_code == 200, settings.text
    page = admin.post("/account/tokens", data={"csrftoken": token, "name": "script"})
    auth = {"Authorization": "Bearer " + page.text.split('class="token">')[1].split("<")[0]}
    saved = admin.post(f"/api/v1/projects/{project}/examples", headers=auth,
                       json={"fields": {"system": "You are a terse geography tutor."}, "output": TURNS})
    assert saved.status_code == 201, saved.text
    return project, saved.json()["id"]


def test_open_the_rendered_view_and_type_in_a_reply(live_server, page, tmp_path):
    base = live_server
    project, example = qwen_example(base)
    sign_in(page, base, "olga", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 1000})
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/rendered") else None)
    page.goto(f"{base}/projects/{project}/examples/{example}")
    view = page.get_by_test_id("rendered")
    expect(view).to_contain_text("Rendered for Qwen/Qwen3-8B")
    reply = page.locator("textarea[name='chat.content']").last
    reply.press("End")
    reply.type(".")
    expect(page.get_by_test_id("token-total")).to_be_visible()
    page.wait_for_timeout(500)
    assert fetched == []  # closed: typing never renders it

    view.locator("summary").click()
    text = view.get_by_test_id("rendered-text")
    expect(text).to_contain_text("<|im_start|>assistant")
    expect(text.locator("mark")).to_have_count(2)
    expect(text.locator("mark").first).to_have_text("The Loire.<|im_end|>\n")
    total = page.get_by_test_id("token-total").inner_text()
    expect(view.get_by_test_id("rendered-tokens")).to_have_text(total)

    reply.press("End")
    reply.type(" It flows north.")
    expect(text.locator("mark").last).to_contain_text("The Rhine. It flows north.<|im_end|>")
    expect(view).to_have_attribute("open", "")
    expect(view.get_by_test_id("rendered-tokens")).to_have_text(page.get_by_test_id("token-total").inner_text())
    page.screenshot(path=str(tmp_path / "panel-rendered.png"), full_page=True)
