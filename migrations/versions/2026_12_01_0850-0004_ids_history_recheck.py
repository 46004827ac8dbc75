"""ids never reused, history deleted with its example, resumable re-checks

- SQLite: every table with an integer id becomes AUTOINCREMENT (SQLite handed a deleted newest
  example's id to the next insert, which then showed the deleted example's history and comments).
- Revisions and comments get a foreign key to their example, ON DELETE CASCADE; rows that belong
  to no example, or to an earlier life of a reused id, are removed first.
- Text stored before input was validated may hold lone surrogates (a JSON "\\ud800" escape), which
  no page can encode: each becomes U+FFFD.
- `example.checked_version` (the project settings version its cached counts were computed under) and
  `project.recheck_cursor` (how far a re-check after a settings change has got), so a re-check runs
  in short batches and resumes after a crash.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:50:00
"""

import json

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ID_TABLES = ("user_account", "api_token", "project", "membership", "example", "annotation", "comment",
             "audit_event", "example_revision", "export_snapshot")
HISTORY = ("comment", "example_revision")
DELETED = "(d.after IS NULL OR CAST(d.after AS TEXT) = 'null')"


def _fk_name(table: str) -> str:
    return f"fk_{table}_example_id_example"


def _drop_history_of_other_lives() -> None:
    # A delete revision closes an example's life; anything of that id up to it belongs to the dead one.
    op.execute("DELETE FROM comment WHERE EXISTS (SELECT 1 FROM example_revision d WHERE "
               f"d.example_id = comment.example_id AND {DELETED} AND d.at >= comment.created_at)")
    op.execute("DELETE FROM example_revision WHERE EXISTS (SELECT 1 FROM example_revision d WHERE "
               f"d.example_id = example_revision.example_id AND {DELETED} AND d.id >= example_revision.id)")
    for table in HISTORY:
        op.execute(f"DELETE FROM {table} WHERE example_id NOT IN (SELECT id FROM example)")


JSON_COLUMNS = {"example": ("fields", "output"), "example_revision": ("before", "after"), "annotation": ("output",)}


def _mend(value):
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_mend(v) for v in value]
    if isinstance(value, dict):
        return {_mend(k): _mend(v) for k, v in value.items()}
    return value


def _mend_lone_surrogates() -> None:
    bind = op.get_bind()
    for table, columns in JSON_COLUMNS.items():
        if bind.dialect.name == "sqlite":
            found = " OR ".join(f"instr(lower({c}), '\\ud') > 0" for c in columns)
        else:
            found = " OR ".join(f"position('\\ud' in lower(CAST({c} AS TEXT))) > 0" for c in columns)
        rows = bind.execute(sa.text(f"SELECT id, {', '.join(f'CAST({c} AS TEXT)' for c in columns)} FROM {table} "
                                    f"WHERE {found}")).all()
        for row_id, *texts in rows:
            values = {c: json.loads(t) if t is not None else None for c, t in zip(columns, texts)}
            if _mend(values) != values:
                mended = {c: json.dumps(_mend(v)) if v is not None else None for c, v in values.items()}
                cast = "CAST(:{0} AS JSON)" if bind.dialect.name == "postgresql" else ":{0}"
                sets = ", ".join(f"{c} = {cast.format(c)}" for c in columns)
                bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), {"id": row_id, **mended})


def upgrade() -> None:
    _mend_lone_surrogates()
    _drop_history_of_other_lives()
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # migrations/env.py runs SQLite migrations with foreign keys off (a table rebuild drops the old table).
        for table in ID_TABLES:
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
                if table in HISTORY:
                    batch.create_foreign_key(_fk_name(table), "example", ["example_id"], ["id"], ondelete="CASCADE")
    else:
        for table in HISTORY:
            op.create_foreign_key(_fk_name(table), table, "example", ["example_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("example") as batch:
        batch.add_column(sa.Column("checked_version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("recheck_cursor", sa.Integer(), nullable=True))
    op.execute("UPDATE example SET checked_version = (SELECT version FROM project WHERE project.id = example.project_id)")
    # Projects whose aggregates were never built (a visit to the health page used to build them) get
    # a re-check queued: the server runs it at start-up.
    op.execute("UPDATE project SET recheck_cursor = 0 WHERE id NOT IN (SELECT project_id FROM dataset_stats)")


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.drop_column("recheck_cursor")
    with op.batch_alter_table("example") as batch:
        batch.drop_column("checked_version")
    for table in HISTORY:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(_fk_name(table), type_="foreignkey")
