"""What a new user does first, in real Chromium against a real server.

First admin → sign out → sign in → a Sentiment project → type a tweet key by key while the live
panel counts tokens and flags the separator → label it with one key → Ctrl+Enter → download the
JSONL, which must be byte for byte the line the panel showed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

USERNAME = "ada"
PASSWORD = "correct horse battery staple"
FIRST_TEXT = "Great phone ->"  # contains the Sentiment separator " ->"
TWEET = "Overjoyed with the new iPhone!"
EXPECTED_LINE = '{"prompt": "Overjoyed with the new iPhone! ->", "completion": " positive"}'
TYPING_DELAY_MS = 15


def _tokens(page: Page) -> int:
    return int(page.locator("#panel [data-testid=token-total]").inner_text().replace(",", ""))


def test_first_admin_writes_labels_and_exports_one_example(live_server: str, page: Page, tmp_path: Path) -> None:
    base = live_server

    # --- first admin -------------------------------------------------------------------------
    page.goto(base + "/")
    expect(page).to_have_url(base + "/setup")
    expect(page.get_by_role("heading", name="Create the first admin")).to_be_visible()
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create admin and sign in").click()
    expect(page).to_have_url(base + "/")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    expect(page.locator("header .who")).to_have_text(USERNAME)

    # --- sign out, sign in again ---------------------------------------------------------------
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(base + "/login")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/")
    expect(page.locator("header .who")).to_have_text(USERNAME)

    # --- a Sentiment project -------------------------------------------------------------------
    page.get_by_role("link", name="New project").click()
    expect(page).to_have_url(base + "/projects/new")
    page.get_by_label("Project name").fill("Tweets")
    page.locator("input[name=preset][value=sentiment]").check()
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/projects/\d+/examples/new$"))
    project_path = re.search(r"/projects/\d+", page.url).group(0)

    # --- the live panel while typing -----------------------------------------------------------
    panel = page.locator("#panel")
    token_total = panel.locator("[data-testid=token-total]")
    separator_inside = panel.locator('[data-code="separator-inside"]')
    tweet = page.locator("#f-text")
    expect(page.get_by_label("Tweet")).to_have_id("f-text")

    tweet.press_sequentially(FIRST_TEXT, delay=TYPING_DELAY_MS)
    # The finding needs the final ">", so once it shows, the panel reflects the whole text.
    expect(separator_inside).to_be_visible()
    expect(token_total).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    first_tokens = _tokens(page)

    tweet.press("Control+a")
    tweet.press_sequentially(TWEET, delay=TYPING_DELAY_MS)
    expect(tweet).to_have_value(TWEET)
    # Wait for the panel of the final text (a panel of a half-typed text has no separator either).
    expect(panel.locator("[data-testid=line]")).to_contain_text('"prompt": "Overjoyed with the new iPhone! ->"')
    expect(separator_inside).to_have_count(0)
    expect(token_total).not_to_have_text(f"{first_tokens:,}")
    assert _tokens(page) > 0

    # --- label with one key, outside the text box ----------------------------------------------
    page.keyboard.press("Escape")
    expect(tweet).not_to_be_focused()
    page.keyboard.press("1")
    expect(page.locator("input[name=output][value=positive]")).to_be_checked()
    lines = panel.locator("[data-testid=line]")
    expect(lines).to_have_count(1)
    expect(lines).to_have_text(EXPECTED_LINE)
    panel_line = lines.text_content()
    assert panel_line == EXPECTED_LINE  # byte-exact, no whitespace normalisation
    page.screenshot(path=tmp_path / "editor-with-panel.png", full_page=True)  # for humans; not asserted

    # --- save and next -------------------------------------------------------------------------
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.get_by_test_id("saved")).to_contain_text("Saved example #")
    expect(page).to_have_url(re.compile(re.escape(base + project_path) + r"/examples/new\?mode=annotate&saved=\d+$"))
    expect(page.locator("#f-text")).to_have_value("")
    expect(page.locator("input[name=output]:checked")).to_have_count(0)

    # --- export --------------------------------------------------------------------------------
    page.get_by_role("link", name="Export", exact=True).click()
    expect(page).to_have_url(base + project_path + "/export")
    expect(page.get_by_text("1 example in this project")).to_be_visible()
    page.get_by_label("draft (1)").check()  # not reviewed yet: approved-only is the default
    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".jsonl")
    saved_file = tmp_path / download.suggested_filename
    download.save_as(saved_file)
    assert saved_file.read_bytes() == (panel_line + "\n").encode("utf-8")
