"""The trash: a deleted example kept whole (its row, revisions, comments and independent labels) as
versioned JSON in `deleted_example`, and put back with the same ids.

The example row itself is deleted (its history cascades away with it), so every query over
`example` stays correct without a "deleted" filter. Counters are not this module's business: the
caller moves them through the ledger, before a delete and after a restore (app.services.trash).
Re-inserting the example row fires the same triggers as any insert (SQLite's full-text index,
migration 0010); kept export lines are not kept in the trash (an export renders them again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Table, or_
from sqlmodel import Session, select

from app.storage.tables import Annotation, Comment, DeletedExample, Example, ExampleRevision, User

FORMAT = 1  # the version of `data`; a row of another version is refused, never guessed at
PARTS = (("revisions", ExampleRevision), ("comments", Comment), ("annotations", Annotation))


def _as_json(table: Table, row: Any) -> dict[str, Any]:
    """A row's columns as JSON values (datetimes as ISO 8601 text)."""
    out = {}
    for column in table.columns:
        value = getattr(row, column.key)
        out[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _from_json(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """`_as_json` read back: the table's columns only (a column added since takes its default)."""
    out = {}
    for column in table.columns:
        if column.key in values:
            value = values[column.key]
            if isinstance(getattr(column.type, "impl", column.type), DateTime) and isinstance(value, str):
                value = datetime.fromisoformat(value)
            out[column.key] = value
    return out


def keep(session: Session, example: Example, deleted_by: int | None, preview: str) -> DeletedExample:
    """Put `example` and everything that belongs to it in the trash (the caller then deletes it)."""
    data: dict[str, Any] = {"v": FORMAT, "example": _as_json(Example.__table__, example)}
    for name, model in PARTS:
        rows = session.exec(select(model).where(model.example_id == example.id).order_by(model.id)).all()
        data[name] = [_as_json(model.__table__, row) for row in rows]
    kept = DeletedExample(project_id=example.project_id, example_id=example.id, status=example.status,
                          created_by=example.created_by, assignee_id=example.assignee_id,
                          lease_user_id=example.lease_user_id, deleted_by=deleted_by, preview=preview[:200], data=data)
    session.add(kept)
    return kept


def _seen_by(query, only_user: int | None):
    """With `only_user`, only the deleted examples that member could see: their own, assigned or handed out."""
    if only_user is None:
        return query
    return query.where(or_(DeletedExample.created_by == only_user, DeletedExample.assignee_id == only_user,
                           DeletedExample.lease_user_id == only_user))


def kept(session: Session, project_id: int, example_id: int, *, only_user: int | None = None,
         for_update: bool = False) -> DeletedExample | None:
    """The trash row of a project's deleted example, if `only_user` (when given) could see it;
    locked until the transaction ends, on PostgreSQL."""
    query = _seen_by(select(DeletedExample).where(DeletedExample.project_id == project_id,
                                                  DeletedExample.example_id == example_id), only_user)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def readable(row: DeletedExample) -> bool:
    return isinstance(row.data, dict) and row.data.get("v") == FORMAT


def example_exists(session: Session, example_id: int) -> bool:
    return session.exec(select(Example.id).where(Example.id == example_id)).first() is not None


def put_back(session: Session, row: DeletedExample) -> Example:
    """Re-insert the example of a trash row with its revisions, comments and labels (same ids, same
    values) and drop the row; the caller checked `readable` and that the id is free."""
    example = Example(**_from_json(Example.__table__, row.data["example"]))
    session.add(example)
    session.flush()  # the example first: the other rows refer to it
    for name, model in PARTS:
        rows = [_from_json(model.__table__, values) for values in row.data.get(name, [])]
        if rows:
            session.execute(model.__table__.insert(), rows)
    session.delete(row)
    session.flush()
    return example


def listed(session: Session, project_id: int, *, only_user: int | None = None, before_id: int | None = None,
           limit: int = 50) -> list[tuple[DeletedExample, User | None]]:
    """A page of a project's deleted examples, last deleted first, with who deleted each; with
    `only_user`, only those that member could see (their own, assigned or handed-out ones)."""
    query = (select(DeletedExample, User).join(User, User.id == DeletedExample.deleted_by, isouter=True)
             .where(DeletedExample.project_id == project_id))
    query = _seen_by(query, only_user)
    if before_id is not None:
        query = query.where(DeletedExample.id < before_id)
    return list(session.exec(query.order_by(DeletedExample.id.desc()).limit(limit)))
