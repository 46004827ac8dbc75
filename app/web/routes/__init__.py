"""Every router, included in one place: the whole URL space on one screen."""

from fastapi import FastAPI

from app.web.routes import api, auth, examples, exports, health, projects, review, team


def register(app: FastAPI) -> None:
    for module in (health, auth, projects, examples, review, team, exports, api):
        app.include_router(module.router)
