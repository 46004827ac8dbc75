"""Role × route matrix: every state-changing route (HTML and JSON), tried by each role and by a
signed-out visitor. Only the allowed ones succeed; the others get 403 (or 401) and change nothing."""

import hashlib
import json
import time

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.web.conftest import PASSWORD, Team, Web

ALL = {"owner", "reviewer", "annotator", "viewer", "outsider", "anonymous"}
SIGNED_IN = ALL - {"anonymous"}
MEMBERS_WHO_WRITE = {"owner", "reviewer", "annotator"}
REVIEWERS = {"owner", "reviewer"}
OWNER = {"owner"}

# (route template as registered, method, path with {p}/{draft}/{submitted}/{double}/{member}/{user}, body, allowed,
#  json body?) — the draft and submitted examples are written by the annotator; {double} by the owner.
MATRIX = [
    ("/projects", "POST", "/projects", {"name": "New", "preset": "sentiment"}, SIGNED_IN, False),
    ("/guide-projects", "POST", "/guide-projects", {}, SIGNED_IN, False),
    ("/api/v1/guide-projects", "POST", "/api/v1/guide-projects", {}, SIGNED_IN, True),
    ("/projects/{project_id}/lint", "POST", "/projects/{p}/lint", {"f.text": "hi"}, MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/rendered", "POST", "/projects/{p}/rendered", {"f.text": "hi"}, MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/examples", "POST", "/projects/{p}/examples", {"f.text": "new", "output": "positive"},
     MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/examples/{example_id}", "POST", "/projects/{p}/examples/{draft}",
     {"f.text": "edited", "output": "negative", "version": "1"}, MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/examples/{example_id}/comments", "POST", "/projects/{p}/examples/{draft}/comments",
     {"body": "a note"}, MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/examples/{example_id}/submit", "POST", "/projects/{p}/examples/{draft}/submit", {},
     MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/examples/{example_id}/review", "POST", "/projects/{p}/examples/{submitted}/review",
     {"action": "approve", "version": "1"}, REVIEWERS, False),
    ("/projects/{project_id}/bulk", "POST", "/projects/{p}/bulk", {"action": "reject", "ids": ["{submitted}"]},
     REVIEWERS, False),
    ("/projects/{project_id}/examples/{example_id}/annotate", "POST", "/projects/{p}/examples/{double}/annotate",
     {"output": "positive"}, MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/examples/{example_id}/adjudicate", "POST", "/projects/{p}/examples/{double}/adjudicate",
     {"label": "negative"}, REVIEWERS, False),
    ("/projects/{project_id}/settings", "POST", "/projects/{p}/settings",
     {"name": "Renamed", "target_model": "babbage-002", "export_profile": "openai-legacy", "separator": " ->",
      "stop": "", "leading_space": "yes", "guidelines": "", "prompt_style": "template", "label.name": ["positive"],
      "label.completion": [" positive"], "label.hotkey": ["1"]}, OWNER, False),
    ("/projects/{project_id}/health/rebuild", "POST", "/projects/{p}/health/rebuild", {}, OWNER, False),
    ("/projects/{project_id}/health/keep", "POST", "/projects/{p}/health/keep",
     {"keep": "{submitted}", "ids": ["{submitted}"]}, REVIEWERS, False),
    ("/projects/{project_id}/items", "POST", "/projects/{p}/items", {"items": "to label"}, OWNER, False),
    ("/projects/{project_id}/members", "POST", "/projects/{p}/members", {"username": "otto", "role": "viewer"},
     OWNER, False),
    ("/projects/{project_id}/members/{user_id}/remove", "POST", "/projects/{p}/members/{member}/remove", {}, OWNER,
     False),
    ("/projects/{project_id}/examples/{example_id}/revisions/{revision}/restore", "POST",
     "/projects/{p}/examples/{draft}/revisions/1/restore", {"version": "2"}, MEMBERS_WHO_WRITE, False),
    ("/api/v1/projects/{project_id}/examples/{example_id}/revisions/{revision}/restore", "POST",
     "/api/v1/projects/{p}/examples/{draft}/revisions/1/restore", {"version": 3}, MEMBERS_WHO_WRITE, True),
    ("/projects/{project_id}/examples/{example_id}/delete", "POST", "/projects/{p}/examples/{draft}/delete", {},
     MEMBERS_WHO_WRITE, False),
    ("/projects/{project_id}/deleted/{example_id}/restore", "POST", "/projects/{p}/deleted/{draft}/restore", {},
     MEMBERS_WHO_WRITE, False),
    ("/api/v1/projects/{project_id}/deleted/{example_id}/restore", "POST",
     "/api/v1/projects/{p}/deleted/{draft}/restore", {}, MEMBERS_WHO_WRITE, True),
    ("/admin/users", "POST", "/admin/users", {"username": "newbie", "password": PASSWORD}, OWNER, False),
    ("/admin/users/{user_id}", "POST", "/admin/users/{member}", {"action": "deactivate"}, OWNER, False),
    ("/account/tokens", "POST", "/account/tokens", {"name": "mine"}, SIGNED_IN, False),
    # the owner's token: anyone signed in may call these, and only its owner's call finds it (404 for others)
    ("/account/tokens/{token_id}/revoke", "POST", "/account/tokens/{token}/revoke", {}, SIGNED_IN, False),
    ("/api/v1/tokens/{token_id}", "DELETE", "/api/v1/tokens/{token}", {}, SIGNED_IN, True),
    ("/account/password", "POST", "/account/password", {"current": "wrong", "new": "x", "again": "y"}, SIGNED_IN, False),
    ("/account/language", "POST", "/account/language", {"language": "en"}, SIGNED_IN, False),
    ("/api/v1/projects/{project_id}/lint", "POST", "/api/v1/projects/{p}/lint", {"fields": {"text": "hi"}},
     MEMBERS_WHO_WRITE, True),
    ("/api/v1/projects/{project_id}/rendered", "POST", "/api/v1/projects/{p}/rendered", {"fields": {"text": "hi"}},
     MEMBERS_WHO_WRITE, True),
    ("/api/v1/projects/{project_id}/examples", "POST", "/api/v1/projects/{p}/examples",
     {"fields": {"text": "api"}, "output": "positive"}, MEMBERS_WHO_WRITE, True),
    ("/api/v1/projects/{project_id}/examples/{example_id}", "PUT", "/api/v1/projects/{p}/examples/{draft}",
     {"fields": {"text": "api edit"}, "output": "positive", "version": 1}, MEMBERS_WHO_WRITE, True),
    ("/api/v1/projects/{project_id}/examples/{example_id}/submit", "POST",
     "/api/v1/projects/{p}/examples/{draft}/submit", {}, MEMBERS_WHO_WRITE, True),
    ("/api/v1/projects/{project_id}/examples/{example_id}/review", "POST",
     "/api/v1/projects/{p}/examples/{submitted}/review", {"action": "approve", "version": 1}, REVIEWERS, True),
    ("/projects/{project_id}/export/jobs", "POST", "/projects/{p}/export/jobs", {"status": "draft"}, OWNER, False),
    ("/projects/{project_id}/export/jobs/{job}/cancel", "POST", "/projects/{p}/export/jobs/{job}/cancel", {}, OWNER,
     False),
    ("/api/v1/projects/{project_id}/export/jobs", "POST", "/api/v1/projects/{p}/export/jobs", {}, OWNER, True),
    ("/api/v1/projects/{project_id}/export/jobs/{job}/cancel", "POST", "/api/v1/projects/{p}/export/jobs/{job}/cancel",
     {}, OWNER, True),
    ("/projects/{project_id}/import", "POST", "/projects/{p}/import?filename=t.jsonl", {}, OWNER, False),
    ("/api/v1/projects/{project_id}/imports", "POST", "/api/v1/projects/{p}/imports?filename=t.jsonl", {}, OWNER,
     True),
    ("/projects/{project_id}/import/{job_id}/start", "POST", "/projects/{p}/import/{import_job}/start",
     {"profile": "openai-legacy"}, OWNER, False),
    ("/api/v1/projects/{project_id}/import/{job_id}/start", "POST", "/api/v1/projects/{p}/import/{import_job}/start",
     {}, OWNER, True),
    ("/projects/{project_id}/import/{job_id}/cancel", "POST", "/projects/{p}/import/{import_job}/cancel", {}, OWNER,
     False),
    ("/api/v1/projects/{project_id}/import/{job_id}/cancel", "POST",
     "/api/v1/projects/{p}/import/{import_job}/cancel", {}, OWNER, True),
    ("/logout", "POST", "/logout", {}, ALL, False),  # signed out: nothing to end, back to sign-in
]
MEMBERS = {"owner", "reviewer", "annotator", "viewer"}
VIEW_ALL = REVIEWERS | {"viewer"}
# Every GET route: (route template as registered, path, roles that get `ok`, ok). {others} is an example
# the second annotator wrote: the annotator may not see it, the roles that see everything may.
READS = [
    ("/healthz", "/healthz", ALL, 200),
    ("/setup", "/setup", ALL, 303),  # an admin exists: on to sign-in
    ("/login", "/login", ALL, 200),
    ("/", "/", SIGNED_IN, 200),
    ("/projects/new", "/projects/new", SIGNED_IN, 200),
    ("/account/tokens", "/account/tokens", SIGNED_IN, 200),
    ("/account/password", "/account/password", SIGNED_IN, 200),
    ("/account/language", "/account/language", SIGNED_IN, 200),
    ("/admin/users", "/admin/users", OWNER, 200),
    ("/projects/{project_id}", "/projects/{p}", MEMBERS, 303),
    ("/projects/{project_id}/settings", "/projects/{p}/settings", OWNER, 200),
    ("/projects/{project_id}/examples", "/projects/{p}/examples", MEMBERS, 200),
    ("/projects/{project_id}/examples/new", "/projects/{p}/examples/new", MEMBERS_WHO_WRITE, 200),
    ("/projects/{project_id}/examples/{example_id}", "/projects/{p}/examples/{submitted}", MEMBERS, 200),
    ("/projects/{project_id}/examples/{example_id}", "/projects/{p}/examples/{others}", VIEW_ALL, 200),
    ("/projects/{project_id}/next", "/projects/{p}/next", MEMBERS_WHO_WRITE, 303),
    ("/projects/{project_id}/examples/{example_id}/annotate", "/projects/{p}/examples/{double}/annotate",
     MEMBERS_WHO_WRITE, 200),
    ("/projects/{project_id}/examples/{example_id}/annotate", "/projects/{p}/examples/{others}/annotate",
     REVIEWERS, 200),
    ("/projects/{project_id}/items", "/projects/{p}/items", OWNER, 200),
    ("/projects/{project_id}/agreement", "/projects/{p}/agreement", VIEW_ALL, 200),
    ("/projects/{project_id}/members", "/projects/{p}/members", MEMBERS, 200),
    ("/projects/{project_id}/team", "/projects/{p}/team", VIEW_ALL, 200),
    ("/projects/{project_id}/audit", "/projects/{p}/audit", OWNER, 200),
    ("/projects/{project_id}/deleted", "/projects/{p}/deleted", MEMBERS, 200),
    ("/api/v1/projects/{project_id}/deleted", "/api/v1/projects/{p}/deleted", MEMBERS, 200),
    ("/projects/{project_id}/health", "/projects/{p}/health", VIEW_ALL, 200),
    ("/projects/{project_id}/export", "/projects/{p}/export", OWNER, 200),
    ("/projects/{project_id}/import", "/projects/{p}/import", OWNER, 200),
    ("/projects/{project_id}/import/{job_id}", "/projects/{p}/import/{import_job}", OWNER, 200),
    ("/projects/{project_id}/import/{job_id}/progress", "/projects/{p}/import/{import_job}/progress", OWNER, 200),
    ("/api/v1/projects/{project_id}/import", "/api/v1/projects/{p}/import", OWNER, 200),
    ("/api/v1/projects/{project_id}/import/{job_id}", "/api/v1/projects/{p}/import/{import_job}", OWNER, 200),
    ("/projects/{project_id}/export.jsonl", "/projects/{p}/export.jsonl", OWNER, 200),
    ("/projects/{project_id}/export.zip", "/projects/{p}/export.zip?status=draft&split=0.5", OWNER, 200),
    ("/projects/{project_id}/export/jobs/{job}", "/projects/{p}/export/jobs/{job}", OWNER, 200),
    ("/projects/{project_id}/snapshots", "/projects/{p}/snapshots", OWNER, 200),
    ("/projects/{project_id}/snapshots/{snapshot_id}", "/projects/{p}/snapshots/{snapshot}", OWNER, 200),
    ("/projects/{project_id}/snapshots/{snapshot_id}/files/{role}", "/projects/{p}/snapshots/{snapshot}/files/train",
     OWNER, 200),
    ("/projects/{project_id}/snapshots/{snapshot_id}/zip", "/projects/{p}/snapshots/{snapshot}/zip", OWNER, 200),
    ("/api/v1/projects/{project_id}/export.zip", "/api/v1/projects/{p}/export.zip?status=draft&split=0.5", OWNER, 200),
    ("/api/v1/projects/{project_id}/export/jobs/{job}", "/api/v1/projects/{p}/export/jobs/{job}", OWNER, 200),
    ("/api/v1/projects/{project_id}/snapshots", "/api/v1/projects/{p}/snapshots", OWNER, 200),
    ("/api/v1/projects/{project_id}/snapshots/{snapshot_id}", "/api/v1/projects/{p}/snapshots/{snapshot}", OWNER, 200),
    ("/api/v1/projects/{project_id}/snapshots/{snapshot_id}/files/{role}",
     "/api/v1/projects/{p}/snapshots/{snapshot}/files/train", OWNER, 200),
    ("/api/v1/projects/{project_id}/snapshots/{snapshot_id}/zip", "/api/v1/projects/{p}/snapshots/{snapshot}/zip",
     OWNER, 200),
    ("/api/v1/rules", "/api/v1/rules", SIGNED_IN, 200),
    ("/api/v1/tokens", "/api/v1/tokens", SIGNED_IN, 200),
    ("/api/v1/projects", "/api/v1/projects", SIGNED_IN, 200),
    ("/api/v1/projects/{project_id}", "/api/v1/projects/{p}", MEMBERS, 200),
    ("/api/v1/projects/{project_id}/examples", "/api/v1/projects/{p}/examples", MEMBERS, 200),
    ("/api/v1/projects/{project_id}/examples/{example_id}", "/api/v1/projects/{p}/examples/{submitted}", MEMBERS, 200),
    ("/api/v1/projects/{project_id}/examples/{example_id}", "/api/v1/projects/{p}/examples/{others}", VIEW_ALL, 200),
    ("/api/v1/projects/{project_id}/team", "/api/v1/projects/{p}/team", VIEW_ALL, 200),
    ("/api/v1/projects/{project_id}/agreement", "/api/v1/projects/{p}/agreement", VIEW_ALL, 200),
    ("/api/v1/projects/{project_id}/health", "/api/v1/projects/{p}/health", VIEW_ALL, 200),
    ("/api/v1/projects/{project_id}/export.jsonl", "/api/v1/projects/{p}/export.jsonl", OWNER, 200),
    ("/api/v1/projects/{project_id}/export", "/api/v1/projects/{p}/export", OWNER, 200),
    ("/api/v1/projects/{project_id}/members", "/api/v1/projects/{p}/members", MEMBERS, 200),
    ("/api/v1/projects/{project_id}/audit", "/api/v1/projects/{p}/audit", OWNER, 200),
    ("/api/v1/projects/{project_id}/items", "/api/v1/projects/{p}/items", OWNER, 200),
    ("/api/v1/admin/users", "/api/v1/admin/users", OWNER, 200),
]
PUBLIC = {"/healthz", "/setup", "/login"}  # the only pages a signed-out visitor may open


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route of the app, inside included routers too."""
    def walk(routes, prefix: str):
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's included router
                context = route.include_context if not callable(route.include_context) else None
                yield from walk(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))
            elif isinstance(route, APIRoute):
                for method in route.methods:
                    yield method, prefix + route.path
    return sorted(set(walk(app.routes, "")))


def state_digest(app) -> str:
    """Every table that a request could change (api tokens' last-used stamps aside)."""
    tables = ["user_account", "project", "membership", "example", "example_revision", "comment", "annotation",
              "audit_event", "state_count", "member_stat", "export_snapshot", "deleted_example"]
    digest = hashlib.sha256()
    with app.state.engine.connect() as conn:
        for table in tables:
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            digest.update(json.dumps([list(map(str, r)) for r in rows]).encode())
    return digest.hexdigest()


def prepare(team: Team) -> dict:
    p = team.project
    def write(tweet):
        r = team.annotator.post(f"/projects/{p}/examples", {"f.text": tweet, "output": "positive", "after": "stay"},
                                htmx=True)
        return int(r.headers["hx-location"].split("/examples/")[1].split("?")[0])
    draft, submitted = write("a draft"), write("submitted one")
    team.annotator.post(f"/projects/{p}/examples/{submitted}/submit")
    r = team.second_annotator.post(f"/projects/{p}/examples", {"f.text": "bob's own", "output": "negative",
                                                               "after": "stay"}, htmx=True)
    others = int(r.headers["hx-location"].split("/examples/")[1].split("?")[0])
    r = team.owner.post(f"/projects/{p}/examples", {"f.text": "double", "output": "negative", "after": "stay"}, htmx=True)
    double = int(r.headers["hx-location"].split("/examples/")[1].split("?")[0])
    team.owner.post(f"/projects/{p}/bulk", {"action": "double_label", "ways": "3", "ids": [str(double)]})
    team.owner.post("/account/tokens", {"name": "owner's script", "expires": ""})
    assert team.owner.get(f"/projects/{p}/export.zip?status=draft&split=0.5").status_code == 200  # a kept snapshot
    started = team.owner.post(f"/projects/{p}/export/jobs", {"status": "draft"}, htmx=True)
    job = started.text.split('data-job="')[1].split('"')[0]
    for _ in range(200):  # let its thread finish (it records a snapshot) before the digests are compared
        if 'data-state="running"' not in team.owner.get(f"/projects/{p}/export/jobs/{job}").text:
            break
        time.sleep(0.05)
    uploaded = team.owner.client.post(f"/projects/{p}/import?filename=t.jsonl",
                                      content=b'{"prompt": "Fine ->", "completion": " positive"}\n',
                                      headers={"x-csrftoken": team.owner.csrf, "Content-Type": "application/octet-stream"})
    import_job = uploaded.headers["location"].rsplit("/", 1)[1]
    with team.owner.client.app.state.engine.connect() as conn:
        token = conn.execute(text("SELECT max(id) FROM api_token")).scalar_one()
        snapshot = conn.execute(text("SELECT min(id) FROM export_snapshot")).scalar_one()
    return {"p": p, "draft": draft, "submitted": submitted, "double": double, "others": others, "token": token,
            "member": team.ids["bob"], "snapshot": snapshot, "job": job,
            "import_job": import_job}


def client_for(team: Team, role: str) -> Web:
    if role == "anonymous":
        return Web(TestClient(team.owner.client.app, follow_redirects=False))
    return {"owner": team.owner, "reviewer": team.reviewer, "annotator": team.annotator, "viewer": team.viewer,
            "outsider": team.outsider}[role]


def send(web: Web, method: str, path: str, body: dict, as_json: bool):
    # Every unsafe request needs the CSRF token, signed in or not (web.csrf fetches one for a new
    # browser): so an anonymous request is refused for its missing sign-in, not its missing token.
    if as_json:
        return web.client.request(method, path, json=body, headers={"x-csrftoken": web.csrf})
    return web.client.request(method, path, data={"csrftoken": web.csrf, **body})


def fill(template: str, ids: dict) -> str:
    return template.format(**ids)


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_gets_exactly_its_allowed_routes(team: Team, role: str):
    ids = prepare(team)
    web = client_for(team, role)
    for route, template, allowed, ok in READS:
        response = web.client.get(fill(template, ids))
        if role in allowed:
            assert response.status_code == ok, f"{role} GET {template}: {response.status_code}"
            if ok == 303 and route not in PUBLIC:
                assert not response.headers["location"].startswith("/login"), f"{role} GET {template} sent to sign in"
        elif role == "anonymous":
            assert response.status_code in (303, 401)
            assert response.status_code == 401 or response.headers["location"].startswith("/login")
        else:
            assert response.status_code == 403, f"{role} GET {template}: {response.status_code}"
            assert "bob's own" not in response.text, f"{role} GET {template} shows another's example"
    for _, method, template, body, allowed, as_json in MATRIX:
        path = fill(template, ids)
        filled = {k: ([fill(x, ids) for x in v] if isinstance(v, list) else v) for k, v in body.items()}
        before = state_digest(team.owner.client.app)
        response = send(web, method, path, filled, as_json)
        if role in allowed:
            assert response.status_code not in (401, 403), f"{role} should be allowed {method} {path}: {response.text[:300]}"
        else:
            expected = {401} if role == "anonymous" else {403}
            assert response.status_code in expected, f"{role} {method} {path} gave {response.status_code}"
            assert state_digest(team.owner.client.app) == before, f"{role} {method} {path} changed data"
            if not as_json:
                assert "text/html" in response.headers["content-type"]

def test_the_matrix_covers_every_route(app):
    registered = app_routes(app)
    assert len(registered) > 50  # the walk sees inside the included routers
    covered = ({(method, path) for path, method, *_ in MATRIX} | {("POST", "/setup"), ("POST", "/login")}
               | {("GET", route) for route, *_ in READS} | {("HEAD", route) for route, *_ in READS})
    docs = {"/api/openapi.json", "/api/docs", "/docs/oauth2-redirect"}
    missing = [(m, p) for m, p in registered if (m, p) not in covered and p not in docs]
    assert not missing, f"routes missing from the matrix: {missing}"


def test_forbidden_page_says_why_and_is_not_a_redirect(team: Team):
    response = team.viewer.post(f"/projects/{team.project}/settings", {"name": "x"})
    assert response.status_code == 403 and "location" not in response.headers
    assert "You may not change the settings" in response.text and "as viewer" in response.text
