"""Queries for the queues: which examples are waiting for whom, handing one out with a lease, and
assignment. Every lookup walks an index in id order; none counts or scans the table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, update
from sqlmodel import Session, select

from app.storage.db import begin_write
from app.storage.tables import Annotation, Example, Membership

MAX_IDS = 5000


def _ids(project_id: int):
    return select(Example.id).where(Example.project_id == project_id).order_by(Example.id)


def sent_back(project_id: int, user_id: int):
    return _ids(project_id).where(Example.created_by == user_id, Example.status == "changes_requested")


def assigned(project_id: int, user_id: int):
    return _ids(project_id).where(Example.assignee_id == user_id, Example.status.in_(("draft", "changes_requested")))


def unlabelled(project_id: int, user_id: int):
    return _ids(project_id).where(Example.needs_output.is_(True),
                                  or_(Example.assignee_id.is_(None), Example.assignee_id == user_id))


def submitted(project_id: int, not_by: int | None = None):
    query = _ids(project_id).where(Example.status == "submitted")
    if not_by is not None:
        query = query.where(or_(Example.created_by.is_(None), Example.created_by != not_by))
    return query


def first_double_labelling(session: Session, project_id: int, user_id: int) -> int | None:
    """The first example still waiting for independent labels that `user_id` neither wrote nor labelled."""
    mine = exists().where(Annotation.example_id == Example.id, Annotation.user_id == user_id)
    query = _ids(project_id).where(Example.labels_open.is_(True), ~mine,
                                   or_(Example.created_by.is_(None), Example.created_by != user_id))
    found = session.exec(query.limit(1)).first()
    return int(found) if found is not None else None


def claim(session: Session, candidates, user_id: int, now: datetime, until: datetime) -> int | None:
    """Lease the first free example of `candidates` (a select of ids) to `user_id`, atomically.

    The UPDATE re-checks that the row is still free and still a candidate (still submitted, still
    waiting for a label, …), so two people pressing "next" at the same moment never get the same
    example, and nobody gets one decided meanwhile: the loser's UPDATE matches no row and it tries
    the next.
    """
    free = or_(Example.lease_until.is_(None), Example.lease_until < now, Example.lease_user_id == user_id)
    for _ in range(20):
        example_id = session.exec(candidates.where(free).limit(1)).first()
        if example_id is None:
            return None
        begin_write(session)  # the search above held no write lock; the UPDATE re-checks what it found
        result = session.execute(
            update(Example).where(and_(Example.id == example_id, free, candidates.whereclause))
            .values(lease_user_id=user_id, lease_until=until)
        )
        if result.rowcount == 1:
            session.commit()
            return int(example_id)
        session.rollback()
    return None


def annotators(session: Session, project_id: int) -> list[int]:
    """Members who may annotate (annotators, reviewers, owners), by user id."""
    return list(session.exec(select(Membership.user_id).where(
        Membership.project_id == project_id, Membership.role.in_(("annotator", "reviewer", "owner")))
        .order_by(Membership.user_id)))


def set_examples(session: Session, project_id: int, example_ids: list[int], **values) -> int:
    """Set columns (assignee, labels wanted, …) of some examples of a project; how many were there."""
    result = session.execute(update(Example).where(Example.project_id == project_id,
                                                   Example.id.in_(example_ids[:MAX_IDS])).values(**values))
    return result.rowcount
