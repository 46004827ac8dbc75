"""Imports started in the browser: an uploaded file, streamed to disk, then imported in the
background with its progress in a small JSON file that any worker process can read.

A job is a directory under the import directory (TUNELAB_IMPORT_DIR) named by a random id:
`upload` (the file as sent, at most TUNELAB_IMPORT_MAX_BYTES), `job.json` (its project, who
uploaded it, the file's name, size and non-blank lines, the state and, once started, what was
asked, the progress and the outcome) and, when someone cancels it, `cancel`. The state moves
uploaded → running → done | failed | cancelled; a job whose process died mid-way (its transaction
was never committed, so nothing was imported) reads as `stopped`. The upload is deleted when the
import ends. Each new upload first sweeps the directory: a file uploaded but never imported goes
after a day (`UNSTARTED_SECONDS`), so does a stopped job's file (the job's state stays, so its page
still says what happened). Only the job's project sees a job (another project's id reads as missing).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from app.core import import_lines
from app.core.model_table import ModelTable
from app.core.wording import say
from app.replacing import Replacing
from app.services import imports
from app.services.errors import Invalid, NotFound
from app.services.permissions import require
from app.storage.tables import Project, User

log = logging.getLogger("tunelab.import")
STALE_SECONDS = 120  # a running job not heard from for this long, whose process is gone, has stopped
PROGRESS_EVERY = 0.5  # seconds between writes of the progress
UNSTARTED_SECONDS = 24 * 3600  # an upload nobody imported is deleted after this long
_ID_CHARS = frozenset("0123456789abcdef")


def _dir(root: Path, job_id: str) -> Path:
    if len(job_id) != 32 or not set(job_id) <= _ID_CHARS:
        raise NotFound(say("import {job_id} does not exist", job_id=job_id))
    return root / job_id


def _write(folder: Path, state: dict[str, Any]) -> None:
    state["updated_at"] = time.time()
    with Replacing(folder / "job.json") as out:
        out.write(json.dumps(state).encode())


def read(root: Path, project: Project, job_id: str) -> dict[str, Any]:
    """The job's state (404 for another project's job or none)."""
    folder = _dir(root, job_id)
    state = _state(folder, job_id)
    if state.get("project_id") != project.id:
        raise NotFound(say("import {job_id} does not exist", job_id=job_id))
    if state["status"] == "running" and _gone(state):
        # The job writes its outcome before its thread or process ends: read again, as it may have
        # finished between the first read and the look at its thread.
        state = _state(folder, job_id)
        if state["status"] == "running":
            state["status"] = "stopped"
    state["id"] = job_id
    return state


def _state(folder: Path, job_id: str) -> dict[str, Any]:
    try:
        return json.loads((folder / "job.json").read_bytes())
    except (OSError, ValueError):
        raise NotFound(say("import {job_id} does not exist", job_id=job_id)) from None


def _gone(state: dict[str, Any]) -> bool:
    pid = state.get("pid")
    if pid == os.getpid():
        return not any(t.name == f"import-{state.get('job')}" for t in threading.enumerate())
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, TypeError, ValueError):
        return True
    except PermissionError:
        pass
    return time.time() - state.get("updated_at", 0) > STALE_SECONDS


async def receive(root: Path, project: Project, user: User, role: str | None, filename: str,
                  body: AsyncIterator[bytes], limit: int) -> str:
    """Stream an upload to a new job's directory (never whole in memory); the job's id."""
    require(role, "import", project)
    sweep(root)
    name = os.path.basename(filename.replace("\\", "/")).strip()[:200] or "upload"
    job_id = secrets.token_hex(16)
    folder = root / job_id
    folder.mkdir(parents=True, mode=0o700)
    size = 0
    try:
        with (folder / "upload").open("wb") as out:
            async for chunk in body:
                size += len(chunk)
                if size > limit:
                    raise Invalid({"file": say("The file is larger than this server accepts ({limit:,} bytes, "
                                               "TUNELAB_IMPORT_MAX_BYTES): split it, or import it with `tunelab "
                                               "import`.", limit=limit)})
                out.write(chunk)
        if size == 0:
            raise Invalid({"file": say("The file is empty: choose a file with examples.")})
        with (folder / "upload").open("rb") as stream:
            lines = import_lines.count_lines(stream)
        _write(folder, {"job": job_id, "project_id": project.id, "user_id": user.id, "filename": name, "size": size,
                        "lines": lines, "status": "uploaded"})
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job_id


def sweep(root: Path) -> None:
    """Delete the uploads nobody will import: never started for UNSTARTED_SECONDS, or of a job whose
    process died (its state is kept)."""
    now = time.time()
    for folder in root.iterdir() if root.is_dir() else ():
        upload = folder / "upload"
        if len(folder.name) != 32 or not set(folder.name) <= _ID_CHARS or not upload.exists():
            continue
        try:
            state = json.loads((folder / "job.json").read_bytes())
        except (OSError, ValueError):  # still being received, or its receiver died before writing it
            state = {"status": "uploaded", "updated_at": upload.stat().st_mtime}
        old = now - state.get("updated_at", 0) > UNSTARTED_SECONDS
        if state["status"] == "uploaded" and old:
            shutil.rmtree(folder, ignore_errors=True)
        elif state["status"] == "running" and _gone(state):
            upload.unlink(missing_ok=True)


def upload_path(root: Path, job_id: str) -> Path:
    return _dir(root, job_id) / "upload"


def start(root: Path, engine: Engine, models: ModelTable, project: Project, user: User, role: str | None,
          job_id: str, ask: imports.ImportAsk) -> None:
    """Begin the import of an uploaded job in a background thread (checked first, so a bad choice
    is said on the page and the job stays ready)."""
    require(role, "import", project)
    state = read(root, project, job_id)
    if state["status"] != "uploaded":
        raise Invalid({"job": _already(state["status"])})
    imports.check_ask(ask)
    folder = _dir(root, job_id)
    state.update(status="running", pid=os.getpid(), asked={"state": ask.state, "valid_only": ask.valid_only,
                                                          "profile": ask.profile, "format": ask.format,
                                                          "mapping": ask.mapping},
                 progress={"done": 0, "total": state["lines"], "imported": 0, "rate": 0.0, "seconds_left": None})
    _write(folder, state)
    thread = threading.Thread(target=_run, name=f"import-{job_id}", daemon=True,
                              args=(folder, state, engine, models, project.id, user, ask))
    thread.start()


def cancel(root: Path, project: Project, role: str | None, job_id: str) -> None:
    require(role, "import", project)
    state = read(root, project, job_id)
    if state["status"] in ("uploaded", "running"):
        (_dir(root, job_id) / "cancel").touch()
        if state["status"] == "uploaded":
            state["status"] = "cancelled"
            _finish(_dir(root, job_id), state)


def _already(status: str) -> str:
    """Why an import that is no longer waiting for its start cannot be started."""
    if status == "running":
        return say("This import is running already: upload the file again to import it again.")
    if status == "done":
        return say("This import is done already: upload the file again to import it again.")
    if status == "failed":
        return say("This import is failed already: upload the file again to import it again.")
    if status == "cancelled":
        return say("This import is cancelled already: upload the file again to import it again.")
    if status == "stopped":
        return say("This import is stopped already: upload the file again to import it again.")
    return say("This import is {status} already: upload the file again to import it again.", status=status)


def _run(folder: Path, state: dict[str, Any], engine: Engine, models: ModelTable, project_id: int, user: User,
         ask: imports.ImportAsk) -> None:
    written = [0.0]

    def on_batch(progress: imports.Progress) -> None:
        if (folder / "cancel").exists():
            progress.cancel()
        if time.monotonic() - written[0] < PROGRESS_EVERY:
            return
        written[0] = time.monotonic()
        state["progress"] = {"done": progress.done, "total": progress.total, "imported": progress.imported,
                             "rate": round(progress.rate, 1), "seconds_left": progress.seconds_left}
        _write(folder, state)

    progress = imports.Progress(total=state["lines"], on_batch=on_batch)
    try:
        outcome = imports.run(engine, models, project_id, user, ask, progress)
        done = asdict(outcome)
        done.pop("project", None)
        state["outcome"] = done
        state["status"] = outcome.status
    except Invalid as exc:
        state["status"], state["outcome"] = "failed", {"problem": "; ".join(exc.errors.values())}
    except Exception as exc:  # noqa: BLE001 - the page says it failed; nothing was committed
        log.exception("import %s failed", folder.name)
        state["status"], state["outcome"] = "failed", {"problem": say("The import stopped: {error}.",
                                                                      error=type(exc).__name__)}
    _finish(folder, state)


def _finish(folder: Path, state: dict[str, Any]) -> None:
    (folder / "upload").unlink(missing_ok=True)
    _write(folder, state)
