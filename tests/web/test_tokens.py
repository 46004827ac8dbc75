"""API tokens: optional expiry, revocation (button and JSON), and an admin reset or a deactivation
revokes them all (issue 8, item 5)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.storage.tables import utcnow
from tests.web.conftest import Team, Web


def new_token(web: Web, name: str = "ci", expires: str = "") -> str:
    page = web.post("/account/tokens", {"name": name, "expires": expires})
    assert page.status_code == 200, page.text
    return page.text.split('class="token">')[1].split("<")[0]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_id(web: Web, name: str) -> int:
    return next(t["id"] for t in web.get("/api/v1/tokens").json() if t["name"] == name)


def test_admin_password_reset_revokes_the_users_tokens(team: Team):
    token = new_token(team.reviewer, "rita's script")
    client = team.owner.client
    assert client.get("/api/v1/projects", headers=bearer(token)).status_code == 200
    page = team.owner.post(f"/admin/users/{team.ids['rita']}", {"action": "reset_password",
                                                                "password": "brand new password"})
    assert "their API tokens were revoked" in page.text
    assert team.outsider.client.get("/api/v1/projects", headers=bearer(token)).status_code == 401


def test_deactivation_revokes_tokens_for_good(team: Team):
    token = new_token(team.annotator)
    team.owner.post(f"/admin/users/{team.ids['anna']}", {"action": "deactivate"})
    assert team.outsider.client.get("/api/v1/projects", headers=bearer(token)).status_code == 401
    team.owner.post(f"/admin/users/{team.ids['anna']}", {"action": "activate"})
    assert team.outsider.client.get("/api/v1/projects", headers=bearer(token)).status_code == 401


def test_revoke_button_ends_the_token_at_once(web: Web):
    token = new_token(web, "backup job")
    assert web.client.get("/api/v1/projects", headers=bearer(token)).status_code == 200
    page = web.get("/account/tokens").text
    assert 'action="/account/tokens/' in page and "Revoke" in page
    done = web.post(f"/account/tokens/{token_id(web, 'backup job')}/revoke")
    assert done.status_code == 303 and done.headers["location"].startswith("/account/tokens?done=Token%20revoked")
    assert "backup job" not in web.get("/account/tokens").text
    web.client.cookies.clear()
    assert web.client.get("/api/v1/projects", headers=bearer(token)).status_code == 401


def test_json_delete_revokes_own_tokens_only(team: Team):
    mine = new_token(team.annotator, "mine")
    theirs = new_token(team.reviewer, "theirs")
    api = team.outsider.client
    theirs_id = next(t["id"] for t in api.get("/api/v1/tokens", headers=bearer(theirs)).json())
    refused = api.delete(f"/api/v1/tokens/{theirs_id}", headers=bearer(mine))
    assert refused.status_code == 404
    assert api.get("/api/v1/projects", headers=bearer(theirs)).status_code == 200
    mine_id = next(t["id"] for t in api.get("/api/v1/tokens", headers=bearer(mine)).json())
    assert api.delete(f"/api/v1/tokens/{mine_id}", headers=bearer(mine)).status_code == 204
    assert api.get("/api/v1/projects", headers=bearer(mine)).status_code == 401
    assert api.delete("/api/v1/tokens/99999999999999999999999", headers=bearer(theirs)).status_code == 422


def test_json_list_shows_name_dates_and_expiry_but_never_the_secret(web: Web):
    token = new_token(web, "export job", expires="30")
    new_token(web, "forever")
    web.client.get("/api/v1/projects", headers=bearer(token))  # a use (recorded once its answer is sent)
    listed = web.client.get("/api/v1/tokens", headers=bearer(token))
    body = listed.json()
    assert [t["name"] for t in body] == ["export job", "forever"]
    assert set(body[0]) == {"id", "name", "created_at", "last_used_at", "expires_at", "expired", "scope"}
    assert body[0]["scope"] == "write"
    assert body[0]["last_used_at"] is not None and body[1]["last_used_at"] is None
    assert body[1]["expires_at"] is None and body[0]["expired"] is False
    assert body[0]["expires_at"][:10] == (utcnow() + timedelta(days=30)).date().isoformat()
    assert token not in listed.text and token[3:] not in listed.text


def test_tokens_page_lists_created_last_used_and_expires(web: Web):
    token = new_token(web, "yearly", expires="365")
    web.client.get("/api/v1/projects", headers=bearer(token))
    page = web.get("/account/tokens").text
    assert "<th>Created</th><th>Last used</th><th>Expires</th>" in page
    assert (utcnow() + timedelta(days=365)).strftime("%Y-%m-%d") in page
    assert 'name="expires"' in page and "in 30 days" in page and "in 90 days" in page and "in 365 days" in page
    assert ">never<" in page  # the 'never expires' choice


def test_an_expired_token_answers_401_saying_it_expired(web: Web, app):
    token = new_token(web, "short", expires="30")
    assert web.client.get("/api/v1/projects", headers=bearer(token)).status_code == 200
    # Thirty days pass (the token's end is moved back rather than the test waiting for it):
    with app.state.engine.begin() as conn:
        conn.execute(text("UPDATE api_token SET expires_at = :t"), {"t": utcnow() - timedelta(seconds=1)})
    response = web.client.get("/api/v1/projects", headers=bearer(token))
    assert response.status_code == 401 and "expired" in response.json()["error"]
    assert "(expired)" in web.get("/account/tokens").text


def test_an_unknown_expiry_is_refused_and_creates_nothing(web: Web):
    page = web.post("/account/tokens", {"name": "odd", "expires": "7"})
    assert page.status_code == 422 and "Pick an expiry" in page.text
    assert web.get("/api/v1/tokens").json() == []
