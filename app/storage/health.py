"""Reading dataset health: the hash and code counters the ledger (app.storage.ledger) keeps.

Duplicates are content hashes counted more than once; conflicts are input hashes with two or
more different contents. Both are read from `hash_count` through its (project, kind, n) and
(project, kind, distinct_outputs) indexes, never by grouping the examples.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.storage.tables import CodeCount, Example, HashCount


def ping(session: Session) -> None:
    session.exec(select(1)).one()


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
