"""Shared pieces of the benchmarks: logging to stderr, percentiles, and a real uvicorn to measure.

Every script in bench/ prints exactly one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of a sorted list (0 if empty)."""
    return values[max(0, math.ceil(q / 100 * len(values)) - 1)] if values else 0.0


def pg_database(url: str, name: str, create: bool) -> str:
    """Drop (and with `create` make) the bench database `name` on `url`'s server; its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            admin.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def start_server(tmp: Path, url: str) -> tuple[subprocess.Popen, str]:
    """Migrate `url`, start uvicorn on a free port, wait for /healthz; returns (process, base URL)."""
    env = {**os.environ, "TUNELAB_DATABASE_URL": url, "TUNELAB_SECRET_KEY": secrets.token_urlsafe(32)}
    subprocess.run([PY, "-m", "alembic", "-x", f"url={url}", "upgrade", "head"], cwd=ROOT, env=env, check=True,
                   stdout=sys.stderr, stderr=sys.stderr, timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(tmp / "uvicorn.log", "wb") as out:
        proc = subprocess.Popen([PY, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
                                 "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not come up (exit code {proc.poll()}); see {tmp / 'uvicorn.log'}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return proc, base
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen | None, tmp: Path) -> None:
    """Stop uvicorn and say on stderr how many tracebacks its log holds (and the last error)."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    logfile = tmp / "uvicorn.log"
    lines = logfile.read_text(errors="replace").splitlines() if logfile.exists() else []
    errors = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception)\b", ln)]
    last = f"; last: {errors[-1][:300]}" if errors else ""
    log(f"server log: {sum('Traceback' in ln for ln in lines)} tracebacks{last}")
