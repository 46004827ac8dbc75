"""/projects/{id}/snapshots (every export of the project, newest first; JSON twin
/api/v1/projects/{id}/snapshots), one snapshot /projects/{id}/snapshots/{sid} (twin under /api/v1)
and its kept files: …/files/{role} (role: all, train or validation) and …/zip, byte for byte as
exported. The export permission is needed, as for the export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from app.services import snapshots as snapshot_service
from app.services.snapshots import SnapshotOut, SnapshotsPage
from app.web.deps import ProjectAccess, SessionDep, project_for
from app.web.downloads import send
from app.web.forms import Id
from app.web.responder import respond

router = APIRouter()
Exportable = Annotated[ProjectAccess, Depends(project_for("export"))]
KEPT = {200: {"description": "The kept file, byte for byte as exported",
              "content": {"application/jsonl": {"schema": {"type": "string"}},
                          "application/zip": {"schema": {"type": "string", "format": "binary"}}}}}  # 410 (missing or changed kept file): the shared error model


@router.get("/api/v1/projects/{project_id}/snapshots", name="api_snapshots", response_model=SnapshotsPage)
@router.get("/projects/{project_id}/snapshots", name="snapshots", response_model=None)
def snapshots(request: Request, session: SessionDep, access: Exportable) -> Response | SnapshotsPage:
    page = snapshot_service.snapshots_page(session, access.project)
    return respond(request, page, "exports/snapshots.html", project=access.project, access=access)


@router.get("/api/v1/projects/{project_id}/snapshots/{snapshot_id}", name="api_snapshot", response_model=SnapshotOut)
@router.get("/projects/{project_id}/snapshots/{snapshot_id}", name="snapshot", response_model=None)
def snapshot(request: Request, session: SessionDep, access: Exportable, snapshot_id: Id) -> Response | SnapshotOut:
    page = snapshot_service.snapshot(session, access.project, snapshot_id)
    return respond(request, page, "exports/snapshot.html", project=access.project, access=access)


@router.get("/api/v1/projects/{project_id}/snapshots/{snapshot_id}/files/{role}", name="api_snapshot_file",
            response_class=FileResponse, responses=KEPT)
@router.get("/projects/{project_id}/snapshots/{snapshot_id}/files/{role}", name="snapshot_file",
            response_class=FileResponse)
def snapshot_file(request: Request, session: SessionDep, access: Exportable, snapshot_id: Id, role: str) -> Response:
    return send(snapshot_service.kept_file(session, request.app.state.snapshots, access.project, snapshot_id, role))


@router.get("/api/v1/projects/{project_id}/snapshots/{snapshot_id}/zip", name="api_snapshot_zip",
            response_class=FileResponse, responses=KEPT)
@router.get("/projects/{project_id}/snapshots/{snapshot_id}/zip", name="snapshot_zip", response_class=FileResponse)
def snapshot_zip(request: Request, session: SessionDep, access: Exportable, snapshot_id: Id) -> Response:
    return send(snapshot_service.kept_zip(session, request.app.state.snapshots, access.project, snapshot_id))
