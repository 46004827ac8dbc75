"""/projects/{id}/import: upload a file (the body itself, streamed to disk: `POST …/import?filename=`;
twin POST /api/v1/projects/{id}/imports), then /projects/{id}/import/{job}: the preview as asked
(`?profile=&format=&column.<target>=COLUMN&state=&valid_only=true`), `…/start` (the same fields,
posted), `…/progress` (the bar, polled by htmx while the import runs) and `…/cancel`."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.services import import_jobs, imports
from app.services.pages import imports as pages
from app.web.deps import ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.responder import is_twin, respond
from app.web.urls import url_for

router = APIRouter()
Importer = Annotated[ProjectAccess, Depends(project_for("import"))]
IMPORT_UPLOAD = re.compile(r"(/api/v1)?/projects/[0-9]+/(import|imports)")  # their bodies are files (own limit)
TEMPLATE = "imports/job.html"


def _ask(values) -> imports.ImportAsk:
    """What the preview or the start asks for, from the query or the posted form."""
    mapping = {key.removeprefix("column."): str(value) for key, value in values.items() if key.startswith("column.")}
    return imports.ImportAsk(path=None, profile=str(values.get("profile", "")), format=str(values.get("format", "")),
                             mapping=mapping, state=str(values.get("state", imports.DEFAULT_STATE)),
                             valid_only=str(values.get("valid_only", "")).lower() in ("true", "on", "1"))


@router.get("/api/v1/projects/{project_id}/import", name="api_import", response_model=pages.ImportFormPage)
@router.get("/projects/{project_id}/import", name="import", response_model=None)
def import_form(request: Request, access: Importer) -> Response | pages.ImportFormPage:
    page = pages.form_page(access.project, access.role, request.app.state.settings.import_max_bytes)
    return respond(request, page, "imports/index.html", project=access.project, access=access)


@router.post("/api/v1/projects/{project_id}/imports", name="api_import_upload", status_code=201,
             response_model=pages.ImportJobPage)
@router.post("/projects/{project_id}/import", name="import_upload", response_model=None)
async def upload(request: Request, access: Importer, filename: str = "") -> Response:
    settings = request.app.state.settings
    job_id = await import_jobs.receive(settings.import_dir, access.project, access.user, access.role, filename,
                                       request.stream(), settings.import_max_bytes)
    return _to_job(request, access, job_id)


def _to_job(request: Request, access: ProjectAccess, job_id: str) -> RedirectResponse:
    name = "api_import_job" if is_twin(request) else "import_job"
    return RedirectResponse(url_for(request, name, project_id=access.project.id, job_id=job_id), status_code=303)


@router.get("/api/v1/projects/{project_id}/import/{job_id}", name="api_import_job", response_model=pages.ImportJobPage)
@router.get("/projects/{project_id}/import/{job_id}", name="import_job", response_model=None)
def job(request: Request, session: SessionDep, access: Importer, models: ModelsDep,
        job_id: str) -> Response | pages.ImportJobPage:
    page = pages.job_page(session, request.app.state.settings.import_dir, access.project, access.role, job_id,
                          _ask(request.query_params), models)
    return respond(request, page, TEMPLATE, project=access.project, access=access)


@router.get("/projects/{project_id}/import/{job_id}/progress", name="import_job_progress", response_model=None)
def progress(request: Request, session: SessionDep, access: Importer, models: ModelsDep, job_id: str) -> Response:
    page = pages.job_page(session, request.app.state.settings.import_dir, access.project, access.role, job_id,
                          _ask({}), models)
    return respond(request, page, TEMPLATE, block="status", project=access.project, access=access)


@router.post("/api/v1/projects/{project_id}/import/{job_id}/start", name="api_import_job_start", status_code=303)
@router.post("/projects/{project_id}/import/{job_id}/start", name="import_job_start")
async def start(request: Request, access: Importer, models: ModelsDep, job_id: str) -> Response:
    form = await request.form()
    settings = request.app.state.settings
    pages.start(settings.import_dir, request.app.state.engine, models, access.project, access.user, access.role,
                job_id, _ask(form))
    return _to_job(request, access, job_id)


@router.post("/api/v1/projects/{project_id}/import/{job_id}/cancel", name="api_import_job_cancel", status_code=303)
@router.post("/projects/{project_id}/import/{job_id}/cancel", name="import_job_cancel")
def cancel(request: Request, access: Importer, job_id: str) -> Response:
    import_jobs.cancel(request.app.state.settings.import_dir, access.project, access.role, job_id)
    return _to_job(request, access, job_id)
