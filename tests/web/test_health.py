"""Dataset health: counts, dataset rules kept up to date on save, charts, duplicate and conflict
groups resolved from the page, and the same numbers as `tunelab check` on the exported file."""

import json
import subprocess
import sys

from tests.web.conftest import Web


def add(web: Web, project: int, text: str, label: str) -> None:
    response = web.post(f"/projects/{project}/examples", {"f.text": text, "output": label, "after": "stay"}, htmx=True)
    assert response.status_code == 204, response.text


def health(web: Web, project: int) -> dict:
    return web.client.get(f"/api/v1/projects/{project}/health", headers={"x-csrftoken": web.csrf}).json()


def test_class_too_small_follows_each_save_and_delete(web: Web):
    p = web.create_project("sentiment")
    for i in range(3):
        add(web, p, f"happy {i}", "positive")
    add(web, p, "sad", "negative")
    report = health(web, p)
    assert report["labels"] == {"positive": 3, "negative": 1}
    small = [f for f in report["findings"] if f["code"] == "class-too-small"]
    assert {f["data"]["label"] for f in small} == {"positive", "negative"}
    web.post(f"/projects/{p}/examples/4/delete", {})
    assert health(web, p)["labels"] == {"positive": 3, "negative": 0}


def test_page_draws_the_charts_and_lists_the_rules(web: Web):
    p = web.create_project("sentiment")
    add(web, p, "happy", "positive")
    page = web.get(f"/projects/{p}/health").text
    assert 'data-testid="class-chart"' in page and "100 per class" in page
    assert 'data-testid="token-chart"' in page and "limit 16,384" in page
    assert 'data-code="class-too-small"' in page and 'data-code="too-few-examples"' in page
    assert "<script" not in page.split("</head>")[1]


def test_conflict_shows_as_a_group_and_keeping_one_deletes_the_other(web: Web):
    p = web.create_project("sentiment")
    add(web, p, "same words", "positive")
    add(web, p, "same words", "negative")
    add(web, p, "other words", "positive")
    add(web, p, "other words", "positive")
    report = health(web, p)
    assert report["conflicts"] == [[1, 2]] and report["duplicates"] == [[3, 4]]
    assert report["conflict_groups"] == 1 and report["duplicate_groups"] == 1
    assert web.post(f"/projects/{p}/health/keep", {"keep": "1", "ids": ["1", "2"]}).status_code == 303
    assert web.post(f"/projects/{p}/health/keep", {"keep": "4", "ids": ["3", "4"]}).status_code == 303
    report = health(web, p)
    assert report["conflicts"] == [] and report["duplicates"] == [] and report["examples"] == 2


def test_health_equals_tunelab_check_on_the_exported_file(web: Web, tmp_path):
    p = web.create_project("ad_from_wikipedia")
    for i in range(12):
        web.post(f"/projects/{p}/examples", {"f.name": f"Phone {i}", "f.description": f"A phone, model {i}.",
                                             "output": f"Buy phone {i} today!", "after": "stay"}, htmx=True)
    web.post(f"/projects/{p}/examples", {"f.name": "Phone 0", "f.description": "A phone, model 0.",
                                         "output": "Buy phone 0 today!", "after": "stay"}, htmx=True)
    exported = web.get(f"/projects/{p}/export.jsonl?status=draft&include_errors=true").text
    path = tmp_path / "export.jsonl"
    path.write_text(exported)
    result = subprocess.run([sys.executable, "-m", "app", "check", str(path), "--format", "json", "--model",
                             "davinci-002", "--separator", "\\n\\n###\\n\\n", "--stop", " END", "--kind", "gen"],
                            capture_output=True, text=True)
    checked = json.loads(result.stdout)
    report = health(web, p)
    assert checked["examples"] == report["records"] == 13
    assert checked["tokens"] == report["tokens"]
    assert sorted(checked["dataset"]) == sorted(report["dataset"])
    assert checked["estimate"] == report["estimate"]


def test_near_duplicates_are_flagged_as_info(web: Web):
    p = web.create_project("sentiment")
    add(web, p, "Great phone!!", "positive")
    add(web, p, "great   phone", "positive")
    add(web, p, "a different tweet", "negative")
    report = health(web, p)
    assert report["near_duplicates"] == [[1, 2]] and report["duplicates"] == [] and report["conflicts"] == []
    page = web.get(f"/projects/{p}/health").text
    assert 'data-testid="group-near-duplicates"' in page
    web.post(f"/projects/{p}/examples/2", {"f.text": "great phone indeed", "output": "positive", "version": "1",
                                           "after": "stay"}, htmx=True)
    assert health(web, p)["near_duplicates"] == []


def test_per_example_rules_are_counted_and_link_to_their_examples(web: Web):
    p = web.create_project("sentiment")
    add(web, p, "great -> phone", "positive")
    add(web, p, "fine phone", "positive")
    assert health(web, p)["example_codes"] == {"separator-inside": 1}
    listed = web.get(f"/projects/{p}/examples?code=separator-inside").text
    assert "great -&gt; phone" in listed and "fine phone" not in listed
    web.post(f"/projects/{p}/examples/1", {"f.text": "great phone", "output": "positive", "version": "1",
                                           "after": "stay"}, htmx=True)
    assert health(web, p)["example_codes"] == {}
