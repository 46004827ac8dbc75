"""full-text search over examples

`example.search_text` holds every text of an example in search terms (`app.core.search`), filled
here for the examples there are. SQLite: an FTS5 table over that column (external content, rowid =
the example's id) kept by three triggers, the FTS5 documentation's recipe. PostgreSQL: a GIN index
on `to_tsvector('simple', search_text)`.

SQLite drops a table's triggers when a batch migration rebuilds it: a later migration that alters
`example` in batch mode must create the `example_search_*` triggers again (and
`example_kept_lines_stale`, see 0008); tests/services/test_search.py fails otherwise.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:15:00
"""

import json

import sqlalchemy as sa
from alembic import op

from app.core.search import search_text

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 2000
SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE example_search USING fts5(search_text, content='example', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER example_search_insert AFTER INSERT ON example BEGIN "
    "INSERT INTO example_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER example_search_delete AFTER DELETE ON example BEGIN "
    "INSERT INTO example_search (example_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER example_search_update AFTER UPDATE OF search_text ON example BEGIN "
    "INSERT INTO example_search (example_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO example_search (rowid, search_text) VALUES (new.id, new.search_text); END",
]
POSTGRES_INDEX = "CREATE INDEX ix_example_search ON example USING gin (to_tsvector('simple', coalesce(search_text, '')))"


def _value(raw, dialect: str):
    """A JSON column's value as read here: JSON text on SQLite, already parsed by psycopg on PostgreSQL."""
    return json.loads(raw) if dialect == "sqlite" and isinstance(raw, str) else raw


def upgrade() -> None:
    op.add_column("example", sa.Column("search_text", sa.Text(), nullable=True))
    bind = op.get_bind()
    last = 0
    while rows := bind.execute(sa.text("SELECT id, fields, output FROM example WHERE id > :last ORDER BY id LIMIT :n"),
                               {"last": last, "n": BATCH}).all():
        bind.execute(sa.text("UPDATE example SET search_text = :text WHERE id = :id"),
                     [{"id": row[0], "text": search_text(_value(row[1], bind.dialect.name),
                                                                        _value(row[2], bind.dialect.name))} for row in rows])
        last = rows[-1][0]
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_INDEX:
            op.execute(statement)
        op.execute("INSERT INTO example_search (example_search) VALUES ('rebuild')")
    else:
        op.execute(POSTGRES_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER example_search_{name}")
        op.execute("DROP TABLE example_search")
        op.execute("ALTER TABLE example DROP COLUMN search_text")  # not a batch rebuild: 0008's trigger stays
    else:
        op.execute("DROP INDEX ix_example_search")
        op.drop_column("example", "search_text")
