"""Sign-in: first admin only on an empty database, argon2 sign-in, sessions, CSRF, guarded pages,
and the sign-in rate limit per account and per address."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.services import accounts
from app.services.accounts import SignInLimits
from app.storage.tables import User, utcnow
from tests.web.conftest import PASSWORD, TOKEN_RE, setup_admin

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


def test_session_cookie_is_httponly_lax_and_lasts_the_session(client):
    token = TOKEN_RE.search(client.get("/setup").text).group(1)
    response = client.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                           "password_again": PASSWORD})
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("tunelab_session="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "max-age=1209600" in cookie.lower()
    assert "secure" not in cookie.lower()  # TUNELAB_COOKIE_SECURE is off here
    assert client.get("/").status_code == 200  # the next request carries no new cookie and stays signed in


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


def test_a_read_scoped_token_reads_but_changes_nothing(client):
    web = setup_admin(client)
    project = web.create_project("sentiment", "Tweets")
    tokens = {}
    for scope in ("read", "write"):
        page = web.post("/account/tokens", {"name": f"{scope} bot", "scope": scope})
        tokens[scope] = {"Authorization": "Bearer " + page.text.split('class="token">')[1].split("<")[0]}
    listed = web.get("/api/v1/tokens").json()
    assert {t["name"]: t["scope"] for t in listed} == {"read bot": "read", "write bot": "write"}
    assert 'data-scope="read"' in web.get("/account/tokens").text
    assert web.post("/account/tokens", {"name": "odd", "scope": "admin"}).status_code == 422
    client.cookies.clear()
    example = {"fields": {"text": "from a script"}, "output": "positive"}
    assert client.get(f"/api/v1/projects/{project}/examples", headers=tokens["read"]).status_code == 200
    refused = client.post(f"/api/v1/projects/{project}/examples", headers=tokens["read"], json=example)
    assert refused.status_code == 403 and "('read bot') is read-only" in refused.json()["error"]
    assert client.get(f"/api/v1/projects/{project}/examples", headers=tokens["read"]).json()["examples"] == []
    assert client.post(f"/api/v1/projects/{project}/examples", headers=tokens["write"], json=example).status_code == 201


# --- the sign-in rate limit (issue 8, item 5: 300 wrong passwords got no slow-down) -------------


def attempt(client, username: str, password: str):
    token = client.cookies.get("csrftoken") or TOKEN_RE.search(client.get("/login").text).group(1)
    return client.post("/login", data={"csrftoken": token, "username": username, "password": password})


def test_300_quick_wrong_passwords_are_mostly_refused_and_the_right_one_works_after_the_wait(client):
    setup_admin(client)
    client.cookies.delete("tunelab_session")
    answers = [attempt(client, "admin", f"wrong password {i}") for i in range(300)]
    codes = [a.status_code for a in answers]
    assert codes[:5] == [401] * 5 and codes.count(429) == 295
    refused = answers[5]
    assert int(refused.headers["Retry-After"]) == 60
    assert "Too many failed sign-ins for this account: try again in 1 minute." in refused.text
    # While locked, even the right password is refused without being checked:
    right = attempt(client, "admin", PASSWORD)
    assert right.status_code == 429 and "tunelab_session" not in right.headers.get("set-cookie", "")
    # After the wait (the service's clock moves on instead of the test sleeping) it works again:
    with Session(client.app.state.engine, expire_on_commit=False) as session:
        limits = SignInLimits.from_settings(client.app.state.settings)
        later = utcnow() + timedelta(seconds=limits.window + 1)
        assert accounts.sign_in(session, "admin", PASSWORD, "testclient", limits, now=later) is not None


def test_each_further_failure_doubles_the_wait(client):
    setup_admin(client)
    limits = SignInLimits.from_settings(client.app.state.settings)
    start = utcnow()
    with Session(client.app.state.engine, expire_on_commit=False) as session:
        for i in range(5):
            assert accounts.sign_in(session, "admin", "wrong", "10.0.0.1", limits, now=start) is None
        waits = []
        now = start
        for _ in range(3):
            with pytest.raises(accounts.Throttled) as refused:
                accounts.sign_in(session, "admin", PASSWORD, "10.0.0.1", limits, now=now)
            waits.append(refused.value.retry_after)
            now += timedelta(seconds=refused.value.retry_after)
            assert accounts.sign_in(session, "admin", "wrong", "10.0.0.1", limits, now=now) is None
        assert waits == [60, 120, 240]
        assert "try again in 2 minutes" in _throttled_message(session, limits, now + timedelta(seconds=360))


def _throttled_message(session, limits, now) -> str:
    with pytest.raises(accounts.Throttled) as refused:
        accounts.sign_in(session, "admin", PASSWORD, "10.0.0.1", limits, now=now)
    return str(refused.value)


def test_unknown_usernames_are_limited_exactly_like_real_ones(client):
    setup_admin(client)
    client.cookies.delete("tunelab_session")
    real = [attempt(client, "admin", "wrong password") for _ in range(7)]
    ghost = [attempt(client, "nobody-here", "wrong password") for _ in range(7)]
    assert [r.status_code for r in real] == [r.status_code for r in ghost] == [401] * 5 + [429] * 2
    # The same wait, to the second (each is rounded at its own moment: a slow machine may cross one).
    assert abs(int(real[-1].headers["Retry-After"]) - int(ghost[-1].headers["Retry-After"])) <= 1
    assert "for this account" in ghost[-1].text


def test_one_address_trying_many_accounts_is_limited(client):
    setup_admin(client)
    client.cookies.delete("tunelab_session")
    codes = [attempt(client, f"guess{i % 10}", "wrong password").status_code for i in range(30)]
    assert codes == [401] * 30  # no account reached its own limit (3 failures each)
    refused = attempt(client, "admin", PASSWORD)
    assert refused.status_code == 429 and "from your network address" in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


def test_a_success_clears_the_accounts_failures(client):
    setup_admin(client)
    client.cookies.delete("tunelab_session")
    assert [attempt(client, "admin", "wrong password").status_code for _ in range(4)] == [401] * 4
    assert attempt(client, "admin", PASSWORD).status_code == 303
    client.cookies.delete("tunelab_session")
    assert [attempt(client, "admin", "wrong password").status_code for _ in range(4)] == [401] * 4


def test_the_limit_holds_across_workers_and_restarts(client, settings):
    setup_admin(client)
    client.cookies.delete("tunelab_session")
    for _ in range(5):
        attempt(client, "admin", "wrong password")
    with TestClient(create_app(settings), follow_redirects=False) as other_worker:
        assert attempt(other_worker, "admin", PASSWORD).status_code == 429


def test_wrong_passwords_sent_all_at_once_to_a_real_server_are_refused_past_the_limit(live_server):
    """Attempts racing each other (as across several workers) cannot all slip past the limit: each
    one is counted before its password is checked, and from the limit on only the one that wins the
    lock is checked."""
    with httpx.Client(base_url=live_server, follow_redirects=False) as first:
        token = TOKEN_RE.search(first.get("/setup").text).group(1)
        assert first.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                          "password_again": PASSWORD}).status_code == 303
        csrf = first.cookies["csrftoken"]

    def wrong(i: int) -> int:
        with httpx.Client(base_url=live_server, cookies={"csrftoken": csrf}, timeout=60) as browser:
            return browser.post("/login", data={"csrftoken": csrf, "username": "admin",
                                                "password": f"wrong password {i}"}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(wrong, range(20)))
    assert sorted(set(codes)) == [401, 429] and codes.count(401) <= 5


def test_behind_tls_the_session_cookie_is_secure(database_url):
    app = create_app(Settings(database_url=database_url, secret_key="test-secret-key-not-for-production",
                              cookie_secure=True))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        token = TOKEN_RE.search(client.get("/setup").text).group(1)
        response = client.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                               "password_again": PASSWORD})
        cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("tunelab_session="))
        assert "secure" in cookie.lower()
        assert client.get("/").status_code == 200
