"""Storage for dataset health: the pickled running aggregates and the hash counters.

Duplicates are content hashes counted more than once; conflicts are input hashes with two or
more different contents. Both are read from `hash_count` through its (project, kind, n) and
(project, kind, distinct_outputs) indexes, never by grouping the examples.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.storage.counters import upsert_add
from app.storage.tables import CodeCount, DatasetStatsRow, Example, ExampleCode, HashCount, utcnow


def ping(session: Session) -> None:
    session.exec(select(1)).one()


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
    return upsert_add(session, HashCount, {"project_id": project_id, "kind": kind, "hash": hash_},
                      {"n": delta, "distinct_outputs": distinct}, returning="n")


def count_hashes(session: Session, project_id: int, input_hash: str, content_hash: str, near_hash: str | None,
                 delta: int) -> None:
    """Add (+1) or remove (-1) one example's hashes."""
    n = _bump(session, project_id, "content", content_hash, delta)
    new_output = (delta > 0 and n == 1) or (delta < 0 and n == 0)
    n = _bump(session, project_id, "input", input_hash, delta, distinct=delta if new_output else 0)
    new_input = (delta > 0 and n == 1) or (delta < 0 and n == 0)
    if near_hash:
        _bump(session, project_id, "near", near_hash, delta, distinct=delta if new_input else 0)


def clear_project(session: Session, project_id: int) -> None:
    """Forget the project's hash and code counters (before a rebuild)."""
    for table in (HashCount.__table__, CodeCount.__table__, ExampleCode.__table__):
        session.execute(table.delete().where(table.c.project_id == project_id))


def move_codes(session: Session, project_id: int, example_id: int, old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Record that an example now raises `new` instead of `old` (rows and per-code counters)."""
    gone, added = set(old) - set(new), set(new) - set(old)
    if gone:
        session.execute(ExampleCode.__table__.delete().where(ExampleCode.example_id == example_id,
                                                             ExampleCode.code.in_(gone)))
    for code in added:
        session.add(ExampleCode(example_id=example_id, code=code, project_id=project_id))
    for code, delta in [(c, -1) for c in gone] + [(c, +1) for c in added]:
        upsert_add(session, CodeCount, {"project_id": project_id, "code": code}, {"n": delta})


def code_counts(session: Session, project_id: int) -> list[tuple[str, int]]:
    rows = session.exec(select(CodeCount.code, CodeCount.n).where(CodeCount.project_id == project_id, CodeCount.n > 0))
    return [(code, int(n)) for code, n in rows]


def duplicate_hashes(session: Session, project_id: int, limit: int) -> list[str]:
    return list(session.exec(select(HashCount.hash).where(HashCount.project_id == project_id, HashCount.kind == "content",
                                                          HashCount.n > 1).limit(limit)))


def conflict_hashes(session: Session, project_id: int, limit: int, kind: str = "input") -> list[str]:
    """Input hashes with several outputs (conflicts), or near keys with several inputs (kind "near")."""
    return list(session.exec(select(HashCount.hash).where(HashCount.project_id == project_id, HashCount.kind == kind,
                                                          HashCount.distinct_outputs > 1).limit(limit)))


def count_groups(session: Session, project_id: int) -> tuple[int, int, int]:
    """(duplicate, conflict, near-duplicate groups) — index range counts over the hashes that repeat."""
    def count(kind: str, column) -> int:
        return int(session.exec(select(func.count()).select_from(HashCount).where(
            HashCount.project_id == project_id, HashCount.kind == kind, column > 1)).one())

    return count("content", HashCount.n), count("input", HashCount.distinct_outputs), \
        count("near", HashCount.distinct_outputs)


def examples_with(session: Session, project_id: int, column: str, hash_: str, limit: int = 50) -> list[Example]:
    col = {"content": Example.content_hash, "input": Example.input_hash, "near": Example.near_hash}[column]
    rows = session.exec(select(Example).where(Example.project_id == project_id, col == hash_,
                                              Example.needs_output.is_(False)).order_by(Example.id).limit(limit))
    return list(rows)
