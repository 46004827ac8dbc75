"""`tunelab backup PATH`: a consistent copy of the live SQLite database that restores to the same data,
never overwrites by accident, and sends PostgreSQL users to pg_dump."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app import cli
from app.config import Settings
from app.main import create_app

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
TOKEN_RE = re.compile(r'name="csrftoken" value="([^"]+)"')
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Browser:
    """One person's cookie jar against the live server; posts carry the CSRF token like the pages."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        page = self.http.get("/login")
        page = self.http.get("/setup") if page.status_code == 303 else page
        self.token = TOKEN_RE.search(page.text).group(1)

    def post(self, url: str, form: dict | None = None, expect: int = 303) -> httpx.Response:
        response = self.http.post(url, data={**(form or {}), "csrftoken": self.token})
        assert response.status_code == expect, response.text[:500]
        return response


def run_backup(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """The CLI in a subprocess, as an operator runs it beside the server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    env["TUNELAB_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "app", "backup", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def sqlite_file(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


def table_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table (SQLite's own sqlite_sequence included) with all its rows, in rowid order; the
    full-text index's own tables (derived from example.search_text, some without a rowid) are left out."""
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'example_search%' ORDER BY name")]
        return {name: conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall() for name in names}


def make_team_data(base: str) -> dict:
    """An admin, an annotator, a project with examples saved, submitted, approved and commented on,
    all through the running server."""
    admin = Browser(base)
    admin.post("/setup", {"username": "admin", "password": PASSWORD, "password_again": PASSWORD})
    admin.post("/admin/users", {"username": "anna", "password": PASSWORD, "display_name": "Anna"}, expect=200)
    location = admin.post("/projects", {"name": "Tweets", "preset": "sentiment"}).headers["location"]
    project = int(re.search(r"/projects/(\d+)", location).group(1))
    admin.post(f"/projects/{project}/members", {"username": "anna", "role": "annotator"})
    anna = Browser(base)
    anna.post("/login", {"username": "anna", "password": PASSWORD})
    texts, ids = [f"tweet number {i} about the café ☕" for i in range(12)], []
    for i, text in enumerate(texts):
        saved = anna.post(f"/projects/{project}/examples",
                          {"f.text": text, "output": "positive" if i % 2 else "negative", "after": "next"})
        ids.append(int(re.search(r"saved=(\d+)", saved.headers["location"]).group(1)))
    for example in ids[:6]:
        anna.post(f"/projects/{project}/examples/{example}/submit")
    for example in ids[:3]:
        admin.post(f"/projects/{project}/examples/{example}/review", {"action": "approve", "version": "1"})
    admin.post(f"/projects/{project}/examples/{ids[3]}/comments", {"body": "Is this really negative?"})
    return {"project": project, "texts": texts, "anna": anna}


@SQLITE_ONLY
def test_a_backup_taken_while_the_server_runs_restores_every_row(live_server, database_url, tmp_path):
    data = make_team_data(live_server)
    live = sqlite_file(database_url)
    assert Path(f"{live}-wal").stat().st_size > 0, "the latest writes are still in the WAL (a file copy would miss them)"

    target = tmp_path / "backups" / "tunelab-backup.db"
    target.parent.mkdir()
    result = run_backup(database_url, str(target))
    assert result.returncode == 0, result.stderr
    assert httpx.get(f"{live_server}/healthz").status_code == 200  # the server kept running
    summary = result.stdout.splitlines()[0]
    assert f"to {target}" in summary and "integrity check ok" in summary
    assert re.search(r"\d+ tables, [\d,]+ rows", summary)
    assert re.search(r"^\s+example\s+12$", result.stdout, re.M)  # the per-table counts
    assert not Path(f"{target}-wal").exists() and [p.name for p in target.parent.iterdir()] == [target.name]

    original, copy = table_rows(live), table_rows(target)
    assert copy.keys() == original.keys()
    for name in original:
        assert copy[name] == original[name], f"table {name} differs"
    assert len(copy["example"]) == 12
    assert any("Is this really negative?" in row for row in copy["comment"])

    # Restore: a fresh app pointed at the copy shows the team's work and lets them sign in.
    restored = tmp_path / "restored.db"
    target.rename(restored)
    app = create_app(Settings(database_url=f"sqlite:///{restored}", secret_key="test-secret-key-not-for-production"))
    with TestClient(app, follow_redirects=False) as client:
        token = TOKEN_RE.search(client.get("/login").text).group(1)
        signed_in = client.post("/login", data={"csrftoken": token, "username": "anna", "password": PASSWORD})
        assert signed_in.status_code == 303
        page = client.get(f"/projects/{data['project']}/examples")
        assert page.status_code == 200
        for text in data["texts"]:
            assert text in page.text


@SQLITE_ONLY
def test_a_backup_taken_while_annotators_keep_saving_is_a_consistent_snapshot(live_server, database_url, tmp_path):
    data = make_team_data(live_server)
    anna, project = data["anna"], data["project"]
    stop, saved, failures = threading.Event(), [], []

    def keep_saving() -> None:
        while not stop.is_set() or len(saved) < 5:
            response = anna.http.post(f"/projects/{project}/examples", data={
                "csrftoken": anna.token, "f.text": f"written during the backup {len(saved)}", "output": "positive"})
            (saved if response.status_code == 303 else failures).append(response.status_code)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        result = run_backup(database_url, str(tmp_path / "copy.db"))
    finally:
        stop.set()
        writer.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert failures == [], "the backup never makes a save fail"

    original, copy = table_rows(sqlite_file(database_url)), table_rows(tmp_path / "copy.db")
    assert 12 <= len(copy["example"]) <= len(original["example"]) == 12 + len(saved)
    assert copy["example"] == original["example"][: len(copy["example"])], "the copy holds whole, unchanged rows"
    with sqlite3.connect(tmp_path / "copy.db") as conn:  # the counters agree with the rows: one snapshot
        counted = conn.execute("SELECT sum(n) FROM state_count WHERE project_id = ?", (project,)).fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM example WHERE project_id = ?", (project,)).fetchone()[0]
    assert counted == rows


@SQLITE_ONLY
def test_an_existing_file_is_never_overwritten_without_force(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUNELAB_DATABASE_URL", database_url)
    target = tmp_path / "precious.db"
    target.write_bytes(b"last week's backup")

    assert cli.main(["backup", str(target)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert target.read_bytes() == b"last week's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.db", "tunelab.db"]  # no temp file left

    assert cli.main(["backup", "--force", str(target)]) == 0
    assert "integrity check ok" in capsys.readouterr().out
    assert table_rows(target).keys() == table_rows(sqlite_file(database_url)).keys()

    # A file with a write-ahead log beside it is a database in use: SQLite would replay that log into
    # the new copy, so even --force is refused.
    Path(f"{target}-wal").write_bytes(b"frames of another database")
    before = target.read_bytes()
    assert cli.main(["backup", "--force", str(target)]) == 2
    assert "precious.db-wal lies beside" in capsys.readouterr().err
    assert target.read_bytes() == before


@SQLITE_ONLY
def test_a_missing_database_or_the_live_file_itself_is_refused(database_url, tmp_path, monkeypatch, capsys):
    live = sqlite_file(database_url)
    monkeypatch.setenv("TUNELAB_DATABASE_URL", f"sqlite:///{tmp_path / 'typo.db'}")
    assert cli.main(["backup", str(tmp_path / "copy.db")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "copy.db").exists()

    monkeypatch.setenv("TUNELAB_DATABASE_URL", database_url)
    before = live.read_bytes()
    assert cli.main(["backup", "--force", str(live)]) == 2
    assert "live database itself" in capsys.readouterr().err
    assert live.read_bytes() == before


def test_postgresql_gets_the_pg_dump_commands_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUNELAB_DATABASE_URL", "postgresql+psycopg://tunelab:s3cret-pw@db.internal:5432/tunelab")
    assert cli.main(["backup", str(tmp_path / "copy.db")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump --format=custom --file=tunelab.dump 'postgresql://tunelab@db.internal:5432/tunelab'" in err
    assert "pg_restore --clean --if-exists --no-owner --dbname='postgresql://tunelab@db.internal:5432/tunelab'" in err
    assert "s3cret-pw" not in err and "PGPASSWORD" in err
    assert not (tmp_path / "copy.db").exists()
