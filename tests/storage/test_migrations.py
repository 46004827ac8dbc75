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
from app.storage.tables import metadata

MODEL_TABLES = set(metadata.tables)


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def drift(url: str) -> list:
    """What autogenerate would put in a new migration (empty = the schema matches the models)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
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

    assert table_names(empty_database_url) == MODEL_TABLES | {"alembic_version"}
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
    assert table_names(empty_database_url) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(empty_database_url) == head_revision(cfg)
    assert drift(empty_database_url) == []


def test_database_url_fixture_is_migrated_and_empty(
    database_url: str, alembic_config: Callable[[str], Config]
):
    """The per-test database every other test uses: at head, every table there, no rows."""
    assert table_names(database_url) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(database_url) == head_revision(alembic_config(database_url))
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            for table in MODEL_TABLES:
                assert conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one() == 0, table
    finally:
        engine.dispose()
