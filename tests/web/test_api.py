"""The JSON API: bearer tokens, lint, create/update with version checks, export."""

import pytest


@pytest.fixture
def api(web):
    page = web.post("/account/tokens", {"name": "script"})
    token = page.text.split('class="token">')[1].split("<")[0]
    project = web.create_project("sentiment", name="Tweets")
    web.client.cookies.clear()
    return web.client, {"Authorization": f"Bearer {token}"}, project


def test_lint_returns_lines_tokens_and_findings(api):
    client, auth, project = api
    body = client.post(f"/api/v1/projects/{project}/lint", headers=auth,
                       json={"fields": {"text": "Great ->"}, "output": "positive"}).json()
    assert body["lines"] == ['{"prompt": "Great -> ->", "completion": " positive"}']
    assert body["tokens"] > 0 and body["encoding"] == "cl100k_base"
    assert [f["code"] for f in body["findings"]] == ["separator-inside"]


def test_create_then_stale_update_is_a_409_and_keeps_the_first(api):
    client, auth, project = api
    created = client.post(f"/api/v1/projects/{project}/examples", headers=auth,
                          json={"fields": {"text": "first"}, "output": "positive"})
    assert created.status_code == 201 and created.json()["version"] == 1
    example = created.json()["id"]
    ok = client.put(f"/api/v1/projects/{project}/examples/{example}", headers=auth,
                    json={"fields": {"text": "second"}, "output": "negative", "version": 1})
    assert ok.json()["version"] == 2
    stale = client.put(f"/api/v1/projects/{project}/examples/{example}", headers=auth,
                       json={"fields": {"text": "third"}, "output": "negative", "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert client.get(f"/api/v1/projects/{project}/examples/{example}", headers=auth).json()["fields"] == {"text": "second"}


def test_invalid_example_names_each_field_and_stores_nothing(api):
    client, auth, project = api
    response = client.post(f"/api/v1/projects/{project}/examples", headers=auth,
                           json={"fields": {"text": ""}, "output": "maybe"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"text", "output"}
    assert client.get(f"/api/v1/projects/{project}/examples", headers=auth).json()["examples"] == []


def test_wrong_types_are_refused_not_crashed(api):
    client, auth, project = api
    response = client.post(f"/api/v1/projects/{project}/examples", headers=auth,
                           json={"fields": {"text": ["not", "text"]}, "output": 7})
    assert response.status_code == 422 and "must be text" in response.json()["errors"]["text"]


def test_export_streams_the_same_lines(api):
    client, auth, project = api
    client.post(f"/api/v1/projects/{project}/examples", headers=auth, json={"fields": {"text": "hi"}, "output": "positive"})
    exported = client.get(f"/api/v1/projects/{project}/export.jsonl?status=draft", headers=auth)
    assert exported.text == '{"prompt": "hi ->", "completion": " positive"}\n'


def test_rules_are_listed_with_their_metadata(api):
    client, auth, _ = api
    rules = {r["code"]: r for r in client.get("/api/v1/rules", headers=auth).json()}
    assert rules["label-multi-token"]["level"] == "warning" and "cls" in rules["label-multi-token"]["kinds"]
