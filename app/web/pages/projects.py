"""/projects (create), /projects/new, /guide-projects ("start from the guide's examples"), /projects/{id}
(on to its examples) and /projects/{id}/settings; the project's JSON is /api/v1/projects/{id}. Everything under /projects/{id}/<x>/ lives in pages/<x>.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.core.wording import say
from app.core.presets import PRESETS
from app.core.profiles import profiles_for
from app.core.project_settings import PROMPT_STYLES
from app.services import guide as guide_service
from app.services import projects as project_service
from app.services.errors import Invalid
from app.services.pages.common import ProjectWithRole
from app.services.pages.projects import SettingsValues, project_page, stored_values, typed_values
from app.storage.tables import Project
from app.web.background import recheck_later
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, UserDep, project_for
from app.web.forms import settings_form
from app.web.templating import is_htmx, render
from app.web.urls import url_for

router = APIRouter()
Text = Annotated[str, Form()]
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
Configurable = Annotated[ProjectAccess, Depends(project_for("configure"))]


@router.get("/projects/new", name="project_new")
def new_project_page(request: Request, user: UserDep, preset: str = "") -> Response:
    return render(request, "projects/new.html", {"presets": PRESETS, "errors": {}, "values": {"preset": preset}})


@router.post("/projects", name="project_create")
def create_project(request: Request, session: SessionDep, user: UserDep,
                   name: Text = "", preset: Text = "") -> Response:
    try:
        project = project_service.create_project(session, user, name, preset)
    except Invalid as exc:
        return render(request, "projects/new.html",
                      {"presets": PRESETS, "errors": exc.errors, "values": {"name": name, "preset": preset}}, status_code=422)
    return RedirectResponse(url_for(request, "example_new", project_id=project.id), status_code=303)


@router.post("/guide-projects", name="guide_projects")
def start_from_guide(request: Request, session: SessionDep, user: UserDep, models: ModelsDep) -> Response:
    made = guide_service.start_from_guide(session, user, models)
    return RedirectResponse(url_for(request, "home", done=say("{count} projects made from the guide's examples, each "
                                                         "with its examples approved: open one, or export it",
                                                         count=len(made))),
                            status_code=303)


@router.post("/api/v1/guide-projects", name="api_guide_projects", status_code=201)
def start_from_guide_api(session: SessionDep, user: UserDep, models: ModelsDep) -> list[ProjectWithRole]:
    return [ProjectWithRole.of(project, role="owner") for project in guide_service.start_from_guide(session, user, models)]


@router.get("/projects/{project_id}", name="project")
def project_home(request: Request, access: Viewable) -> Response:
    return RedirectResponse(url_for(request, "examples", project_id=access.project.id), status_code=303)


@router.get("/api/v1/projects/{project_id}", name="api_project")
def project(access: Viewable) -> ProjectWithRole:
    return project_page(access.project, access.role)


def _settings_context(project: Project, models, errors=None, saved=False, shown: SettingsValues | None = None) -> dict:
    return {
        "project": project,
        "settings": project_service.settings_of(project),
        # What the inputs show: the stored values, or on a refused save every value as typed.
        "shown": shown or stored_values(project),
        "models": models,
        "profiles": profiles_for(project.kind),
        "prompt_styles": PROMPT_STYLES,
        "errors": errors or {},
        "saved": saved,
    }


@router.get("/projects/{project_id}/settings", name="settings")
def settings_page(request: Request, access: Configurable, models: ModelsDep) -> Response:
    return render(request, "projects/settings.html", _settings_context(access.project, models))


@router.post("/projects/{project_id}/settings", name="settings_save")
def save_settings(request: Request, session: SessionDep, form: FormDep, models: ModelsDep,
                  access: Configurable, background: BackgroundTasks) -> Response:
    """A refused save answers 422 with the page (htmx: its #settings-page block) showing what was typed."""
    project, typed = access.project, settings_form(form)
    block = "main" if is_htmx(request) else None
    try:
        project_service.update_settings(session, project, access.user, typed, models)
    except Invalid as exc:
        session.rollback()
        session.refresh(project)
        return render(request, "projects/settings.html",
                      _settings_context(project, models, exc.errors, shown=typed_values(project, typed)),
                      block=block, status_code=422)
    recheck_later(background, request, project.id)
    return render(request, "projects/settings.html", _settings_context(project, models, saved=True), block=block)
