"""Counters kept in step with every example change, so dashboards never count rows on page view.

Increments are upserts (`INSERT … ON CONFLICT DO UPDATE SET n = n + k`) on SQLite and
PostgreSQL alike, inside the caller's transaction.
"""

from __future__ import annotations

import math
from typing import Any

from functools import lru_cache

from sqlalchemy import bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from app.storage.tables import Example, LevelCount, MemberStat, StateCount, WorkTimeBucket, metadata

MEMBER_FIELDS = ("written", "reviewed", "approved", "changes_requested", "rejected")


def upsert_add(session: Session, model: Any, keys: dict[str, Any], increments: dict[str, int],
               returning: str | None = None, others: dict[str, Any] | None = None) -> int | None:
    """Add `increments` to the row of `keys` of `model`'s table, creating it (with the increments as
    values, and `others` for its remaining columns) if missing; returns the new value of the
    `returning` column when asked."""
    others = others or {}
    stmt = _upsert(session.get_bind().dialect.name, model.__table__.name, tuple(keys), tuple(increments),
                   tuple(others), returning)
    result = session.execute(stmt, {**keys, **others, **increments})
    return None if returning is None else int(result.scalar_one())


@lru_cache(maxsize=64)
def _upsert(dialect: str, table_name: str, keys: tuple[str, ...], increments: tuple[str, ...],
            others: tuple[str, ...], returning: str | None):
    """The statement of one kind of upsert, built once (parameters bound at execution): building it
    anew cost more than running it, on every save."""
    table = metadata.tables[table_name]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values({column: bindparam(column) for column in keys + others + increments})
    # The new row holds the increments themselves, so a conflict adds the row's proposed values.
    stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={column: table.c[column] + stmt.excluded[column] for column in increments})
    return stmt.returning(table.c[returning]) if returning else stmt


def bump_state(session: Session, project_id: int, status: str, delta: int) -> None:
    upsert_add(session, StateCount, {"project_id": project_id, "status": status}, {"n": delta})


def _move(bump, session: Session, project_id: int, old: str | None, new: str | None) -> None:
    """One counter down, another up: an example went from `old` to `new` (None: absent)."""
    if old == new:
        return
    if old:
        bump(session, project_id, old, -1)
    if new:
        bump(session, project_id, new, +1)


def move_state(session: Session, project_id: int, old: str | None, new: str | None) -> None:
    _move(bump_state, session, project_id, old, new)


def bump_level(session: Session, project_id: int, level: str, delta: int) -> None:
    upsert_add(session, LevelCount, {"project_id": project_id, "level": level}, {"n": delta})


def move_level(session: Session, project_id: int, old: str | None, new: str | None) -> None:
    _move(bump_level, session, project_id, old, new)


def level_counts(session: Session, project_id: int) -> dict[str, int]:
    rows = session.exec(select(LevelCount.level, LevelCount.n).where(LevelCount.project_id == project_id))
    return {level: int(n) for level, n in rows if n}


def recount_levels(session: Session, project_id: int) -> None:
    """Recount from the examples (after a re-check of the whole project, which reads them all anyway)."""
    session.execute(LevelCount.__table__.delete().where(LevelCount.project_id == project_id))
    session.execute(LevelCount.__table__.insert().from_select(
        ["project_id", "level", "n"],
        select(Example.project_id, Example.worst_level, func.count()).where(Example.project_id == project_id)
        .group_by(Example.project_id, Example.worst_level)))


def bump_member(session: Session, project_id: int, user_id: int | None, field: str, delta: int = 1) -> None:
    if user_id is None:
        return
    assert field in MEMBER_FIELDS
    upsert_add(session, MemberStat, {"project_id": project_id, "user_id": user_id}, {field: delta},
               others={f: 0 for f in MEMBER_FIELDS if f != field})


def time_bucket(seconds: int) -> int:
    """Log buckets: 0 for < 2 s, then one bucket per factor of √2 (≈ 41% wide)."""
    return 0 if seconds < 2 else int(2 * math.log2(seconds))


def bucket_middle(bucket: int) -> float:
    return 1.0 if bucket == 0 else 2 ** ((bucket + 0.5) / 2)


def add_work_time(session: Session, project_id: int, user_id: int | None, seconds: int | None) -> None:
    if user_id is None or seconds is None or seconds < 0:
        return
    upsert_add(session, WorkTimeBucket, {"project_id": project_id, "user_id": user_id,
                                         "bucket": time_bucket(seconds)}, {"n": 1})


def state_counts(session: Session, project_id: int) -> dict[str, int]:
    rows = session.exec(select(StateCount.status, StateCount.n).where(StateCount.project_id == project_id))
    return {status: int(n) for status, n in rows if n}


def member_stats(session: Session, project_id: int) -> list[MemberStat]:
    return list(session.exec(select(MemberStat).where(MemberStat.project_id == project_id)))


def work_time_histograms(session: Session, project_id: int) -> dict[int, dict[int, int]]:
    rows = session.exec(select(WorkTimeBucket).where(WorkTimeBucket.project_id == project_id))
    out: dict[int, dict[int, int]] = {}
    for row in rows:
        out.setdefault(row.user_id, {})[row.bucket] = row.n
    return out
