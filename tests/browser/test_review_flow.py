"""Team review in real Chromium: an annotator labels and submits three examples by keyboard alone,
a reviewer approves two and requests changes on one, the annotator fixes and resubmits, and the
export (approved only) holds exactly the approved lines."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.teams import live_team
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
TWEETS = ["Overjoyed with the new iPhone!", "Battery died after an hour", "Best concert of my life"]
LABEL_KEYS = ["1", "2", "1"]


def set_up_team(base: str) -> int:
    return live_team(base, [("anna", "annotator"), ("rita", "reviewer")], PASSWORD, admin="olga").project


def test_annotate_review_fix_and_export_approved_only(live_server, browser, tmp_path):
    base = live_server
    project = set_up_team(base)

    annotator = browser.new_context().new_page()
    sign_in(annotator, base, "anna", PASSWORD)
    annotator.goto(f"{base}/projects/{project}/next")
    for tweet, key in zip(TWEETS, LABEL_KEYS):
        expect(annotator.locator("#f-text")).to_be_focused()
        annotator.keyboard.type(tweet)
        annotator.keyboard.press("Escape")
        annotator.keyboard.press(key)
        expect(annotator.locator("input[name=output]:checked")).to_have_count(1)
        annotator.keyboard.press("Control+Shift+Enter")  # save, submit for review, next
        expect(annotator.get_by_test_id("saved")).to_be_visible()
        expect(annotator.locator("#f-text")).to_have_value("")

    reviewer = browser.new_context().new_page()
    sign_in(reviewer, base, "rita", PASSWORD)
    reviewer.goto(f"{base}/projects/{project}/next?mode=review")
    for _ in range(2):
        expect(reviewer.get_by_test_id("status")).to_have_text("submitted")
        reviewer.wait_for_load_state()  # the page's script handles the keys once it has run
        reviewer.keyboard.press("a")
        expect(reviewer.get_by_test_id("saved")).to_be_visible()
    expect(reviewer.locator("#f-text")).to_have_value(TWEETS[2])
    reviewer.wait_for_load_state()
    reviewer.keyboard.press("r")  # focuses the comment box first
    expect(reviewer.locator("#review-body")).to_be_focused()
    reviewer.keyboard.type("Which concert? Name the band.")
    reviewer.keyboard.press("Control+Enter")
    expect(reviewer.get_by_test_id("queue-empty")).to_be_visible()

    annotator.goto(f"{base}/projects/{project}/next")  # work sent back comes first
    expect(annotator.get_by_test_id("status")).to_have_text("changes requested")
    expect(annotator.get_by_test_id("thread")).to_contain_text("Which concert? Name the band.")
    expect(annotator.locator("#f-text")).to_be_focused()
    annotator.keyboard.press("End")
    annotator.keyboard.type(" (Radiohead)")
    annotator.keyboard.press("Control+Shift+Enter")
    expect(annotator.get_by_test_id("saved")).to_be_visible()

    reviewer.goto(f"{base}/projects/{project}/next?mode=review")
    expect(reviewer.locator("#f-text")).to_have_value(TWEETS[2] + " (Radiohead)")
    expect(reviewer.get_by_test_id("status")).to_have_text("submitted")

    owner = browser.new_context(accept_downloads=True).new_page()
    sign_in(owner, base, "olga", PASSWORD)
    owner.goto(f"{base}/projects/{project}/export")
    with owner.expect_download() as info:
        owner.get_by_test_id("download").click()
    path = tmp_path / "approved.jsonl"
    info.value.save_as(path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [{"prompt": TWEETS[0] + " ->", "completion": " positive"},
                     {"prompt": TWEETS[1] + " ->", "completion": " negative"}]


def test_a_refused_review_shows_in_place_and_keeps_what_was_typed(live_server, browser, tmp_path):
    """Request changes without a comment, then a decision on an example another reviewer decided
    meanwhile: each refusal is a toast on the same page (no error page), the URL stays and the
    comment typed is still in its box."""
    from tests.teams import live_browser

    base = live_server
    project = live_team(base, [("anna", "annotator"), ("rita", "reviewer"), ("remy", "reviewer")], PASSWORD,
                        admin="olga").project
    anna, token = live_browser(base, "anna", PASSWORD)
    saved = anna.post(f"/projects/{project}/examples", data={"csrftoken": token, "f.text": "Loved the show",
                                                             "output": "positive", "after": "submit"})
    assert saved.status_code == 303, saved.text

    rita = browser.new_context().new_page()
    sign_in(rita, base, "rita", PASSWORD)
    rita.goto(f"{base}/projects/{project}/next?mode=review")
    expect(rita.get_by_test_id("status")).to_have_text("submitted")
    at = rita.url
    rita.get_by_role("button", name="Request changes").click()
    toast = rita.get_by_test_id("toast")
    expect(toast).to_contain_text("Say what to change: the comment goes back to the author.")
    assert rita.url == at and rita.get_by_test_id("review-form").is_visible()
    toast.locator("[data-dismiss]").click()
    expect(toast).to_have_count(0)

    remy = browser.new_context().new_page()
    sign_in(remy, base, "remy", PASSWORD)
    remy.goto(at)
    remy.get_by_role("button", name="Approve").click()
    expect(remy.get_by_test_id("toast")).to_contain_text("approved")  # the confirmation on the next page

    rita.locator("#review-body").fill("Which show? Name it.")
    rita.get_by_role("button", name="Request changes").click()
    expect(rita.get_by_test_id("toast")).to_contain_text("approved")
    expect(rita.locator("#review-body")).to_have_value("Which show? Name it.")
    assert rita.url == at
    rita.screenshot(path=str(tmp_path / "review-refused-toast.png"))
