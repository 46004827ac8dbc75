"""Undo a delete and restore later (app.services.trash), on both databases: the example comes back
exactly (id, values, state, labels, revisions, comments, review decisions), the counters match a
recount, search finds it and the export holds it again; who may and may not restore or see it."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select

from app.core.project_settings import ExampleValues
from app.services import agreement, examples, queue, recheck, review, trash
from app.services.errors import Forbidden, Invalid, NotFound
from app.storage.tables import Annotation, AuditEvent, Comment, Example, ExampleRevision
from tests.services.conftest import MODELS
from tests.services.test_imports import export_bytes
from tests.services.test_ledger_property import assert_counters_match_a_recount
from tests.services.test_search import found


def write(team, who: str, tweet: str, label: str = "positive") -> Example:
    return examples.save(team.session, team.project, team.users[who], ExampleValues({"text": tweet}, label), MODELS,
                         role=team.role(who)).example


def everything_of(engine, example_id: int) -> dict:
    """The example's row and every row that belongs to it, as plain values, read by a fresh session."""
    with Session(engine) as session:
        example = session.get(Example, example_id)
        return {
            "example": example.model_dump() if example else None,
            "revisions": [r.model_dump() for r in session.exec(select(ExampleRevision).where(
                ExampleRevision.example_id == example_id).order_by(ExampleRevision.id))],
            "comments": [c.model_dump() for c in session.exec(select(Comment).where(
                Comment.example_id == example_id).order_by(Comment.id))],
            "annotations": [a.model_dump() for a in session.exec(select(Annotation).where(
                Annotation.example_id == example_id).order_by(Annotation.id))],
        }


def reviewed_and_double_labelled(team) -> Example:
    """anna's example, edited, submitted, approved by rita with a comment, and labelled by bob too."""
    s, p, u = team.session, team.project, team.users
    example = write(team, "anna", "the refund arrived quickly")
    examples.save(s, p, u["anna"], ExampleValues({"text": "the refund arrived very quickly"}, "positive"), MODELS,
                  example.id, 1, role="annotator")
    review.add_comment(s, p, u["anna"], "annotator", example.id, "first try")
    queue.request_double_labels(s, p, u["owner"], "owner", [example.id], 2)
    agreement.annotate(s, p, u["bob"], "annotator", example.id, "positive")
    review.submit(s, p, u["anna"], "annotator", example.id, MODELS)
    current = examples.get_example(s, p, example.id)
    review.decide(s, p, u["rita"], "reviewer", example.id, "approve", "good", current.version)
    s.commit()
    return examples.get_example(s, p, example.id)


def test_undo_brings_everything_back_and_the_counters_search_and_export_follow(engine, team):
    other = write(team, "owner", "the parcel is late")
    example = reviewed_and_double_labelled(team)
    before = everything_of(engine, example.id)
    assert before["example"]["status"] == "approved" and len(before["revisions"]) == 2
    assert len(before["comments"]) >= 3 and len(before["annotations"]) == 1
    exported = export_bytes(engine, team, team.project, team.project.export_profile)
    assert b"very quickly" in exported

    examples.delete(team.session, team.project, team.users["rita"], example.id, MODELS, example.version,
                    role="reviewer")
    gone = everything_of(engine, example.id)
    assert gone == {"example": None, "revisions": [], "comments": [], "annotations": []}
    assert found(team, "refund") == [] and b"very quickly" not in export_bytes(engine, team, team.project,
                                                                               team.project.export_profile)
    assert_counters_match_a_recount(team.session, team.project.id, Counter())
    listed = trash.deleted_examples(team.session, team.project, team.users["owner"], "owner")
    assert [(row.example_id, who.username) for row, who in listed] == [(example.id, "rita")]
    assert "refund arrived very quickly" in listed[0][0].preview

    restored = trash.restore(team.session, team.project, team.users["rita"], example.id, MODELS, role="reviewer")
    assert restored.id == example.id
    assert everything_of(engine, example.id) == before
    assert found(team, "refund") == [example.id] and found(team, "parcel") == [other.id]
    assert export_bytes(engine, team, team.project, team.project.export_profile) == exported
    assert_counters_match_a_recount(team.session, team.project.id, Counter())
    assert trash.deleted_examples(team.session, team.project, team.users["owner"], "owner") == []
    actions = [e.action for e in team.session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert [a for a in actions if a.startswith("example_")] == ["example_deleted", "example_restored"]
    with pytest.raises(NotFound):  # restored already: nothing left to restore
        trash.restore(team.session, team.project, team.users["rita"], example.id, MODELS, role="reviewer")


def test_restored_later_after_more_work_and_a_settings_change(engine, team):
    first = write(team, "anna", "late parcel one")
    examples.delete(team.session, team.project, team.users["anna"], first.id, MODELS, role="annotator")
    later = [write(team, "bob", f"another late parcel {n}").id for n in range(3)]
    team.project.settings = {**team.project.settings, "separator": " =>"}
    team.project.version += 1
    team.session.add(team.project)
    team.session.commit()
    recheck.recompute(team.session, team.project, "owner")  # the settings' re-check, done before the restore
    while recheck.run_batch(team.session, team.project.id, MODELS, batch=2):
        pass
    restored = trash.restore(team.session, team.project, team.users["anna"], first.id, MODELS, role="annotator")
    assert restored.checked_version == team.project.version  # evaluated under the settings of now
    assert found(team, "late parcel", "anna") == [first.id]
    assert set(found(team, "late parcel")) == {first.id, *later}
    assert_counters_match_a_recount(team.session, team.project.id, Counter())


def test_who_may_restore_and_who_sees_the_deleted(team):
    annas = write(team, "anna", "anna's tweet")
    bobs = write(team, "bob", "bob's tweet")
    for example, who in ((annas, "anna"), (bobs, "bob")):
        examples.delete(team.session, team.project, team.users[who], example.id, MODELS, role="annotator")

    def seen(who):
        return [row.example_id for row, _ in trash.deleted_examples(team.session, team.project, team.users[who],
                                                                    team.role(who))]
    assert seen("anna") == [annas.id] and seen("bob") == [bobs.id]
    assert seen("owner") == seen("rita") == [bobs.id, annas.id]
    assert trash.deleted_examples(team.session, team.project, team.users["owner"], "viewer")  # viewers see all
    with pytest.raises(NotFound):  # not told that bob's example exists
        trash.restore(team.session, team.project, team.users["anna"], bobs.id, MODELS, role="annotator")
    with pytest.raises(Forbidden):
        trash.restore(team.session, team.project, team.users["owner"], annas.id, MODELS, role="viewer")
    with pytest.raises(NotFound):  # another project's deleted example
        trash.restore(team.session, team.new_project("Other"), team.users["owner"], annas.id, MODELS)
    team.session.rollback()
    assert trash.restore(team.session, team.project, team.users["rita"], bobs.id, MODELS, role="reviewer").id == bobs.id
    assert trash.restore(team.session, team.project, team.users["anna"], annas.id, MODELS, role="annotator").id == annas.id


def test_an_approved_example_deleted_by_a_reviewer_is_not_the_annotators_to_restore(team):
    example = write(team, "anna", "approved tweet")
    review.submit(team.session, team.project, team.users["anna"], "annotator", example.id, MODELS)
    review.decide(team.session, team.project, team.users["rita"], "reviewer", example.id, "approve", "",
                  examples.get_example(team.session, team.project, example.id).version)
    examples.delete(team.session, team.project, team.users["rita"], example.id, MODELS, role="reviewer")
    rows = trash.deleted_examples(team.session, team.project, team.users["anna"], "annotator")
    assert [r.example_id for r, _ in rows] == [example.id]  # her own: she sees it
    assert not trash.may_restore("annotator", team.users["anna"], rows[0][0])  # she could not have deleted it
    with pytest.raises(Forbidden):
        trash.restore(team.session, team.project, team.users["anna"], example.id, MODELS, role="annotator")


def test_an_id_in_use_again_is_refused(engine, team):
    example = write(team, "owner", "to be deleted")
    examples.delete(team.session, team.project, team.users["owner"], example.id, MODELS)
    row = trash.deleted_examples(team.session, team.project, team.users["owner"], "owner")[0][0]
    data = row.data
    with Session(engine) as session:  # as if something had put a row under that id meanwhile
        session.add(Example(**{**data["example"], "created_at": None, "updated_at": None, "lease_until": None,
                               "submitted_at": None, "reviewed_at": None}))
        session.commit()
    team.session.commit()
    with pytest.raises(Invalid, match="exists already"):
        trash.restore(team.session, team.project, team.users["owner"], example.id, MODELS)
