"""/projects/{id}/export (the profiles by provider and the preflight of the chosen profile and states,
`?profile=KEY&status=S&include_errors=true`, run on every load up to TUNELAB_EXPORT_CHECK_MAX examples
and above that with `&check=true`; JSON twin /api/v1/projects/{id}/export) and the streamed
download /projects/{id}/export.jsonl (also /api/v1/projects/{id}/export.jsonl), with the same query."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.services import exports as export_service
from app.services.pages.export import ExportPage
from app.services.pages.export import export_page as preflight
from app.web.deps import ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.downloads import download
from app.web.responder import respond

router = APIRouter()
Exportable = Annotated[ProjectAccess, Depends(project_for("export"))]
JSONL = {200: {"description": "The export, one JSON object per line",
               "content": {"application/jsonl": {"schema": {"type": "string"}}}}}


@router.get("/api/v1/projects/{project_id}/export", name="api_export", response_model=ExportPage)
@router.get("/projects/{project_id}/export", name="export", response_model=None)
def export_page(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
                include_errors: Annotated[bool, Query()] = False,
                status: Annotated[list[str], Query()] = [],  # noqa: B006
                check: Annotated[bool, Query(description="run the preflight however many examples")] = False,
                ) -> Response | ExportPage:
    chosen = export_service.make_request(access.project, profile, include_errors, status)
    page = preflight(session, access.project, access.user, access.role, models, chosen, check,
                     request.app.state.settings.export_check_max)
    return respond(request, page, "exports/index.html", project=access.project, access=access)


@router.get("/api/v1/projects/{project_id}/export.jsonl", name="api_export_file", response_class=StreamingResponse,
            responses=JSONL)
@router.get("/projects/{project_id}/export.jsonl", name="export_file", response_class=StreamingResponse)
def export(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
                include_errors: Annotated[bool, Query()] = False,
                status: Annotated[list[str], Query()] = []) -> StreamingResponse:  # noqa: B006
    return download(request, session, access, models, profile, include_errors, status)
