"""Writing an export: every export (the HTTP download, a page job, `tunelab export`) writes its
file(s) into the snapshot store as they are made, then records the immutable snapshot.

Each example's lines come from `kept_lines` (kept and still current, or rendered now and kept).
`write(...)` yields the files chunk by chunk (`Chunk(side, data)`; an empty chunk after each batch so a
caller can follow progress or stop): without a split one file, `<slug>.<profile>.jsonl`; with one,
`train.jsonl` and `validation.jsonl`. Each starts with the profile's `file_prefix` (Azure's BOM).
The files are written beside their final names and renamed when the last example is written;
closing the generator early (a cancelled job, a client gone) leaves no file and no snapshot. Then
the profile's file rules run on each kept file (by its size and line count; a rule that reads
lines reads them back from the disk, never from memory) and one short write records the snapshot:
profile, filters, split, counts and SHA-256 per file, and the rule report (codes -> examples, as
the preflight counts them).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.providers import PROFILES, Finding, RuleContext
from app.core.split import TRAIN, VALIDATION
from app.services import exports, kept_lines
from app.services.parsed_settings import settings_of
from app.storage import snapshots as snapshot_store
from app.storage.db import session_scope
from app.storage.snapshots import SnapshotStore
from app.storage.tables import ExportSnapshot, Project, User

CHUNK_BYTES = 1 << 20


class Chunk(NamedTuple):
    side: str  # "all", "train" or "validation"
    data: bytes


@dataclass
class FileTally:
    name: str
    examples: int = 0
    rows: int = 0
    bytes: int = 0
    sha256: str = ""


@dataclass
class Tally:
    """How far an export got, kept up to date as it runs (for a progress bar and the summary)."""

    read: int = 0  # examples read
    rows: int = 0  # lines written
    examples: int = 0  # examples written
    refused: int = 0
    errors: int = 0
    sha256: str = ""  # of the (first) file, set when the export ends
    files: dict[str, FileTally] = field(default_factory=dict)
    snapshot_id: int | None = None  # set when the snapshot is recorded


def kept_name(project: Project, request: exports.ExportRequest, side: str) -> str:
    return exports.filename(project, request) if side == exports.ALL else f"{side}.jsonl"


def sides_of(request: exports.ExportRequest) -> tuple[str, ...]:
    return (TRAIN, VALIDATION) if request.split is not None else (exports.ALL,)


class _Buffer:
    """What one file has been given since its last chunk (and the examples in it), and its digest."""

    def __init__(self, side: str, prefix: str) -> None:
        self.side, self.parts, self.size, self.examples, self.digest = side, [prefix], len(prefix), 0, hashlib.sha256()


def _flush(buffer: _Buffer, handles: dict, tally: Tally) -> Iterator[Chunk]:
    """Write what `buffer` holds to its kept file, count it, and hand it on as a chunk."""
    data = "".join(buffer.parts).encode("utf-8")
    rows, file = data.count(b"\n"), tally.files[buffer.side]
    file.examples += buffer.examples
    file.rows += rows
    file.bytes += len(data)
    tally.examples += buffer.examples
    tally.rows += rows
    buffer.parts, buffer.size, buffer.examples = [], 0, 0
    buffer.digest.update(data)
    if data:
        handles[buffer.side].write(data)
        yield Chunk(buffer.side, data)


def write(engine: Engine, project: Project, user: User, request: exports.ExportRequest, models: ModelTable,
          store: SnapshotStore, tally: Tally | None = None) -> Iterator[Chunk]:
    """The export of `request`, kept in `store` and recorded as a snapshot when it ends."""
    tally = tally if tally is not None else Tally()
    settings = settings_of(project)
    profile = PROFILES[request.profile]
    key = store.new_key()
    sides = sides_of(request)
    tally.files = {side: FileTally(kept_name(project, request, side)) for side in sides}
    buffers = {side: _Buffer(side, profile.file_prefix) for side in sides}
    counts: Counter[str] = Counter()
    code_lists: Counter[str] = Counter()  # the examples of each set of codes (a JSON list), counted once at the end
    written = ("written", "error") if request.include_errors else ("written",)
    try:
        with ExitStack() as stack:
            handles = {side: stack.enter_context(store.writer(project.id, key, tally.files[side].name))
                       for side in sides}
            # A read (no write lock held while the file streams); the snapshot row is its own short write.
            with Session(engine) as session:
                plan = exports.plan_split(session, project, request)
                for rows in kept_lines.judged_batches(engine, session, project, settings, request.statuses,
                                                      request.profile, models):
                    tally.read += len(rows)
                    for _, label, input_hash, lines, outcome, codes, _, _, _ in rows:
                        if codes != "[]":
                            code_lists[codes] += 1
                        if outcome not in written:
                            tally.refused += outcome == "refused"
                            tally.errors += outcome == "error"
                            continue
                        buffer = buffers[exports.ALL if plan is None else exports.side_of(plan, project, label, input_hash)]
                        buffer.parts.append(lines)
                        buffer.size += len(lines)
                        buffer.examples += 1
                        if buffer.size >= CHUNK_BYTES:
                            yield from _flush(buffer, handles, tally)
                    yield Chunk(exports.ALL, b"")  # a heartbeat: the caller follows progress, or stops here
            for side in sides:
                yield from _flush(buffers[side], handles, tally)
                tally.files[side].sha256 = buffers[side].digest.hexdigest()
        for codes, examples in code_lists.items():
            counts.update(dict.fromkeys(json.loads(codes), examples))
        tally.sha256 = tally.files[sides[0]].sha256
        _record(engine, project, user, request, store, key, tally, counts)
    except BaseException:
        store.discard(project.id, key)
        raise


def _record(engine: Engine, project: Project, user: User, request: exports.ExportRequest, store: SnapshotStore,
            key: str, tally: Tally, counts: Counter[str]) -> None:
    profile = PROFILES[request.profile]
    files = []
    for side, file in tally.files.items():
        path = store.directory(project.id, key) / file.name
        context = RuleContext("validation" if side == VALIDATION else "training")
        findings = file_rules_on_disk(profile, path, file.rows, len(profile.file_prefix.encode("utf-8")), context)
        counts.update(f.code for f in findings)
        files.append({"role": side, "name": file.name, "examples": file.examples, "rows": file.rows,
                      "bytes": file.bytes, "sha256": file.sha256,
                      "file_findings": [{"code": f.code, "level": f.level, "message": f.message} for f in findings]})
    with session_scope(engine) as session:
        snapshot = snapshot_store.add_snapshot(session, ExportSnapshot(
            project_id=project.id, profile=request.profile, rows=tally.rows, examples=tally.examples,
            skipped=tally.refused + tally.errors, sha256=tally.sha256, created_by=user.id,
            filters={"include_errors": request.include_errors, "statuses": list(request.statuses),
                     "refused": tally.refused, "left_out_with_errors": tally.errors},
            split=request.split.as_dict() if request.split is not None else None,
            files=files, rule_report=dict(sorted(counts.items())), store_key=key,
        ))
        tally.snapshot_id = snapshot.id


class KeptLines(Sequence):
    """The lines of a kept file, read back from the disk one at a time (a file rule's `lines`)."""

    def __init__(self, path: Path, count: int, skip: int) -> None:
        self.path, self.count, self.skip = path, count, skip

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with open(self.path, "rb") as file:
            file.seek(self.skip)
            for raw in file:
                yield json.loads(raw)

    def __getitem__(self, index):  # rules iterate; indexing reads up to the line
        if isinstance(index, slice):
            return list(self)[index]
        for number, line in enumerate(self):
            if number == (index if index >= 0 else self.count + index):
                return line
        raise IndexError(index)


def file_rules_on_disk(profile, path: Path, rows: int, prefix_bytes: int, context: RuleContext) -> list[Finding]:
    """The profile's file rules on a written file: size rules by its size, the others on its lines."""
    size = path.stat().st_size
    found: list[Finding] = []
    for rule in profile.file_rules:
        if hasattr(rule, "judge_size"):
            found += rule.judge_size(size, context)
        elif hasattr(rule, "judge_start"):
            continue  # the file starts with the profile's own prefix
        else:
            found += rule(KeptLines(path, rows, prefix_bytes), context)
    return found


def stream_jsonl(engine: Engine, project: Project, user: User, request: exports.ExportRequest, models: ModelTable,
                 store: SnapshotStore, tally: Tally | None = None) -> Iterator[bytes]:
    """The one file of an export without a split, in chunks of about 1 MiB (kept, and recorded at
    the end). `tally`, when given, follows the stream (it does not change a byte)."""
    for chunk in write(engine, project, user, request, models, store, tally):
        if chunk.data:
            yield chunk.data


def write_all(engine: Engine, project: Project, user: User, request: exports.ExportRequest, models: ModelTable,
              store: SnapshotStore, tally: Tally | None = None) -> Tally:
    """The whole export written into the store (a split's files before they are served)."""
    tally = tally if tally is not None else Tally()
    for _ in write(engine, project, user, request, models, store, tally):
        pass
    return tally
