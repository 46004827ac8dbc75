"""The posted form as the handlers get it: urlencoded text exactly as typed (escapes, plus signs,
blank and repeated fields), a clear 413 past the field limit with nothing changed."""

from __future__ import annotations

from urllib.parse import urlencode

from app.web.forms import MAX_FORM_FIELDS
from tests.web.conftest import Web

TRICKY = "a+b %2B c&d=e\nline two\ttab ünï 日本 😀 100%"


def test_urlencoded_text_arrives_exactly_as_typed(web: Web):
    project = web.create_project("sentiment")
    body = urlencode({"f.text": TRICKY, "output": "positive", "after": "stay"}) + "&unused="
    response = web.client.post(f"/projects/{project}/examples", content=body,
                               headers={"content-type": "application/x-www-form-urlencoded", "HX-Request": "true",
                                        "x-csrftoken": web.csrf})
    example = int(response.headers["hx-location"].split("/examples/")[1].split("?")[0])
    stored = web.get(f"/api/v1/projects/{project}/examples/{example}").json()
    assert stored["fields"]["text"] == TRICKY


def test_repeated_fields_keep_their_order(web: Web):
    project = web.create_project("sentiment")
    made = [web.post(f"/projects/{project}/examples", {"f.text": f"text {i}", "output": "positive", "after": "stay"},
                     htmx=True) for i in range(3)]
    ids = [m.headers["hx-location"].split("/examples/")[1].split("?")[0] for m in made]
    for i in ids:
        web.post(f"/projects/{project}/examples/{i}/submit", {"version": "1"})
    response = web.post(f"/projects/{project}/bulk", {"action": "approve", "ids": ids})
    assert response.status_code in (200, 303)
    statuses = {web.get(f"/api/v1/projects/{project}/examples/{i}").json()["status"] for i in ids}
    assert statuses == {"approved"}


def test_a_form_past_the_field_limit_is_refused_and_changes_nothing(web: Web):
    project = web.create_project("sentiment")
    made = web.post(f"/projects/{project}/examples", {"f.text": "keep me", "output": "positive", "after": "stay"},
                    htmx=True)
    example = made.headers["hx-location"].split("/examples/")[1].split("?")[0]
    body = "action=approve&" + "&".join(f"ids={example}" for _ in range(MAX_FORM_FIELDS + 1))
    response = web.client.post(f"/projects/{project}/bulk", content=body,
                               headers={"content-type": "application/x-www-form-urlencoded", "x-csrftoken": web.csrf})
    assert response.status_code == 413
    assert f"more than {MAX_FORM_FIELDS:,} fields" in response.text
    assert web.get(f"/api/v1/projects/{project}/examples/{example}").json()["status"] == "draft"
