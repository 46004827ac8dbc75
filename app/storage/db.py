"""The engine: SQLite gets WAL, foreign keys, a busy timeout and write transactions that take the
write lock when they begin.

SQLite's default (deferred) transaction reads first and asks for the write lock at its first
write; if another connection committed in between, SQLite answers "database is locked" at once,
whatever the busy timeout. So a unit of work that will write begins with `BEGIN IMMEDIATE`
(`write_engine(engine)` or the `sqlite_begin="IMMEDIATE"` execution option): it waits its turn
(up to the busy timeout) and then cannot fail that way. Reads keep plain `BEGIN` and never wait,
and so does anything running on the event loop (see _sqlite_begin).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

try:
    import fcntl
except ImportError:  # not on POSIX: the in-process lock alone
    fcntl = None  # type: ignore[assignment]

BUSY_TIMEOUT_MS = 15_000


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite connections are cheap: never make a request wait for one (see ConcurrencyLimitMiddleware).
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                               pool_size=40, max_overflow=-1)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", partial(_sqlite_begin, WriteTurn(parsed.database)))
        event.listen(engine.pool, "checkin", _end_write_turn)
        return engine
    # More connections than requests let in at once (TUNELAB_MAX_CONCURRENT_REQUESTS) plus exports.
    # No server-side prepared statements: psycopg prepares a query run five times, and PostgreSQL may
    # then keep a generic plan made while a table was small (an import grows its tables inside one
    # transaction; see storage.imports._plan_for_growth). Each query is planned for the table as it is.
    connect_args = {"prepare_threshold": None} if parsed.get_driver_name() == "psycopg" else {}
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=30, pool_timeout=10,
                         connect_args=connect_args)


def write_engine(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions begin with the write lock on SQLite."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def try_write_engine(engine: Engine) -> Engine:
    """Like `write_engine`, but a transaction that would have to wait for the write lock fails at
    once (OperationalError) instead: for writes that may be skipped (kept export lines)."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_begin="IMMEDIATE", sqlite_wait=False)


def _sqlite_connect(dbapi_connection, _record) -> None:
    # The driver must not issue its own BEGIN: _sqlite_begin does (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class WriteTurn:
    """Whose turn it is to write the SQLite database: a lock shared by this process's threads and,
    for a database file, an flock on a file beside it shared by every process (several workers, the
    CLI). Waiters wake the moment it is free; SQLite's own busy wait sleeps in growing steps (up to
    100 ms), so under load a waiter oversleeps the moments the lock is free and latency grows a
    long tail."""

    def __init__(self, database: str | None) -> None:
        self.threads = threading.Lock()
        self.path = f"{database}-writelock" if database and database != ":memory:" and fcntl else None
        self._fd: int | None = None

    def acquire(self, timeout: float, wait: bool = True) -> bool:
        """Take the turn (within `timeout`); with `wait=False` only if it is free now."""
        if not (self.threads.acquire(timeout=timeout) if wait else self.threads.acquire(blocking=False)):
            return False
        if self.path is not None:
            try:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                # another process's turn ends at its commit (or its death)
                fcntl.flock(self._fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.threads.release()
                return False
            except BaseException:
                self.threads.release()
                raise
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.threads.release()


def _sqlite_begin(turn: WriteTurn, connection) -> None:
    # The request's async dependencies (who is asking, their role) read on the event loop, where
    # waiting for the write lock would stall every request; they end their read transaction, and
    # the handler, in a worker thread, begins the one that writes.
    if connection.get_execution_options().get("sqlite_begin") != "IMMEDIATE" or _on_event_loop():
        connection.exec_driver_sql("BEGIN")
        return
    # Writers queue for their turn first (see WriteTurn); it ends when the connection goes back to the pool.
    if not turn.acquire(timeout=BUSY_TIMEOUT_MS / 1000, wait=connection.get_execution_options().get("sqlite_wait", True)):
        raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked: no write turn within the busy timeout"))
    connection.connection.info["write_turn"] = turn
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        connection.connection.info.pop("write_turn").release()
        raise


def _end_write_turn(dbapi_connection, record) -> None:
    turn = record.info.pop("write_turn", None)
    if turn is not None:
        turn.release()


def begin_write(session: Session) -> None:
    """End the reading part of a unit of work (its checks and computations) and begin the part that
    writes: on SQLite it begins with the write lock, so the lock is held only for the writes. What
    was read must be re-checked under the lock where it matters (the version check's conditional
    UPDATE does that)."""
    session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work that writes: commit on success, roll back on any error."""
    with Session(write_engine(engine), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
