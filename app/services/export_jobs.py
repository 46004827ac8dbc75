"""A background export started from the export page: the request is checked and audited at once,
then `Job.run()` (a thread of the server) writes the snapshot's files with `export_writer.write`
and keeps its state in a small JSON file of the snapshot store (`SnapshotStore.write_job`), so any
worker process answers the page's poll: examples done of total, rate, time left, then the snapshot.

A cancel is a file beside the state (`request_cancel`), seen by the thread at its next chunk: it
stops the writer, whose temporary files are removed; a cancelled export leaves no snapshot and no
file. A failed one (the database gone) says why and leaves nothing either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.wording import say
from app.services import export_writer, exports
from app.services.errors import NotFound
from app.storage import counters
from app.storage.snapshots import SnapshotStore
from app.storage.tables import Project, User

UPDATE_EVERY = 0.2  # seconds between two writes of the state file


class JobOut(BaseModel):
    job: str
    project_id: int
    state: str  # "running" | "done" | "cancelled" | "failed"
    profile: str
    split: dict[str, Any] | None
    done: int  # examples read
    total: int  # examples in the chosen states when the export started
    percent: int
    rate: float  # examples a second
    seconds_left: float | None  # None when unknown (nothing read yet) or finished
    snapshot_id: int | None
    error: str
    started_at: str
    cancelling: bool = False  # a cancel was asked; the thread stops at its next chunk

    @property
    def finished(self) -> bool:
        return self.state != "running"


def job_out(state: dict[str, Any], cancelling: bool = False) -> JobOut:
    done, total = state["done"], state["total"]
    elapsed = max(state["updated"] - state["started"], 1e-6)
    rate = done / elapsed if done else 0.0
    running = state["state"] == "running"
    percent = 100 if state["state"] == "done" else (min(99, done * 100 // total) if total else 0)
    left = (max(total - done, 0) / rate) if running and rate else None
    return JobOut(job=state["job"], project_id=state["project_id"], state=state["state"], profile=state["profile"],
                  split=state["split"], done=done, total=total, percent=percent, rate=round(rate, 1),
                  seconds_left=None if left is None else round(left, 1), snapshot_id=state["snapshot_id"],
                  error=state["error"], started_at=state["started_at"], cancelling=cancelling and running)


@dataclass
class Job:
    """A started export: `run()` writes it (in a thread of the server)."""

    engine: Engine
    store: SnapshotStore
    project: Project
    user: User
    request: exports.ExportRequest
    models: ModelTable
    state: dict[str, Any]

    @property
    def out(self) -> JobOut:
        return job_out(self.state)

    def _save(self, **changes: Any) -> None:
        self.state.update(changes, updated=time.time())
        self.store.write_job(self.state["job"], self.state)

    def run(self) -> None:
        job, tally = self.state["job"], export_writer.Tally()
        writer = export_writer.write(self.engine, self.project, self.user, self.request, self.models, self.store, tally)
        shown = 0.0
        try:
            if self.store.cancel_requested(job):
                writer.close()
                self._save(state="cancelled")
                return
            for _ in writer:
                if self.store.cancel_requested(job):
                    writer.close()  # the writer removes its temporary files; no snapshot is recorded
                    self._save(state="cancelled", done=tally.read)
                    return
                if time.monotonic() - shown >= UPDATE_EVERY:
                    shown = time.monotonic()
                    self._save(done=tally.read)
        except Exception as exc:  # noqa: BLE001 (the page shows why; nothing was kept)
            self._save(state="failed", done=tally.read, error=say("The export failed: {error}", error=str(exc)))
            return
        self._save(state="done", done=tally.read, snapshot_id=tally.snapshot_id)


def start(session: Session, engine: Engine, store: SnapshotStore, project: Project, user: User, models: ModelTable,
          profile: str = "", include_errors: bool = False, statuses: tuple[str, ...] | list[str] = (),
          split: str = "", seed: str = "") -> Job:
    """Check and audit the export, write its first state; the caller runs the job (`Job.run`)."""
    request = exports.start(session, project, user, profile, include_errors, statuses, exports.split_of(split, seed))
    states = counters.state_counts(session, project.id)
    now = time.time()
    state = {"job": store.new_key(), "project_id": project.id, "user_id": user.id, "state": "running",
             "profile": request.profile, "split": request.split.as_dict() if request.split else None,
             "done": 0, "total": sum(states.get(s, 0) for s in request.statuses), "snapshot_id": None, "error": "",
             "started": now, "updated": now, "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    store.write_job(state["job"], state)
    return Job(engine, store, project, user, request, models, state)


def _state(store: SnapshotStore, project: Project, job: str) -> dict[str, Any]:
    state = store.read_job(job)
    if state is None or state.get("project_id") != project.id:
        raise NotFound(say("project {project} has no export job {job}", project=repr(project.name), job=repr(job)))
    return state


def status(store: SnapshotStore, project: Project, job: str) -> JobOut:
    return job_out(_state(store, project, job), store.cancel_requested(job))


def cancel(store: SnapshotStore, project: Project, job: str) -> JobOut:
    """Ask the job to stop (it stops at its next chunk); the state as it is now."""
    state = _state(store, project, job)
    if state["state"] == "running":
        store.request_cancel(job)
    return job_out(state, cancelling=True)
