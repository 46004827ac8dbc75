"""Alembic owns the schema: head builds every table of the models, with no drift, and round-trips.

Each test starts from an EMPTY database (fixture `empty_database_url`, on SQLite and, when
TUNELAB_TEST_POSTGRES_URL is set, on PostgreSQL) and runs the project's real alembic.ini.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from app.storage.db import make_engine
from app.storage.migrate import current_revision
from app.storage.tables import metadata
from tests.conftest import table_names

MODEL_TABLES = set(metadata.tables)
# The full-text index is not a model: migrations 0010 and 0013 build it (SQLite: the FTS5 table and its
# shadow tables; PostgreSQL: a GIN index on the stored column example.search_vector).
SEARCH_INDEX = {"example_search", "example_search_data", "example_search_idx", "example_search_docsize",
                "example_search_config", "ix_example_search"}


def _not_the_search_index(diff) -> bool:
    kind = diff[0]
    if kind == "remove_column":
        return not (diff[2] == "example" and diff[3].name == "search_vector")
    return not (kind in ("remove_table", "remove_index") and diff[1].name in SEARCH_INDEX)


def drift(url: str) -> list:
    """What autogenerate would put in a new migration (empty = the schema matches the models)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return [d for d in compare_metadata(context, metadata) if not isinstance(d, tuple) or _not_the_search_index(d)]
    finally:
        engine.dispose()


def head_revision(cfg: Config) -> str:
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}: merge them (alembic merge heads)"
    return heads[0]


def test_models_define_tables():
    assert {"user_account", "project", "example", "example_revision", "export_snapshot"} <= MODEL_TABLES


def test_upgrade_head_creates_every_table(empty_database_url: str, alembic_config: Callable[[str], Config]):
    assert table_names(empty_database_url) == set()
    cfg = alembic_config(empty_database_url)

    command.upgrade(cfg, "head")

    assert table_names(empty_database_url) - SEARCH_INDEX == MODEL_TABLES | {"alembic_version"}
    assert current_revision(empty_database_url) == head_revision(cfg)


def test_head_matches_the_models(empty_database_url: str, alembic_config: Callable[[str], Config]):
    command.upgrade(alembic_config(empty_database_url), "head")

    assert drift(empty_database_url) == [], "models and migrations differ: write a migration"


def test_downgrade_base_then_upgrade_head_round_trips(
    empty_database_url: str, alembic_config: Callable[[str], Config]
):
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "head")

    command.downgrade(cfg, "base")
    assert table_names(empty_database_url) <= {"alembic_version"}
    assert current_revision(empty_database_url) is None

    command.upgrade(cfg, "head")
    assert table_names(empty_database_url) - SEARCH_INDEX == MODEL_TABLES | {"alembic_version"}
    assert current_revision(empty_database_url) == head_revision(cfg)
    assert drift(empty_database_url) == []


def test_database_url_fixture_is_migrated_and_empty(
    database_url: str, alembic_config: Callable[[str], Config]
):
    """The per-test database every other test uses: at head, every table there, no rows."""
    assert table_names(database_url) - SEARCH_INDEX == MODEL_TABLES | {"alembic_version"}
    assert current_revision(database_url) == head_revision(alembic_config(database_url))
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            for table in MODEL_TABLES:
                assert conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one() == 0, table
    finally:
        engine.dispose()


def add_ann_and_her_project(conn) -> None:
    """User 1 ('ann', an admin) and her project 1 ('Tweets', sentiment), in the columns of 0001."""
    conn.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, is_admin, is_active, "
                      "created_at) VALUES (1, 'ann', 'Ann', 'x', true, true, CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO project (id, name, kind, preset, settings, export_profile, guidelines, "
                      "created_by, created_at, updated_at, version) VALUES (1, 'Tweets', 'classification', "
                      "'sentiment', '{}', 'openai-legacy', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))


def test_team_review_upgrade_keeps_every_foundation_row(empty_database_url: str, alembic_config: Callable[[str], Config]):
    """A database with foundation-era data (0001) upgrades to head without losing a row: creators
    become owners and the counters start from the stored examples."""
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0001")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            add_ann_and_her_project(conn)
            for i in range(1, 4):
                conn.execute(text(
                    "INSERT INTO example (id, project_id, fields, output, label, status, version, token_count, "
                    "worst_level, codes, input_hash, content_hash, created_by, updated_by, created_at, updated_at) "
                    f"VALUES ({i}, 1, '{{\"text\": \"t{i}\"}}', '\"positive\"', 'positive', 'draft', 1, 5, 'ok', '[]', "
                    f"'h{i}', 'c{i}', 1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO example_revision (example_id, version, user_id, at, before, after) "
                              "VALUES (1, 1, 1, CURRENT_TIMESTAMP, NULL, '{}')"))
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM example")).scalar_one() == 3
            assert conn.execute(text("SELECT count(*) FROM example_revision")).scalar_one() == 1
            assert conn.execute(text("SELECT project_id, user_id, role FROM membership")).all() == [(1, 1, "owner")]
            assert conn.execute(text("SELECT status, n FROM state_count")).all() == [("draft", 3)]
            assert conn.execute(text("SELECT written FROM member_stat WHERE user_id = 1")).scalar_one() == 3
            assert conn.execute(text("SELECT labels_wanted, assignee_id FROM example WHERE id = 2")).one() == (0, None)
    finally:
        engine.dispose()


def test_sessions_tokens_upgrade_keeps_accounts_and_tokens(empty_database_url: str,
                                                           alembic_config: Callable[[str], Config]):
    """0003 -> head (0005): users and their API tokens stay (tokens never expire); sign-ins now live
    in user_session (empty: existing cookies carry no session token, so they sign in again)."""
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0003")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, is_admin, is_active, "
                              "session_epoch, created_at) VALUES (1, 'ann', 'Ann', 'x', true, true, 3, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO project (id, name, kind, preset, settings, export_profile, guidelines, "
                              "created_by, created_at, updated_at, version) VALUES (1, 'Tweets', 'classification', "
                              "'sentiment', '{}', 'openai-legacy', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
            conn.execute(text("INSERT INTO api_token (id, user_id, name, token_hash, created_at) "
                              "VALUES (1, 1, 'ci', 'abc', CURRENT_TIMESTAMP)"))
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username, is_admin FROM user_account")).all() == [("ann", True)]
            assert conn.execute(text("SELECT name, expires_at FROM api_token")).all() == [("ci", None)]
            assert conn.execute(text("SELECT count(*) FROM user_session")).scalar_one() == 0
            assert "session_epoch" not in {c["name"] for c in inspect(conn).get_columns("user_account")}
        command.downgrade(cfg, "0003")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username, session_epoch FROM user_account")).all() == [("ann", 0)]
    finally:
        engine.dispose()


def test_examples_written_before_the_stored_search_vector_are_found_after_it(empty_database_url: str,
                                                                           alembic_config: Callable[[str], Config]):
    """0012 -> head: an example already there is searchable on both databases (PostgreSQL computes
    the stored tsvector of 0013 for it), and a downgrade to 0012 keeps the search index it had."""
    from sqlmodel import Session

    from app.storage.examples import list_examples

    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0012")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            add_ann_and_her_project(conn)
            conn.execute(text(
                "INSERT INTO example (id, project_id, fields, output, label, status, version, token_count, worst_level, "
                "codes, input_hash, content_hash, created_by, updated_by, created_at, updated_at, needs_output, "
                "labels_wanted, labels_open, checked_version, search_text) VALUES (1, 1, '{\"text\": \"late parcel\"}', "
                "'\"negative\"', 'negative', 'draft', 1, 5, 'ok', '[]', 'i1', 'c1', 1, 1, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, false, 0, false, 1, 'late parcel\nnegative')"))
        command.upgrade(cfg, "head")
        with Session(engine) as session:
            assert [e.id for e in list_examples(session, 1, search="parcel")] == [1]
            assert list_examples(session, 1, search="refund") == []
        command.downgrade(cfg, "0012")
        with engine.connect() as conn:
            assert "search_vector" not in {c["name"] for c in inspect(conn).get_columns("example")}
            assert {i["name"] for i in inspect(conn).get_indexes("example")} >= (
                {"ix_example_search"} if engine.dialect.name == "postgresql" else set())
    finally:
        engine.dispose()
