"""Settings from the environment (prefix `TUNELAB_`), read once per app; never at import time.

Every field here is listed in the README's settings table (tests/test_readme.py checks it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.model_table import DEFAULT_MODELS_FILE
from app.tokenizer_files import DEFAULT_CACHE_DIR

DEV_SECRET = "dev-only-insecure-secret-key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUNELAB_", extra="ignore")

    database_url: str = Field("sqlite:///./data/tunelab.db", description="SQLAlchemy URL of the database.")
    secret_key: str = Field(DEV_SECRET, description="Signs session and CSRF cookies; required outside dev mode.")
    dev_mode: bool = Field(False, description="Allows the built-in development secret key.")
    cookie_secure: bool = Field(False, description="Send cookies over HTTPS only (set behind TLS).")
    session_max_age: int = Field(14 * 24 * 3600, description="Seconds a sign-in lasts.")
    models_file: Path = Field(DEFAULT_MODELS_FILE, description="The dated model table (limits, prices, tokenizers).")
    tokenizer_dir: Path = Field(DEFAULT_CACHE_DIR, description="Where the offline tiktoken files live.")
    page_size: int = Field(50, description="Examples per page in the examples list.")
    max_concurrent_requests: int = Field(32, ge=1, description="Requests handled at once; more wait in line.")
    sign_in_window: int = Field(15 * 60, ge=1, description="Seconds over which failed sign-ins are counted.")
    sign_in_account_failures: int = Field(5, ge=1, description="Failed sign-ins of one account name before each "
                                          "further attempt waits (the wait doubles).")
    sign_in_address_failures: int = Field(30, ge=1, description="Failed sign-ins from one address before it waits "
                                          "until the window ends.")
    sign_in_delay: int = Field(60, ge=1, description="Seconds of the first wait of a locked account name.")
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024,
                                description="Largest request body accepted, in bytes; larger ones get 413 unread.")
    import_dir: Path = Field(Path("data/imports"), description="Where files uploaded for import wait while they "
                             "are previewed and imported (each is deleted when its import ends).")
    import_max_bytes: int = Field(2 * 1024 ** 3, ge=1024, description="The largest file the import page accepts "
                                  "(`tunelab import` has no limit).")
    export_check_max: int = Field(10_000, ge=0, description="Examples the export page checks on every load; "
                                  "with more, its preflight runs when asked (\"Check this choice\").")
    snapshot_dir: Path | None = Field(None, description="Where every export's files are kept (the snapshot store); "
                                      "default: a `snapshots` directory beside the SQLite database, ./data/snapshots "
                                      "for PostgreSQL.")
    opentelemetry: bool = Field(False, description="FastAPI's OpenTelemetry traces, metrics and logs (needs an "
                                "OpenTelemetry SDK configured, e.g. opentelemetry-instrument); off, a request "
                                "skips the provider checks.")

    @model_validator(mode="after")
    def refuse_default_secret(self) -> Settings:
        if self.secret_key == DEV_SECRET and not self.dev_mode:
            raise ValueError(
                "TUNELAB_SECRET_KEY is not set: set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))'), "
                "or set TUNELAB_DEV_MODE=1 on a development machine."
            )
        if len(self.secret_key) < 16:
            raise ValueError("TUNELAB_SECRET_KEY is too short: use at least 16 characters.")
        return self


    @property
    def snapshot_root(self) -> Path:
        """The snapshot store: TUNELAB_SNAPSHOT_DIR, else beside the SQLite database file (its data
        directory), else ./data/snapshots."""
        if self.snapshot_dir is not None:
            return self.snapshot_dir
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
                and not url.database.startswith("file:"):
            return Path(url.database).parent / "snapshots"
        return Path("data") / "snapshots"


@lru_cache
def get_settings() -> Settings:
    return Settings()
