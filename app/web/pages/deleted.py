"""/projects/{id}/deleted: the project's deleted examples, 50 a page (`before`; JSON twin
/api/v1/projects/{id}/deleted), and …/deleted/{eid}/restore, which puts one back: the Undo of the
toast after a delete posts there too (`then=examples` lands on the list, else on the example).
API: POST /api/v1/projects/{id}/deleted/{eid}/restore answers the restored example."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.wording import say
from app.services import trash
from app.services.pages.common import ExampleOut
from app.services.pages.deleted import DeletedPage, deleted_page
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.forms import Id
from app.web.responder import respond
from app.web.templating import go
from app.web.urls import url_for

router = APIRouter()
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]


@router.get("/api/v1/projects/{project_id}/deleted", name="api_deleted", response_model=DeletedPage)
@router.get("/projects/{project_id}/deleted", name="deleted", response_model=None)
def deleted(request: Request, session: SessionDep, access: Viewable, before: Id | None = None) -> Response | DeletedPage:
    return respond(request, deleted_page(session, access.project, access.user, access.role, before),
                   "examples/deleted.html", project=access.project, access=access)


@router.post("/projects/{project_id}/deleted/{example_id}/restore", name="example_restore")
def restore(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep,
            example_id: Id) -> Response:
    example = trash.restore(session, access.project, access.user, example_id, models, role=access.role)
    done = say("Example #{id} restored", id=example.id)
    if form.get("then") == "examples":
        return go(request, url_for(request, "examples", project_id=access.project.id, done=done))
    return go(request, url_for(request, "example", project_id=access.project.id, example_id=example.id, done=done))


@router.post("/api/v1/projects/{project_id}/deleted/{example_id}/restore", name="api_example_restore")
def restore_api(session: SessionDep, access: Annotatable, models: ModelsDep, example_id: Id) -> ExampleOut:
    return ExampleOut.of(trash.restore(session, access.project, access.user, example_id, models, role=access.role))
