"""The export page in real Chromium: pick a profile by provider, check it (the preflight lists the
example whose reasoning OpenAI drops), then download Azure's file, which starts with the BOM.
Screenshots of the page land in pytest's tmp_path (export-*.png) for a look at the layout."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.conftest import PASSWORD, TOKEN_RE

pytestmark = pytest.mark.browser

TURNS = [
    [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4", "reasoning": "Two and two."}],
    [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi, how can I help?"}],
    [{"role": "user", "content": "First part"}, {"role": "user", "content": "second part"},
     {"role": "assistant", "content": "Answer"}],
]


def chat_project(base: str) -> int:
    admin = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = TOKEN_RE.search(admin.get("/setup").text).group(1)
    admin.post("/setup", data={"csrftoken": token, "username": "olga", "password": PASSWORD, "password_again": PASSWORD})
    created = admin.post("/projects", data={"csrftoken": token, "name": "Assistant", "preset": "chat"})
    project = int(re.search(r"/projects/(\d+)/", created.headers["location"]).group(1))
    page = admin.post("/account/tokens", data={"csrftoken": token, "name": "script"})
    auth = {"Authorization": "Bearer " + page.text.split('class="token">')[1].split("<")[0]}
    for turns in TURNS:
        saved = admin.post(f"/api/v1/projects/{project}/examples", headers=auth,
                           json={"fields": {"system": ""}, "output": turns})
        assert saved.status_code == 201, saved.text
    return project


def test_check_a_profile_then_download_azure(live_server, page, tmp_path):
    base = live_server
    project = chat_project(base)
    sign_in(page, base, "olga", PASSWORD)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{base}/projects/{project}/export")
    expect(page.locator('[data-provider="Mistral"] .provider-notice')).to_contain_text("deprecated")
    page.get_by_label("draft").check()
    page.get_by_label("approved").uncheck()
    page.locator('input[name=profile][value="openai-chat"]').check()
    page.get_by_test_id("check").click()
    preflight = page.get_by_test_id("profile-preflight")
    expect(preflight.locator('li[data-code="carry-reasoning"]')).to_have_count(1)
    page.screenshot(path=str(tmp_path / "export-openai-chat.png"), full_page=True)

    page.locator('input[name=profile][value="llamafactory-alpaca"]').check()
    page.get_by_test_id("check").click()
    expect(preflight.get_by_test_id("refused-count")).to_contain_text("1 left out")
    expect(preflight.locator('[data-outcome="refused"] a')).to_have_count(1)
    preflight.screenshot(path=str(tmp_path / "export-alpaca-preflight.png"))

    page.locator('input[name=profile][value="azure-openai-chat"]').check()
    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    download = download_info.value
    assert download.suggested_filename == "assistant.azure-openai-chat.jsonl"
    body = open(download.path(), "rb").read()
    assert body.startswith(b"\xef\xbb\xbf{") and body.count(b"\n") == 3


def test_a_first_export_that_would_be_empty_says_why_and_offers_no_download(live_server, page, tmp_path):
    """The newcomer's first export: three drafts and the default "approved" filter. The page says the
    file would be empty and why (not submitted yet), offers no download, and ticking "draft" gives
    the count of lines at once and a download of them."""
    base = live_server
    project = chat_project(base)
    sign_in(page, base, "olga", PASSWORD)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{base}/projects/{project}/export")
    empty = page.get_by_test_id("export-empty")
    expect(empty).to_contain_text("No example is approved, so the file would be empty.")
    expect(empty).to_contain_text("3 examples are not submitted yet")
    expect(empty).to_contain_text("Submit and approve ticked")
    expect(page.get_by_test_id("download")).to_be_disabled()
    expect(page.get_by_test_id("start-job")).to_be_disabled()
    page.screenshot(path=str(tmp_path / "export-empty.png"), full_page=True)

    page.get_by_label("draft").check()  # the counts follow the choice without a reload
    expect(page.get_by_test_id("export-empty")).to_have_count(0)
    expect(page.get_by_test_id("export-lines")).to_contain_text("3 lines from 3 examples")
    expect(page.get_by_test_id("download")).to_be_enabled()
    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    assert open(download_info.value.path(), "rb").read().count(b"\n") == 3
