"""The ledger: the one module that writes a counter or an aggregate, for every kind of change.

An example's change is `apply(session, before, after)`: two `Snapshot`s of what the counters count
of that example (either None: created, deleted), applied to every counter and aggregate at once in
the caller's transaction; `apply_many` does the same for a batch with one write per counter row.
Every write path calls it: save, submit, review decisions, bulk actions, adjudication, independent
labels, items to label, delete, the settings re-check, and file import (new examples' hashes and
codes are then counted in bulk: one read and one batch of upserts per kind).

Every counter is a function of the rows, so a recount can verify it (tests do, after random
sequences of changes):
- state_count: examples per state; level_count: examples per worst rule level (items included).
- member_stat, per project and member (the Team page):
  written — examples the member is the author of (`created_by`; an item waiting for its label has
  no author until someone labels it); approved / changes_requested / rejected — the member's
  examples now in that state (an approved example that is edited goes back to submitted and
  leaves "approved"); reviewed — examples now decided (approved, changes requested or rejected)
  whose reviewer (`reviewed_by`) is the member; labelled — the member's independent labels
  (Annotation rows).
- In the dataset (hash_count, code_count, example_code, dataset_stats) are the examples that are
  neither waiting for their label nor waiting for a running re-check (checked under the project's
  current settings); dataset_stats holds `core.dataset.DatasetStats` as versioned JSON.
The one event counter is work_time_bucket: seconds from opening the form to the first save, passed
explicitly (`work=(user_id, seconds)`); deleting an example does not take its time back.

A dataset_stats row that does not read back (another format version) is never interpreted: the
ledger drops it and marks the project for a re-check, which rebuilds it from the examples.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from app.core.dataset import STATS_FORMAT, Contribution, DatasetStats, UnknownFormat
from app.storage.counters import time_bucket
from app.storage.tables import (Annotation, CodeCount, DatasetStatsRow, Example, ExampleCode, HashCount, LevelCount,
                                MemberStat, Project, StateCount, WorkTimeBucket, metadata, utcnow)

DECIDED = ("approved", "changes_requested", "rejected")
IN_CHUNK = 500  # hashes per IN (…) read
MEMBER_FIELDS = ("written", "reviewed", "approved", "changes_requested", "rejected", "labelled")


@dataclass(frozen=True)
class InDataset:
    """What an example in the dataset adds to the hash and code counters and the dataset stats.
    `contribution` may be None only when the change leaves it as it is (a change of state)."""

    input_hash: str
    content_hash: str
    near_hash: str | None
    codes: tuple[str, ...]
    contribution: Contribution | None = None


@dataclass(frozen=True)
class Snapshot:
    """What the counters count of one example at one moment."""

    project_id: int
    example_id: int | None
    status: str
    level: str
    author: int | None
    reviewer: int | None
    labellers: frozenset[int] = frozenset()
    dataset: InDataset | None = None  # None: not in the dataset

    def moved(self, example: Example) -> Snapshot:
        """The same example after a change of state, reviewer or author (content and labels as they were)."""
        return replace(self, status=example.status, level=example.worst_level, author=example.created_by,
                       reviewer=example.reviewed_by)


def in_dataset(project: Project, example: Example) -> bool:
    return not example.needs_output and example.checked_version == project.version


def as_stored(session: Session, project: Project, example: Example, contribution: Contribution | None = None,
              labellers: frozenset[int] | None = None) -> Snapshot:
    """The snapshot of an example row as it is now; `contribution` is what it adds to the dataset
    stats (needed when that changes), `labellers` who labelled it independently (read if not given)."""
    dataset = None
    if in_dataset(project, example):
        dataset = InDataset(example.input_hash, example.content_hash, example.near_hash, tuple(example.codes or ()),
                            contribution)
    if labellers is None:
        labellers = labellers_of(session, example)
    return Snapshot(project.id, example.id, example.status, example.worst_level, example.created_by,
                    example.reviewed_by, labellers, dataset)


def labellers_of(session: Session, example: Example) -> frozenset[int]:
    """Who gave the example an independent label (only examples picked for double labelling have any)."""
    if example.id is None or not example.labels_wanted:
        return frozenset()
    return frozenset(session.exec(select(Annotation.user_id).where(Annotation.example_id == example.id)))


def apply(session: Session, before: Snapshot | None, after: Snapshot | None,
          work: tuple[int | None, int | None] | None = None) -> None:
    """Move every counter and aggregate from `before` to `after` of one example, plus one work-time
    event `(user_id, seconds)` if given."""
    apply_many(session, [(before, after)], [work] if work else ())


def apply_many(session: Session, changes: Iterable[tuple[Snapshot | None, Snapshot | None]],
               work: Iterable[tuple[int | None, int | None]] = ()) -> None:
    """`apply` for a batch of examples: each counter row is written once with the sum of its changes."""
    states: Counter[tuple[int, str]] = Counter()
    levels: Counter[tuple[int, str]] = Counter()
    members: defaultdict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    dataset_changes: list[tuple[Snapshot | None, Snapshot | None]] = []
    project_of_work = None
    for before, after in changes:
        for snap, sign in ((before, -1), (after, +1)):
            if snap is None:
                continue
            project_of_work = snap.project_id
            states[snap.project_id, snap.status] += sign
            levels[snap.project_id, snap.level] += sign
            for user_id, field in _member_facts(snap):
                members[snap.project_id, user_id][field] += sign
        if _dataset(before) != _dataset(after):
            dataset_changes.append((before, after))
    for (project_id, status), n in states.items():
        if n:
            _upsert_add(session, StateCount, {"project_id": project_id, "status": status}, {"n": n})
    for (project_id, level), n in levels.items():
        if n:
            _upsert_add(session, LevelCount, {"project_id": project_id, "level": level}, {"n": n})
    for (project_id, user_id), fields in members.items():
        increments = {field: n for field, n in fields.items() if n}
        if increments:
            _upsert_add(session, MemberStat, {"project_id": project_id, "user_id": user_id}, increments,
                        others={f: 0 for f in MEMBER_FIELDS if f not in increments})
    for user_id, seconds in work:
        if project_of_work is not None and user_id is not None and seconds is not None and seconds >= 0:
            _upsert_add(session, WorkTimeBucket, {"project_id": project_of_work, "user_id": user_id,
                                                  "bucket": time_bucket(seconds)}, {"n": 1})
    if dataset_changes:
        _move_dataset(session, dataset_changes)


def _member_facts(snap: Snapshot) -> Iterable[tuple[int, str]]:
    if snap.author is not None:
        yield snap.author, "written"
        if snap.status in DECIDED:
            yield snap.author, snap.status
    if snap.reviewer is not None and snap.status in DECIDED:
        yield snap.reviewer, "reviewed"
    for user_id in snap.labellers:
        yield user_id, "labelled"


def _dataset(snap: Snapshot | None) -> InDataset | None:
    return snap.dataset if snap is not None else None


def _move_dataset(session: Session, changes: list[tuple[Snapshot | None, Snapshot | None]]) -> None:
    """Hash and code counters per example, then one load and save of each project's dataset stats."""
    stats_moves: defaultdict[int, list[tuple[Contribution | None, Contribution | None]]] = defaultdict(list)
    added: defaultdict[int, list[tuple[int | None, InDataset]]] = defaultdict(list)
    for before, after in changes:
        project_id, example_id = (after or before).project_id, (after or before).example_id
        old, new = _dataset(before), _dataset(after)
        if old is None and new is not None and new.contribution is not None:  # added: counted in bulk below
            added[project_id].append((example_id, new))
            stats_moves[project_id].append((None, new.contribution))
            continue
        if _hashes(old) != _hashes(new):
            if old is not None:
                _count_hashes(session, project_id, old, -1)
            if new is not None:
                _count_hashes(session, project_id, new, +1)
        _move_codes(session, project_id, example_id, old.codes if old else (), new.codes if new else ())
        for part in (old, new):
            if part is not None and part.contribution is None:
                raise ValueError(f"example {example_id} changed in the dataset: both snapshots need its contribution")
        old_c, new_c = old.contribution if old else None, new.contribution if new else None
        if old_c != new_c:
            stats_moves[project_id].append((old_c, new_c))
    for project_id, parts in added.items():
        _add_hashes(session, project_id, [part for _, part in parts])
        _add_codes(session, project_id, parts)
    for project_id, moves in stats_moves.items():
        stats = dataset_stats(session, project_id, for_update=True)
        if stats is None:
            continue  # absent or unreadable: a re-check is (now) due and rebuilds it
        for old_c, new_c in moves:
            if old_c is not None:
                stats.remove(old_c)
            if new_c is not None:
                stats.add_contribution(new_c)
        _save_stats(session, project_id, stats)


def _hashes(part: InDataset | None) -> tuple[str, str, str | None] | None:
    return None if part is None else (part.input_hash, part.content_hash, part.near_hash)


# Dataset stats -------------------------------------------------------------------------------

def dataset_stats(session: Session, project_id: int, for_update: bool = False) -> DatasetStats | None:
    """The project's dataset stats; None if there are none yet, or none this version can read (then
    the row is dropped and a re-check marked due, when `for_update`)."""
    query = select(DatasetStatsRow).where(DatasetStatsRow.project_id == project_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        return None
    try:
        return DatasetStats.from_json(row.data)
    except UnknownFormat:
        if for_update:
            session.delete(row)
            session.flush()
            _rebuild_later(session, project_id)
        return None


def _rebuild_later(session: Session, project_id: int) -> None:
    """The project's dataset stats row is gone: a re-check (resumed at start-up, or "recompute") rebuilds it."""
    session.execute(DatasetStatsRow.__table__.delete().where(DatasetStatsRow.project_id == project_id))
    session.execute(update(Project).where(Project.id == project_id, Project.recheck_cursor.is_(None))
                    .values(recheck_cursor=0))


def _readable(version: Any) -> bool:
    return version == STATS_FORMAT and not isinstance(version, bool)


def stats_readable(session: Session, project_id: int) -> bool:
    """Whether the project has dataset stats of the format this version reads (only the format
    version is read, not the stats)."""
    versions = session.exec(select(DatasetStatsRow.data["v"]).where(DatasetStatsRow.project_id == project_id)).all()
    return bool(versions) and _readable(versions[0])


def mark_unreadable_for_rebuild(session: Session) -> list[int]:
    """Drop every dataset_stats row of another format version and mark its project for a re-check
    (at start-up, before the pending re-checks are resumed); the projects marked."""
    formats = session.exec(select(DatasetStatsRow.project_id, DatasetStatsRow.data["v"])).all()  # not the data itself
    stale = [project_id for project_id, version in formats if not _readable(version)]
    for project_id in stale:
        _rebuild_later(session, project_id)
    return stale


def _save_stats(session: Session, project_id: int, stats: DatasetStats) -> None:
    row = session.get(DatasetStatsRow, project_id) or DatasetStatsRow(project_id=project_id, data={})
    row.data = stats.to_json()
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)


def forget_dataset(session: Session, project_id: int) -> None:
    """Empty dataset stats and no hash or code counters (a re-check then adds every example back)."""
    for table in (HashCount.__table__, CodeCount.__table__, ExampleCode.__table__):
        session.execute(table.delete().where(table.c.project_id == project_id))
    _save_stats(session, project_id, DatasetStats(with_index=False))


# The low-level writers (nothing outside this module calls them) ---------------------------------

def _upsert_add(session: Session, model: Any, keys: dict[str, Any], increments: dict[str, int],
                returning: str | None = None, others: dict[str, Any] | None = None) -> int | None:
    """Add `increments` to the row of `keys` of `model`'s table, creating it (with the increments as
    values, and `others` for its remaining columns) if missing; returns the new value of the
    `returning` column when asked. One `INSERT … ON CONFLICT DO UPDATE` on SQLite and PostgreSQL."""
    others = others or {}
    stmt = _upsert(session.get_bind().dialect.name, model.__table__.name, tuple(keys), tuple(increments),
                   tuple(others), returning)
    result = session.execute(stmt, {**keys, **others, **increments})
    return None if returning is None else int(result.scalar_one())


@lru_cache(maxsize=128)
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


def _bump_hash(session: Session, project_id: int, kind: str, hash_: str, delta: int, distinct: int = 0) -> int:
    return _upsert_add(session, HashCount, {"project_id": project_id, "kind": kind, "hash": hash_},
                       {"n": delta, "distinct_outputs": distinct}, returning="n")


def _count_hashes(session: Session, project_id: int, part: InDataset, delta: int) -> None:
    """Add (+1) or remove (-1) one example's hashes: duplicates are content hashes counted more than
    once, conflicts input hashes with several contents, near duplicates near keys with several inputs."""
    n = _bump_hash(session, project_id, "content", part.content_hash, delta)
    new_output = (delta > 0 and n == 1) or (delta < 0 and n == 0)
    n = _bump_hash(session, project_id, "input", part.input_hash, delta, distinct=delta if new_output else 0)
    new_input = (delta > 0 and n == 1) or (delta < 0 and n == 0)
    if part.near_hash:
        _bump_hash(session, project_id, "near", part.near_hash, delta, distinct=delta if new_input else 0)


def _existing_counts(session: Session, project_id: int, kind: str, hashes: Iterable[str]) -> dict[str, int]:
    """The stored n of each of `hashes` (of one kind) that has a row."""
    table = HashCount.__table__
    found: dict[str, int] = {}
    ordered = list(hashes)
    for start in range(0, len(ordered), IN_CHUNK):
        rows = session.execute(select(table.c.hash, table.c.n).where(
            table.c.project_id == project_id, table.c.kind == kind, table.c.hash.in_(ordered[start:start + IN_CHUNK])))
        found.update((hash_, n) for hash_, n in rows)
    return found


def _add_hashes(session: Session, project_id: int, parts: list[InDataset]) -> None:
    """`_count_hashes(…, +1)` for many new examples: one read of the counts they touch per kind and
    one batch of upserts, with the same counts as adding them one by one."""
    contents: Counter[str] = Counter(p.content_hash for p in parts)
    input_of = {p.content_hash: p.input_hash for p in parts}
    near_of = {p.input_hash: p.near_hash for p in parts}
    stored = _existing_counts(session, project_id, "content", contents)
    inputs: Counter[str] = Counter(p.input_hash for p in parts)
    new_outputs: Counter[str] = Counter(input_of[h] for h in contents if not stored.get(h))
    stored_inputs = _existing_counts(session, project_id, "input", inputs)
    nears: Counter[str] = Counter()
    new_inputs: Counter[str] = Counter()
    for input_hash, n in inputs.items():
        near = near_of[input_hash]
        if near:
            nears[near] += n
            new_inputs[near] += not stored_inputs.get(input_hash)
    rows = [(project_id, "content", h, n, 0) for h, n in contents.items()]
    rows += [(project_id, "input", h, n, new_outputs[h]) for h, n in inputs.items()]
    rows += [(project_id, "near", h, n, new_inputs[h]) for h, n in nears.items()]
    _add_rows(session, "hash_count", ("project_id", "kind", "hash"), ("n", "distinct_outputs"), rows)


def _add_rows(session: Session, table: str, keys: tuple[str, ...], increments: tuple[str, ...],
              rows: list[tuple[Any, ...]]) -> None:
    """`_upsert_add` for many rows in one driver executemany (the rows as tuples: keys, then increments)."""
    if not rows:
        return
    connection = session.connection()
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    columns = keys + increments
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in increments)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}", rows)


def _add_codes(session: Session, project_id: int, parts: list[tuple[int | None, InDataset]]) -> None:
    """`_move_codes(…, (), codes)` for many new examples: their rows and one upsert per code."""
    rows = [{"example_id": example_id, "code": code, "project_id": project_id}
            for example_id, part in parts for code in set(part.codes)]
    if not rows:
        return
    session.execute(ExampleCode.__table__.insert(), rows)
    counts = Counter(row["code"] for row in rows)
    _add_rows(session, "code_count", ("project_id", "code"), ("n",), [(project_id, c, n) for c, n in counts.items()])


def _move_codes(session: Session, project_id: int, example_id: int | None, old: tuple[str, ...],
                new: tuple[str, ...]) -> None:
    """Record that an example now raises `new` instead of `old` (rows and per-code counters)."""
    gone, added = set(old) - set(new), set(new) - set(old)
    if gone:
        session.execute(ExampleCode.__table__.delete().where(ExampleCode.example_id == example_id,
                                                             ExampleCode.code.in_(gone)))
    for code in added:
        session.add(ExampleCode(example_id=example_id, code=code, project_id=project_id))
    for code, delta in [(c, -1) for c in gone] + [(c, +1) for c in added]:
        _upsert_add(session, CodeCount, {"project_id": project_id, "code": code}, {"n": delta})
