"""The engine: on PostgreSQL no query runs as a server-side prepared statement, so no generic plan
made while a table was small is kept after it grew (an import grows its tables in one transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.storage.db import make_engine
from app.storage.tables import HashCount


def test_repeated_queries_leave_no_prepared_plan_on_postgresql(database_url):
    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans each statement itself")
    try:
        with engine.connect() as connection:
            for _ in range(12):  # psycopg prepares a statement on its 5th run unless told not to
                connection.execute(select(HashCount.hash).where(HashCount.project_id == 1, HashCount.kind == "input"))
            assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one() == 0
    finally:
        engine.dispose()
