"""Export page and the streamed JSONL download."""

from __future__ import annotations

import unicodedata
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.core.profiles import profiles_for
from app.services import dashboard as dashboard_service
from app.services import examples as example_service
from app.services import health as health_service
from app.services import exports as export_service
from app.web.deps import ModelsDep, ProjectAccess, SessionDep, project_for
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


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII `filename` for old clients and the exact name as UTF-8 in `filename*`."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(ch))
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in stripped)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(request: Request, session, access: ProjectAccess, models, profile: str, include_errors: bool,
             statuses: list[str]) -> StreamingResponse:
    project = access.project
    export = export_service.ExportRequest(profile=profile or project.export_profile, include_errors=include_errors,
                                          statuses=tuple(statuses) or export_service.DEFAULT_STATUSES)
    export_service.check_request(project, export)
    export_service.record_start(session, project, access.user, export)
    return StreamingResponse(
        export_service.stream_jsonl(request.app.state.engine, project, access.user, export, models),
        media_type="application/jsonl; charset=utf-8",
        headers={"Content-Disposition": content_disposition(export_service.filename(project, export)),
                 "Cache-Control": "no-store"},
    )


@router.get("/projects/{project_id}/export.jsonl")
def export_file(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
                include_errors: Annotated[bool, Query()] = False,
                status: Annotated[list[str], Query()] = []) -> StreamingResponse:  # noqa: B006
    return download(request, session, access, models, profile, include_errors, status)
