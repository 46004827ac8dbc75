"""Many new examples in one statement batch: the import's writes (the ledger counts them after).

`insert_examples` writes a batch of example rows in the caller's transaction and gives back their
ids in the rows' order. On PostgreSQL it reserves the ids from the table's sequence and sends the
rows with COPY (the fastest way in); on SQLite it is one `executemany` of the INSERT, which
returns the ids. JSON columns are written as the JSON type writes them, so a row reads back the
same whichever path wrote it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from app.storage.tables import Example

COLUMNS = ("project_id", "fields", "output", "label", "status", "version", "token_count", "worst_level", "codes",
           "input_hash", "content_hash", "near_hash", "created_by", "updated_by", "created_at", "updated_at",
           "needs_output", "labels_wanted", "labels_open", "submitted_at", "reviewed_by", "reviewed_at",
           "checked_version")
JSON_COLUMNS = frozenset({"fields", "output", "codes"})


def insert_examples(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` (dicts of COLUMNS) and return their new ids, in order."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _copy(session, rows)
    table = Example.__table__
    result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def _copy(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    connection = session.connection()
    ids = [row[0] for row in connection.execute(
        text("SELECT nextval(pg_get_serial_sequence('example', 'id')) FROM generate_series(1, :n)"), {"n": len(rows)})]
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY example (id, {', '.join(COLUMNS)}) FROM STDIN") as copy:
        for example_id, row in zip(ids, rows):
            copy.write_row((example_id, *(_json(row[c]) if c in JSON_COLUMNS else row[c] for c in COLUMNS)))
    return ids


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
