"""Reading the counters the ledger (app.storage.ledger) keeps in step with every example change,
so dashboards never count rows on page view. Nothing here writes."""

from __future__ import annotations

import math

from sqlmodel import Session, select

from app.storage.tables import LevelCount, MemberStat, StateCount, WorkTimeBucket


def time_bucket(seconds: int) -> int:
    """Log buckets: 0 for < 2 s, then one bucket per factor of √2 (≈ 41% wide)."""
    return 0 if seconds < 2 else int(2 * math.log2(seconds))


def bucket_middle(bucket: int) -> float:
    return 1.0 if bucket == 0 else 2 ** ((bucket + 0.5) / 2)


def level_counts(session: Session, project_id: int) -> dict[str, int]:
    rows = session.exec(select(LevelCount.level, LevelCount.n).where(LevelCount.project_id == project_id))
    return {level: int(n) for level, n in rows if n}


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
