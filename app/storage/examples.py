"""Queries on examples and their revisions; every list is keyset-paginated on (project_id, id)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import or_
from sqlmodel import Session, select

from app.storage.tables import Example, ExampleCode


def get_example(session: Session, project_id: int, example_id: int) -> Example | None:
    example = session.get(Example, example_id)
    return example if example is not None and example.project_id == project_id else None


def neighbors(
    session: Session, project_id: int, input_hash: str, exclude_id: int | None, limit: int = 20
) -> list[tuple[int, str]]:
    """(id, content_hash) of other examples with the same input: one indexed lookup."""
    query = select(Example.id, Example.content_hash).where(
        Example.project_id == project_id, Example.input_hash == input_hash
    )
    if exclude_id is not None:
        query = query.where(Example.id != exclude_id)
    return [(int(i), h) for i, h in session.exec(query.order_by(Example.id).limit(limit))]


def list_examples(
    session: Session,
    project_id: int,
    *,
    level: str | None = None,
    label: str | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
    only_user: int | None = None,
    code: str | None = None,
) -> list[Example]:
    query = select(Example).where(Example.project_id == project_id)
    if code:
        query = query.join(ExampleCode, ExampleCode.example_id == Example.id).where(
            ExampleCode.project_id == project_id, ExampleCode.code == code)
    if only_user is not None:
        query = query.where(or_(Example.created_by == only_user, Example.assignee_id == only_user,
                                Example.lease_user_id == only_user))
    if level:
        query = query.where(Example.worst_level == level)
    if label:
        query = query.where(Example.label == label)
    if status:
        query = query.where(Example.status == status)
    if before_id is not None:
        query = query.where(Example.id < before_id)
    return list(session.exec(query.order_by(Example.id.desc()).limit(limit)))



def adjacent_id(session: Session, project_id: int, example_id: int, newer: bool) -> int | None:
    column = Example.id
    query = select(column).where(Example.project_id == project_id)
    query = query.where(column > example_id).order_by(column) if newer else query.where(column < example_id).order_by(column.desc())
    return session.exec(query.limit(1)).first()


def iter_for_export(
    session: Session, project_id: int, statuses: tuple[str, ...] | None, batch: int = 1000
) -> Iterator[Example]:
    """All examples of a project in id order, fetched in batches (never the whole table at once)."""
    last_id = 0
    while True:
        query = select(Example).where(Example.project_id == project_id, Example.id > last_id)
        if statuses:
            query = query.where(Example.status.in_(statuses))
        rows = list(session.exec(query.order_by(Example.id).limit(batch)))
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.flush()  # keep changes a caller made to this batch before letting go of it
        session.expunge_all()
