"""Export page and the streamed JSONL download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.core.profiles import profiles_for
from app.services import dashboard as dashboard_service
from app.services import examples as example_service
from app.services import health as health_service
from app.services import exports as export_service
from app.web.deps import ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.downloads import download
from app.web.templating import render

router = APIRouter()
Exportable = Annotated[ProjectAccess, Depends(project_for("export"))]


@router.get("/projects/{project_id}/export")
def export_page(request: Request, session: SessionDep, access: Exportable, models: ModelsDep) -> Response:
    board = dashboard_service.dashboard(session, access.project, access.role)
    health = health_service.report(session, access.project, access.role, models)
    return render(request, "exports/index.html", {
        "preflight": [f for f in health.findings if f.level in ("error", "warning")],
        "project": access.project, "access": access, "profiles": profiles_for(access.project.kind),
        "levels": example_service.level_counts(session, access.project), "states": board.states, "total": board.total,
        "default_states": export_service.DEFAULT_STATUSES,
    })


@router.get("/projects/{project_id}/export.jsonl")
def export_file(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
                include_errors: Annotated[bool, Query()] = False,
                status: Annotated[list[str], Query()] = []) -> StreamingResponse:  # noqa: B006
    return download(request, session, access, models, profile, include_errors, status)
