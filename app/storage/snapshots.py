"""Export snapshots: their rows (one per export, never changed once written) and the store on disk
that keeps their files, `<root>/project-<id>/<key>/<name>`.

A file is written beside its final name and renamed onto it when complete (app.replacing), so a
kept file is whole or absent. A background export's state is a small JSON file,
`<root>/jobs/<job>.json` (replaced whole on every update), and a cancel request is the file
`<root>/jobs/<job>.cancel`: any worker process answers a poll or takes a cancel from the disk.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from app.core.wording import say
from app.replacing import Replacing
from app.storage.tables import ExportSnapshot

CHUNK = 1 << 16
KEY_RE = re.compile(r"^[0-9a-f]{32}$")


def add_snapshot(session: Session, snapshot: ExportSnapshot) -> ExportSnapshot:
    session.add(snapshot)
    session.flush()
    return snapshot


def project_snapshots(session: Session, project_id: int, limit: int = 200) -> list[ExportSnapshot]:
    query = select(ExportSnapshot).where(ExportSnapshot.project_id == project_id)
    return list(session.exec(query.order_by(ExportSnapshot.id.desc()).limit(limit)))


def get_snapshot(session: Session, project_id: int, snapshot_id: int) -> ExportSnapshot | None:
    snapshot = session.get(ExportSnapshot, snapshot_id)
    return snapshot if snapshot is not None and snapshot.project_id == project_id else None


class KeptFileProblem(Exception):
    """A kept file is missing or no longer has its recorded SHA-256 (the message says which)."""


class SnapshotStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex

    def directory(self, project_id: int, key: str) -> Path:
        if not KEY_RE.match(key or ""):
            raise KeptFileProblem(say("the snapshot's store key {key} is not one this app writes", key=repr(key)))
        return self.root / f"project-{int(project_id)}" / key

    def writer(self, project_id: int, key: str, name: str) -> Replacing:
        """Write `name` of the snapshot: beside its final name, renamed when complete."""
        directory = self.directory(project_id, key)
        directory.mkdir(parents=True, exist_ok=True)
        return Replacing(directory / name)

    def discard(self, project_id: int, key: str) -> None:
        """Remove what an export that did not finish left (its directory)."""
        shutil.rmtree(self.directory(project_id, key), ignore_errors=True)

    def verified(self, project_id: int, key: str | None, name: str, sha256: str) -> Path:
        """The kept file, after reading it whole and checking its SHA-256; KeptFileProblem if it is
        missing or differs (then nothing of it may be served)."""
        if not key:
            raise KeptFileProblem(say("this export was made before exports were kept: its file was not kept"))
        path = self.directory(project_id, key) / name
        if not path.is_file():
            raise KeptFileProblem(say("the kept file {name} is missing from the snapshot store ({path})", name=name,
                                      path=str(path)))
        digest = hashlib.sha256()
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise KeptFileProblem(say("the kept file {name} has changed since the export (its SHA-256 is now "
                                      "{now}, the snapshot recorded {recorded}): it is not served", name=name,
                                      now=digest.hexdigest(), recorded=sha256))
        return path

    # Background exports' state ----------------------------------------------------------------

    def _job(self, job: str, suffix: str) -> Path:
        if not KEY_RE.match(job or ""):
            raise KeyError(job)
        return self.root / "jobs" / f"{job}{suffix}"

    def write_job(self, job: str, state: dict[str, Any]) -> None:
        path = self._job(job, ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        with Replacing(path) as file:
            file.write(json.dumps(state).encode("utf-8"))

    def read_job(self, job: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._job(job, ".json").read_text("utf-8"))
        except (KeyError, FileNotFoundError, json.JSONDecodeError):
            return None

    def request_cancel(self, job: str) -> None:
        path = self._job(job, ".cancel")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    def cancel_requested(self, job: str) -> bool:
        return self._job(job, ".cancel").exists()


def file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk
