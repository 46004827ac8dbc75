"""Undo in real Chromium: delete an example from its page, press Undo in the toast on the list, and
the example is back; then restore an earlier revision from its history."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.teams import live_team
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_delete_then_undo_in_the_toast_brings_the_example_back(live_server: str, page: Page) -> None:
    team = live_team(live_server, [], PASSWORD)
    p = team.project
    made = team.admin.post(f"/projects/{p}/examples", data={"csrftoken": team.token, "f.text": "a tweet to keep",
                                                            "output": "positive", "after": "stay"})
    example = int(re.search(r"/examples/(\d+)", made.headers["location"]).group(1))
    team.admin.post(f"/projects/{p}/examples/{example}", data={"csrftoken": team.token, "f.text": "a tweet edited",
                                                               "output": "negative", "version": "1", "after": "stay"})
    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/projects/{p}/examples/{example}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete example").click()
    toast = page.get_by_test_id("toast")
    expect(toast).to_contain_text(f"Example #{example} deleted")
    expect(page.locator(f"tr[data-example='{example}']")).to_have_count(0)

    toast.get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("toast")).to_contain_text(f"Example #{example} restored")
    expect(page.locator(f"tr[data-example='{example}']")).to_contain_text("a tweet edited")

    page.goto(f"{live_server}/projects/{p}/examples/{example}")
    history = page.get_by_test_id("history")
    history.locator("summary", has_text="v1").click()
    history.get_by_role("button", name="Restore this revision").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Revision v1 restored as v3")
    expect(page.get_by_test_id("example-head")).to_contain_text("v3")
    expect(page.locator("textarea[name='f.text'], input[name='f.text']").first).to_have_value("a tweet to keep")
