"""/projects/{id}/audit: the project's audit log, newest first, 100 a page (`before`); JSON twin
/api/v1/projects/{id}/audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.services.pages.audit import AuditPage, audit_page
from app.web.deps import ProjectAccess, SessionDep, project_for
from app.web.forms import Id
from app.web.responder import respond

router = APIRouter()
Managing = Annotated[ProjectAccess, Depends(project_for("members"))]


@router.get("/api/v1/projects/{project_id}/audit", name="api_audit", response_model=AuditPage)
@router.get("/projects/{project_id}/audit", name="audit", response_model=None)
def audit(request: Request, session: SessionDep, access: Managing, before: Id | None = None) -> Response | AuditPage:
    return respond(request, audit_page(session, access.project, before), "team/audit.html",
                   project=access.project, access=access)
