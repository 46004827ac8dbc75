"""CSRF: every unsafe route refuses a missing, forged or another browser's token and changes nothing;
multipart forms work; bearer-token scripts skip the check; /login and /setup are protected too."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.web.errors import every_route
from tests.web.conftest import PASSWORD, TOKEN_RE, Team, Web, setup_admin
from tests.web.test_permissions import MATRIX, prepare, state_digest

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _fill(value, ids):
    return [v.format(**ids) for v in value] if isinstance(value, list) else value


def test_every_unsafe_route_is_in_the_csrf_checks(app):
    registered = {(route.path, method) for route in every_route(app.routes) for method in route.methods
                  if method in UNSAFE}
    covered = {(template, method) for template, method, *_ in MATRIX} | {("/setup", "POST"), ("/login", "POST")}
    assert registered and registered <= covered, sorted(registered - covered)


@pytest.mark.parametrize("token", ["missing", "forged", "other browser's"])
def test_every_unsafe_route_refuses_a_bad_token_and_changes_nothing(team: Team, token: str):
    ids = prepare(team)
    owner = team.owner
    other = team.annotator.csrf
    for _, method, template, body, _, as_json in MATRIX + [("/login", "POST", "/login", {"username": "admin", "password": PASSWORD}, None, False)]:
        path = template.format(**ids)
        filled = {k: _fill(v, ids) for k, v in body.items()}
        sent = {"missing": None, "forged": owner.csrf[:-4] + "AAAA", "other browser's": other}[token]
        before = state_digest(owner.client.app)
        if as_json:
            headers = {"x-csrftoken": sent} if sent else {}
            response = owner.client.request(method, path, json=filled, headers=headers)
            assert response.status_code == 403, f"{method} {path}: {response.status_code}"
            assert "CSRF" in response.json()["error"]
        else:
            data = filled if sent is None else {"csrftoken": sent, **filled}
            response = owner.client.request(method, path, data=data)
            assert response.status_code == 403, f"{method} {path}: {response.status_code}"
            assert "expired" in response.text and "text/html" in response.headers["content-type"]
        assert state_digest(owner.client.app) == before, f"{method} {path} changed data with a {token} token"
    assert owner.get(f"/projects/{ids['p']}/examples").status_code == 200  # still signed in, nothing broke


def test_login_and_setup_need_the_token_even_without_cookies(app):
    with TestClient(app, follow_redirects=False) as fresh:
        refused = fresh.post("/setup", data={"username": "admin", "password": PASSWORD, "password_again": PASSWORD})
        assert refused.status_code == 403
        assert "/setup" in fresh.get("/login").headers.get("location", "/setup")  # still no admin
        web = setup_admin(fresh)
        fresh.cookies.clear()
        assert fresh.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 403
        assert web.client.get("/projects/new").status_code in (303, 401)  # not signed in by the refused request


def test_a_multipart_form_works_with_the_token_first_or_further_on(web: Web):
    first = web.client.post("/projects", files=[("csrftoken", (None, web.csrf)), ("name", (None, "Multi")),
                                                ("preset", (None, "sentiment"))])
    assert first.status_code == 303, first.text
    later = web.client.post("/projects", files=[("name", (None, "Later")), ("preset", (None, "sentiment")),
                                                ("csrftoken", (None, web.csrf))])
    assert later.status_code == 303, later.text
    forged = web.client.post("/projects", files=[("csrftoken", (None, "nope.nope")), ("name", (None, "Forged")),
                                                 ("preset", (None, "sentiment"))])
    assert forged.status_code == 403
    listing = web.get("/").text
    assert "Multi" in listing and "Later" in listing and "Forged" not in listing


def test_bearer_token_scripts_skip_the_check(web: Web):
    page = web.post("/account/tokens", {"name": "ci"})
    token = page.text.split('class="token">')[1].split("<")[0]
    project = web.create_project("sentiment")
    script = TestClient(web.client.app)
    response = script.post(f"/api/v1/projects/{project}/examples", json={"fields": {"text": "hi"}, "output": "positive"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text


def test_the_form_token_is_the_cookie_and_is_signed(client):
    page = client.get("/setup")
    form_token = TOKEN_RE.search(page.text).group(1)
    assert client.cookies.get("csrftoken") == form_token
    nonce, signature = form_token.split(".")
    assert len(nonce) >= 24 and signature
    again = client.get("/setup")  # a valid cookie is kept, not replaced
    assert TOKEN_RE.search(again.text).group(1) == form_token and "set-cookie" not in again.headers
