"""Shared test set-up.

- The real tokenizer files, built offline at setup, are activated for every test (at import, before
  anything loads tiktoken).
- `database_url`: a FRESH, migrated database per test, on SQLite always and on PostgreSQL when
  TUNELAB_TEST_POSTGRES_URL is set. Alembic runs once per session into a template (a SQLite file, a
  PostgreSQL template database); each test gets a copy (a file copy, `CREATE DATABASE … TEMPLATE`),
  which takes milliseconds.
- `empty_database_url`: a fresh database with no tables at all (for the migration tests).
- `alembic_config(url)`: the project's Alembic config for a URL.
- `live_server`: a real uvicorn subprocess (`--factory app.main:create_app`) on a free port, on the
  test's fresh database and a random secret key; yields its base URL once /healthz answers.
- `engine` / `session`: the app's engine (app.storage.db.make_engine) and a SQLModel session on it.
- `snapshot_dir` (autouse): TUNELAB_SNAPSHOT_DIR points at a fresh directory of the test, so the
  kept exports of a test never land in the repository's data directory.
"""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app.storage.db import make_engine
from app.storage.migrate import alembic_config as make_alembic_config  # the project's alembic.ini, at a URL
from app.tokenizer_files import activate

activate()

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ENV = "TUNELAB_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped (CI sets it)"

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=POSTGRES_SKIP_REASON),
    ),
]

_database_numbers = itertools.count(1)


def table_names(url: str) -> set[str]:
    """The tables the database at `url` holds."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(make_alembic_config(url), revision)


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db-template") / "template.db"
    migrate(_sqlite_url(path))
    # Fold the WAL back into the main file so a plain file copy carries everything.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgres_base_url() -> URL:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    return make_url(url)


def _url_string(url: URL) -> str:
    return url.render_as_string(hide_password=False)


class _PostgresAdmin:
    """Runs CREATE/DROP DATABASE through the configured database, in AUTOCOMMIT."""

    def __init__(self, base_url: URL) -> None:
        self.base_url = base_url
        self.engine: Engine = create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def url_for(self, name: str) -> str:
        return _url_string(self.base_url.set(database=name))

    def create(self, name: str, template: str | None = None) -> str:
        self.drop(name)
        sql = f'CREATE DATABASE "{name}"'
        if template:
            sql += f' TEMPLATE "{template}"'
        with self.engine.connect() as conn:
            conn.execute(text(sql))
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def dispose(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="session")
def _postgres_admin() -> Iterator[_PostgresAdmin]:
    admin = _PostgresAdmin(_postgres_base_url())
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def _postgres_template(_postgres_admin: _PostgresAdmin) -> Iterator[str]:
    name = f"tunelab_tmpl_{os.getpid()}"
    url = _postgres_admin.create(name)
    try:
        migrate(url)  # env.py disposes its engine: no connection is left to block TEMPLATE copies
        yield name
    finally:
        _postgres_admin.drop(name)


@pytest.fixture
def _postgres_database(_postgres_admin: _PostgresAdmin) -> Iterator[Callable[..., str]]:
    """Creates per-test databases on demand and drops them (WITH (FORCE)) after the test."""
    created: list[str] = []

    def create(template: str | None = None) -> str:
        name = f"tunelab_t_{os.getpid()}_{next(_database_numbers)}"
        created.append(name)
        return _postgres_admin.create(name, template)

    yield create
    for name in created:
        _postgres_admin.drop(name)


# --- the fixtures tests use -------------------------------------------------------------------


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLAlchemy URL of a fresh database, migrated to head, for this test only."""
    if request.param == "sqlite":
        path = tmp_path / "tunelab.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return _sqlite_url(path)
    template = request.getfixturevalue("_postgres_template")
    return request.getfixturevalue("_postgres_database")(template)


@pytest.fixture(params=ENGINES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLAlchemy URL of a fresh database with no tables (not migrated), for this test only."""
    if request.param == "sqlite":
        return _sqlite_url(tmp_path / "empty.db")
    return request.getfixturevalue("_postgres_database")()


@pytest.fixture
def alembic_config() -> Callable[[str], Config]:
    """`alembic_config(url)`: the project's alembic.ini pointed at `url`, for alembic.command calls."""
    return make_alembic_config


@pytest.fixture(autouse=True)
def snapshot_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The snapshot store of this test (TUNELAB_SNAPSHOT_DIR, read by every Settings)."""
    path = tmp_path_factory.mktemp("snapshots")
    monkeypatch.setenv("TUNELAB_SNAPSHOT_DIR", str(path))
    return path


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


# --- a real server -------------------------------------------------------------------------

STARTUP_TIMEOUT = 20.0  # seconds for /healthz to answer
# Inherited TUNELAB_* settings that would change how the test server behaves are dropped (e.g. a
# developer's TUNELAB_COOKIE_SECURE=1 would break sign-in over plain http); these two only say where
# the offline data files live, so they are kept.
KEEP_SETTINGS = {"TUNELAB_TOKENIZER_DIR", "TUNELAB_MODELS_FILE", "TUNELAB_SNAPSHOT_DIR"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_output(log_dir: Path) -> str:
    parts = []
    for name in ("stdout", "stderr"):
        path = log_dir / f"uvicorn.{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        parts.append(f"--- uvicorn {name} ---\n{text.strip() or '(empty)'}")
    return "\n".join(parts)


def _wait_until_healthy(proc: subprocess.Popen, base_url: str, log_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {proc.returncode} before /healthz answered\n"
                               f"{_server_output(log_dir)}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = repr(exc)
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn did not answer GET {base_url}/healthz within {STARTUP_TIMEOUT:.0f} s "
                       f"(last error: {last_error})\n{_server_output(log_dir)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory,
                request: pytest.FixtureRequest) -> Iterator[str]:
    """Base URL of a real uvicorn serving the app on a fresh, migrated database (each engine); a test
    marked `@pytest.mark.server_settings(TUNELAB_X="…")` starts it with those settings too."""
    work = tmp_path_factory.mktemp("live-server")
    url = database_url

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_") or k in KEEP_SETTINGS}
    env["TUNELAB_DATABASE_URL"] = url
    env["TUNELAB_SECRET_KEY"] = secrets.token_urlsafe(32)
    env["TUNELAB_IMPORT_DIR"] = str(work / "imports")
    marker = request.node.get_closest_marker("server_settings")
    env.update(marker.kwargs if marker else {})
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
           "--host", "127.0.0.1", "--port", str(port)]
    # Output goes to files (not pipes nobody reads, which could fill up and block the server).
    with open(work / "uvicorn.stdout.log", "wb") as out, open(work / "uvicorn.stderr.log", "wb") as err:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    try:
        _wait_until_healthy(proc, base_url, work)
        yield base_url
    finally:
        _stop(proc)
