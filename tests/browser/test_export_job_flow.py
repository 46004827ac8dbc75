"""A background export in real Chromium against a real uvicorn: start it from the export page with
a split, see the progress bar (htmx polling), then download the finished snapshot's zip; and the
split preflight's two sides on the page."""

import io
import re
import zipfile

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.conftest import PASSWORD, TOKEN_RE

pytestmark = pytest.mark.browser


def sentiment_project(base: str, n: int = 40) -> int:
    admin = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = TOKEN_RE.search(admin.get("/setup").text).group(1)
    admin.post("/setup", data={"csrftoken": token, "username": "olga", "password": PASSWORD, "password_again": PASSWORD})
    created = admin.post("/projects", data={"csrftoken": token, "name": "Tweets", "preset": "sentiment"})
    project = int(re.search(r"/projects/(\d+)/", created.headers["location"]).group(1))
    page = admin.post("/account/tokens", data={"csrftoken": token, "name": "script"})
    auth = {"Authorization": "Bearer " + page.text.split('class="token">')[1].split("<")[0]}
    for i in range(n):
        saved = admin.post(f"/api/v1/projects/{project}/examples", headers=auth,
                           json={"fields": {"text": f"tweet number {i}"}, "output": "positive" if i % 4 else "negative"})
        assert saved.status_code == 201, saved.text
    return project


def test_a_background_export_shows_its_bar_then_downloads_the_zip(live_server, page, tmp_path):
    base = live_server
    project = sentiment_project(base)
    sign_in(page, base, "olga", PASSWORD)
    page.goto(f"{base}/projects/{project}/export?profile=openai-legacy&status=draft&split=0.2&seed=7")
    sides = page.get_by_test_id("split-sides")
    expect(sides.locator('[data-side="train"] [data-testid="side-examples"]')).to_have_text("32")
    expect(sides.locator('[data-side="validation"] [data-testid="side-examples"]')).to_have_text("8")
    expect(page.get_by_test_id("split-leakage")).to_contain_text("none, by construction")

    page.get_by_test_id("start-job").click()
    job = page.get_by_test_id("job")
    expect(job.get_by_test_id("job-progress")).to_be_visible()
    expect(job).to_have_attribute("data-state", "done", timeout=30_000)
    expect(job.get_by_test_id("job-progress")).to_have_attribute("value", "40")
    expect(job.get_by_test_id("job-text")).to_contain_text("Done: 40 examples read")
    page.screenshot(path=str(tmp_path / "export-job-done.png"), full_page=True)
    with page.expect_download() as download_info:
        job.get_by_test_id("job-download").click()
    download = download_info.value
    assert download.suggested_filename == "tweets.openai-legacy.zip"
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        assert archive.namelist() == ["train.jsonl", "validation.jsonl"]
        assert archive.read("validation.jsonl").count(b"\n") == 8
        assert archive.read("train.jsonl").count(b"\n") == 32

    page.get_by_test_id("job-snapshot").click()
    expect(page.get_by_test_id("snapshot-files").locator("li")).to_have_count(2)
    page.goto(f"{base}/projects/{project}/snapshots")
    expect(page.get_by_test_id("snapshots").locator("tbody tr")).to_have_count(1)
