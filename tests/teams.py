"""The one builder of a team on a real running server, through its own forms (no shortcut into the
database): the first admin via /setup, a project, accounts via /admin/users and memberships via
/projects/{id}/members, each request with the form's CSRF token. Used by the live-server tests, the
browser tests and the benchmarks in bench/ (which put the repository root on sys.path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

TOKEN_RE = re.compile(r'name="csrftoken" value="([^"]+)"')
PROJECT_RE = re.compile(r"/projects/(\d+)")


@dataclass
class LiveTeam:
    admin: httpx.Client  # the first admin's own browser (cookies), signed in
    token: str  # its CSRF token, for every form it posts
    project: int


def _ok(response: httpx.Response, *expected: int) -> httpx.Response:
    if response.status_code not in expected:
        raise AssertionError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                             f"(expected {expected}): {response.text[:300]}")
    return response


def live_team(base_url: str, members: Iterable[tuple[str, str]], password: str, *, admin: str = "admin",
              project_name: str = "Tweets", preset: str = "sentiment", display_names: bool = False) -> LiveTeam:
    """A fresh server's first admin, one project and its `members` ((username, role) pairs, each a
    new account with `password`)."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
    token = TOKEN_RE.search(client.get("/setup").text).group(1)
    _ok(client.post("/setup", data={"csrftoken": token, "username": admin, "password": password,
                                    "password_again": password}), 303)
    created = _ok(client.post("/projects", data={"csrftoken": token, "name": project_name, "preset": preset}), 303)
    project = int(PROJECT_RE.search(created.headers["location"]).group(1))
    for name, role in members:
        account = {"csrftoken": token, "username": name, "password": password}
        if display_names:
            account["display_name"] = name.title()
        _ok(client.post("/admin/users", data=account), 200)
        _ok(client.post(f"/projects/{project}/members", data={"csrftoken": token, "username": name, "role": role}), 303)
    return LiveTeam(client, token, project)


def live_browser(base_url: str, username: str, password: str) -> tuple[httpx.Client, str]:
    """A browser of its own (cookies) signed in through the form: (client, CSRF token)."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
    token = TOKEN_RE.search(client.get("/login").text).group(1)
    _ok(client.post("/login", data={"csrftoken": token, "username": username, "password": password}), 303)
    return client, token
