"""A background export from the export page: POST /projects/{id}/export/jobs (the page's form
fields: profile, status, include_errors, split, seed) starts it and answers the progress fragment,
which polls GET /projects/{id}/export/jobs/{job} (htmx, every half second while it runs) and offers
POST …/cancel. JSON twins under /api/v1 (the same paths). The export permission is needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.services import export_jobs
from app.services.export_jobs import JobOut
from app.web.background import run_in_thread
from app.web.deps import ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.responder import respond

router = APIRouter()
Exportable = Annotated[ProjectAccess, Depends(project_for("export"))]
FRAGMENT = "exports/_job.html"


@router.post("/api/v1/projects/{project_id}/export/jobs", name="api_export_job_start", response_model=JobOut,
             status_code=202)
@router.post("/projects/{project_id}/export/jobs", name="export_job_start", response_model=None)
def start_job(request: Request, session: SessionDep, access: Exportable, models: ModelsDep,
              profile: Annotated[str, Form()] = "", include_errors: Annotated[bool, Form()] = False,
              status: Annotated[list[str], Form()] = [],  # noqa: B006
              split: Annotated[str, Form()] = "", seed: Annotated[str, Form()] = "") -> Response | JobOut:
    job = export_jobs.start(session, request.app.state.engine, request.app.state.snapshots, access.project,
                            access.user, models, profile, include_errors, status, split, seed)
    run_in_thread(job.run, f"tunelab-export-{job.state['job'][:8]}")
    return respond(request, job.out, FRAGMENT, status_code=202, project=access.project)


@router.get("/api/v1/projects/{project_id}/export/jobs/{job}", name="api_export_job", response_model=JobOut)
@router.get("/projects/{project_id}/export/jobs/{job}", name="export_job", response_model=None)
def job_status(request: Request, access: Exportable, job: str) -> Response | JobOut:
    page = export_jobs.status(request.app.state.snapshots, access.project, job)
    return respond(request, page, FRAGMENT, project=access.project)


@router.post("/api/v1/projects/{project_id}/export/jobs/{job}/cancel", name="api_export_job_cancel",
             response_model=JobOut)
@router.post("/projects/{project_id}/export/jobs/{job}/cancel", name="export_job_cancel", response_model=None)
def cancel_job(request: Request, access: Exportable, job: str) -> Response | JobOut:
    page = export_jobs.cancel(request.app.state.snapshots, access.project, job)
    return respond(request, page, FRAGMENT, project=access.project)
