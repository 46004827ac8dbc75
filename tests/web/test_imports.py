"""The import pages: the upload streams to disk under its own limit (not the body limit), the
preview names the detected shape and maps lines into the fields, start imports in the background,
the progress/outcome page lists errors by line and field, and only owners see any of it."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import text

from app.config import Settings
from app.services import import_jobs

GOOD = b'{"prompt": "I love it ->", "completion": " positive"}\n{"prompt": "Awful ->", "completion": " negative"}\n'


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-key-not-for-production",
                    import_dir=tmp_path / "imports", import_max_bytes=4096, max_body_bytes=2048)


def upload(web, project: int, body: bytes, filename: str = "tweets.jsonl"):
    return web.client.post(f"/projects/{project}/import?filename={filename}", content=body,
                           headers={"x-csrftoken": web.csrf, "Content-Type": "application/octet-stream"})


def job_url(response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"]


def wait_finished(web, url: str) -> str:
    for _ in range(200):
        page = web.get(url).text
        status = re.search(r'data-status="(\w+)"', page)
        if status and status.group(1) != "running":
            return page
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def count(app, project: int) -> int:
    with app.state.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM example WHERE project_id = :p"), {"p": project}).scalar_one()


def test_upload_preview_and_import(app, web):
    project = web.create_project("sentiment", "Tweets")
    url = job_url(upload(web, project, GOOD))
    page = web.get(url)
    assert page.status_code == 200
    assert "Detected format" in page.text and "openai-legacy" in page.text
    assert "I love it" in page.text and "positive" in page.text  # the prompt parsed back, separator removed
    started = web.post(url + "/start", {"profile": "openai-legacy", "state": "approved"})
    assert started.status_code == 303
    done = wait_finished(web, url)
    assert 'data-testid="import-done"' in done and "Imported 2 of 2 lines as approved" in done
    assert count(app, project) == 2
    twin = web.get("/api" + "/v1" + url).json()
    assert twin["status"] == "done" and twin["outcome"]["imported"] == 2


def test_a_bad_line_imports_nothing_and_is_listed_by_line_and_field(app, web):
    project = web.create_project("sentiment", "Tweets")
    body = GOOD + b'{"prompt": "Hm ->", "completion": " neutral"}\n'
    url = job_url(upload(web, project, body))
    web.post(url + "/start", {"profile": "openai-legacy"})
    page = wait_finished(web, url)
    assert "Nothing was imported" in page and "<td>3</td><td><code>output</code></td>" in page
    assert count(app, project) == 0


def test_csv_columns_are_chosen_on_the_page(app, web):
    project = web.create_project("sentiment", "Tweets")
    url = job_url(upload(web, project, b"Tweet,Mood\nNice one,positive\n", "t.csv"))
    page = web.get(url, params={"format": "csv", "column.text": "Tweet", "column.output": "Mood"}).text
    assert 'data-testid="mapping"' in page and "Nice one" in page
    web.post(url + "/start", {"format": "csv", "column.text": "Tweet", "column.output": "Mood"})
    assert "Imported 1 of 1 lines" in wait_finished(web, url)


def test_an_upload_over_the_import_limit_is_refused_and_leaves_no_file(app, web, settings):
    project = web.create_project("sentiment", "Tweets")
    response = upload(web, project, GOOD * 100)  # over import_max_bytes (4096), far over max_body_bytes
    assert response.status_code == 422
    assert "larger than this server accepts (4,096 bytes" in response.text
    assert not any(settings.import_dir.glob("*/upload"))
    small = upload(web, project, GOOD)  # 104 bytes: over no limit; the body limit (2048) does not apply here
    assert small.status_code == 303


def test_only_owners_import_and_jobs_stay_in_their_project(app, team):
    url = job_url(upload(team.owner, team.project, GOOD))
    for member in (team.reviewer, team.annotator, team.viewer):
        assert upload(member, team.project, GOOD).status_code == 403
        assert member.get(url).status_code == 403
    other = team.owner.create_project("sentiment", "Other")
    assert team.owner.get(url.replace(f"/projects/{team.project}/", f"/projects/{other}/")).status_code == 404
    for job in ("..%2F..%2Fetc", "z" * 32, "0" * 32):
        assert team.owner.get(f"/projects/{team.project}/import/{job}").status_code == 404


def test_discarding_an_uploaded_file(app, web, settings):
    project = web.create_project("sentiment", "Tweets")
    url = job_url(upload(web, project, GOOD))
    web.post(url + "/cancel")
    assert "Cancelled: nothing was imported" in web.get(url).text
    assert not any(settings.import_dir.glob("*/upload"))
    assert web.post(url + "/start", {}).status_code == 422


def test_an_upload_left_unimported_for_a_day_is_deleted_by_the_next_upload(app, web, settings):
    project = web.create_project("sentiment", "Tweets")
    forgotten = job_url(upload(web, project, GOOD)).rsplit("/", 1)[1]
    recent = job_url(upload(web, project, GOOD)).rsplit("/", 1)[1]
    state_file = settings.import_dir / forgotten / "job.json"
    state = json.loads(state_file.read_text())
    state["updated_at"] -= import_jobs.UNSTARTED_SECONDS + 60
    state_file.write_text(json.dumps(state))
    # A job whose server died mid-import keeps its state (its page says so) but not its file.
    died = job_url(upload(web, project, GOOD)).rsplit("/", 1)[1]
    died_file = settings.import_dir / died / "job.json"
    died_file.write_text(json.dumps(json.loads(died_file.read_text()) | {"status": "running", "pid": 2 ** 22 + 1}))
    job_url(upload(web, project, GOOD))  # the next upload sweeps
    assert not (settings.import_dir / forgotten).exists()
    assert (settings.import_dir / recent / "upload").exists()
    assert not (settings.import_dir / died / "upload").exists() and died_file.exists()
    assert "The server stopped during this import" in web.get(f"/projects/{project}/import/{died}").text
