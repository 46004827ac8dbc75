"""`tunelab migrate` (an empty database gets the schema; a second run has nothing to do; a database it
cannot reach is exit 2) and `tunelab serve` (a real uvicorn that answers /healthz; invalid settings
refused with the app's own message)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx

from app import cli
from tests.conftest import _free_port, _stop, _wait_until_healthy, table_names

ROOT = Path(__file__).resolve().parents[2]


def cli_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    return {**env, "TUNELAB_DATABASE_URL": database_url, **settings}


def test_migrate_creates_the_schema_on_an_empty_database_then_has_nothing_to_do(empty_database_url, monkeypatch,
                                                                                capsys):
    monkeypatch.setenv("TUNELAB_DATABASE_URL", empty_database_url)
    assert cli.main(["migrate"]) == 0
    said = capsys.readouterr().out
    assert "from an empty database to 0013 (head)" in said
    assert "applied 0001 foundation" in said and "applied 0006 ledger" in said
    assert "applied 0007 kept export snapshots" in said and "applied 0008 export lines kept per profile" in said
    assert {"user_account", "project", "example", "export_snapshot", "export_line",
            "alembic_version"} <= table_names(empty_database_url)

    assert cli.main(["migrate"]) == 0
    assert "is up to date (revision 0013); nothing to do" in capsys.readouterr().out


def test_migrate_creates_the_directory_of_a_new_sqlite_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "data" / "tunelab.db"
    monkeypatch.setenv("TUNELAB_DATABASE_URL", f"sqlite:///{path}")
    assert cli.main(["migrate"]) == 0
    assert f"created the directory {path.parent}" in capsys.readouterr().out
    assert "example" in table_names(f"sqlite:///{path}")


def test_migrate_of_a_database_it_cannot_reach_is_bad_input(monkeypatch, capsys):
    port = _free_port()  # nothing listens there
    monkeypatch.setenv("TUNELAB_DATABASE_URL", f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/tunelab")
    assert cli.main(["migrate"]) == 2
    said = capsys.readouterr().err
    assert f"tunelab migrate: cannot migrate postgresql+psycopg://nobody:***@127.0.0.1:{port}/tunelab" in said
    assert "secret" not in said


def test_serve_runs_the_app_until_stopped(database_url, tmp_path):
    port = _free_port()
    env = cli_env(database_url, TUNELAB_SECRET_KEY=secrets.token_urlsafe(32))
    with open(tmp_path / "uvicorn.stdout.log", "wb") as out, open(tmp_path / "uvicorn.stderr.log", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    try:
        _wait_until_healthy(proc, f"http://127.0.0.1:{port}", tmp_path)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/setup").status_code == 200  # the first admin's page
    finally:
        _stop(proc)
    # uvicorn shuts down gracefully on SIGTERM, then ends by that signal (as a supervisor expects).
    assert "Application shutdown complete" in (tmp_path / "uvicorn.stderr.log").read_text()
    assert f"tunelab is serving at http://127.0.0.1:{port} (1 worker)" in (tmp_path / "uvicorn.stdout.log").read_text()


def test_serve_without_a_secret_key_refuses_to_start_with_the_apps_message(database_url):
    result = subprocess.run([sys.executable, "-m", "app", "serve", "--port", str(_free_port())], cwd=ROOT,
                            env=cli_env(database_url), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("tunelab serve: TUNELAB_SECRET_KEY is not set: set it to a long random string")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_serve_names_the_setting_that_is_wrong(database_url):
    env = cli_env(database_url, TUNELAB_SECRET_KEY=secrets.token_urlsafe(32), TUNELAB_PAGE_SIZE="many")
    result = subprocess.run([sys.executable, "-m", "app", "serve", "--port", str(_free_port())], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("tunelab serve: TUNELAB_PAGE_SIZE: Input should be a valid integer")
