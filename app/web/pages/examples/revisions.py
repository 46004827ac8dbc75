"""/projects/{id}/examples/{eid}/revisions/{v}/restore: save what revision v gave the example as a new
revision (the normal save: reviewed like any edit); the form sends the `version` the page showed, a
stale one is refused (409). API: POST /api/v1/…/revisions/{v}/restore with {"version": n}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.wording import say
from app.services import history
from app.services.pages.common import EvaluationOut, SavedExampleOut
from app.web.bodies import TextIn
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, late_write, project_for
from app.web.forms import Id, int_or_none
from app.web.templating import go
from app.web.urls import url_for

router = APIRouter()
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]


class RestoreIn(TextIn):
    version: int  # the example's version the caller looked at: restoring over a newer one is refused (409)


@router.post("/projects/{project_id}/examples/{example_id}/revisions/{revision}/restore",
             name="example_restore_revision")
@late_write
def restore_revision(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep,
                     example_id: Id, revision: Id) -> Response:
    saved = history.restore_revision(session, access.project, access.user, access.role, example_id, revision,
                                     int_or_none(form.get("version")), models)
    return go(request, url_for(request, "example", project_id=access.project.id, example_id=example_id,
                               done=say("Revision v{revision:d} restored as v{version:d}", revision=revision,
                                        version=saved.example.version)))


@router.post("/api/v1/projects/{project_id}/examples/{example_id}/revisions/{revision}/restore",
             name="api_example_restore_revision")
@late_write
def restore_revision_api(session: SessionDep, access: Annotatable, models: ModelsDep, body: RestoreIn,
                         example_id: Id, revision: Id) -> SavedExampleOut:
    saved = history.restore_revision(session, access.project, access.user, access.role, example_id, revision,
                                     body.version, models)
    return SavedExampleOut.of(saved.example, evaluation=EvaluationOut.of(saved.evaluation))
