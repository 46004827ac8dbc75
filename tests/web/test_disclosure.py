"""What an annotator may not see, no page, panel or action reveals: other people's examples."""

from __future__ import annotations

import html

from tests.web.conftest import Team
from tests.web.test_review import write


def test_an_annotator_cannot_open_or_comment_on_someone_elses_example_through_the_label_form(team: Team):
    p = team.project
    theirs = write(team.second_annotator, p, "bob's private tweet")
    page = team.annotator.get(f"/projects/{p}/examples/{theirs}/annotate")
    assert page.status_code == 403 and "bob's private tweet" not in html.unescape(page.text)
    before = team.owner.get(f"/projects/{p}/examples/{theirs}").text.count('data-testid="comment"')
    comment = team.annotator.post(f"/projects/{p}/examples/{theirs}/comments", {"body": "sneaky"})
    assert comment.status_code == 403
    after = team.owner.get(f"/projects/{p}/examples/{theirs}")
    assert "sneaky" not in after.text and after.text.count('data-testid="comment"') == before


def test_the_panel_names_only_examples_the_member_may_see(team: Team):
    p = team.project
    theirs = write(team.second_annotator, p, "same words everywhere")
    mine = write(team.annotator, p, "my own words")
    panel = team.annotator.post(f"/projects/{p}/lint", {"f.text": "same words everywhere", "output": "positive"},
                                htmx=True)
    assert panel.status_code == 200
    assert f"#{theirs}" not in panel.text and "duplicate" not in panel.text
    api = team.annotator.client.post(f"/api/v1/projects/{p}/lint", json={"fields": {"text": "same words everywhere"},
                                     "output": "positive"}, headers={"x-csrftoken": team.annotator.csrf})
    assert api.status_code == 200 and str(theirs) not in str([f["message"] for f in api.json()["findings"]])
    own = team.annotator.post(f"/projects/{p}/lint", {"f.text": "my own words", "output": "positive"}, htmx=True)
    assert f"#{mine}" in own.text  # your own duplicates are still pointed out
    reviewer = team.reviewer.post(f"/projects/{p}/lint", {"f.text": "same words everywhere", "output": "positive"},
                                  htmx=True)
    assert f"#{theirs}" in reviewer.text  # a reviewer sees every example, and so every duplicate


def test_a_refused_save_does_not_reveal_other_peoples_examples(team: Team):
    p = team.project
    theirs = write(team.second_annotator, p, "shared input")
    saved = team.annotator.post(f"/projects/{p}/examples", {"f.text": "shared input", "output": "negative",
                                                            "after": "stay"}, htmx=True)
    assert saved.status_code == 204
    example = saved.headers["hx-location"].split("/examples/")[1].split("?")[0]
    page = team.annotator.get(f"/projects/{p}/examples/{example}")
    assert f"#{theirs}" not in page.text
