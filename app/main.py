"""create_app(settings) -> the ASGI app: checks tokenizer files, builds the engine, mounts routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from asgi_csrf import asgi_csrf
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from app.config import Settings, get_settings
from app.core.models import load_model_table
from app.storage.db import make_engine, write_engine
from app.tokenizer_files import activate
from app.web import errors, routes
from app.web.background import resume_rechecks
from app.web.security import ConcurrencyLimitMiddleware, SecurityHeadersMiddleware, csrf_failed

ROOT = Path(__file__).resolve().parent.parent


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    resume_rechecks(app)  # a re-check a stopped server left half-done is finished in the background
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    activate(settings.tokenizer_dir)  # refuses to start with a clear message if files are missing/wrong
    app = FastAPI(title="tunelab", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=_lifespan)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.write_engine = write_engine(app.state.engine)
    app.state.models = load_model_table(settings.models_file)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    routes.register(app)
    errors.register(app)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="tunelab_session",
                       max_age=settings.session_max_age, same_site="lax", https_only=settings.cookie_secure)
    # Requests with "Authorization: Bearer" (the JSON API's scripts) skip the check inside asgi-csrf;
    # a browser session calling /api/v1 must send the token like any page.
    app.add_middleware(asgi_csrf, signing_secret=settings.secret_key, always_protect={"/login", "/setup"},
                       cookie_secure=settings.cookie_secure, send_csrf_failed=csrf_failed)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests)
    return app
