"""Review workflow through the pages: submit, approve / request changes / reject, comments,
queues, bulk actions, export filter, history."""

import html
import re

from sqlalchemy import text

from tests.web.conftest import Team


def write(web, project: int, tweet: str, label: str = "positive") -> int:
    response = web.post(f"/projects/{project}/examples", {"f.text": tweet, "output": label, "after": "stay"}, htmx=True)
    assert response.status_code == 204, response.text
    return int(re.search(r"/examples/(\d+)", response.headers["hx-location"]).group(1))


def status_of(team: Team, example: int) -> str:
    with team.owner.client.app.state.engine.connect() as conn:
        return conn.execute(text("SELECT status FROM example WHERE id = :i"), {"i": example}).scalar_one()


def test_submit_approve_and_export_only_approved(team: Team):
    p = team.project
    first, second = write(team.annotator, p, "good one"), write(team.annotator, p, "second one")
    for example in (first, second):
        assert team.annotator.post(f"/projects/{p}/examples/{example}/submit").status_code == 303
    assert status_of(team, first) == "submitted"
    assert team.reviewer.post(f"/projects/{p}/examples/{first}/review", {"action": "approve", "version": 1}).status_code == 303
    assert status_of(team, first) == "approved"
    exported = team.owner.get(f"/projects/{p}/export.jsonl").text
    assert exported == '{"prompt": "good one ->", "completion": " positive"}\n'
    both = team.owner.get(f"/projects/{p}/export.jsonl?status=approved&status=submitted").text
    assert both.count("\n") == 2


def test_request_changes_needs_a_comment_that_the_author_then_sees(team: Team):
    p = team.project
    example = write(team.annotator, p, "needs work")
    team.annotator.post(f"/projects/{p}/examples/{example}/submit")
    empty = team.reviewer.post(f"/projects/{p}/examples/{example}/review", {"action": "request_changes", "body": " ", "version": 1})
    assert empty.status_code == 422 and status_of(team, example) == "submitted"
    sent = team.reviewer.post(f"/projects/{p}/examples/{example}/review",
                              {"action": "request_changes", "body": "Say which phone.", "version": 1})
    assert sent.status_code == 303 and status_of(team, example) == "changes_requested"
    nxt = team.annotator.get(f"/projects/{p}/next")
    assert nxt.headers["location"].startswith(f"/projects/{p}/examples/{example}")
    page = team.annotator.get(f"/projects/{p}/examples/{example}").text
    assert "Say which phone." in page and "changes requested" in page
    fixed = team.annotator.post(f"/projects/{p}/examples/{example}",
                                {"f.text": "needs work on the iPhone", "output": "positive", "version": "1",
                                 "after": "submit"}, htmx=True)
    assert fixed.status_code == 204 and status_of(team, example) == "submitted"


def test_reviewer_cannot_review_own_example_and_gets_others_next(team: Team):
    p = team.project
    own = write(team.reviewer, p, "reviewer's own")
    team.reviewer.post(f"/projects/{p}/examples/{own}/submit")
    theirs = write(team.annotator, p, "annotator's")
    team.annotator.post(f"/projects/{p}/examples/{theirs}/submit")
    assert team.reviewer.post(f"/projects/{p}/examples/{own}/review", {"action": "approve", "version": 1}).status_code == 403
    assert team.reviewer.get(f"/projects/{p}/next?mode=review").headers["location"].startswith(
        f"/projects/{p}/examples/{theirs}")


def test_editing_an_approved_example_sends_it_back_to_review(team: Team):
    p = team.project
    example = write(team.annotator, p, "approved text")
    team.annotator.post(f"/projects/{p}/examples/{example}/submit")
    team.reviewer.post(f"/projects/{p}/examples/{example}/review", {"action": "approve", "version": 1})
    edited = team.reviewer.post(f"/projects/{p}/examples/{example}", {"f.text": "approved text, edited",
                                                                      "output": "positive", "version": "1", "after": "stay"}, htmx=True)
    assert edited.status_code == 204 and status_of(team, example) == "submitted"


def test_annotators_see_only_their_own_and_assigned_examples(team: Team):
    p = team.project
    mine = write(team.annotator, p, "anna wrote this")
    other = write(team.second_annotator, p, "bob wrote this")
    listed = team.annotator.get(f"/projects/{p}/examples").text
    assert "anna wrote this" in listed and "bob wrote this" not in listed
    assert team.annotator.get(f"/projects/{p}/examples/{other}").status_code == 403
    team.owner.post(f"/projects/{p}/bulk", {"action": "assign", "ids": [str(other)], "assignee": str(team.ids["anna"])})
    assert team.annotator.get(f"/projects/{p}/examples/{other}").status_code == 200
    assert team.viewer.get(f"/projects/{p}/examples/{mine}").status_code == 200


def test_bulk_approve_skips_what_cannot_be_approved(team: Team):
    p = team.project
    ids = [write(team.annotator, p, f"tweet {i}") for i in range(3)]
    for example in ids[:2]:
        team.annotator.post(f"/projects/{p}/examples/{example}/submit")
    done = team.reviewer.post(f"/projects/{p}/bulk", {"action": "approve", "ids": [str(i) for i in ids]})
    assert done.status_code == 303
    page = team.reviewer.get(done.headers["location"]).text
    assert "2 approved, 1 skipped: 1 a draft, not submitted yet. Only submitted examples can be reviewed: submit them first." in page
    assert "Submit and approve ticked" not in page  # a reviewer may not approve unsubmitted work
    assert [status_of(team, i) for i in ids] == ["approved", "approved", "draft"]
    audit = team.owner.get(f"/projects/{p}/audit").text
    assert "bulk approve" in audit


def test_bulk_approve_names_each_reason_and_offers_the_owner_submit_and_approve(team: Team):
    p = team.project
    drafts = [write(team.owner, p, f"owner draft {i}") for i in range(2)]
    approved = write(team.annotator, p, "approved already")
    team.annotator.post(f"/projects/{p}/examples/{approved}/submit")
    team.reviewer.post(f"/projects/{p}/examples/{approved}/review", {"action": "approve", "version": 1})
    done = team.owner.post(f"/projects/{p}/bulk", {"action": "approve", "ids": [str(i) for i in drafts + [approved, 999999]]})
    notice = team.owner.get(done.headers["location"]).text
    assert ("0 approved, 4 skipped: 2 a draft, not submitted yet; 1 approved already; 1 not in this project (deleted?). "
            "Only submitted examples can be reviewed: submit them first, or tick them and use “Submit and approve ticked”") in notice
    assert 'value="submit_approve"' in notice


def test_an_owner_submits_and_approves_drafts_in_one_step_but_not_those_without_a_label(team: Team):
    p = team.project
    good = [write(team.owner, p, f"fine tweet {i}") for i in range(2)]
    assert team.owner.post(f"/projects/{p}/items", {"items": "an item nobody labelled yet"}).status_code == 303
    with team.owner.client.app.state.engine.connect() as conn:
        unlabelled = conn.execute(text("SELECT id FROM example WHERE needs_output")).scalar_one()
    done = team.owner.post(f"/projects/{p}/bulk", {"action": "submit_approve",
                                                   "ids": [str(i) for i in good + [unlabelled]]})
    assert "2 submitted and approved, 1 skipped: 1 waits for its label" in team.owner.get(done.headers["location"]).text
    assert [status_of(team, i) for i in good + [unlabelled]] == ["approved", "approved", "draft"]
    refused = team.reviewer.post(f"/projects/{p}/bulk", {"action": "submit_approve", "ids": [str(good[0])]})
    assert refused.status_code == 403 and [status_of(team, i) for i in good] == ["approved", "approved"]


def test_round_robin_deals_examples_to_annotators(team: Team):
    p = team.project
    ids = [write(team.owner, p, f"item {i}") for i in range(4)]
    team.owner.post(f"/projects/{p}/bulk", {"action": "round_robin", "ids": [str(i) for i in ids]})
    with team.owner.client.app.state.engine.connect() as conn:
        assignees = [r[0] for r in conn.execute(text("SELECT assignee_id FROM example ORDER BY id"))]
    assert len(set(assignees)) >= 2 and None not in assignees


def test_history_shows_who_changed_what(team: Team):
    p = team.project
    example = write(team.annotator, p, "first words")
    team.annotator.post(f"/projects/{p}/examples/{example}", {"f.text": "second words", "output": "negative",
                                                              "version": "1", "after": "stay"}, htmx=True)
    page = html.unescape(team.owner.get(f"/projects/{p}/examples/{example}").text)
    assert "v2" in page and "anna" in page
    assert re.search(r'diff-del">-\s+"output": "positive"', page) and re.search(r'diff-add">\+\s+"output": "negative"', page)


def test_dashboard_counts_states_and_members(team: Team):
    p = team.project
    example = write(team.annotator, p, "counted")
    team.annotator.post(f"/projects/{p}/examples/{example}/submit")
    team.reviewer.post(f"/projects/{p}/examples/{example}/review", {"action": "reject", "body": "off topic", "version": 1})
    board = team.owner.client.get(f"/api/v1/projects/{p}/team").json()
    assert board["states"]["rejected"] == 1 and board["total"] == 1
    anna = next(m for m in board["members"] if m["name"] == "anna")
    rita = next(m for m in board["members"] if m["name"] == "rita")
    assert (anna["written"], anna["rejected"], anna["approval_rate"]) == (1, 1, 0.0)
    assert rita["reviewed"] == 1


def test_double_labelling_agreement_and_adjudication(team: Team):
    p = team.project
    ids = [write(team.owner, p, f"tweet {i}", "positive" if i % 2 else "negative") for i in range(4)]
    team.owner.post(f"/projects/{p}/bulk", {"action": "double_label", "ways": "3", "ids": [str(i) for i in ids]})
    for example in ids:
        nxt = team.annotator.get(f"/projects/{p}/next").headers["location"]
        assert nxt.startswith(f"/projects/{p}/examples/{example}/annotate")
        label = "positive"  # the owner wrote ids[0] and ids[2] as negative: two disagreements
        assert team.annotator.post(f"/projects/{p}/examples/{example}/annotate", {"output": label}).status_code == 303
    report = team.owner.client.get(f"/api/v1/projects/{p}/agreement").json()
    assert report["items"] == 4
    disagreeing = {d["example"] for d in report["disagreements"]}
    assert disagreeing == {ids[0], ids[2]}
    pair = report["pairs"][0]
    assert pair["items"] == 4 and pair["observed_agreement"] == 0.5
    assert team.reviewer.post(f"/projects/{p}/examples/{ids[0]}/adjudicate", {"label": "positive"}).status_code == 303
    assert status_of(team, ids[0]) == "approved"


def test_a_double_labelled_example_leaves_the_queue_once_its_labels_are_in(team: Team):
    p = team.project
    first, second = write(team.owner, p, "one"), write(team.owner, p, "two")
    team.owner.post(f"/projects/{p}/bulk", {"action": "double_label", "ways": "2", "ids": [str(first), str(second)]})
    assert team.annotator.get(f"/projects/{p}/next").headers["location"].startswith(f"/projects/{p}/examples/{first}/annotate")
    team.annotator.post(f"/projects/{p}/examples/{first}/annotate", {"output": "negative"})
    # the first has all the labels asked for: the next annotator is offered the second, not the first
    assert team.second_annotator.get(f"/projects/{p}/next").headers["location"].startswith(
        f"/projects/{p}/examples/{second}/annotate")
