"""/projects/{id}/items: add items (inputs without a label) to the labelling queue, one per line;
JSON twin /api/v1/projects/{id}/items (the fields a line gives)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.wording import say
from app.services import items as items_service
from app.services.errors import Invalid
from app.services.pages.items import ItemsPage, items_page
from app.services.projects import settings_of
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.responder import respond
from app.web.templating import go
from app.web.urls import url_for

router = APIRouter()
Assignable = Annotated[ProjectAccess, Depends(project_for("assign"))]


def _items(request: Request, access: ProjectAccess, text: str = "", errors=None, status_code: int = 200):
    return respond(request, items_page(access.project), "review/items.html", project=access.project, access=access,
                   settings=settings_of(access.project), text=text, errors=errors or {}, status_code=status_code)


@router.get("/api/v1/projects/{project_id}/items", name="api_items", response_model=ItemsPage)
@router.get("/projects/{project_id}/items", name="items", response_model=None)
def items(request: Request, access: Assignable) -> Response | ItemsPage:
    return _items(request, access)


@router.post("/projects/{project_id}/items", name="items_add")
def add_items(request: Request, session: SessionDep, access: Assignable, models: ModelsDep, form: FormDep) -> Response:
    text = str(form.get("items", ""))
    try:
        count = items_service.add_items(session, access.project, access.user, access.role, text, models)
    except Invalid as exc:
        session.rollback()
        return _items(request, access, text, exc.errors, 422)
    return go(request, url_for(request, "examples", project_id=access.project.id,
                               done=say("{count} items added to the labelling queue", count=count)))
