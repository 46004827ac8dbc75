"""The kept export lines (`export_line`): read beside the examples an export streams, written in bulk.

`for_export` reads a batch of a project's examples in id order, each with its kept lines under the
profile when they are current: kept under the same stamp (a trigger deletes an example's kept lines
when its fields or output change, by any path: migration 0008). A row that has none carries the
example's fields and output (the JSON text the database holds) and version instead, for the caller
to render. `keep` writes (or replaces) kept lines in the caller's transaction, each only if its
example still has the version it was rendered from (an edit since then leaves nothing stale
behind); `keep_now` does that in a short write of its own that gives up rather than wait.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from app.storage.db import try_write_engine

log = logging.getLogger(__name__)


class Row(NamedTuple):
    """One example as an export reads it: with its kept `lines`, `outcome` and `codes` (a JSON
    list) when they are current, else with `fields` and `output` (JSON text) and `version` to render
    it from. (`for_export` gives plain tuples in this order: at a million rows, no object per row.)"""

    id: int
    label: str | None
    input_hash: str
    lines: str | None
    outcome: str | None
    codes: str | None
    fields: str | None
    output: str | None
    version: int | None


class Kept(NamedTuple):
    example_id: int
    version: int  # the example's version it was rendered from
    outcome: str
    codes: str
    lines: str


# One hand-written statement for both databases (CAST AS TEXT gives a JSON column's text on each), run
# on the driver's own cursor: at a million rows, building SQLAlchemy rows would cost more than the scan.
_FOR_EXPORT = """
SELECT e.id, e.label, e.input_hash, k.lines, k.outcome, k.codes,
       CASE WHEN k.lines IS NULL THEN CAST(e.fields AS TEXT) END,
       CASE WHEN k.lines IS NULL THEN CAST(e.output AS TEXT) END,
       CASE WHEN k.lines IS NULL THEN e.version END
FROM example e LEFT JOIN export_line k ON k.example_id = e.id AND k.profile = ? AND k.stamp = ?
WHERE e.project_id = ? AND e.id > ?{states}
ORDER BY e.id LIMIT ?"""

_KEEP = """
INSERT INTO export_line (example_id, profile, project_id, stamp, outcome, codes, lines)
SELECT id, ?, project_id, ?, ?, ?, ? FROM example WHERE id = ? AND version = ?
ON CONFLICT (example_id, profile) DO UPDATE SET stamp = excluded.stamp, outcome = excluded.outcome,
    codes = excluded.codes, lines = excluded.lines"""


def _driver_cursor(session: Session):
    return session.connection().connection.driver_connection.cursor()


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def for_export(session: Session, project_id: int, statuses: Sequence[str] | None, profile: str, stamp: str,
               after_id: int, limit: int) -> list[tuple]:
    """Up to `limit` examples after `after_id`, in id order (one indexed range read, kept lines by
    their primary key)."""
    states = f" AND e.status IN ({', '.join('?' * len(statuses))})" if statuses else ""
    sql = _FOR_EXPORT.format(states=states)
    if _postgres(session):
        sql = sql.replace("?", "%s")
    cursor = _driver_cursor(session)
    try:
        cursor.execute(sql, [profile, stamp, project_id, after_id, *(statuses or ()), limit])
        return cursor.fetchall()
    finally:
        cursor.close()


def keep(session: Session, profile: str, stamp: str, rows: Sequence[Kept]) -> None:
    """Write the kept lines of `rows` under `profile`, replacing what was kept for them; a row whose
    example changed since (another version, or deleted) is not written."""
    if not rows:
        return
    sql = _KEEP.replace("?", "%s") if _postgres(session) else _KEEP  # (the SELECT's WHERE keeps SQLite's parser off ON)
    # Through SQLAlchemy (an executemany), so a driver's error arrives as the OperationalError keep_now catches.
    session.connection().exec_driver_sql(
        sql, [(profile, stamp, r.outcome, r.codes, r.lines, r.example_id, r.version) for r in rows])


def keep_now(engine: Engine, profile: str, stamp: str, rows: Sequence[Kept]) -> bool:
    """`keep` in a write of its own that does not wait for SQLite's lock; False when it could not
    write now: the caller stops keeping (it is only a cache)."""
    try:
        with Session(try_write_engine(engine)) as session:
            keep(session, profile, stamp, rows)
            session.commit()
    except (OperationalError, IntegrityError) as error:
        log.info("kept no export lines this time: %s", getattr(error, "orig", None) or error)
        return False
    return True
