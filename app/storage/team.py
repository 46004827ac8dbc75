"""Queries for team work: memberships, comments, audit events, annotations and queues."""

from __future__ import annotations


from sqlalchemy import func
from sqlmodel import Session, select

from app.storage.tables import ExampleRevision, Annotation, AuditEvent, Comment, Membership, User


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


def revisions(session: Session, example_id: int, limit: int) -> list[tuple[ExampleRevision, User | None]]:
    """An example's revisions, newest first, with who made each."""
    return list(session.exec(
        select(ExampleRevision, User).join(User, User.id == ExampleRevision.user_id, isouter=True)
        .where(ExampleRevision.example_id == example_id).order_by(ExampleRevision.version.desc()).limit(limit)))


def annotation_by(session: Session, example_id: int, user_id: int) -> Annotation | None:
    return session.exec(select(Annotation).where(Annotation.example_id == example_id,
                                                 Annotation.user_id == user_id)).first()


def revision(session: Session, example_id: int, version: int) -> ExampleRevision | None:
    """The revision of an example that made `version`."""
    return session.exec(select(ExampleRevision).where(ExampleRevision.example_id == example_id,
                                                      ExampleRevision.version == version)).first()
