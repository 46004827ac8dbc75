"""The export page's split (ratio and seed: both sides' counts, per-file rules, split-leakage 0 said
so; the zip, or two links on the snapshot's page), the snapshots list and its JSON twin with
byte-identical re-downloads after the examples changed, a changed kept file refused (410), the
export permission for all of it (another project's snapshot 404), and bad split input (422)."""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile

import pytest

from tests.web.conftest import sign_in


def drafts(web, project: int, texts, label: str = "positive") -> None:
    for text in texts:
        response = web.post(f"/projects/{project}/examples", {"f.text": text, "output": label}, htmx=True)
        assert response.status_code in (200, 204), response.text


def sentiment(web, name: str = "Tweets") -> int:
    project = web.create_project("sentiment", name=name)
    drafts(web, project, [f"good {i}" for i in range(12)], "positive")
    drafts(web, project, [f"bad {i}" for i in range(8)], "negative")
    return project


QUERY = "profile=openai-legacy&status=draft&split=0.25&seed=42"


def test_the_preflight_of_a_split_shows_both_files_and_no_leakage(web):
    project = sentiment(web)
    page = web.get(f"/projects/{project}/export?{QUERY}").text
    sides = dict(re.findall(r'data-side="(\w+)"><td>\w+\.jsonl</td><td data-testid="side-examples">(\d+)', page))
    assert sides == {"train": "15", "validation": "5"}  # round(0.25 × 12) = 3, round(0.25 × 8) = 2
    leakage = page.split('data-testid="split-leakage"')[1].split("</p>")[0]
    assert 'data-count="0"' in leakage and "none, by construction" in leakage
    assert 'data-testid="download-zip"' in page and 'data-testid="download-two"' in page
    assert 'data-testid="download"' not in page
    twin = web.get(f"/api/v1/projects/{project}/export?{QUERY}").json()
    assert twin["choice"]["split"] == {"ratio": 0.25, "seed": 42} and twin["check"]["leakage"] == 0
    assert [(s["side"], s["examples"]) for s in twin["check"]["sides"]] == [("train", 15), ("validation", 5)]
    # OpenAI wants 10 examples a file: the validation file's 5 are refused, per file
    validation = twin["check"]["sides"][1]
    assert [f["code"] for f in validation["file_findings"]] == ["openai-min-examples"]
    assert twin["check"]["sides"][0]["file_findings"] == []


def test_the_zip_and_the_two_files_are_the_same_split_kept_as_snapshots(web):
    project = sentiment(web)
    zipped = web.get(f"/projects/{project}/export.zip?{QUERY}")
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    assert 'filename="tweets.openai-legacy.zip"' in zipped.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        assert archive.namelist() == ["train.jsonl", "validation.jsonl"]
        train, validation = archive.read("train.jsonl"), archive.read("validation.jsonl")
    assert (train.count(b"\n"), validation.count(b"\n")) == (15, 5)

    two = web.get(f"/projects/{project}/export.jsonl?{QUERY}")
    assert two.status_code == 303
    snapshot_page = web.get(two.headers["location"]).text
    links = re.findall(r'href="([^"]+/files/(train|validation))"', snapshot_page)
    assert [role for _, role in links] == ["train", "validation"]
    assert web.get(links[0][0]).content == train and web.get(links[1][0]).content == validation
    listed = web.get(f"/api/v1/projects/{project}/snapshots").json()["snapshots"]
    assert [s["split"] for s in listed] == [{"ratio": 0.25, "seed": 42}] * 2
    assert listed[0]["files"][0]["sha256"] == hashlib.sha256(train).hexdigest()


def test_a_snapshot_downloads_the_same_bytes_after_the_examples_changed(web, app):
    project = sentiment(web)
    body = web.get(f"/projects/{project}/export.jsonl?profile=openai-legacy&status=draft").content
    drafts(web, project, ["a new one"])
    (snapshot,) = web.get(f"/api/v1/projects/{project}/snapshots").json()["snapshots"]
    assert snapshot["files"][0]["sha256"] == hashlib.sha256(body).hexdigest() and snapshot["kept"]
    page = web.get(f"/projects/{project}/snapshots").text
    assert f'data-snapshot="{snapshot["id"]}"' in page and "tweets.openai-legacy.jsonl" in page
    again = web.get(f"/projects/{project}/snapshots/{snapshot['id']}/files/all")
    assert again.status_code == 200 and again.content == body
    assert again.headers["x-content-sha256"] == snapshot["sha256"]
    assert b"a new one" in web.get(f"/projects/{project}/export.jsonl?profile=openai-legacy&status=draft").content
    # the kept file changed on disk: refused, clearly, never served
    kept = next(p for p in (app.state.snapshots.root / f"project-{project}").rglob("tweets.openai-legacy.jsonl")
                if p.read_bytes() == body)
    kept.write_bytes(kept.read_bytes() + b"{}\n")
    refused = web.get(f"/projects/{project}/snapshots/{snapshot['id']}/files/all")
    assert refused.status_code == 410 and "has changed since the export" in refused.text
    twin = web.get(f"/api/v1/projects/{project}/snapshots/{snapshot['id']}/files/all")
    assert twin.status_code == 410 and "has changed since the export" in twin.json()["error"]
    chinese = web.get(f"/projects/{project}/snapshots/{snapshot['id']}/files/all",
                      headers={"Accept-Language": "zh-CN"})  # the refusal, whole, in the reader's language
    assert chinese.status_code == 410 and "SHA-256" in chinese.text and "has changed" not in chinese.text


def test_snapshots_need_the_export_permission_and_belong_to_their_project(web, app):
    project = sentiment(web)
    other = web.create_project("sentiment", name="Other")
    web.get(f"/projects/{project}/export.jsonl?profile=openai-legacy&status=draft")
    (snapshot,) = web.get(f"/api/v1/projects/{project}/snapshots").json()["snapshots"]
    assert web.get(f"/projects/{other}/snapshots/{snapshot['id']}").status_code == 404
    assert web.get(f"/projects/{other}/snapshots/{snapshot['id']}/files/all").status_code == 404
    assert web.get(f"/projects/{project}/snapshots/{snapshot['id']}/files/nope").status_code == 404
    web.post("/admin/users", {"username": "rita", "password": "a long enough password"})
    assert web.post(f"/projects/{project}/members", {"username": "rita", "role": "reviewer"}).status_code == 303
    rita = sign_in(app, "rita")
    for url in (f"/projects/{project}/snapshots", f"/projects/{project}/snapshots/{snapshot['id']}",
                f"/projects/{project}/snapshots/{snapshot['id']}/files/all", f"/api/v1/projects/{project}/snapshots"):
        assert rita.get(url).status_code == 403, url


@pytest.mark.parametrize(("query", "field"), [("split=0", "split"), ("split=1", "split"), ("split=-1", "split"),
                                              ("split=abc", "split"), ("split=0.1&seed=x", "seed"),
                                              ("split=0.1&seed=" + "9" * 40, "seed"), ("seed=4", "seed")])
def test_a_bad_split_is_422_naming_it_and_nothing_is_kept(web, query, field):
    project = sentiment(web)
    for path in ("export", "export.jsonl", "export.zip"):
        page = web.get(f"/projects/{project}/{path}?profile=openai-legacy&status=draft&{query}")
        assert page.status_code == 422, (path, page.text)
        twin = web.get(f"/api/v1/projects/{project}/{path}?profile=openai-legacy&status=draft&{query}")
        assert twin.status_code == 422 and list(twin.json()["errors"]) == [field]
    assert web.get(f"/api/v1/projects/{project}/snapshots").json()["snapshots"] == []


def test_a_background_export_reports_progress_then_links_its_snapshot_and_a_cancel_leaves_nothing(web, app):
    project = sentiment(web)
    started = web.post(f"/projects/{project}/export/jobs", {"profile": "openai-legacy", "status": "draft"}, htmx=True)
    assert started.status_code == 202 and 'data-testid="job-progress"' in started.text
    job = re.search(r'data-job="([0-9a-f]{32})"', started.text).group(1)
    for _ in range(100):
        state = web.get(f"/api/v1/projects/{project}/export/jobs/{job}").json()
        if state["state"] != "running":
            break
        time.sleep(0.1)
    assert (state["state"], state["done"], state["total"], state["percent"]) == ("done", 20, 20, 100)
    fragment = web.get(f"/projects/{project}/export/jobs/{job}").text
    download = re.search(r'href="([^"]+)" data-testid="job-download"', fragment).group(1)
    body = web.get(download).content
    assert body.count(b"\n") == 20
    (snapshot,) = web.get(f"/api/v1/projects/{project}/snapshots").json()["snapshots"]
    assert snapshot["id"] == state["snapshot_id"] and snapshot["sha256"] == hashlib.sha256(body).hexdigest()
    assert web.get(f"/projects/{web.create_project('sentiment', name='Else')}/export/jobs/{job}").status_code == 404
    assert web.post(f"/projects/{project}/export/jobs", {"profile": "openai-legacy", "split": "2"},
                    htmx=True).status_code == 422
