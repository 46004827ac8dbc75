"""The web side of undo and restore: the toast's Undo after a delete, the deleted-examples page and
its JSON twin, Restore there, and "Restore this revision" on the example's history (HTML, htmx
and the API), each refused clearly where it must be."""

from __future__ import annotations

import re

from tests.web.conftest import Team
from tests.web.test_review import write


def delete(web, project: int, example: int, version: int = 1):
    return web.post(f"/projects/{project}/examples/{example}/delete", {"version": str(version)}, htmx=True)


def test_delete_offers_undo_in_the_toast_and_undo_brings_it_back(team: Team):
    p = team.project
    example = write(team.annotator, p, "the tweet to delete")
    response = delete(team.annotator, p, example)
    assert response.status_code == 204
    landing = response.headers["hx-location"]
    assert f"undo={example}" in landing
    page = team.annotator.get(landing).text
    assert f"Example #{example} deleted." in page
    undo = re.search(r'<form method="post" action="([^"]+)" hx-post="[^"]+" class="inline toast-undo"', page)
    assert undo and undo.group(1) == f"/projects/{p}/deleted/{example}/restore"
    assert "the tweet to delete" not in team.annotator.get(f"/projects/{p}/examples").text
    restored = team.annotator.post(undo.group(1), {"then": "examples"}, htmx=True)
    assert restored.status_code == 204
    assert restored.headers["hx-location"].startswith(f"/projects/{p}/examples?done=Example%20%23{example}%20restored")
    assert "the tweet to delete" in team.annotator.get(f"/projects/{p}/examples").text
    again = team.annotator.post(undo.group(1), {"then": "examples"}, htmx=True)  # a second click
    assert again.status_code == 404 and "restored already" in again.text and again.headers["hx-toast"] == "error"


def test_the_deleted_page_its_twin_and_what_each_role_sees(team: Team):
    p = team.project
    annas = write(team.annotator, p, "anna wrote this")
    bobs = write(team.second_annotator, p, "bob wrote this")
    delete(team.annotator, p, annas)
    delete(team.second_annotator, p, bobs)
    owner_page = team.owner.get(f"/projects/{p}/deleted")
    assert owner_page.status_code == 200
    assert "anna wrote this" in owner_page.text and "bob wrote this" in owner_page.text
    assert "until it is restored or the project is deleted" in owner_page.text
    assert f'href="/projects/{p}/deleted"' in owner_page.text  # the tab
    assert owner_page.headers["link"].startswith(f"</api/v1/projects/{p}/deleted>")
    annas_page = team.annotator.get(f"/projects/{p}/deleted").text
    assert "anna wrote this" in annas_page and "bob wrote this" not in annas_page
    twin = team.annotator.get(f"/api/v1/projects/{p}/deleted").json()
    assert set(twin) == {"examples", "next_before", "retention"}
    assert [(e["example_id"], e["deleted_by_name"], e["can_restore"]) for e in twin["examples"]] == [
        (annas, "anna", True)]
    viewer = team.viewer.get(f"/api/v1/projects/{p}/deleted").json()
    assert {e["example_id"] for e in viewer["examples"]} == {annas, bobs}
    assert not any(e["can_restore"] for e in viewer["examples"])
    assert 'data-testid="restore"' not in team.viewer.get(f"/projects/{p}/deleted").text
    assert team.viewer.post(f"/projects/{p}/deleted/{annas}/restore").status_code == 403
    refused = team.annotator.post(f"/projects/{p}/deleted/{bobs}/restore", htmx=True)
    assert refused.status_code == 404 and "bob wrote this" not in refused.text
    restored = team.owner.post(f"/projects/{p}/deleted/{bobs}/restore")
    assert restored.status_code == 303 and restored.headers["location"].startswith(f"/projects/{p}/examples/{bobs}?")
    assert "bob wrote this" in team.owner.get(restored.headers["location"]).text


def test_the_api_restores_a_deleted_example(team: Team):
    p = team.project
    example = write(team.owner, p, "via the api")
    delete(team.owner, p, example)
    csrf = {"x-csrftoken": team.owner.csrf}
    body = team.owner.client.post(f"/api/v1/projects/{p}/deleted/{example}/restore", headers=csrf)
    assert body.status_code == 200 and body.json()["id"] == example and body.json()["fields"] == {"text": "via the api"}
    gone = team.owner.client.post(f"/api/v1/projects/{p}/deleted/{example}/restore", headers=csrf)
    assert gone.status_code == 404 and "restored already" in gone.json()["error"]


def test_restore_this_revision_on_the_history(team: Team):
    p = team.project
    example = write(team.annotator, p, "first words")
    team.annotator.post(f"/projects/{p}/examples/{example}", {"f.text": "second words", "output": "negative",
                                                              "version": "1", "after": "stay"}, htmx=True)
    page = team.annotator.get(f"/projects/{p}/examples/{example}").text
    forms = re.findall(r'action="(/projects/\d+/examples/\d+/revisions/(\d+)/restore)"', page)
    assert [v for _, v in forms] == ["1"]  # every revision but the current one
    assert "Restore this revision" in page
    stale = team.annotator.post(forms[0][0], {"version": "1"}, htmx=True)
    assert stale.status_code == 409 and "changed since you opened it" in stale.text
    assert stale.headers["hx-toast"] == "error"
    done = team.annotator.post(forms[0][0], {"version": "2"}, htmx=True)
    assert done.status_code == 204 and "Revision%20v1%20restored%20as%20v3" in done.headers["hx-location"]
    shown = team.annotator.get(f"/api/v1/projects/{p}/examples/{example}").json()
    assert (shown["version"], shown["fields"], shown["output"]) == (3, {"text": "first words"}, "positive")
    assert team.viewer.post(forms[0][0], {"version": "3"}).status_code == 403
    csrf = {"x-csrftoken": team.owner.csrf}
    api = team.owner.client.post(f"/api/v1/projects/{p}/examples/{example}/revisions/2/restore", json={"version": 3},
                                 headers=csrf)
    assert api.status_code == 200 and api.json()["version"] == 4 and api.json()["output"] == "negative"
    stale_api = team.owner.client.post(f"/api/v1/projects/{p}/examples/{example}/revisions/1/restore",
                                       json={"version": 3}, headers=csrf)
    assert stale_api.status_code == 409 and stale_api.json()["current_version"] == 4
