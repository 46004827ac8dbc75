"""/projects/{id}/team: examples per state and each member's work; JSON twin /api/v1/projects/{id}/team."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.services.pages.team import TeamPage, team_page
from app.web.deps import ProjectAccess, SessionDep, project_for
from app.web.responder import respond

router = APIRouter()
ViewAll = Annotated[ProjectAccess, Depends(project_for("view_all"))]


@router.get("/api/v1/projects/{project_id}/team", name="api_team", response_model=TeamPage)
@router.get("/projects/{project_id}/team", name="team", response_model=None)
def team(request: Request, session: SessionDep, access: ViewAll) -> Response | TeamPage:
    return respond(request, team_page(session, access.project, access.role), "team/dashboard.html",
                   project=access.project, access=access)
