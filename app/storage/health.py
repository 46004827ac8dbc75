"""Storage for dataset health: the pickled running aggregates and the hash counters.

Duplicates are content hashes counted more than once; conflicts are input hashes with two or
more different contents. Both are read from `hash_count` through its (project, kind, n) and
(project, kind, distinct_outputs) indexes, never by grouping the examples.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from app.storage.counters import _insert
from app.storage.tables import DatasetStatsRow, Example, HashCount, utcnow


def load_stats(session: Session, project_id: int, for_update: bool = False) -> DatasetStatsRow | None:
    query = select(DatasetStatsRow).where(DatasetStatsRow.project_id == project_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def save_stats(session: Session, project_id: int, blob: bytes) -> None:
    row = session.get(DatasetStatsRow, project_id) or DatasetStatsRow(project_id=project_id, blob=b"")
    row.blob = blob
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)


def _bump(session: Session, project_id: int, kind: str, hash_: str, delta: int, distinct: int = 0) -> int:
    table = HashCount.__table__
    stmt = _insert(session)(table).values(project_id=project_id, kind=kind, hash=hash_, n=delta,
                                          distinct_outputs=max(distinct, 0))
    stmt = stmt.on_conflict_do_update(index_elements=["project_id", "kind", "hash"],
                                      set_={"n": table.c.n + delta,
                                            "distinct_outputs": table.c.distinct_outputs + distinct})
    return int(session.execute(stmt.returning(table.c.n)).scalar_one())


def count_hashes(session: Session, project_id: int, input_hash: str, content_hash: str, delta: int) -> None:
    """Add (+1) or remove (-1) one example's hashes."""
    n = _bump(session, project_id, "content", content_hash, delta)
    new_output = (delta > 0 and n == 1) or (delta < 0 and n == 0)
    _bump(session, project_id, "input", input_hash, delta, distinct=delta if new_output else 0)


def clear_hashes(session: Session, project_id: int) -> None:
    session.execute(HashCount.__table__.delete().where(HashCount.project_id == project_id))


def duplicate_hashes(session: Session, project_id: int, limit: int) -> list[str]:
    return list(session.exec(select(HashCount.hash).where(HashCount.project_id == project_id, HashCount.kind == "content",
                                                          HashCount.n > 1).limit(limit)))


def conflict_hashes(session: Session, project_id: int, limit: int) -> list[str]:
    return list(session.exec(select(HashCount.hash).where(HashCount.project_id == project_id, HashCount.kind == "input",
                                                          HashCount.distinct_outputs > 1).limit(limit)))


def count_groups(session: Session, project_id: int) -> tuple[int, int]:
    """(duplicate groups, conflict groups) — index range counts over the few hashes that repeat."""
    dups = session.exec(select(func.count()).select_from(HashCount).where(
        HashCount.project_id == project_id, HashCount.kind == "content", HashCount.n > 1)).one()
    conflicts = session.exec(select(func.count()).select_from(HashCount).where(
        HashCount.project_id == project_id, HashCount.kind == "input", HashCount.distinct_outputs > 1)).one()
    return int(dups), int(conflicts)


def examples_with(session: Session, project_id: int, column: str, hash_: str, limit: int = 50) -> list[Example]:
    col = Example.content_hash if column == "content" else Example.input_hash
    rows = session.exec(select(Example).where(Example.project_id == project_id, col == hash_,
                                              Example.needs_output.is_(False)).order_by(Example.id).limit(limit))
    return list(rows)


def labelled_ids(session: Session, project_id: int, after_id: int, batch: int) -> list[int]:
    return list(session.execute(sa_select(Example.id).where(Example.project_id == project_id, Example.id > after_id,
                                                            Example.needs_output.is_(False))
                                .order_by(Example.id).limit(batch)).scalars())
