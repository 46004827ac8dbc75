"""The Team page's member counts, as the dashboard service hands them to the page and its JSON twin:
they describe the examples as they are now, whatever path got them there."""

from __future__ import annotations

from app.core.project_settings import ExampleValues
from app.services import agreement, dashboard, examples, queue, review
from tests.services.conftest import MODELS, Team


def _member(board: dashboard.TeamPage, name: str) -> dashboard.MemberRow:
    return next(m for m in board.members if m.name == name)


def _approved_examples_by_anna(team: Team, n: int) -> list[int]:
    """anna writes and submits `n` examples (positive), rita approves each."""
    session, project, anna, rita = team.session, team.project, team.users["anna"], team.users["rita"]
    ids = []
    for i in range(n):
        saved = review.save_and_submit(session, project, anna, ExampleValues({"text": f"tweet {i}"}, "positive"),
                                       MODELS, role="annotator")
        decision = review.decide(session, project, rita, "reviewer", saved.example.id, "approve",
                                 seen_version=saved.example.version)
        assert decision.status == "approved"
        ids.append(saved.example.id)
    return ids


def test_an_adjudicated_approval_is_counted_once(team: Team):
    """Regression: adjudicating an approved example counted its approval a second time (4 written,
    5 approved, an 83% approval rate)."""
    session, project = team.session, team.project
    ids = _approved_examples_by_anna(team, 4)
    queue.request_double_labels(session, project, team.users["owner"], "owner", ids, ways=2)
    agreement.annotate(session, project, team.users["bob"], "annotator", ids[0], "negative")  # anna said positive
    agreement.adjudicate(session, project, team.users["rex"], "reviewer", ids[0], "negative", MODELS)

    board = dashboard.dashboard(session, project, "owner")
    anna = _member(board, "anna")
    assert (anna.written, anna.approved, anna.approval_rate) == (4, 4, 1.0)
    # the adjudicator is now the reviewer of record of the example they decided; rita keeps the other three
    assert (_member(board, "rita").reviewed, _member(board, "rex").reviewed) == (3, 1)
    assert board.states["approved"] == 4 and board.total == 4


def test_independent_labels_are_counted_for_whoever_gave_them(team: Team):
    session, project = team.session, team.project
    ids = _approved_examples_by_anna(team, 3)
    queue.request_double_labels(session, project, team.users["owner"], "owner", ids, ways=3)
    for example_id in ids:
        agreement.annotate(session, project, team.users["bob"], "annotator", example_id, "negative")
    agreement.annotate(session, project, team.users["bob"], "annotator", ids[0], "positive")  # a change of mind: still one
    agreement.annotate(session, project, team.users["rita"], "reviewer", ids[0], "positive")

    board = dashboard.dashboard(session, project, "owner")
    assert (_member(board, "bob").labelled, _member(board, "rita").labelled, _member(board, "anna").labelled) == (3, 1, 0)
    assert _member(board, "bob").written == 0


def test_an_edited_approved_example_leaves_the_approved_count(team: Team):
    """Editing an approved example sends it back to review: the author's approved count and the
    reviewer's reviewed count follow it, and a second decision counts once."""
    session, project = team.session, team.project
    [example_id] = _approved_examples_by_anna(team, 1)
    current = examples.get_example(session, project, example_id)
    examples.save(session, project, team.users["rex"], ExampleValues({"text": "tweet 0, edited"}, "negative"),
                  MODELS, example_id, current.version, role="reviewer")
    board = dashboard.dashboard(session, project, "owner")
    assert (_member(board, "anna").approved, _member(board, "rita").reviewed, board.states["submitted"]) == (0, 0, 1)

    current = examples.get_example(session, project, example_id)
    review.decide(session, project, team.users["rita"], "reviewer", example_id, "reject", seen_version=current.version)
    board = dashboard.dashboard(session, project, "owner")
    assert (_member(board, "anna").written, _member(board, "anna").rejected, _member(board, "anna").approved) == (1, 1, 0)
    assert _member(board, "anna").approval_rate == 0.0 and _member(board, "rita").reviewed == 1
