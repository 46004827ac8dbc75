"""create_app(settings) -> the ASGI app: checks tokenizer files, builds the engine, mounts routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import Settings, get_settings
from app.core.model_table import load_model_table
from app.storage.db import make_engine, write_engine
from app.storage.snapshots import SnapshotStore
from app.tokenizer_files import activate
from app.web import errors, pages
from app.web.background import resume_rechecks
from app.web.csrf import CSRFMiddleware
from app.web.signin import SessionCookieMiddleware
from app.web.forms import MAX_FORM_FIELDS
from app.web.security import BodyLimitMiddleware, ConcurrencyLimitMiddleware, SecurityHeadersMiddleware
from app.web.text_check import TextCheckMiddleware
from app.web.pages.imports import IMPORT_UPLOAD
from app.web.timing import ServerTimingMiddleware

ROOT = Path(__file__).resolve().parent.parent


RESUME_WAIT = 10  # seconds a stopping server waits for the start-up re-checks (the next start resumes them)
_FROZEN: list[bool] = []  # whether this process has frozen its start-up objects (once per process)


def freeze_startup_objects() -> None:
    """Collect once, then move every object alive at start-up (modules, routes, templates, the model
    table: ~150,000 of them) out of the garbage collector's reach (`gc.freeze`), once per process.
    A full collection then scans only what requests made since: unfrozen, one took ~60 ms, a pause
    that landed on whichever live-panel request triggered it (the lint bench's p99 and max)."""
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        _FROZEN.append(True)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    resuming = resume_rechecks(app)  # a re-check a stopped server left half-done is finished in the background
    freeze_startup_objects()
    yield
    resuming.join(timeout=RESUME_WAIT)  # a stop waits a moment for it rather than cut it off mid-query


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    activate(settings.tokenizer_dir)  # refuses to start with a clear message if files are missing/wrong
    # form_limits: as many fields as the services accept (5,000 ticked ids), text fields as long as the
    # body may be (BodyLimitMiddleware bounds that). FastAPI's own max_body_size is not used: its 413
    # is plain text and replaces ours.
    # FastAPI's native OpenTelemetry looks up the providers on every request (about 4% of a live-panel
    # call) even with no SDK configured: off unless asked for.
    telemetry = {} if settings.opentelemetry else {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(title="tunelab", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=_lifespan, telemetry=telemetry,
                  form_limits={"max_fields": MAX_FORM_FIELDS, "max_files": 0, "max_part_size": settings.max_body_bytes})
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.write_engine = write_engine(app.state.engine)
    app.state.models = load_model_table(settings.models_file)
    app.state.snapshots = SnapshotStore(settings.snapshot_root)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    pages.register(app)
    errors.register(app)
    errors.declare_api_errors(app)
    app.add_middleware(SessionCookieMiddleware, max_age=settings.session_max_age, secure=settings.cookie_secure)
    # Requests with "Authorization: Bearer" (the JSON API's scripts) skip the CSRF check; a browser
    # session calling /api/v1 must send the token like any page. Outermost last: the request cap,
    # headers, the early body-size check, CSRF, then the text check (UTF-8, no NUL) of what the app reads.
    app.add_middleware(TextCheckMiddleware)
    app.add_middleware(CSRFMiddleware, secret_key=settings.secret_key, cookie_secure=settings.cookie_secure)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes, uploads=IMPORT_UPLOAD)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests)
    app.add_middleware(ServerTimingMiddleware)  # outermost: the time of everything above, waiting in line too
    return app
