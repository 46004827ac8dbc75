"""The example form (one per task type), its live panel, save/delete, and the examples list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.core.evaluate import Evaluation
from app.core.profiles import PROFILES, jsonl_line
from app.core.tasks import Example as ExampleValues
from app.services import examples as example_service
from app.services import projects as project_service
from app.services.errors import Invalid, Stale
from app.storage.tables import Example, Project, User
from app.web.deps import FormDep, ModelsDep, SessionDep, UserDep, project_for
from app.web.forms import example_values
from app.web.templating import is_htmx, render

router = APIRouter()
Viewable = Annotated[Project, Depends(project_for("view"))]
Annotatable = Annotated[Project, Depends(project_for("annotate"))]
LEVELS = ("error", "warning", "info", "ok")


@router.get("/projects/{project_id}/examples")
def list_page(request: Request, session: SessionDep, project: Viewable, level: str = "", label: str = "",
              before: int | None = None) -> Response:
    size = request.app.state.settings.page_size
    rows = example_service.list_examples(session, project, level=level if level in LEVELS else None,
                                         label=label or None, before_id=before, limit=size + 1)
    context = {
        "project": project,
        "settings": project_service.settings_of(project),
        "examples": rows[:size],
        "more": rows[size - 1].id if len(rows) > size else None,
        "counts": example_service.level_counts(session, project),
        "level": level,
        "label": label,
    }
    return render(request, "examples/list.html", context, block="rows" if is_htmx(request) and before else None)


def _editor(request: Request, project: Project, values: ExampleValues, evaluation: Evaluation, *,
            example: Example | None = None, errors: dict[str, str] | None = None, stale: Example | None = None,
            saved: int | None = None, nav: tuple[int | None, int | None] = (None, None), status_code: int = 200,
            block: str | None = None) -> Response:
    context = {
        "project": project,
        "settings": project_service.settings_of(project),
        "example": example,
        "values": values,
        "ev": evaluation,
        "profile": PROFILES[evaluation.rendered.profile],
        "errors": errors or {},
        "stale": stale,
        "stale_lines": _lines_of(request, project, stale) if stale is not None else [],
        "saved": saved,
        "prev_id": nav[0],
        "next_id": nav[1],
        "jsonl_line": jsonl_line,
    }
    return render(request, "examples/edit.html", context, block=block, status_code=status_code)


def _lines_of(request: Request, project: Project, example: Example) -> list[str]:
    from app.core.evaluate import evaluate

    ev = evaluate(project_service.settings_of(project), example_service.values_of(example), project.export_profile,
                  models=request.app.state.models)
    return ev.lines


@router.get("/projects/{project_id}/examples/new")
def new_page(request: Request, session: SessionDep, project: Annotatable, models: ModelsDep,
             saved: int | None = None) -> Response:
    values = ExampleValues(fields={}, output=None)
    evaluation = example_service.lint(session, project, values, models)
    return _editor(request, project, values, evaluation, saved=saved)


@router.get("/projects/{project_id}/examples/{example_id}")
def edit_page(request: Request, session: SessionDep, project: Viewable, models: ModelsDep, example_id: int,
              saved: int | None = None) -> Response:
    example = example_service.get_example(session, project, example_id)
    values = example_service.values_of(example)
    evaluation = example_service.lint(session, project, values, models, example_id)
    return _editor(request, project, values, evaluation, example=example, saved=saved,
                   nav=example_service.neighbours_in_list(session, project, example_id))


@router.post("/projects/{project_id}/lint")
def lint(request: Request, session: SessionDep, project: Annotatable, models: ModelsDep, form: FormDep) -> Response:
    """The live panel: called (debounced) while the user types; no write, one indexed lookup."""
    settings = project_service.settings_of(project)
    raw_id = str(form.get("example_id", ""))
    values = example_values(settings, form)
    profile = str(form.get("profile", "")) or None
    if profile not in PROFILES or project.kind not in PROFILES[profile].kinds:
        profile = None
    evaluation = example_service.lint(session, project, values, models, int(raw_id) if raw_id.isdigit() else None, profile)
    return _editor(request, project, values, evaluation, block="panel")


def _after_save(request: Request, project: Project, example: Example, after: str, session) -> Response:
    if after == "next":
        _, newer = example_service.neighbours_in_list(session, project, example.id)
        target = (f"/projects/{project.id}/examples/{newer}?saved={example.id}" if newer
                  else f"/projects/{project.id}/examples/new?saved={example.id}")
    else:
        target = f"/projects/{project.id}/examples/{example.id}?saved={example.id}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Location": target})
    return RedirectResponse(target, status_code=303)


def _save(request: Request, session, project: Project, user: User, models, form, example_id: int | None) -> Response:
    settings = project_service.settings_of(project)
    values = example_values(settings, form)
    raw_version = str(form.get("version", ""))
    after = str(form.get("after", "next"))
    try:
        saved = example_service.save(session, project, user, values, models, example_id,
                                     int(raw_version) if raw_version.isdigit() else None)
    except Invalid as exc:
        session.rollback()
        evaluation = exc.evaluation or example_service.lint(session, project, values, models, example_id)
        current = example_service.get_example(session, project, example_id) if example_id else None
        return _editor(request, project, values, evaluation, example=current, errors=exc.errors, status_code=422,
                       block="editor" if is_htmx(request) else None)
    except Stale as exc:
        session.rollback()
        return _editor(request, project, values, exc.mine, example=exc.current, stale=exc.current, status_code=409,
                       block="editor" if is_htmx(request) else None)
    return _after_save(request, project, saved.example, after, session)


@router.post("/projects/{project_id}/examples")
def create(request: Request, session: SessionDep, project: Annotatable, user: UserDep, models: ModelsDep,
           form: FormDep) -> Response:
    return _save(request, session, project, user, models, form, None)


@router.post("/projects/{project_id}/examples/{example_id}")
def update(request: Request, session: SessionDep, project: Annotatable, user: UserDep, models: ModelsDep,
           form: FormDep, example_id: int) -> Response:
    return _save(request, session, project, user, models, form, example_id)


@router.post("/projects/{project_id}/examples/{example_id}/delete")
def delete(request: Request, session: SessionDep, project: Annotatable, user: UserDep, form: FormDep,
           example_id: int) -> Response:
    raw_version = str(form.get("version", ""))
    example_service.delete(session, project, user, example_id, int(raw_version) if raw_version.isdigit() else None)
    target = f"/projects/{project.id}/examples"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Location": target})
    return RedirectResponse(target, status_code=303)
