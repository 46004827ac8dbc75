"""/projects/{id}/bulk: the examples list's bulk actions (approve, reject, submit and approve, assign,
round-robin, labels)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.services import bulk as bulk_service
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.forms import int_or_none, ints
from app.web.templating import go
from app.web.urls import url_for

router = APIRouter()
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]


@router.post("/projects/{project_id}/bulk", name="bulk")
def bulk(request: Request, session: SessionDep, access: Viewable, form: FormDep, models: ModelsDep) -> Response:
    message = bulk_service.run(session, access.project, access.user, access.role, str(form.get("action", "")),
                               ints(form, "ids"), models=models, assignee=int_or_none(form.get("assignee")),
                               ways=int_or_none(form.get("ways")), sample=int_or_none(form.get("sample")))
    return go(request, url_for(request, "examples", project_id=access.project.id, done=message))
