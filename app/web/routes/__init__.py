"""Every router, included in one place: the whole URL space on one screen."""

from fastapi import FastAPI

from app.web.routes import api, auth, examples, exports, health, projects, review, team, tokens_api


def register(app: FastAPI) -> None:
    for module in (health, auth, projects, examples, review, team, exports, api, tokens_api):
        app.include_router(module.router)
