"""The newcomer's first hour in real Chromium: a fresh install, the first admin, "Start from the
guide's examples", and the sentiment project's export downloads the guide's own lines exactly."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden-lines.jsonl"


def guide_records(preset: str) -> list[dict]:
    lines = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    return [record for line in lines if line["preset"] == preset for record in line["exported"]]


def test_fresh_install_to_the_guides_sentiment_lines(live_server: str, page: Page, tmp_path: Path) -> None:
    base = live_server
    page.goto(base + "/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create admin and sign in").click()
    expect(page.get_by_test_id("first-steps")).to_be_visible()

    page.get_by_test_id("start-from-guide").click()
    expect(page.get_by_test_id("toast")).to_contain_text("7 projects made from the guide's examples")
    page.screenshot(path=str(tmp_path / "first-hour-projects.png"), full_page=True)
    page.get_by_role("link", name="Sentiment (guide examples)").click()
    expect(page.locator("tr[data-example]")).to_have_count(2)
    page.keyboard.press("?")  # the keyboard help on list pages too
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help")).to_contain_text("label next: the next example in your queue")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    page.get_by_role("link", name="Export").first.click()
    expect(page.get_by_test_id("export-empty")).to_have_count(0)
    expect(page.get_by_test_id("export-lines")).to_contain_text("2 lines from 2 examples")
    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    body = Path(download_info.value.path()).read_bytes().decode("utf-8")
    records = [json.loads(line) for line in body.splitlines()]
    assert records == guide_records("sentiment") and all(list(r) == ["prompt", "completion"] for r in records)
