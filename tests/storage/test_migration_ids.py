"""0004 on a database where SQLite had already reused a deleted example's id: the dead example's
history and comments go, the live one keeps its own, no row is lost, and ids are never reused again."""

from __future__ import annotations

import json
from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from app.storage.db import make_engine
from app.storage.tables import metadata

EXAMPLE = ("INSERT INTO example (id, project_id, fields, output, label, status, version, token_count, worst_level, "
           "codes, input_hash, content_hash, created_by, updated_by, created_at, updated_at, needs_output, "
           "labels_wanted, labels_open) VALUES ({id}, 1, '{{}}', NULL, NULL, 'draft', 1, 5, 'ok', '[]', 'h', 'c', 1, 1, "
           "'2026-11-30 10:00:00', '2026-11-30 10:00:00', false, 0, false)")
REVISION = "INSERT INTO example_revision (example_id, version, user_id, at, before, after) VALUES ({e}, {v}, 1, '{at}', NULL, {after})"
COMMENT = "INSERT INTO comment (example_id, user_id, action, body, created_at) VALUES ({e}, 1, 'comment', '{body}', '{at}')"


def test_upgrade_drops_the_history_of_dead_examples_and_keeps_the_living(empty_database_url: str,
                                                                          alembic_config: Callable[[str], Config]):
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0003")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, is_admin, is_active, "
                              "session_epoch, created_at) VALUES (1, 'ann', 'Ann', 'x', true, true, 0, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO project (id, name, kind, preset, settings, export_profile, guidelines, "
                              "created_by, created_at, updated_at, version) VALUES (1, 'Tweets', 'classification', "
                              "'sentiment', '{}', 'openai-legacy', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 3)"))
            conn.execute(text(EXAMPLE.format(id=7)))  # the second life of id 7
            conn.execute(text(EXAMPLE.format(id=8).replace("'{}', NULL", "'{\"text\": \"a\\ud800b\"}', NULL")))
            # the first life of 7: created, commented, deleted; then the id was handed out again
            conn.execute(text(REVISION.format(e=7, v=1, at="2026-11-29 09:00:00", after="'{\"fields\": \"dead\"}'")))
            conn.execute(text(COMMENT.format(e=7, body="about the dead one", at="2026-11-29 09:30:00")))
            conn.execute(text(REVISION.format(e=7, v=2, at="2026-11-29 10:00:00", after="'null'")))
            conn.execute(text(COMMENT.format(e=7, body="about the living one", at="2026-11-30 11:00:00")))
            conn.execute(text(REVISION.format(e=9, v=1, at="2026-11-29 09:00:00", after="'{}'")))  # orphan
            conn.execute(text(COMMENT.format(e=9, body="orphan", at="2026-11-29 09:30:00")))
        command.upgrade(cfg, "head")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT body FROM comment")).scalars().all() == ["about the living one"]
            assert conn.execute(text("SELECT count(*) FROM example_revision")).scalar_one() == 0
            assert conn.execute(text("SELECT checked_version FROM example WHERE id = 7")).scalar_one() == 3
            # a lone surrogate stored before input was validated can be shown again
            assert json.loads(conn.execute(text("SELECT CAST(fields AS TEXT) FROM example WHERE id = 8")).scalar_one()) == {"text": "a\ufffdb"}
            # the project had no aggregates yet: a re-check is queued to build them
            assert conn.execute(text("SELECT recheck_cursor FROM project")).scalar_one() == 0
            if conn.dialect.name != "sqlite":
                return  # PostgreSQL's sequences never hand an id out twice (the rows above set ids by hand)
            conn.execute(text("DELETE FROM example WHERE id = 7"))
            conn.execute(text(EXAMPLE.format(id="").replace("(id, ", "(").replace("VALUES (, ", "VALUES (")))
            assert conn.execute(text("SELECT max(id) FROM example")).scalar_one() > 7
    finally:
        engine.dispose()


def test_every_table_with_an_id_never_reuses_one_on_sqlite(database_url: str):
    """The migrated schema (not only the models): each integer id is AUTOINCREMENT on SQLite."""
    if not database_url.startswith("sqlite"):
        return  # PostgreSQL sequences never reuse an id
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
    finally:
        engine.dispose()
    with_ids = [name for name, table in metadata.tables.items() if "id" in table.c and table.c.id.primary_key]
    assert with_ids and all("AUTOINCREMENT" in tables[name] for name in with_ids), \
        [name for name in with_ids if "AUTOINCREMENT" not in tables[name]]
