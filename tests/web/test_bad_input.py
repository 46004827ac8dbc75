"""Bad input gets a clear 404/422, never a 500: ids past what the database stores, an unknown lint
profile, and project names that are not latin-1 in the export's filename. Every JSON error has the
one declared shape."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from app.web.errors import API_ERRORS
from tests.web.conftest import Web

HUGE = "99999999999999999999999"


def _example(web: Web, project: int) -> int:
    r = web.post(f"/projects/{project}/examples", {"f.text": "hello", "output": "positive", "after": "stay"}, htmx=True)
    return int(r.headers["hx-location"].split("/examples/")[1].split("?")[0])


def test_ids_past_64_bits_get_a_clear_answer_never_a_500(web: Web):
    project = web.create_project("sentiment")
    example = _example(web, project)
    for url in [f"/projects/{HUGE}/examples", f"/projects/{project}/examples?before={HUGE}",
                f"/projects/{project}/examples/{HUGE}", f"/projects/{project}/next?saved={HUGE}",
                f"/projects/{project}/audit?before={HUGE}", f"/projects/{project}/examples/{2**31}"]:
        response = web.get(url)
        assert response.status_code in (404, 422), f"{url}: {response.status_code}"
        assert "text/html" in response.headers["content-type"]
    for url in [f"/api/v1/projects/{HUGE}/examples", f"/api/v1/projects/{project}/examples?before={HUGE}",
                f"/api/v1/projects/{project}/examples/{HUGE}", f"/api/v1/projects/{HUGE}"]:
        response = web.get(url)
        assert response.status_code == 422, f"{url}: {response.status_code}"
        body = response.json()
        assert set(body) == {"error", "errors"} and "less than or equal to 2147483647" in " ".join(body["errors"].values())
    for url, data in [(f"/projects/{project}/lint", {"f.text": "x", "example_id": HUGE}),
                      (f"/projects/{project}/bulk", {"action": "approve", "ids": [HUGE]}),
                      (f"/projects/{project}/examples/{example}", {"f.text": "x", "output": "positive", "version": HUGE}),
                      (f"/projects/{project}/bulk", {"action": "assign", "ids": [str(example)], "assignee": HUGE})]:
        response = web.post(url, data)
        assert response.status_code in (404, 422), f"{url} {data}: {response.status_code}"
    assert web.get(f"/projects/{project}/examples/{example}").status_code == 200


def test_an_unknown_lint_profile_in_the_api_is_a_422(web: Web):
    project = web.create_project("sentiment")
    response = web.client.post(f"/api/v1/projects/{project}/lint", json={"fields": {"text": "x"}, "profile": "nope"},
                               headers={"x-csrftoken": web.csrf})
    assert response.status_code == 422
    assert "openai-chat" in response.json()["errors"]["profile"]
    known = web.client.post(f"/api/v1/projects/{project}/lint",
                            json={"fields": {"text": "x"}, "profile": "openai-chat"}, headers={"x-csrftoken": web.csrf})
    assert known.status_code == 200 and known.json()["profile"] == "openai-chat"


@pytest.mark.parametrize("name", ["Łódź reviews", "日本語"])
def test_a_project_with_a_non_latin1_name_downloads(web: Web, name: str):
    project = web.create_project("sentiment", name=name)
    _example(web, project)
    for url in (f"/projects/{project}/export.jsonl?status=draft", f"/api/v1/projects/{project}/export.jsonl?status=draft"):
        response = web.get(url)
        assert response.status_code == 200 and "hello" in response.text
        disposition = response.headers["content-disposition"]
        assert disposition.isascii() and disposition.startswith('attachment; filename="')
        exact = unquote(disposition.split("filename*=UTF-8''")[1])
        assert exact.startswith(name.lower().replace(" ", "-")) and exact.endswith(".jsonl")


def test_json_errors_share_one_shape(web: Web):
    project = web.create_project("sentiment")
    headers = {"x-csrftoken": web.csrf}
    not_found = web.get(f"/api/v1/projects/{project}/examples/12345")
    assert not_found.status_code == 404 and set(not_found.json()) == {"error"}
    invalid = web.client.post(f"/api/v1/projects/{project}/examples", json={"fields": "not an object"}, headers=headers)
    assert invalid.status_code == 422 and set(invalid.json()) == {"error", "errors"} and "fields" in invalid.json()["errors"]
    broken = web.client.post(f"/api/v1/projects/{project}/examples", content=b"{", headers=headers | {"Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.json()["error"]
    method = web.client.delete(f"/api/v1/projects/{project}", headers=headers)
    assert method.status_code == 405 and set(method.json()) == {"error"}
    web.client.cookies.clear()
    anonymous = web.get("/api/v1/projects")
    assert anonymous.status_code == 401 and set(anonymous.json()) == {"error"}


def test_every_api_operation_declares_the_error_model(app):
    schema = app.openapi()
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert operations and all(path.startswith("/api/") for path, _, _ in operations)
    for path, method, op in operations:
        for status in API_ERRORS:
            declared = op["responses"][str(status)]["content"]["application/json"]["schema"]
            assert declared == {"$ref": "#/components/schemas/ErrorOut"}, f"{method} {path} {status}"
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"error", "errors", "current_version"}


def test_a_refused_number_on_a_deleted_example_is_a_clear_answer(web: Web):
    project = web.create_project("sentiment")
    example = _example(web, project)
    assert web.post(f"/projects/{project}/examples/{example}/delete", {"version": "1"}).status_code in (200, 303)
    response = web.post(f"/projects/{project}/examples/{example}", {"f.text": "x", "output": "positive", "version": HUGE})
    assert response.status_code in (404, 422) and "text/html" in response.headers["content-type"]
