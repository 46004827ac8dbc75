"""Every page that shows data has a JSON twin under /api/v1, built from the same object: the page names
it in a `Link: rel="alternate"` header, the twin answers the same user with JSON of a pinned shape, goes
through the page's permission check, shows no more than the page, and is described in /openapi.json."""

from __future__ import annotations

import html
import re

import pytest

from tests.web.conftest import Team
from tests.web.test_review import write

LINK = re.compile(r'^<(/api/v1/[^>]*)>; rel="alternate"; type="application/json"$')

# page path -> (keys of the twin's JSON object, or None for a list; roles that may open the page)
OWNER, REVIEWERS, VIEW_ALL = {"owner"}, {"owner", "reviewer"}, {"owner", "reviewer", "viewer"}
MEMBERS = {"owner", "reviewer", "annotator", "viewer"}
PAGES = {
    "/": (None, MEMBERS | {"outsider"}),
    "/account/tokens": (None, MEMBERS | {"outsider"}),
    "/admin/users": ({"users"}, OWNER),
    "/projects/{p}/examples": ({"examples", "next_before", "counts", "assignees"}, MEMBERS),
    "/projects/{p}/examples/{e}": ({"id", "fields", "output", "label", "status", "version", "token_count",
                                    "worst_level", "codes", "assignee_id", "labels_wanted", "created_by",
                                    "updated_at"}, MEMBERS),
    "/projects/{p}/members": ({"members", "roles"}, MEMBERS),
    "/projects/{p}/team": ({"states", "total", "members"}, VIEW_ALL),
    "/projects/{p}/audit": ({"events", "more"}, OWNER),
    "/projects/{p}/deleted": ({"examples", "next_before", "retention"}, MEMBERS),
    "/projects/{p}/health": ({"examples", "records", "tokens", "states", "labels", "model", "limit", "dataset",
                              "findings", "estimate", "histogram", "duplicate_groups", "conflict_groups",
                              "duplicates", "conflicts", "near_duplicate_groups", "near_duplicates", "stale",
                              "rechecking", "example_codes"}, VIEW_ALL),
    "/projects/{p}/export": ({"total", "states", "levels", "preflight", "profiles", "default_profile",
                              "default_states", "providers", "choice", "check", "auto_check_max", "empty"}, OWNER),
    "/projects/{p}/items": ({"fields"}, OWNER),
    "/projects/{p}/agreement": ({"items", "fleiss_kappa", "fleiss_items", "pairs", "disagreements"}, VIEW_ALL),
}


def browser(team: Team, role: str):
    return {"owner": team.owner, "reviewer": team.reviewer, "annotator": team.annotator, "viewer": team.viewer,
            "outsider": team.outsider}[role]


def twin_of(response) -> str:
    match = LINK.match(response.headers.get("link", ""))
    assert match, f"no alternate link: {response.headers.get('link')!r}"
    return match.group(1)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_names_its_twin_and_the_twin_answers_the_same_user_with_json(team: Team, page: str):
    example = write(team.annotator, team.project, "a tweet to look at")
    keys, allowed = PAGES[page]
    path = page.format(p=team.project, e=example)
    for role in ("owner", "reviewer", "annotator", "viewer", "outsider"):
        web = browser(team, role)
        shown = web.get(path)
        expected = 200 if role in allowed else 403
        assert shown.status_code == expected, f"{role} GET {path}: {shown.status_code}"
        twin = "/api/v1" + path if page not in ("/", "/account/tokens") else {"/": "/api/v1/projects",
                                                                               "/account/tokens": "/api/v1/tokens"}[page]
        answer = web.get(twin)
        assert answer.status_code == expected, f"{role} GET {twin}: {answer.status_code}"  # the page's permission
        if role not in allowed:
            assert "a tweet to look at" not in answer.text
            continue
        assert twin_of(shown) == twin
        assert answer.headers["content-type"] == "application/json"
        body = answer.json()
        if keys is None:
            assert isinstance(body, list)
        else:
            assert set(body) == keys, f"{twin}: {sorted(set(body) ^ keys)}"


def test_the_twin_keeps_the_pages_query(team: Team):
    p = team.project
    for n in range(3):
        write(team.annotator, p, f"tweet {n}")
    shown = team.owner.get(f"/projects/{p}/examples?status=draft&label=positive")
    assert twin_of(shown) == f"/api/v1/projects/{p}/examples?status=draft&label=positive"
    assert len(team.owner.get(twin_of(shown)).json()["examples"]) == 3


def test_the_examples_twin_shows_an_annotator_only_what_their_list_shows(team: Team):
    p = team.project
    mine = write(team.annotator, p, "my own tweet")
    theirs = write(team.second_annotator, p, "bob's private tweet")
    page = html.unescape(team.annotator.get(f"/projects/{p}/examples").text)
    twin = team.annotator.get(f"/api/v1/projects/{p}/examples").json()
    assert "bob's private tweet" not in page
    assert [e["id"] for e in twin["examples"]] == [mine] and theirs not in {e["id"] for e in twin["examples"]}
    assert twin["assignees"] == []  # only an owner's page has the assign menu
    owners = team.owner.get(f"/api/v1/projects/{p}/examples").json()
    assert {e["id"] for e in owners["examples"]} == {mine, theirs}
    assert "bob" in {m["username"] for m in owners["assignees"]}


def test_members_twin_lists_who_the_page_lists(team: Team):
    body = team.viewer.get(f"/api/v1/projects/{team.project}/members").json()
    assert {(m["username"], m["role"]) for m in body["members"]} == {
        ("admin", "owner"), ("rita", "reviewer"), ("anna", "annotator"), ("vic", "viewer"), ("bob", "annotator")}
    assert body["roles"] == ["owner", "reviewer", "annotator", "viewer"]


def test_audit_twin_pages_like_the_page(team: Team):
    body = team.owner.get(f"/api/v1/projects/{team.project}/audit").json()
    actions = [e["action"] for e in body["events"]]
    assert actions.count("member_set") == 4 or len(actions) >= 4
    assert body["events"][0]["who"] == "admin" and body["more"] is None
    older = team.owner.get(f"/api/v1/projects/{team.project}/audit?before={body['events'][0]['id']}").json()
    assert [e["id"] for e in older["events"]] == [e["id"] for e in body["events"][1:]]


def test_users_twin_never_shows_a_password_hash(team: Team):
    body = team.owner.get("/api/v1/admin/users").json()
    assert {u["username"] for u in body["users"]} == {"admin", "rita", "anna", "vic", "otto", "bob"}
    assert all(set(u) == {"id", "username", "display_name", "is_admin", "is_active", "created_at"} for u in body["users"])
    assert "argon2" not in str(body) and "password" not in str(body)


def test_export_twin_is_the_preflight_the_page_shows(team: Team):
    p = team.project
    write(team.annotator, p, "one tweet")
    body = team.owner.get(f"/api/v1/projects/{p}/export").json()
    assert body["total"] == 1 and body["states"]["draft"] == 1 and body["default_states"] == ["approved"]
    assert body["default_profile"] == "openai-legacy" and "openai-chat" in {x["key"] for x in body["profiles"]}
    codes = {f["code"] for f in body["preflight"]}
    page = team.owner.get(f"/projects/{p}/export").text
    assert all(f'data-code="{code}"' in page for code in codes) and codes  # too few examples, at least


def test_items_twin_names_the_fields_a_line_gives(team: Team):
    assert team.owner.get(f"/api/v1/projects/{team.project}/items").json() == {"fields": [{"name": "text", "label": "Tweet"}]}
    assert "Each line is the <strong>Tweet</strong>" in team.owner.get(f"/projects/{team.project}/items").text


def test_every_twin_is_in_the_openapi_schema_with_its_model(app):
    from fastapi.testclient import TestClient

    spec = TestClient(app).get("/api/openapi.json").json()
    for twin, model in [("/api/v1/projects/{project_id}/members", "MembersPage"),
                        ("/api/v1/projects/{project_id}/audit", "AuditPage"),
                        ("/api/v1/projects/{project_id}/export", "ExportPage"),
                        ("/api/v1/admin/users", "UsersPage"),
                        ("/api/v1/projects/{project_id}/items", "ItemsPage"),
                        ("/api/v1/projects/{project_id}/agreement", "AgreementPage"),
                        ("/api/v1/projects/{project_id}/team", "TeamPage"),
                        ("/api/v1/projects/{project_id}/health", "HealthPage"),
                        ("/api/v1/projects/{project_id}/examples", "ExamplesPage")]:
        schema = spec["paths"][twin]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{model}"}, twin
    assert not any(path.startswith("/projects") for path in spec["paths"])  # the HTML pages stay out


def test_the_team_twin_has_every_column_the_team_page_shows(team: Team):
    write(team.annotator, team.project, "a tweet to count")
    page = team.owner.get(f"/projects/{team.project}/team").text
    members = team.owner.get(f"/api/v1/projects/{team.project}/team").json()["members"]
    for column in ("Written", "Reviewed", "Approved", "Labelled"):
        assert column in page
    assert {"written", "reviewed", "approved", "changes_requested", "rejected", "labelled", "median_seconds",
            "approval_rate"} <= set(members[0])
    annotator = next(m for m in members if m["written"])
    assert annotator["written"] == 1 and annotator["labelled"] == 0
