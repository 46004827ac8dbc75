"""A real uvicorn killed with SIGKILL in the middle of an import: no example of it is left, the
counters are as before, SQLite's integrity check passes, and the restarted server's page says the
import stopped and nothing was imported."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.conftest import KEEP_SETTINGS, REPO_ROOT, _free_port, _stop, _wait_until_healthy
from tests.web.conftest import PASSWORD, TOKEN_RE

LINES = 400_000


def serve(database_url: str, work: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_") or k in KEEP_SETTINGS}
    env.update(TUNELAB_DATABASE_URL=database_url, TUNELAB_SECRET_KEY="k" * 40, TUNELAB_IMPORT_DIR=str(work / "imports"))
    with open(work / f"uvicorn-{port}.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host",
                                 "127.0.0.1", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL)
    _wait_until_healthy(proc, base, work)
    return proc, base


def signed_in(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    token = TOKEN_RE.search(client.get("/setup").text).group(1)
    client.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                "password_again": PASSWORD})
    return client, client.cookies["csrftoken"]


def counts(database_url: str) -> tuple[int, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        examples = conn.execute(text("SELECT count(*) FROM example")).scalar_one()
        states = conn.execute(text("SELECT coalesce(sum(n), 0) FROM state_count")).scalar_one()
    engine.dispose()
    return examples, states


def test_sigkill_mid_import_leaves_nothing_and_an_intact_database(database_url, tmp_path):
    proc, base = serve(database_url, tmp_path)
    try:
        client, csrf = signed_in(base)
        made = client.post("/projects", data={"csrftoken": csrf, "name": "Tweets", "preset": "sentiment"})
        project = int(re.search(r"/projects/(\d+)", made.headers["location"]).group(1))
        body = b"".join(b'{"prompt": "Tweet number %d is fine ->", "completion": " positive"}\n' % n
                        for n in range(LINES))
        uploaded = client.post(f"/projects/{project}/import?filename=big.jsonl", content=body,
                               headers={"x-csrftoken": csrf, "Content-Type": "application/octet-stream"})
        job = uploaded.headers["location"]
        client.post(job + "/start", data={"csrftoken": csrf, "profile": "openai-legacy"})
        for _ in range(600):
            shown = client.get("/api/v1" + job).json()
            if shown["status"] == "running" and shown["progress"]["done"] > 0:
                break
            time.sleep(0.05)
        assert shown["status"] == "running" and 0 < shown["progress"]["done"] < LINES, shown
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        _stop(proc)
    assert counts(database_url) == (0, 0)
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        engine.dispose()
    again, base = serve(database_url, tmp_path)
    try:
        client = httpx.Client(base_url=base, timeout=60)
        token = TOKEN_RE.search(client.get("/login").text).group(1)
        client.post("/login", data={"csrftoken": token, "username": "admin", "password": PASSWORD})
        page = client.get(job).text
        assert 'data-status="stopped"' in page and "nothing was imported" in page
    finally:
        _stop(again)
