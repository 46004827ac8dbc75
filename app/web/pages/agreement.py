"""/projects/{id}/agreement: inter-annotator agreement and the disagreements to adjudicate; JSON twin
/api/v1/projects/{id}/agreement. Adjudicating is an example action: pages/examples/review.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.services.pages.agreement import AgreementPage, agreement_page
from app.services.projects import settings_of
from app.web.deps import ProjectAccess, SessionDep, project_for
from app.web.responder import respond

router = APIRouter()
ViewAll = Annotated[ProjectAccess, Depends(project_for("view_all"))]


@router.get("/api/v1/projects/{project_id}/agreement", name="api_agreement", response_model=AgreementPage)
@router.get("/projects/{project_id}/agreement", name="agreement", response_model=None)
def agreement(request: Request, session: SessionDep, access: ViewAll) -> Response | AgreementPage:
    return respond(request, agreement_page(session, access.project, access.role), "review/agreement.html",
                   project=access.project, access=access, settings=settings_of(access.project))
