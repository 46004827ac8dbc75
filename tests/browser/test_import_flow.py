"""Importing in real Chromium: choose a CSV, see the upload go up, map its columns, see the preview
(one bad line named with its field), import the valid lines and see the outcome; then a JSONL file
in a provider's shape, detected. Screenshots land in pytest's tmp_path (import-*.png)."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.conftest import PASSWORD, TOKEN_RE

pytestmark = pytest.mark.browser


def sentiment_project(base: str) -> int:
    admin = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = TOKEN_RE.search(admin.get("/setup").text).group(1)
    admin.post("/setup", data={"csrftoken": token, "username": "olga", "password": PASSWORD, "password_again": PASSWORD})
    created = admin.post("/projects", data={"csrftoken": token, "name": "Tweets", "preset": "sentiment"})
    return int(re.search(r"/projects/(\d+)/", created.headers["location"]).group(1))


def test_import_a_csv_with_a_bad_line_then_a_jsonl(live_server, page, tmp_path):
    base = live_server
    project = sentiment_project(base)
    sign_in(page, base, "olga", PASSWORD)
    csv_file = tmp_path / "tweets.csv"
    csv_file.write_text("tweet,mood\n\"Great, really great\",positive\n屏幕太暗了,negative\nMeh,bored\n",
                        encoding="utf-8")
    page.goto(f"{base}/projects/{project}/import")
    page.get_by_test_id("import-file").set_input_files(str(csv_file))
    page.screenshot(path=str(tmp_path / "import-upload.png"), full_page=True)
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("mapping")).to_be_visible()
    page.get_by_test_id("column-text").select_option("tweet")
    page.get_by_test_id("column-output").select_option("mood")
    page.get_by_role("button", name="Preview again").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Great, really great")
    expect(preview).to_contain_text("屏幕太暗了")
    expect(preview.locator("tr[data-line='4']")).to_contain_text("'bored' is not one of this project's labels")
    page.screenshot(path=str(tmp_path / "import-preview.png"), full_page=True)
    page.get_by_test_id("state").select_option("approved")
    page.get_by_test_id("valid-only").check()
    page.get_by_test_id("import-go").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("Imported 2 of 3 lines as approved")
    expect(page.get_by_test_id("import-errors")).to_contain_text("bored")
    page.screenshot(path=str(tmp_path / "import-done.png"), full_page=True)

    jsonl = tmp_path / "together.jsonl"
    jsonl.write_text('{"prompt": "Love it ->", "completion": " positive"}\n', encoding="utf-8")
    page.goto(f"{base}/projects/{project}/import")
    page.get_by_test_id("import-file").set_input_files(str(jsonl))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("detected")).to_contain_text("openai-legacy")
    page.get_by_test_id("import-go").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("Imported 1 of 1 lines as submitted")
    page.goto(f"{base}/projects/{project}/examples")
    expect(page.locator("body")).to_contain_text("Love it")
