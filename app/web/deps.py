"""Dependencies: the DB session, the signed-in user, and the one "who may do this" check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from app.core.models import ModelTable
from app.services import accounts
from app.services import projects as project_service
from app.services.errors import Forbidden
from app.storage.tables import Project, User


async def read_form(request: Request) -> FormData:
    """The posted form, parsed before a sync handler runs (fields repeat: turns, labels, rows)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


class SignInRequired(Exception):
    """No signed-in user: HTML pages redirect to /login, the API answers 401."""


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_models(request: Request) -> ModelTable:
    return request.app.state.models


ModelsDep = Annotated[ModelTable, Depends(get_models)]


def current_user(request: Request, session: SessionDep) -> User:
    """The user of a session cookie (pages) or of a bearer token (the JSON API)."""
    user = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = accounts.user_for_token(session, auth[7:].strip())
    elif "session" in request.scope:
        user = accounts.active_user(session, request.session.get("user_id"))
    if user is None:
        raise SignInRequired()
    request.state.user = user
    return user


UserDep = Annotated[User, Depends(current_user)]

# Actions a user may take; roles (a later issue) will refine `may()` and nothing else.
ACTIONS = ("view", "annotate", "configure", "export", "create_project", "admin")


def may(user: User, action: str, project: Project | None = None) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action == "admin":
        return user.is_admin
    return user.is_active


def project_for(action: str):
    """Dependency: the project in the path, if the signed-in user may do `action` on it."""

    def dependency(project_id: int, user: UserDep, session: SessionDep) -> Project:
        project = project_service.get_project(session, project_id)
        if not may(user, action, project):
            raise Forbidden(f"You may not {action} in project {project.name!r}.")
        return project

    return dependency


def allowed(action: str):
    """Dependency for actions outside a project (creating a project, admin pages)."""

    def dependency(user: UserDep) -> User:
        if not may(user, action):
            raise Forbidden(f"You may not {action.replace('_', ' ')}.")
        return user

    return dependency
