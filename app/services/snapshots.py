"""The project's export snapshots: the list (/projects/{id}/snapshots and its JSON twin), one
snapshot, and its kept files served again byte for byte (each file's SHA-256 checked first: a
missing or changed file is `Gone`, never served), one by one or as one zip.

The pages need the export permission (the route's dependency); a snapshot of another project is
NotFound.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.core.wording import say
from app.services import exports
from app.services.errors import Gone, NotFound
from app.storage import snapshots as snapshot_store
from app.storage.snapshots import KeptFileProblem, SnapshotStore
from app.storage.tables import ExportSnapshot, Project
from app.zipping import write_zip


def _cannot_serve(snapshot_id: int, role: str, problem: str) -> str:
    """Why a kept file of a snapshot is not served, one sentence per file role."""
    if role == "all":
        return say("Snapshot {id}'s the file cannot be served: {problem}.", id=snapshot_id, problem=problem)
    if role == "train":
        return say("Snapshot {id}'s training file cannot be served: {problem}.", id=snapshot_id, problem=problem)
    if role == "validation":
        return say("Snapshot {id}'s validation file cannot be served: {problem}.", id=snapshot_id, problem=problem)
    return say("Snapshot {id}'s {role} cannot be served: {problem}.", id=snapshot_id, role=role, problem=problem)


class SnapshotFileOut(BaseModel):
    role: str  # "all" (no split), "train" or "validation"
    name: str  # the kept file's name (its name in the zip)
    download_name: str
    examples: int
    rows: int
    bytes: int
    sha256: str
    file_findings: list[dict[str, Any]]


class SnapshotOut(BaseModel):
    id: int
    created_at: datetime
    created_by: int | None
    profile: str
    statuses: list[str]
    include_errors: bool
    split: dict[str, Any] | None  # {"ratio", "seed"}, or null
    examples: int
    rows: int
    skipped: int
    sha256: str
    files: list[SnapshotFileOut]
    rule_report: dict[str, int]  # code -> examples (file rules: once per file)
    kept: bool  # False: an export made before files were kept


class SnapshotsPage(BaseModel):
    snapshots: list[SnapshotOut]


def download_name(project: Project, snapshot: ExportSnapshot, role: str) -> str:
    base = f"{exports.slug(project)}.{snapshot.profile}"
    return f"{base}.jsonl" if role == "all" else f"{base}.{role}.jsonl"


def snapshot_out(project: Project, snapshot: ExportSnapshot) -> SnapshotOut:
    filters = snapshot.filters or {}
    files = [SnapshotFileOut(role=f["role"], name=f["name"], download_name=download_name(project, snapshot, f["role"]),
                             examples=f["examples"], rows=f["rows"], bytes=f["bytes"], sha256=f["sha256"],
                             file_findings=f.get("file_findings", []))
             for f in snapshot.files or []]
    return SnapshotOut(
        id=snapshot.id, created_at=snapshot.created_at, created_by=snapshot.created_by, profile=snapshot.profile,
        statuses=list(filters.get("statuses", [])), include_errors=bool(filters.get("include_errors")),
        split=snapshot.split, examples=snapshot.examples, rows=snapshot.rows, skipped=snapshot.skipped,
        sha256=snapshot.sha256, files=files, rule_report=snapshot.rule_report or {},
        kept=bool(snapshot.store_key and files),
    )


def snapshots_page(session: Session, project: Project) -> SnapshotsPage:
    return SnapshotsPage(snapshots=[snapshot_out(project, s) for s in snapshot_store.project_snapshots(session, project.id)])


def _snapshot(session: Session, project: Project, snapshot_id: int) -> ExportSnapshot:
    snapshot = snapshot_store.get_snapshot(session, project.id, snapshot_id)
    if snapshot is None:
        raise NotFound(say("project {project} has no export snapshot {id}", project=repr(project.name), id=snapshot_id))
    return snapshot


def snapshot(session: Session, project: Project, snapshot_id: int) -> SnapshotOut:
    return snapshot_out(project, _snapshot(session, project, snapshot_id))


@dataclass(frozen=True)
class KeptFile:
    path: Path
    download_name: str
    sha256: str
    temporary: bool = False  # a zip made for this download: delete it once sent


def kept_file(session: Session, store: SnapshotStore, project: Project, snapshot_id: int, role: str) -> KeptFile:
    """The kept file of `role`, checked against its recorded SHA-256 (Gone when it is not there as
    recorded)."""
    found = _snapshot(session, project, snapshot_id)
    entry = next((f for f in found.files or [] if f["role"] == role), None)
    if entry is None and found.files:
        roles = ", ".join(f["role"] for f in found.files)
        raise NotFound(say("snapshot {id} has no {role} file (it has: {roles})", id=snapshot_id, role=repr(role), roles=roles))
    if entry is None:
        raise Gone(say("Snapshot {id} was exported before exports were kept: its file was not kept.", id=snapshot_id))
    try:
        path = store.verified(project.id, found.store_key, entry["name"], entry["sha256"])
    except KeptFileProblem as exc:
        raise Gone(_cannot_serve(snapshot_id, role, str(exc))) from exc
    return KeptFile(path, download_name(project, found, role), entry["sha256"])


def kept_zip(session: Session, store: SnapshotStore, project: Project, snapshot_id: int) -> KeptFile:
    """The snapshot's files in one zip (train.jsonl, validation.jsonl; each checked first), written
    to a temporary file; the same bytes on every download."""
    found = _snapshot(session, project, snapshot_id)
    members = [(f["name"], kept_file(session, store, project, snapshot_id, f["role"]).path) for f in found.files or []]
    if not members:
        raise Gone(say("Snapshot {id} was exported before exports were kept: its file was not kept.", id=snapshot_id))
    with tempfile.NamedTemporaryFile(prefix="tunelab-snapshot-", suffix=".zip", delete=False) as out:
        write_zip(out, members, found.created_at)
    return KeptFile(Path(out.name), f"{exports.slug(project)}.{found.profile}.zip", "", temporary=True)
