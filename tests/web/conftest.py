"""Web fixtures: the real app (create_app) on a fresh database per test, driven by TestClient.

`signed_in` is a client whose first admin was created through /setup, exactly as a new user
does it; `web.post()` sends the CSRF token the way the pages do (form field or htmx header).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

PASSWORD = "a long enough password"
TOKEN_RE = re.compile(r'name="csrftoken" value="([^"]+)"')


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-key-not-for-production",
                    import_dir=tmp_path / "imports")


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@dataclass
class Web:
    client: TestClient

    @property
    def csrf(self) -> str:
        token = self.client.cookies.get("csrftoken")
        if not token:
            page = self.client.get("/login")
            token = TOKEN_RE.search(page.text).group(1)
        return token

    def post(self, url: str, data=None, htmx: bool = False, **kwargs):
        if htmx:
            headers = {"HX-Request": "true", "x-csrftoken": self.csrf, **kwargs.pop("headers", {})}
            return self.client.post(url, data=data, headers=headers, **kwargs)
        return self.client.post(url, data={"csrftoken": self.csrf, **(data or {})}, **kwargs)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def create_project(self, preset: str, name: str = "Project") -> int:
        response = self.post("/projects", {"name": name, "preset": preset})
        assert response.status_code == 303, response.text
        return int(re.search(r"/projects/(\d+)/", response.headers["location"]).group(1))


def setup_admin(client: TestClient, username: str = "admin") -> Web:
    page = client.get("/setup")
    token = TOKEN_RE.search(page.text).group(1)
    response = client.post("/setup", data={"csrftoken": token, "username": username, "password": PASSWORD,
                                           "password_again": PASSWORD})
    assert response.status_code == 303, response.text
    return Web(client)


@pytest.fixture
def web(client: TestClient) -> Web:
    return setup_admin(client)


def sign_in(app, username: str, password: str = PASSWORD) -> Web:
    """A separate browser (own cookies) signed in as `username`."""
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    token = TOKEN_RE.search(page.text).group(1)
    response = client.post("/login", data={"csrftoken": token, "username": username, "password": password})
    assert response.status_code == 303, response.text
    return Web(client)


@dataclass
class Team:
    """One project and a member of each role, each in their own browser; `outsider` is no member."""

    project: int
    owner: Web
    reviewer: Web
    annotator: Web
    viewer: Web
    outsider: Web
    second_annotator: Web
    ids: dict


@pytest.fixture
def team(app, web: Web) -> Team:
    ids = {}
    for name in ("rita", "anna", "vic", "otto", "bob"):
        page = web.post("/admin/users", {"username": name, "password": PASSWORD})
        assert page.status_code == 200, page.text
    project = web.create_project("sentiment", name="Tweets")
    for name, role in (("rita", "reviewer"), ("anna", "annotator"), ("vic", "viewer"), ("bob", "annotator")):
        assert web.post(f"/projects/{project}/members", {"username": name, "role": role}).status_code == 303
    with app.state.engine.connect() as conn:
        from sqlalchemy import text
        ids = dict(conn.execute(text("SELECT username, id FROM user_account")).all())
    return Team(project, web, sign_in(app, "rita"), sign_in(app, "anna"), sign_in(app, "vic"), sign_in(app, "otto"),
                sign_in(app, "bob"), ids)
