"""Many new examples in one statement batch: the import's writes (the ledger counts them after).

`insert_examples` writes a batch of example rows (tuples of COLUMNS, the JSON columns already JSON
text: `core.import_rows.json_text`) in the caller's transaction and gives back their ids in the
rows' order. On PostgreSQL it reserves the ids from the table's sequence and sends the
rows with COPY (the fastest way in); on SQLite, under the write lock, it takes the ids after the
highest ever used (the table is AUTOINCREMENT) and sends one `executemany` of the INSERT. With `kept`, each row's export lines go into `export_line` in the
same way (see `storage.export_lines`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlmodel import Session

COLUMNS = ("project_id", "fields", "output", "label", "status", "version", "token_count", "worst_level", "codes",
           "input_hash", "content_hash", "near_hash", "created_by", "updated_by", "created_at", "updated_at",
           "needs_output", "labels_wanted", "labels_open", "submitted_at", "reviewed_by", "reviewed_at",
           "checked_version", "search_text")
GROWN_TABLES = ("example", "export_line", "hash_count", "example_code")  # analyzed as an import grows them
FIRST_ANALYZE = 1000  # rows added before the first ANALYZE, then at each doubling
PROJECT = COLUMNS.index("project_id")
IMPORT_CACHE_KIB = 96 * 1024
KEPT_COLUMNS = ("example_id", "profile", "project_id", "stamp", "outcome", "codes", "lines")


class KeptBatch(NamedTuple):
    """The export lines to keep for a batch of new rows, in the rows' order."""

    profile: str
    stamp: str
    judged: list[tuple[str, str, str]]  # (outcome, codes as a JSON list, lines) per row


@contextmanager
def bulk_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of IMPORT_CACHE_KIB for the connection while an import writes (the
    default 2 MiB holds little of the example table's ten indexes: a 200k import ran 16% faster
    with 96 MiB), back to what it was afterwards, which frees the pages. PostgreSQL: nothing."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def insert_examples(session: Session, rows: list[tuple[Any, ...]], kept: KeptBatch | None = None) -> list[int]:
    """Insert `rows` (values of COLUMNS, in order) and return their new ids, in order. The caller holds the
    write lock (SQLite) or a transaction (PostgreSQL): the ids are taken before the rows go in."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        ids = _copy(session, rows, kept)
        _plan_for_growth(session, len(rows))
        return ids
    connection = session.connection()
    last = connection.execute(text(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'example'), 0), "
        "coalesce((SELECT max(id) FROM example), 0))")).scalar_one()
    ids = list(range(last + 1, last + 1 + len(rows)))
    times: dict[datetime, str] = {}  # a batch's rows share their few timestamps

    def cell(value: Any) -> Any:
        if isinstance(value, datetime):
            return times.get(value) or times.setdefault(value, value.strftime("%Y-%m-%d %H:%M:%S.%f"))
        return value

    values = [(example_id, *map(cell, row)) for example_id, row in zip(ids, rows)]
    cursor = connection.connection.driver_connection.cursor()
    cursor.executemany(INSERT_SQLITE, values)
    if kept is not None:
        cursor.executemany(KEEP_SQLITE, _kept_rows(kept, ids, rows))
    return ids


def _kept_rows(kept: KeptBatch, ids: list[int], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """export_line rows beside the new example rows."""
    return [(example_id, kept.profile, row[PROJECT], kept.stamp, *judged)
            for example_id, row, judged in zip(ids, rows, kept.judged)]


# SQLAlchemy's SQLite types store JSON as text and datetimes with microseconds: the same here.
INSERT_SQLITE = f"INSERT INTO example (id, {', '.join(COLUMNS)}) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})"
KEEP_SQLITE = f"INSERT INTO export_line ({', '.join(KEPT_COLUMNS)}) VALUES ({', '.join('?' * len(KEPT_COLUMNS))})"


def _copy(session: Session, rows: list[tuple[Any, ...]], kept: KeptBatch | None) -> list[int]:
    connection = session.connection()
    ids = [row[0] for row in connection.execute(
        text("SELECT nextval(pg_get_serial_sequence('example', 'id')) FROM generate_series(1, :n)"), {"n": len(rows)})]
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY example (id, {', '.join(COLUMNS)}) FROM STDIN") as copy:
        for example_id, row in zip(ids, rows):
            copy.write_row((example_id, *row))
    if kept is not None:
        with cursor.copy(f"COPY export_line ({', '.join(KEPT_COLUMNS)}) FROM STDIN") as copy:
            for cells in _kept_rows(kept, ids, rows):
                copy.write_row(cells)
    return ids




def _plan_for_growth(session: Session, added: int) -> None:
    """PostgreSQL plans from statistics, which do not know the rows this transaction added: with
    hash_count still "empty", the ledger's lookup of 1,000 hashes chose an index that reads every
    row of a kind, so each batch read all the rows before it (200k examples did not finish in 20
    minutes). ANALYZE inside the transaction counts its own rows; it runs each time the rows this
    import added have doubled (about 0.1 s each, 11 times for a million)."""
    total = session.info.get("import_rows", 0) + added
    session.info["import_rows"] = total
    if total >= session.info.get("import_analyze_at", FIRST_ANALYZE):
        session.execute(text(f"ANALYZE {', '.join(GROWN_TABLES)}"))
        session.info["import_analyze_at"] = total * 2
