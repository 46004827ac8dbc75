"""Work that runs after the response: re-checks after a settings change, resuming them at start-up,
and background exports (a thread each)."""

from __future__ import annotations

import threading

from fastapi import BackgroundTasks, FastAPI, Request

from app.services import recheck
from app.storage.db import session_scope


def _sessions(app: FastAPI):
    return lambda: session_scope(app.state.engine)


def recheck_later(tasks: BackgroundTasks, request: Request, project_id: int) -> None:
    """Run the project's re-check in batches once the response is sent."""
    tasks.add_task(recheck.run, _sessions(request.app), project_id, request.app.state.models)


def resume_rechecks(app: FastAPI) -> threading.Thread:
    """Finish, in a background thread, the re-checks a stopped server left half-done."""
    thread = threading.Thread(target=recheck.resume_all, args=(_sessions(app), app.state.models),
                              name="tunelab-recheck", daemon=True)
    thread.start()
    return thread


def run_in_thread(work, name: str) -> threading.Thread:
    """Run `work()` in a daemon thread of this server process (a background export)."""
    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread
