"""The import job's state file: a job that finishes while its page is being read shows its outcome,
not "stopped" (the race the progress page polled into)."""

from __future__ import annotations

import json
import os
import threading
from types import SimpleNamespace

from app.services import import_jobs

JOB = "0123456789abcdef0123456789abcdef"


def write_state(root, **state) -> None:
    folder = root / JOB
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "job.json").write_text(json.dumps({"project_id": 7, "job": JOB, "pid": os.getpid(), **state}))


def test_a_job_that_finishes_between_the_read_and_the_look_at_its_thread_shows_its_outcome(tmp_path, monkeypatch):
    write_state(tmp_path, status="running")
    real_enumerate = threading.enumerate

    def job_finishes_now():
        # The job's thread writes its outcome and ends just after the page read "running".
        write_state(tmp_path, status="done", outcome={"imported": 2, "lines": 2})
        return real_enumerate()

    monkeypatch.setattr(import_jobs.threading, "enumerate", job_finishes_now)
    state = import_jobs.read(tmp_path, SimpleNamespace(id=7), JOB)
    assert state["status"] == "done" and state["outcome"]["imported"] == 2


def test_a_running_job_whose_thread_is_gone_has_stopped(tmp_path):
    write_state(tmp_path, status="running")
    assert import_jobs.read(tmp_path, SimpleNamespace(id=7), JOB)["status"] == "stopped"
