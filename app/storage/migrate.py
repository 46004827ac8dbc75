"""`tunelab migrate`: Alembic's `upgrade head` on a database URL (what `make migrate` runs), with the
revision before and after, so the command can say what it did.

The project's alembic.ini and migrations/ sit at the repository root (beside the `app` package);
migrations/env.py reads `sqlalchemy.url`. A SQLite file's directory is created if missing, as
`make migrate` creates data/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.storage.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = ROOT / "alembic.ini"


class MigrationError(Exception):
    """The database cannot be migrated as asked; the message says why."""


@dataclass(frozen=True)
class Upgrade:
    database: str  # the URL, password hidden
    before: str | None  # the revision found (None: an empty database)
    after: str
    applied: list[str] = field(default_factory=list)  # "0005 sessions tokens", oldest first
    created_directory: Path | None = None


def alembic_config(url: str) -> Config:
    if not ALEMBIC_INI.is_file():
        raise MigrationError(f"{ALEMBIC_INI} is missing: run tunelab from its source tree (pip install -e .)")
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolation
    return cfg


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade_head(url: str) -> Upgrade:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise MigrationError(f"TUNELAB_DATABASE_URL is not a database URL: {exc}") from exc
    shown = parsed.render_as_string(hide_password=True)
    created = None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        directory = Path(parsed.database).parent
        if not directory.exists():
            directory.mkdir(parents=True)
            created = directory
    cfg = alembic_config(url)
    script = ScriptDirectory.from_config(cfg)
    try:
        before = current_revision(url)
        command.upgrade(cfg, "head")
        after = current_revision(url)
    except SQLAlchemyError as exc:
        raise MigrationError(f"cannot migrate {shown}: {getattr(exc, 'orig', None) or exc}") from exc
    applied = [f"{rev.revision} {rev.doc}" for rev in reversed(list(script.iterate_revisions(after, before)))] \
        if after != before else []
    return Upgrade(shown, before, after or "", applied, created)
