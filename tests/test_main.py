"""app/main.py: FastAPI's OpenTelemetry stays off unless asked for, and the server freezes what it loaded at
start-up, so a full garbage collection (which
stops every request in the process while it runs) scans only what requests made since."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = """
import gc, json, time
from fastapi.testclient import TestClient
from app.config import Settings
from app.main import create_app
app = create_app(Settings(database_url={url!r}, secret_key="test-secret-key-not-for-production"))
before = len(gc.get_objects())
with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
    start = time.perf_counter()
    gc.collect()
    print(json.dumps({{"before": before, "frozen": gc.get_freeze_count(), "scanned": len(gc.get_objects()),
                      "collect_ms": (time.perf_counter() - start) * 1000}}))
"""


def test_a_full_collection_after_start_up_scans_only_what_requests_made(database_url):
    out = subprocess.run([sys.executable, "-c", PROBE.format(url=database_url)], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["frozen"] >= probe["before"] > 50_000  # everything loaded at start-up is out of the collector's reach
    assert probe["scanned"] < probe["frozen"] / 4


def test_fastapis_opentelemetry_is_off_unless_asked_for(database_url):
    """Off, a request skips FastAPI's provider lookups; TUNELAB_OPENTELEMETRY=true turns tracing,
    metrics and logs back on for a deployment that configures an OpenTelemetry SDK."""
    from app.config import Settings
    from app.main import create_app

    key = "test-secret-key-not-for-production"
    quiet = create_app(Settings(database_url=database_url, secret_key=key))
    traced = create_app(Settings(database_url=database_url, secret_key=key, opentelemetry=True))
    assert not any(quiet._telemetry[k] for k in ("tracing", "metrics", "logs"))
    assert all(traced._telemetry[k] for k in ("tracing", "metrics", "logs"))
