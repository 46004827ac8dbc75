"""/projects/{id}/export (the profiles by provider and the preflight of the chosen profile, states and
split, `?profile=KEY&status=S&include_errors=true&split=0.1&seed=42`, run on every load up to
TUNELAB_EXPORT_CHECK_MAX examples and above that with `&check=true`; JSON twin
/api/v1/projects/{id}/export), the streamed download /projects/{id}/export.jsonl (with a split: the
snapshot's page, a link per file) and a split's zip /projects/{id}/export.zip (also under /api/v1),
with the same query. Every download is kept as a snapshot (snapshots.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from app.services import exports as export_service
from app.services.pages.export import ExportPage
from app.services.pages.export import export_page as preflight
from app.web.deps import ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.downloads import download
from app.web.responder import respond

router = APIRouter()
Exportable = Annotated[ProjectAccess, Depends(project_for("export"))]
JSONL = {200: {"description": "The export, one JSON object per line",
               "content": {"application/jsonl": {"schema": {"type": "string"}}}},
         303: {"description": "A split export: the snapshot holding its two files"}}
ZIP = {200: {"description": "A split export: train.jsonl and validation.jsonl in one zip",
             "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}


@router.get("/api/v1/projects/{project_id}/export", name="api_export", response_model=ExportPage)
@router.get("/projects/{project_id}/export", name="export", response_model=None)
def export_page(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
                include_errors: Annotated[bool, Query()] = False,
                status: Annotated[list[str], Query()] = [],  # noqa: B006
                check: Annotated[bool, Query(description="run the preflight however many examples")] = False,
                split: Annotated[str, Query(description="validation share, 0 < split < 1; empty: no split")] = "",
                seed: Annotated[str, Query(description="the split's seed, a whole number (default 0)")] = "",
                ) -> Response | ExportPage:
    chosen = export_service.make_request(access.project, profile, include_errors, status,
                                         export_service.split_of(split, seed))
    page = preflight(session, access.project, access.user, access.role, models, chosen, check,
                     request.app.state.settings.export_check_max)
    return respond(request, page, "exports/index.html", project=access.project, access=access)


@router.get("/api/v1/projects/{project_id}/export.jsonl", name="api_export_file", response_class=StreamingResponse,
            responses=JSONL)
@router.get("/projects/{project_id}/export.jsonl", name="export_file", response_class=StreamingResponse)
def export(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
           include_errors: Annotated[bool, Query()] = False,
           status: Annotated[list[str], Query()] = [],  # noqa: B006
           split: str = "", seed: str = "") -> Response:
    return download(request, session, access, models, profile, include_errors, status, split, seed)


@router.get("/api/v1/projects/{project_id}/export.zip", name="api_export_zip", response_class=FileResponse,
            responses=ZIP)
@router.get("/projects/{project_id}/export.zip", name="export_zip", response_class=FileResponse)
def export_zip(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
               include_errors: Annotated[bool, Query()] = False,
               status: Annotated[list[str], Query()] = [],  # noqa: B006
               split: str = "", seed: str = "") -> Response:
    return download(request, session, access, models, profile, include_errors, status, split, seed, zipped=True)
