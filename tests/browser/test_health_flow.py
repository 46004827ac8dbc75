"""Dataset health in real Chromium: the 100th example of a class clears class-too-small, and a
conflict created in the form is resolved from the health page."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.conftest import PASSWORD, TOKEN_RE

pytestmark = pytest.mark.browser


def project_with_99_positives(base: str) -> int:
    admin = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = TOKEN_RE.search(admin.get("/setup").text).group(1)
    admin.post("/setup", data={"csrftoken": token, "username": "olga", "password": PASSWORD, "password_again": PASSWORD})
    created = admin.post("/projects", data={"csrftoken": token, "name": "Tweets", "preset": "sentiment"})
    project = int(re.search(r"/projects/(\d+)/", created.headers["location"]).group(1))
    for i in range(99):
        saved = admin.post(f"/projects/{project}/examples",
                           data={"csrftoken": token, "f.text": f"happy tweet number {i}", "output": "positive",
                                 "after": "stay"})
        assert saved.status_code == 303
    return project


def test_hundredth_example_and_conflict_resolution(live_server, page):
    base = live_server
    project = project_with_99_positives(base)
    sign_in(page, base, "olga", PASSWORD)

    small_positive = page.locator('[data-code="class-too-small"]', has_text='"positive"')
    page.goto(f"{base}/projects/{project}/health")
    expect(small_positive).to_have_count(1)
    expect(small_positive).to_contain_text("99")

    page.goto(f"{base}/projects/{project}/examples/new")
    expect(page.locator("#f-text")).to_be_focused()  # autofocus has landed: typing goes into the box
    page.keyboard.type("happy tweet number 100")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("saved")).to_be_visible()
    page.goto(f"{base}/projects/{project}/health")
    expect(page.get_by_test_id("dataset-findings")).to_be_visible()
    expect(small_positive).to_have_count(0)
    expect(page.locator('[data-code="class-too-small"]', has_text='"negative"')).to_have_count(1)

    page.goto(f"{base}/projects/{project}/examples/new")
    expect(page.locator("#f-text")).to_be_focused()  # autofocus has landed: typing goes into the box
    page.keyboard.type("happy tweet number 7")  # the same input as example #8, labelled the other way
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    expect(page.locator('#panel [data-code="conflict"]')).to_be_visible()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("saved")).to_be_visible()
    page.goto(f"{base}/projects/{project}/health")
    conflict = page.get_by_test_id("group-conflict")
    expect(conflict).to_have_count(1)
    page.on("dialog", lambda dialog: dialog.accept())
    conflict.get_by_test_id("keep-8").click()
    expect(page.get_by_test_id("group-conflict")).to_have_count(0)
    expect(page.get_by_test_id("summary")).to_contain_text("100 examples")
