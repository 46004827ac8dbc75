"""Project list, creation from a preset, and project settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.core.presets import PRESETS
from app.core.profiles import profiles_for
from app.core.project_settings import PROMPT_STYLES
from app.services import accounts
from app.services import projects as project_service
from app.services.errors import Invalid
from app.storage.tables import Project
from app.web.background import recheck_later
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, UserDep, project_for, user_of_request
from app.web.forms import settings_form
from app.web.templating import render

router = APIRouter()
Text = Annotated[str, Form()]
Configurable = Annotated[ProjectAccess, Depends(project_for("configure"))]


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    if accounts.needs_first_admin(session):
        return RedirectResponse("/setup", status_code=303)
    user = user_of_request(request, session)
    return render(request, "projects/index.html", {"projects": project_service.list_projects(session, user)})


@router.get("/projects/new")
def new_project_page(request: Request, user: UserDep, preset: str = "") -> Response:
    return render(request, "projects/new.html", {"presets": PRESETS, "errors": {}, "values": {"preset": preset}})


@router.post("/projects")
def create_project(request: Request, session: SessionDep, user: UserDep,
                   name: Text = "", preset: Text = "") -> Response:
    try:
        project = project_service.create_project(session, user, name, preset)
    except Invalid as exc:
        return render(request, "projects/new.html",
                      {"presets": PRESETS, "errors": exc.errors, "values": {"name": name, "preset": preset}}, status_code=422)
    return RedirectResponse(f"/projects/{project.id}/examples/new", status_code=303)


@router.get("/projects/{project_id}")
def project_home(access: Annotated[ProjectAccess, Depends(project_for("view"))]) -> Response:
    return RedirectResponse(f"/projects/{access.project.id}/examples", status_code=303)


def _settings_context(project: Project, models, errors=None, saved=False) -> dict:
    return {
        "project": project,
        "settings": project_service.settings_of(project),
        "models": models,
        "profiles": profiles_for(project.kind),
        "prompt_styles": PROMPT_STYLES,
        "errors": errors or {},
        "saved": saved,
    }


@router.get("/projects/{project_id}/settings")
def settings_page(request: Request, access: Configurable, models: ModelsDep) -> Response:
    return render(request, "projects/settings.html", _settings_context(access.project, models))


@router.post("/projects/{project_id}/settings")
def save_settings(request: Request, session: SessionDep, form: FormDep, models: ModelsDep,
                  access: Configurable, background: BackgroundTasks) -> Response:
    project = access.project
    try:
        project_service.update_settings(session, project, access.user, settings_form(form), models)
    except Invalid as exc:
        session.rollback()
        session.refresh(project)
        return render(request, "projects/settings.html", _settings_context(project, models, exc.errors), status_code=422)
    recheck_later(background, request, project.id)
    return render(request, "projects/settings.html", _settings_context(project, models, saved=True))
