"""The kept export lines (`export_line`): read beside the examples an export streams, written in bulk.

`for_export` reads a batch of a project's examples in id order, each with its kept lines under the
profile when they are still current: kept under the same stamp from the same stored fields and
output (compared as the JSON text the database holds, so any change to an example, by any path,
makes its kept lines unused). A row that has none carries that text instead, for the caller to
render. `keep` writes (or replaces) kept lines in the caller's transaction; `keep_now` in a short
write of its own that gives up rather than wait.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Text, and_, case, cast, literal, null, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from app.storage.db import try_write_engine
from app.storage.tables import Example, ExportLine

log = logging.getLogger(__name__)

EXAMPLE, KEPT = Example.__table__, ExportLine.__table__


class Row(NamedTuple):
    """One example as an export reads it: with its kept `lines`, `outcome` and `codes` (a JSON
    list) when they are current, else with `fields` and `output` (JSON text) to render it from."""

    id: int
    label: str | None
    input_hash: str
    lines: str | None
    outcome: str | None
    codes: str | None
    fields: str | None
    output: str | None


class Kept(NamedTuple):
    example_id: int
    fields: str
    output: str | None
    outcome: str
    codes: str
    lines: str


def for_export(session: Session, project_id: int, statuses: Sequence[str] | None, profile: str, stamp: str,
               after_id: int, limit: int) -> list[Row]:
    """Up to `limit` examples after `after_id`, in id order (one indexed range read, kept lines by
    their primary key)."""
    fields, output = cast(EXAMPLE.c.fields, Text), cast(EXAMPLE.c.output, Text)
    current = and_(KEPT.c.stamp == stamp, KEPT.c.fields == fields, KEPT.c.output.is_not_distinct_from(output))
    query = (
        select(EXAMPLE.c.id, EXAMPLE.c.label, EXAMPLE.c.input_hash,
               case((current, KEPT.c.lines), else_=null()), case((current, KEPT.c.outcome), else_=null()),
               case((current, KEPT.c.codes), else_=null()),
               case((current, null()), else_=fields), case((current, null()), else_=output))
        .select_from(EXAMPLE.outerjoin(KEPT, and_(KEPT.c.example_id == EXAMPLE.c.id,
                                                  KEPT.c.profile == literal(profile))))
        .where(EXAMPLE.c.project_id == project_id, EXAMPLE.c.id > after_id)
        .order_by(EXAMPLE.c.id).limit(limit)
    )
    if statuses:
        query = query.where(EXAMPLE.c.status.in_(tuple(statuses)))
    return [Row(*row) for row in session.execute(query)]


def keep(session: Session, project_id: int, profile: str, stamp: str, rows: Sequence[Kept]) -> None:
    """Write the kept lines of `rows` under `profile`, replacing what was kept for them."""
    if not rows:
        return
    values = [{"example_id": r.example_id, "profile": profile, "project_id": project_id, "stamp": stamp,
               "fields": r.fields, "output": r.output, "outcome": r.outcome, "codes": r.codes, "lines": r.lines}
              for r in rows]
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(KEPT)
    statement = statement.on_conflict_do_update(
        index_elements=[KEPT.c.example_id, KEPT.c.profile],
        set_={column: statement.excluded[column] for column in ("project_id", "stamp", "fields", "output",
                                                                "outcome", "codes", "lines")})
    session.execute(statement, values)


def keep_now(engine: Engine, project_id: int, profile: str, stamp: str, rows: Sequence[Kept]) -> bool:
    """`keep` in a write of its own that does not wait for SQLite's lock; False when it could not
    write now (the lock is taken, or an example was deleted meanwhile): the caller stops keeping."""
    try:
        with Session(try_write_engine(engine)) as session:
            keep(session, project_id, profile, stamp, rows)
            session.commit()
    except (OperationalError, IntegrityError) as error:
        log.info("project %s: kept no export lines this time: %s", project_id, getattr(error, "orig", None) or error)
        return False
    return True
