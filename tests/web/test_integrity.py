"""Examples keep their identity and their history: ids are never reused, a delete takes the
example's history, comments and labels with it, and of two saves of one version exactly one wins."""

from __future__ import annotations

import html
import re
import threading

import pytest
from sqlalchemy import text

from tests.teams import live_browser, live_team
from tests.web.conftest import PASSWORD, Team
from tests.web.test_review import status_of, write


def version_of(team: Team, example: int) -> int:
    with team.owner.client.app.state.engine.connect() as conn:
        return conn.execute(text("SELECT version FROM example WHERE id = :i"), {"i": example}).scalar_one()


def test_deleting_the_newest_example_never_hands_its_id_or_history_to_the_next(team: Team):
    p = team.project
    other = team.owner.create_project("sentiment", name="Other team")
    write(team.annotator, p, "an older tweet")
    doomed = write(team.annotator, p, "secret text of the deleted example")
    team.annotator.post(f"/projects/{p}/examples/{doomed}/comments", {"body": "secret comment"})
    assert team.owner.post(f"/projects/{p}/examples/{doomed}/delete", {"version": "1"}).status_code == 303
    # an item paste in another project used to take the freed id and inherit the history
    assert team.owner.post(f"/projects/{other}/items", {"items": "a brand new item"}).status_code == 303
    created = write(team.owner, p, "written after the delete")
    assert created > doomed
    with team.owner.client.app.state.engine.connect() as conn:
        item = conn.execute(text("SELECT id FROM example WHERE project_id = :p"), {"p": other}).scalar_one()
        left = conn.execute(text("SELECT count(*) FROM example_revision WHERE example_id = :i"), {"i": doomed}).scalar()
        comments = conn.execute(text("SELECT count(*) FROM comment WHERE example_id = :i"), {"i": doomed}).scalar()
    assert item > doomed and left == 0 and comments == 0
    page = html.unescape(team.owner.get(f"/projects/{other}/examples/{item}").text)
    assert "secret" not in page
    audit = html.unescape(team.owner.get(f"/projects/{p}/audit").text)
    assert "example_deleted" in audit or "deleted" in audit


def test_a_stale_save_is_refused_with_both_versions(team: Team):
    p = team.project
    example = write(team.annotator, p, "first words")
    assert team.reviewer.post(f"/projects/{p}/examples/{example}", {"f.text": "reviewer's words", "output": "positive",
                                                                   "version": "1", "after": "stay"}, htmx=True).status_code == 204
    stale = team.annotator.post(f"/projects/{p}/examples/{example}", {"f.text": "my late words", "output": "negative",
                                                                      "version": "1", "after": "stay"}, htmx=True)
    assert stale.status_code == 409
    page = html.unescape(stale.text)
    assert "reviewer's words" in page and "my late words" in page
    assert version_of(team, example) == 2


@pytest.mark.parametrize("version", ["abc", "", "-1", "1.5", "99999999999999999999999"])
def test_an_edit_without_a_readable_version_is_refused(team: Team, version: str):
    p = team.project
    example = write(team.annotator, p, "kept words")
    response = team.annotator.post(f"/projects/{p}/examples/{example}", {"f.text": "overwrite", "output": "negative",
                                                                         "version": version, "after": "stay"}, htmx=True)
    assert response.status_code in (409, 422)
    assert version_of(team, example) == 1


def test_the_api_refuses_an_update_without_its_version(team: Team):
    p = team.project
    example = write(team.annotator, p, "api kept")
    token = team.annotator.csrf
    response = team.annotator.client.put(f"/api/v1/projects/{p}/examples/{example}",
                                         json={"fields": {"text": "api overwrite"}, "output": "negative"},
                                         headers={"x-csrftoken": token})
    assert response.status_code == 422 and "version" in response.text
    assert version_of(team, example) == 1


def test_a_review_decision_holds_only_for_the_version_the_reviewer_saw(team: Team):
    p = team.project
    example = write(team.annotator, p, "first draft")
    team.annotator.post(f"/projects/{p}/examples/{example}/submit")
    page = team.reviewer.get(f"/projects/{p}/examples/{example}")
    seen = re.search(r'name="version" value="(\d+)"', page.text[page.text.index("review-form"):]).group(1)
    assert team.annotator.post(f"/projects/{p}/examples/{example}", {"f.text": "changed after the reviewer looked",
                               "output": "negative", "version": "1", "after": "stay"}, htmx=True).status_code == 204
    decided = team.reviewer.post(f"/projects/{p}/examples/{example}/review", {"action": "approve", "version": seen})
    assert decided.status_code == 409 and status_of(team, example) == "submitted"
    api = team.reviewer.client.post(f"/api/v1/projects/{p}/examples/{example}/review",
                                    json={"action": "approve", "version": int(seen)},
                                    headers={"x-csrftoken": team.reviewer.csrf})
    assert api.status_code == 409 and api.json()["current_version"] == 2
    assert team.reviewer.post(f"/projects/{p}/examples/{example}/review",
                              {"action": "approve", "version": "2"}).status_code == 303
    assert status_of(team, example) == "approved"


ROUNDS = 20


def test_two_saves_of_the_same_version_one_wins_the_other_gets_409(live_server: str):
    project = live_team(live_server, [("second", "reviewer")], PASSWORD, project_name="Race").project
    browsers = [live_browser(live_server, "admin", PASSWORD), live_browser(live_server, "second", PASSWORD)]
    outcomes: list[tuple[int, int]] = []
    for round_ in range(ROUNDS):
        made = browsers[0][0].post(f"/projects/{project}/examples", data={
            "csrftoken": browsers[0][1], "f.text": f"round {round_}", "output": "positive", "after": "stay"})
        example = int(re.search(r"/examples/(\d+)", made.headers["location"]).group(1))
        barrier, codes = threading.Barrier(2), [0, 0]

        def save(i: int) -> None:
            client, csrf = browsers[i]
            barrier.wait()
            codes[i] = client.post(f"/projects/{project}/examples/{example}", data={
                "csrftoken": csrf, "f.text": f"writer {i}", "output": "negative", "version": "1", "after": "stay"}).status_code

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        outcomes.append(tuple(sorted(codes)))
        shown = browsers[0][0].get(f"/api/v1/projects/{project}/examples/{example}").json()
        assert shown["version"] == 2 and shown["fields"]["text"] in ("writer 0", "writer 1")
    assert set(outcomes) == {(303, 409)}, outcomes
