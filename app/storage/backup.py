"""Online backup of the SQLite database (`tunelab backup PATH`): a consistent copy while the server runs.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the database page by page inside one
read transaction, so the copy is a snapshot that includes what still sits in the WAL, and writers are
never blocked (WAL readers do not block writers). The copy goes to a temp file beside PATH, is switched
to a self-contained rollback-journal file, checked with `PRAGMA integrity_check`, flushed to disk and
only then renamed to PATH: PATH is either the old file, nothing, or the whole new copy — never half.

PostgreSQL is backed up with its own tools; `PostgresBackup` carries the commands to show.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


class BackupError(Exception):
    """The backup cannot be made as asked (bad input); the message says why and what to do."""


class PostgresBackup(BackupError):
    """The database is PostgreSQL: the message gives the pg_dump / pg_restore commands."""


class IntegrityFailed(Exception):
    """The copy did not pass `PRAGMA integrity_check` (nothing was written to PATH)."""


@dataclass(frozen=True)
class BackupReport:
    source: Path
    target: Path
    size_bytes: int
    rows: dict[str, int] = field(default_factory=dict)  # table -> row count, in name order

    @property
    def tables(self) -> int:
        return len(self.rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def backup(database_url: str, target: Path, *, force: bool = False) -> BackupReport:
    """Back up the database of `database_url` to `target` (what `tunelab backup` runs)."""
    return backup_sqlite(sqlite_path(database_url), Path(target), force=force)


def sqlite_path(database_url: str) -> Path:
    """The database file of a SQLite URL; BackupError (with the pg_dump commands for PostgreSQL) otherwise."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise BackupError(f"TUNELAB_DATABASE_URL is not a database URL ({exc})") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        raise PostgresBackup(postgres_instructions(database_url))
    if backend != "sqlite":
        raise BackupError(f"tunelab backup copies SQLite databases; TUNELAB_DATABASE_URL is {backend}.")
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("TUNELAB_DATABASE_URL names no database file (an in-memory database cannot be backed up).")
    return Path(url.database)


def postgres_instructions(database_url: str) -> str:
    url = make_url(database_url)
    libpq = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query).render_as_string(hide_password=False)
    password = " (password: export PGPASSWORD=... or use ~/.pgpass)" if url.password else ""
    return (
        "TUNELAB_DATABASE_URL is a PostgreSQL database: back it up with PostgreSQL's own tools"
        f"{password}.\n"
        f"  back up:  pg_dump --format=custom --file=tunelab.dump '{libpq}'\n"
        f"  restore:  pg_restore --clean --if-exists --no-owner --dbname='{libpq}' tunelab.dump\n"
        "pg_dump takes a consistent snapshot while the server runs; restore into a database of the same "
        "tunelab version (then `alembic upgrade head` if the code is newer)."
    )


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> BackupReport:
    """Copy the live database `source` to `target` (see the module docstring); refuses to replace an
    existing `target` unless `force`."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(f"no database at {source} (check TUNELAB_DATABASE_URL)")
    if target.is_dir():
        raise BackupError(f"{target} is a directory: give the path of the backup file, e.g. {target / 'tunelab.db'}")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    if target.exists() and os.path.samefile(source, target):
        raise BackupError(f"{target} is the live database itself: choose another path")
    leftovers = [p.name for p in (Path(f"{target}-wal"), Path(f"{target}-journal")) if p.exists()]
    if leftovers:  # SQLite would replay them into the new copy when it is opened
        raise BackupError(f"{', '.join(leftovers)} lies beside {target}: it looks like a database in use; "
                          "choose another path (or remove those files if nothing uses it)")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: choose another path, or pass --force to replace it")

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        rows = _copy(source, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        _publish(tmp, target, force)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return BackupReport(source=source, target=target, size_bytes=target.stat().st_size, rows=rows)


def _copy(source: Path, tmp: Path) -> dict[str, int]:
    # mode=rw: never create an empty database where the live one was expected.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=15)
    dst = sqlite3.connect(tmp)
    try:
        src.execute("PRAGMA busy_timeout=15000")
        src.backup(dst)  # one step (pages=-1): a snapshot taken in one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
        problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise IntegrityFailed("; ".join(problems[:5]))
        names = [row[0] for row in dst.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: dst.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from None
    finally:
        dst.close()
        src.close()


def _publish(tmp: Path, target: Path, force: bool) -> None:
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # atomic "create only if absent": a file that appeared meanwhile is kept
    except FileExistsError:
        raise BackupError(f"{target} already exists: choose another path, or pass --force to replace it") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise BackupError(f"{target} already exists: choose another path, or pass --force to replace it") from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
