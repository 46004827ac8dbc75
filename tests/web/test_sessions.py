"""Server-side sessions: logout, a password change or reset and a deactivation end sign-ins at once,
and a sign-in ends after TUNELAB_SESSION_MAX_AGE (issue 8, item 5)."""

from __future__ import annotations

import re

from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from app.config import Settings
from app.main import create_app
from app.storage.tables import UserSession, utcnow
from tests.web.conftest import PASSWORD, TOKEN_RE, Team, Web, setup_admin, sign_in


def copy_of(web: Web) -> Web:
    """Another browser holding a copy of `web`'s cookies (a stolen or copied session cookie)."""
    thief = TestClient(web.client.app, follow_redirects=False)
    for name, value in web.client.cookies.items():
        thief.cookies.set(name, value)
    return Web(thief)


def session_rows(app, username: str) -> int:
    with app.state.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM user_session s JOIN user_account u ON u.id = s.user_id "
                                 "WHERE u.username = :u"), {"u": username}).scalar_one()


def test_logout_ends_the_session_so_a_copied_cookie_is_signed_out(web: Web):
    thief = copy_of(web)
    assert thief.get("/").status_code == 200  # the copy works while the sign-in lasts
    assert web.post("/logout").headers["location"] == "/login"
    response = thief.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert thief.get("/api/v1/projects").status_code == 401
    assert session_rows(web.client.app, "admin") == 0


def test_on_a_real_server_a_copied_cookie_stops_working_at_logout(live_server: str):
    with httpx.Client(base_url=live_server, follow_redirects=False) as browser:
        token = TOKEN_RE.search(browser.get("/setup").text).group(1)
        created = browser.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                               "password_again": PASSWORD})
        assert created.status_code == 303
        copied = {"tunelab_session": browser.cookies["tunelab_session"]}
        with httpx.Client(base_url=live_server, follow_redirects=False, cookies=copied) as thief:
            assert thief.get("/").status_code == 200
            assert browser.post("/logout", data={"csrftoken": browser.cookies["csrftoken"]}).status_code == 303
            assert thief.get("/").status_code == 303
            assert thief.get("/api/v1/projects").status_code == 401


def test_signing_out_of_one_browser_keeps_the_other_signed_in(team: Team, app):
    laptop = sign_in(app, "anna")
    team.annotator.post("/logout")
    assert team.annotator.get("/").status_code == 303
    assert laptop.get("/").status_code == 200


def test_the_cookie_carries_no_user_id_only_a_random_token(web: Web, app):
    token = web.client.cookies.get("tunelab_session")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 random bits, nothing else
    with app.state.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM user_session")).scalar_one()
    assert token not in stored and len(stored) == 64  # only its SHA-256 is stored


def test_a_tampered_cookie_is_nobody_and_sign_out_clears_the_cookie(web: Web):
    token = web.client.cookies.get("tunelab_session")
    # Replace the cookie the server set (same domain): a second cookie of the same name beside it
    # would send both, and which one counted would depend on the jar's order.
    domain = next(c.domain for c in web.client.cookies.jar if c.name == "tunelab_session")
    web.client.cookies.set("tunelab_session", token[:-1] + ("A" if token[-1] != "A" else "B"), domain=domain)
    assert web.get("/", follow_redirects=False).status_code in (302, 303)
    web.client.cookies.set("tunelab_session", token, domain=domain)
    assert web.get("/").status_code == 200
    response = web.post("/logout", {})
    cleared = response.headers["set-cookie"]
    assert cleared.startswith('tunelab_session=""') and "Max-Age=0" in cleared and "HttpOnly" in cleared


@pytest.fixture
def hour_app(database_url):
    """The app with TUNELAB_SESSION_MAX_AGE=3600."""
    return create_app(Settings(database_url=database_url, secret_key="test-secret-key-not-for-production",
                               session_max_age=3600))


def test_a_session_lasts_as_long_as_the_setting_says(hour_app):
    with TestClient(hour_app, follow_redirects=False) as client:
        setup_admin(client)
    with Session(hour_app.state.engine) as session:
        stored = session.exec(select(UserSession)).one()
    assert stored.expires_at - stored.created_at == timedelta(seconds=3600)


def test_a_sign_in_ends_after_the_session_max_age(hour_app):
    with TestClient(hour_app, follow_redirects=False) as client:
        web = setup_admin(client)
        # The hour passes (the session's end is moved back rather than the test waiting for it):
        with hour_app.state.engine.begin() as conn:
            conn.execute(text("UPDATE user_session SET expires_at = :t"), {"t": utcnow() - timedelta(seconds=1)})
        assert web.get("/").status_code == 303
        token = TOKEN_RE.search(client.get("/login").text).group(1)
        again = client.post("/login", data={"csrftoken": token, "username": "admin", "password": PASSWORD})
        assert again.status_code == 303 and client.get("/").status_code == 200
        assert session_rows(hour_app, "admin") == 1  # the expired row went with the new sign-in


def test_password_change_keeps_this_browser_and_signs_out_copies(team: Team, app):
    thief = copy_of(sign_in(app, "anna"))
    ok = team.annotator.post("/account/password", {"current": PASSWORD, "new": "another long one",
                                                   "again": "another long one"})
    assert ok.status_code == 200 and "Password changed" in ok.text
    assert team.annotator.get("/").status_code == 200
    assert thief.get("/").status_code == 303
    assert session_rows(app, "anna") == 1


def test_admin_reset_and_deactivation_end_every_session_of_the_user(team: Team, app):
    second = sign_in(app, "rita")
    team.owner.post(f"/admin/users/{team.ids['rita']}", {"action": "reset_password", "password": "brand new password"})
    assert team.reviewer.get("/").status_code == 303 and second.get("/").status_code == 303
    assert session_rows(app, "rita") == 0

    thief = copy_of(team.viewer)
    team.owner.post(f"/admin/users/{team.ids['vic']}", {"action": "deactivate"})
    team.owner.post(f"/admin/users/{team.ids['vic']}", {"action": "activate"})
    assert thief.get("/").status_code == 303  # reactivating does not bring the old sign-in back
    assert session_rows(app, "vic") == 0
