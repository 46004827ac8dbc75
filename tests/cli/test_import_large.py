"""A 100 MB file imports through `tunelab import` in a process of its own, with bounded memory: the
file is read line by line and written in batches, never held whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import REPO_ROOT

SIZE = 100 * 1024 * 1024
RUNNER = """
import resource, sys
from app import cli
status = cli.main(sys.argv[1:])
print("maxrss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(status)
"""


def test_a_100_mb_file_imports_with_bounded_memory(database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the reading and batching are the same on PostgreSQL (tests/services/test_imports.py covers COPY)")
    path = tmp_path / "big.jsonl"
    words = "tunelab imports a file of one hundred megabytes line by line without holding it whole ".split()
    written = 0
    with path.open("w", encoding="utf-8") as out:
        n = 0
        while written < SIZE:
            text_ = " ".join(words[(n + i) % len(words)] for i in range(9_000)) + f" 例{n}"
            line = json.dumps({"prompt": text_ + "\n\n###\n\n", "completion": f" answer {n} END"}) + "\n"
            out.write(line)
            written += len(line.encode())
            n += 1
    assert path.stat().st_size >= SIZE
    env = {**os.environ, "TUNELAB_DATABASE_URL": database_url}
    subprocess.run([sys.executable, "-m", "app", "users", "create", "admin", "--admin", "--password-stdin"],
                   cwd=REPO_ROOT, env=env, input="a long enough password\n", text=True, check=True, timeout=60)
    done = subprocess.run([sys.executable, "-c", RUNNER, "import", str(path), "--project", "Big", "--create",
                           "--preset", "custom", "--as", "admin"], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=900)
    assert f"imported {n:,} of {n:,} lines" in done.stdout, done.stderr
    maxrss_mb = int(done.stdout.split("maxrss_kb")[1]) / 1024
    # The tokenizer tables and the interpreter are ~150 MB; 903 MB before batches were cut by size.
    assert maxrss_mb < 600, f"peak memory {maxrss_mb:.0f} MB for a 100 MB file"
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM example")).scalar_one() == n
        last = conn.execute(text("SELECT fields FROM example ORDER BY id DESC LIMIT 1")).scalar_one()
    engine.dispose()
    assert (json.loads(last) if isinstance(last, str) else last)["input"].endswith(f" 例{n - 1}")
