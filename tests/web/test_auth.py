"""Sign-in: first admin only on an empty database, argon2 sign-in, sessions, CSRF, guarded pages."""

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app.config import Settings
from app.storage.tables import User
from tests.web.conftest import PASSWORD, TOKEN_RE, Web, setup_admin

GUARDED_PAGES = ["/", "/projects/new", "/projects/1/examples", "/projects/1/examples/new", "/projects/1/settings",
                 "/projects/1/export", "/projects/1/export.jsonl", "/account/tokens"]


def user_count(client) -> int:
    with client.app.state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(User)).scalar_one()


def test_empty_database_sends_everyone_to_create_the_first_admin(client):
    assert client.get("/").headers["location"] == "/setup"
    assert client.get("/login").headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200 and "Create the first admin" in page.text


def test_first_admin_is_created_signed_in_and_setup_closes(client):
    web = setup_admin(client)
    assert web.get("/").status_code == 200
    assert client.get("/setup").headers["location"] == "/login"
    again = web.post("/setup", {"username": "intruder", "password": PASSWORD, "password_again": PASSWORD})
    assert again.status_code == 422 and "already exists" in again.text
    assert user_count(client) == 1


def test_setup_refuses_short_or_mismatched_passwords_and_keeps_the_database_empty(client):
    token = TOKEN_RE.search(client.get("/setup").text).group(1)
    short = client.post("/setup", data={"csrftoken": token, "username": "admin", "password": "short",
                                        "password_again": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    differ = client.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                         "password_again": PASSWORD + "x"})
    assert differ.status_code == 422 and "differ" in differ.text
    assert user_count(client) == 0


def test_password_is_stored_as_argon2_hash(client):
    setup_admin(client)
    with client.app.state.engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("path", GUARDED_PAGES)
def test_pages_need_a_signed_in_user(client, path):
    setup_admin(client)
    client.cookies.clear()
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_htmx_request_without_sign_in_is_told_where_to_go(client):
    setup_admin(client)
    client.cookies.clear()
    response = client.post("/projects/1/lint", headers={"HX-Request": "true"})
    assert response.status_code in (401, 403)


def test_healthz_is_open(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_sign_out_then_sign_in_again(client):
    web = setup_admin(client)
    assert web.post("/logout").headers["location"] == "/login"
    assert client.get("/").status_code == 303
    token = TOKEN_RE.search(client.get("/login").text).group(1)
    wrong = client.post("/login", data={"csrftoken": token, "username": "admin", "password": "wrong password!"})
    assert wrong.status_code == 401 and "wrong password" in wrong.text
    right = client.post("/login", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                        "next": "/projects/new"})
    assert right.headers["location"] == "/projects/new"
    assert client.get("/projects/new").status_code == 200


def test_sign_in_never_redirects_off_site(client):
    setup_admin(client)
    token = TOKEN_RE.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                           "next": "//evil.example/"})
    assert response.headers["location"] == "/"


def test_session_cookie_is_signed_httponly_and_lax(client):
    token = TOKEN_RE.search(client.get("/setup").text).group(1)
    response = client.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                           "password_again": PASSWORD})
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("tunelab_session="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_state_change_without_csrf_token_is_refused_and_changes_nothing(client):
    web = setup_admin(client)
    response = client.post("/projects", data={"name": "Sneaky", "preset": "sentiment"})
    assert response.status_code == 403 and "expired" in response.text
    assert "Sneaky" not in web.get("/").text
    htmx_wrong = client.post("/projects", data={"name": "Sneaky"}, headers={"x-csrftoken": "forged"})
    assert htmx_wrong.status_code == 403


def test_pages_send_a_content_security_policy_without_inline_script(client):
    response = client.get("/setup")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.text


def test_default_secret_is_refused_outside_dev_mode():
    with pytest.raises(ValidationError, match="TUNELAB_SECRET_KEY"):
        Settings(_env_file=None)
    assert Settings(dev_mode=True).dev_mode


def test_api_token_signs_in_scripts(client):
    web = setup_admin(client)
    page = web.post("/account/tokens", {"name": "ci"})
    token = page.text.split('class="token">')[1].split("<")[0]
    client.cookies.clear()
    assert client.get("/api/v1/projects").status_code == 401
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"}).json() == []
    assert client.get("/api/v1/projects", headers={"Authorization": "Bearer wrong"}).status_code == 401
