"""The example form: /projects/{id}/examples/new, /{eid} (open, save), /{eid}/delete, and the API's
create (POST /api/v1/projects/{id}/examples), read (GET …/{eid}, the form's JSON twin) and update (PUT)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.wording import say
from app.core.project_settings import ExampleValues
from app.services import examples as example_service
from app.services.pages.common import ExampleOut, EvaluationOut, SavedExampleOut
from app.services.pages.editor import save_from_form
from app.services.pages.examples import example_of
from app.services.projects import settings_of
from app.web.bodies import ExampleIn
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, late_write, project_for
from app.web.forms import Id, example_values, int_or_none
from app.web.example_form import editor
from app.web.templating import go, is_htmx
from app.web.urls import url_for

router = APIRouter()
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]


@router.get("/projects/{project_id}/examples/new", name="example_new")
def new_form(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep) -> Response:
    values = ExampleValues(fields={}, output=None)
    return editor(request, session, access, values, example_service.lint(session, access.project, values, models,
                                                                           user=access.user, role=access.role))


@router.get("/projects/{project_id}/examples/{example_id}", name="example")
def edit_form(request: Request, session: SessionDep, access: Viewable, models: ModelsDep, example_id: Id) -> Response:
    example = example_service.visible_example(session, access.project, access.user, access.role, example_id)
    values = example_service.values_of(example)
    evaluation = example_service.lint(session, access.project, values, models, example_id, user=access.user,
                                      role=access.role)
    return editor(request, session, access, values, evaluation, example=example)


@router.get("/api/v1/projects/{project_id}/examples/{example_id}", name="api_example")
def example(session: SessionDep, access: Viewable, example_id: Id) -> ExampleOut:
    return example_of(session, access.project, access.user, access.role, example_id)


def _save(request: Request, session, access: ProjectAccess, models, form, example_id: int | None) -> Response:
    project = access.project
    values = example_values(settings_of(project), form)
    after = str(form.get("after", "next"))
    outcome = save_from_form(session, project, access.user, access.role, values, models, example_id,
                             int_or_none(form.get("version")), after, int_or_none(form.get("opened_at")))
    if outcome.saved is None:
        return editor(request, session, access, values, outcome.evaluation, example=outcome.current,
                      errors=outcome.errors, stale=outcome.stale, status_code=outcome.status_code,
                      block="editor" if is_htmx(request) else None)
    saved = outcome.saved.example.id
    if after in ("next", "submit"):
        return go(request, url_for(request, "queue", project_id=project.id, saved=saved))
    return go(request, url_for(request, "example", project_id=project.id, example_id=saved, saved=saved))


@router.post("/projects/{project_id}/examples", name="example_create")
@late_write
def create_form(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep) -> Response:
    return _save(request, session, access, models, form, None)


@router.post("/projects/{project_id}/examples/{example_id}", name="example_save")
@late_write
def save_form(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep,
           example_id: Id) -> Response:
    return _save(request, session, access, models, form, example_id)


@router.post("/projects/{project_id}/examples/{example_id}/delete", name="example_delete")
def delete(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep,
           example_id: Id) -> Response:
    example_service.delete(session, access.project, access.user, example_id, models, int_or_none(form.get("version")),
                           role=access.role)
    return go(request, url_for(request, "examples", project_id=access.project.id,
                               done=say("Example #{id} deleted", id=example_id),
                               undo=example_id))


def _saved(saved) -> SavedExampleOut:
    return SavedExampleOut.of(saved.example, evaluation=EvaluationOut.of(saved.evaluation))


@router.post("/api/v1/projects/{project_id}/examples", name="api_example_create", status_code=201)
@late_write
def create(session: SessionDep, access: Annotatable, models: ModelsDep, body: ExampleIn) -> SavedExampleOut:
    return _saved(example_service.save(session, access.project, access.user, ExampleValues(body.fields, body.output),
                                       models, role=access.role))


@router.put("/api/v1/projects/{project_id}/examples/{example_id}", name="api_example_save")
@late_write
def update(session: SessionDep, access: Annotatable, models: ModelsDep, body: ExampleIn,
                example_id: Id) -> SavedExampleOut:
    return _saved(example_service.save(session, access.project, access.user, ExampleValues(body.fields, body.output),
                                       models, example_id, body.version, role=access.role))
