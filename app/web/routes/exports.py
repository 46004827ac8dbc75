"""Export page and the streamed JSONL download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.core.profiles import profiles_for
from app.services import examples as example_service
from app.services import exports as export_service
from app.storage.tables import Project
from app.web.deps import ModelsDep, SessionDep, UserDep, project_for
from app.web.templating import render

router = APIRouter()
Exportable = Annotated[Project, Depends(project_for("export"))]


@router.get("/projects/{project_id}/export")
def export_page(request: Request, session: SessionDep, project: Exportable) -> Response:
    counts = example_service.level_counts(session, project)
    return render(request, "exports/index.html", {
        "project": project,
        "profiles": profiles_for(project.kind),
        "counts": counts,
        "total": sum(counts.values()),
    })


def download(request: Request, project: Project, user, models, profile: str, include_errors: bool) -> StreamingResponse:
    export = export_service.ExportRequest(profile=profile or project.export_profile, include_errors=include_errors)
    export_service.check_request(project, export)
    return StreamingResponse(
        export_service.stream_jsonl(request.app.state.engine, project, user, export, models),
        media_type="application/jsonl; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export_service.filename(project, export)}"',
                 "Cache-Control": "no-store"},
    )


@router.get("/projects/{project_id}/export.jsonl")
def export_file(request: Request, project: Exportable, user: UserDep, models: ModelsDep,
                profile: str = "", include_errors: Annotated[bool, Query()] = False) -> StreamingResponse:
    return download(request, project, user, models, profile, include_errors)
