"""The example form (one per task type), its live panel, save/delete, and the examples list."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.profiles import PROFILES
from app.core.project_settings import ExampleValues
from app.services import examples as example_service
from app.services import history
from app.services import projects as project_service
from app.services import review as review_service
from app.services.errors import Invalid, Stale
from app.services.permissions import allows, may_edit_example
from app.storage.tables import Example
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, late_write, project_for
from app.web.forms import Id, example_values, int_or_none
from app.web.templating import go, is_htmx, render

router = APIRouter()
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]
LEVELS = ("error", "warning", "info", "ok")
STATUSES = ("draft", "submitted", "approved", "changes_requested", "rejected")


@router.get("/projects/{project_id}/examples")
def list_page(request: Request, session: SessionDep, access: Viewable, level: str = "", label: str = "",
              status: str = "", code: str = "", before: Id | None = None) -> Response:
    project = access.project
    size = request.app.state.settings.page_size
    rows = example_service.list_examples(session, project, level=level if level in LEVELS else None, label=label or None,
                                         status=status if status in STATUSES else None, before_id=before,
                                         limit=size + 1, user=access.user, role=access.role, code=code or None)
    context = {
        "project": project, "access": access, "settings": project_service.settings_of(project),
        "examples": rows[:size], "more": rows[size - 1].id if len(rows) > size else None,
        "counts": example_service.level_counts(session, project), "level": level, "label": label, "status": status,
        "code": code,
        "statuses": STATUSES, "members": project_service.members(session, project) if allows(access.role, "assign") else [],
    }
    return render(request, "examples/list.html", context, block="rows" if is_htmx(request) and before else None)


def _editor(request: Request, session, access: ProjectAccess, values: ExampleValues, evaluation, *,
            example: Example | None = None, errors: dict[str, str] | None = None, stale: Example | None = None,
            status_code: int = 200, block: str | None = None) -> Response:
    project = access.project
    context = {
        "project": project, "access": access, "settings": project_service.settings_of(project),
        "example": example, "values": values, "ev": evaluation, "profile": PROFILES[evaluation.rendered.profile],
        "errors": errors or {}, "stale": stale, "saved": int_or_none(request.query_params.get("saved")),
        "opened_at": int(time.time()),
        "stale_lines": example_service.export_lines(project, stale, request.app.state.models) if stale else [],
        "can_edit": example is None or may_edit_example(access.role, access.user, example),
        "can_review": allows(access.role, "review"),
    }
    context["thread"], context["revisions"], context["prev_id"], context["next_id"] = [], [], None, None
    if example is not None and block != "panel":
        context["thread"] = history.thread(session, example)
        context["revisions"] = history.revisions(session, example)
        context["prev_id"], context["next_id"] = example_service.neighbours_in_list(session, project, example.id)
    return render(request, "examples/edit.html", context, block=block, status_code=status_code)


@router.get("/projects/{project_id}/examples/new")
def new_page(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep) -> Response:
    values = ExampleValues(fields={}, output=None)
    return _editor(request, session, access, values, example_service.lint(session, access.project, values, models,
                                                                                user=access.user, role=access.role))


@router.get("/projects/{project_id}/examples/{example_id}")
def edit_page(request: Request, session: SessionDep, access: Viewable, models: ModelsDep, example_id: Id) -> Response:
    example = example_service.visible_example(session, access.project, access.user, access.role, example_id)
    values = example_service.values_of(example)
    evaluation = example_service.lint(session, access.project, values, models, example_id, user=access.user,
                                      role=access.role)
    return _editor(request, session, access, values, evaluation, example=example)


@router.post("/projects/{project_id}/lint")
@late_write
def lint(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep) -> Response:
    """The live panel: called (debounced) while the user types; no write, one indexed lookup."""
    project = access.project
    values = example_values(project_service.settings_of(project), form)
    profile = str(form.get("profile", "")) or None
    if profile not in PROFILES or project.kind not in PROFILES[profile].kinds:
        profile = None
    evaluation = example_service.lint(session, project, values, models, int_or_none(form.get("example_id")), profile,
                                      user=access.user, role=access.role)
    return _editor(request, session, access, values, evaluation, block="panel")


def _save(request: Request, session, access: ProjectAccess, models, form, example_id: int | None) -> Response:
    project = access.project
    values = example_values(project_service.settings_of(project), form)
    opened = int_or_none(form.get("opened_at"))
    version = int_or_none(form.get("version"))  # out of the try: a refused number is no reason to roll back
    after = str(form.get("after", "next"))
    save = review_service.save_and_submit if after == "submit" else example_service.save
    try:
        saved = save(session, project, access.user, values, models, example_id, version,
                     role=access.role, work_seconds=int(time.time()) - opened if opened else None)
    except Invalid as exc:
        session.rollback()
        evaluation = exc.evaluation or example_service.lint(session, project, values, models, example_id,
                                                            user=access.user, role=access.role)
        current = example_service.get_example(session, project, example_id) if example_id else None
        return _editor(request, session, access, values, evaluation, example=current, errors=exc.errors,
                       status_code=422, block="editor" if is_htmx(request) else None)
    except Stale as exc:
        session.rollback()
        return _editor(request, session, access, values, exc.mine, example=exc.current, stale=exc.current,
                       status_code=409, block="editor" if is_htmx(request) else None)
    if after in ("next", "submit"):
        return go(request, f"/projects/{project.id}/next?saved={saved.example.id}")
    return go(request, f"/projects/{project.id}/examples/{saved.example.id}?saved={saved.example.id}")


@router.post("/projects/{project_id}/examples")
@late_write
def create(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep) -> Response:
    return _save(request, session, access, models, form, None)


@router.post("/projects/{project_id}/examples/{example_id}")
@late_write
def update(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep,
           example_id: Id) -> Response:
    return _save(request, session, access, models, form, example_id)


@router.post("/projects/{project_id}/examples/{example_id}/delete")
def delete(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep,
           example_id: Id) -> Response:
    example_service.delete(session, access.project, access.user, example_id, models, int_or_none(form.get("version")),
                           role=access.role)
    return go(request, f"/projects/{access.project.id}/examples")
