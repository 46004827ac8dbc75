"""Text is checked once at the boundary: valid UTF-8, no lone surrogates, no NUL, in form bodies
(url-encoded and multipart, signed in or not), JSON bodies and query strings. A bad field gets a 422
naming it, and nothing is stored (both engines)."""

from __future__ import annotations

import json

import pytest

from tests.web.conftest import PASSWORD, Web
from tests.web.test_permissions import state_digest


def _api_token(web: Web) -> dict[str, str]:
    page = web.post("/account/tokens", {"name": "script"})
    return {"Authorization": "Bearer " + page.text.split('class="token">')[1].split("<")[0]}


def _raw_form(web: Web, url: str, body: bytes):
    return web.client.post(url, content=b"csrftoken=" + web.csrf.encode() + b"&" + body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_a_lone_surrogate_in_the_api_is_refused_and_the_project_stays_whole(web: Web):
    project = web.create_project("sentiment")
    headers = _api_token(web) | {"Content-Type": "application/json"}
    ok = web.client.post(f"/api/v1/projects/{project}/examples", headers=headers,
                         content=json.dumps({"fields": {"text": "fine"}, "output": "positive"}))
    assert ok.status_code == 201
    bad = web.client.post(f"/api/v1/projects/{project}/examples", headers=headers,
                          content=json.dumps({"fields": {"text": "a\ud800b"}, "output": "positive"}))
    assert bad.status_code == 422
    assert "surrogate" in bad.json()["errors"]["fields.text"] and bad.json()["error"]
    nested = web.client.post(f"/api/v1/projects/{project}/lint", headers=headers,
                             content=json.dumps({"fields": {"turns": [["user", "x\udfffy"]]}}))
    assert nested.status_code == 422 and "fields.turns.0.1" in nested.json()["errors"]
    listing = web.client.get(f"/api/v1/projects/{project}/examples", headers=headers)
    assert listing.status_code == 200 and [e["fields"]["text"] for e in listing.json()["examples"]] == ["fine"]
    assert web.get(f"/projects/{project}/examples").status_code == 200
    assert web.get(f"/projects/{project}/health").status_code == 200
    export = web.get(f"/projects/{project}/export.jsonl?status=draft")
    assert export.status_code == 200 and "fine" in export.text


def test_nul_in_a_json_string_is_refused(web: Web):
    project = web.create_project("sentiment")
    headers = _api_token(web)
    response = web.client.post(f"/api/v1/projects/{project}/examples", headers=headers,
                               json={"fields": {"text": "a\x00b"}, "output": "positive"})
    assert response.status_code == 422 and "NUL" in response.json()["errors"]["fields.text"]
    assert web.client.get(f"/api/v1/projects/{project}/examples", headers=headers).json()["examples"] == []


def test_invalid_utf8_in_a_json_body_is_refused(web: Web):
    project = web.create_project("sentiment")
    response = web.client.post(f"/api/v1/projects/{project}/examples", content=b'{"fields": {"text": "a\xffb"}}',
                               headers=_api_token(web) | {"Content-Type": "application/json"})
    assert response.status_code == 422 and "UTF-8" in response.json()["errors"]["body"]


@pytest.mark.parametrize("where", ["comment", "project name", "token name", "display name", "username"])
def test_nul_in_a_form_field_is_refused_and_nothing_is_stored(team, where: str):
    owner, p = team.owner, team.project
    r = owner.post(f"/projects/{p}/examples", {"f.text": "to discuss", "output": "positive", "after": "stay"}, htmx=True)
    example = int(r.headers["hx-location"].split("/examples/")[1].split("?")[0])
    url, body = {
        "comment": (f"/projects/{p}/examples/{example}/comments", b"body=a%00b"),
        "project name": ("/projects", b"preset=sentiment&name=Evil%00Project"),
        "token name": ("/account/tokens", b"name=tok%00en"),
        "display name": ("/admin/users", b"username=newbie&password=" + PASSWORD.replace(" ", "+").encode()
                         + b"&display_name=New%00bie"),
        "username": ("/admin/users", b"username=new%00bie&password=" + PASSWORD.replace(" ", "+").encode()),
    }[where]
    before = state_digest(owner.client.app)
    response = _raw_form(owner, url, body)
    assert response.status_code == 422, response.text[:300]
    assert "NUL" in response.text and "text/html" in response.headers["content-type"]
    assert state_digest(owner.client.app) == before


def test_invalid_utf8_in_a_form_is_refused_signed_in_or_not(web: Web, client):
    project = web.create_project("sentiment")
    encoded = _raw_form(web, f"/projects/{project}/examples", b"output=positive&f.text=a%FFb")
    assert encoded.status_code == 422 and "f.text" in encoded.text and "UTF-8" in encoded.text
    raw = _raw_form(web, f"/projects/{project}/examples", b"output=positive&f.text=a\xc3(b")
    assert raw.status_code == 422 and "f.text" in raw.text
    client.cookies.clear()
    anonymous = Web(client)
    login = _raw_form(anonymous, "/login", b"username=adm%FFin&password=x")
    assert login.status_code == 422 and "username" in login.text
    assert web.client.get(f"/api/v1/projects/{project}/examples").status_code in (401, 200)


def test_invalid_text_in_a_multipart_form_is_refused(web: Web):
    before = state_digest(web.client.app)
    response = web.client.post("/projects", files=[("csrftoken", (None, web.csrf)), ("preset", (None, "sentiment")),
                                                   ("name", (None, b"Bad \xff name"))])
    assert response.status_code == 422 and "name" in response.text
    nul = web.client.post("/projects", files=[("csrftoken", (None, web.csrf)), ("preset", (None, "sentiment")),
                                              ("name", (None, "Bad \x00 name"))])
    assert nul.status_code == 422 and "NUL" in nul.text
    assert state_digest(web.client.app) == before


def test_bad_text_in_a_query_string_is_refused(web: Web):
    project = web.create_project("sentiment")
    page = web.get(f"/projects/{project}/examples?level=%00")
    assert page.status_code == 422 and "level" in page.text
    api = web.get(f"/api/v1/projects/{project}/examples?label=%FF", headers=_api_token(web))
    assert api.status_code == 422 and api.json()["errors"] == {"label": "is not valid UTF-8 text"}


def test_good_text_passes_untouched(web: Web):
    project = web.create_project("sentiment")
    text = "naïve café — 日本語 😀 \t tabs & ampersands = equals + plus %"
    response = web.post(f"/projects/{project}/examples", {"f.text": text, "output": "positive", "after": "stay"},
                        htmx=True)
    assert response.status_code in (200, 204), response.text[:300]
    listing = web.get(f"/api/v1/projects/{project}/examples", headers=_api_token(web)).json()
    assert [e["fields"]["text"] for e in listing["examples"]] == [text]
