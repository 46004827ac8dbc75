"""Queries for team work: memberships, comments, audit events, annotations and queues."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, select

from app.storage.db import begin_write
from app.storage.tables import Annotation, AuditEvent, Comment, Example, Membership, User


def memberships(session: Session, project_id: int) -> list[tuple[Membership, User]]:
    return list(session.exec(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project_id).order_by(User.username)
    ))


def membership(session: Session, project_id: int, user_id: int) -> Membership | None:
    return session.exec(select(Membership).where(Membership.project_id == project_id, Membership.user_id == user_id)).first()



def comments(session: Session, example_id: int) -> list[tuple[Comment, User]]:
    return list(session.exec(
        select(Comment, User).join(User, User.id == Comment.user_id)
        .where(Comment.example_id == example_id).order_by(Comment.id)
    ))


def audit_events(session: Session, project_id: int, before_id: int | None, limit: int) -> list[tuple[AuditEvent, User | None]]:
    query = select(AuditEvent, User).join(User, User.id == AuditEvent.user_id, isouter=True).where(
        AuditEvent.project_id == project_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.exec(query.order_by(AuditEvent.id.desc()).limit(limit)))


def annotations_of(session: Session, project_id: int) -> list[Annotation]:
    return list(session.exec(select(Annotation).where(Annotation.project_id == project_id).order_by(Annotation.example_id)))


def annotation_count(session: Session, example_id: int) -> int:
    return session.exec(select(func.count()).select_from(Annotation).where(Annotation.example_id == example_id)).one()


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
