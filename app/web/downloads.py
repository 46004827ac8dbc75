"""The downloads: the streamed JSONL export (the export page's button and the JSON API), a split
export (written whole into the snapshot store, then its zip, or the snapshot's page with a link per
file) and a snapshot's kept files (RFC 6266 names)."""

from __future__ import annotations

import os
import unicodedata
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse
from starlette.background import BackgroundTask

from app.core.wording import say
from app.services import export_writer
from app.services import exports as export_service
from app.services import snapshots as snapshot_service
from app.services.errors import Invalid
from app.services.snapshots import KeptFile
from app.web.deps import ProjectAccess
from app.web.urls import url_for


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII `filename` for old clients and the exact name as UTF-8 in `filename*`."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(ch))
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in stripped)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(request: Request, session, access: ProjectAccess, models, profile: str, include_errors: bool,
             statuses: list[str], split: str = "", seed: str = "", zipped: bool = False):
    """The export as asked. Without a split: the file, streamed as it is written (and kept). With a
    split: both files written into the store, then the zip (`zipped`) or the snapshot's page."""
    project = access.project
    chosen = export_service.split_of(split, seed)
    if zipped and chosen is None:
        raise Invalid({"split": say("A zip holds a split's two files: give the validation share (e.g. split=0.1).")})
    export = export_service.start(session, project, access.user, profile, include_errors, statuses, chosen)
    store, engine = request.app.state.snapshots, request.app.state.engine
    if export.split is None:
        return StreamingResponse(
            export_writer.stream_jsonl(engine, project, access.user, export, models, store),
            media_type="application/jsonl; charset=utf-8",
            headers={"Content-Disposition": content_disposition(export_service.filename(project, export)),
                     "Cache-Control": "no-store"},
        )
    tally = export_writer.write_all(engine, project, access.user, export, models, store)
    if zipped:
        return send(snapshot_service.kept_zip(session, store, project, tally.snapshot_id))
    twin = "api_snapshot" if request.url.path.startswith("/api/") else "snapshot"
    return RedirectResponse(url_for(request, twin, project_id=project.id, snapshot_id=tally.snapshot_id),
                            status_code=303)


def send(kept: KeptFile) -> FileResponse:
    """A kept file (already checked against its SHA-256), or a zip made for this download (removed
    once sent)."""
    media = "application/zip" if kept.download_name.endswith(".zip") else "application/jsonl; charset=utf-8"
    headers = {"Content-Disposition": content_disposition(kept.download_name), "Cache-Control": "no-store"}
    if kept.sha256:
        headers["X-Content-SHA256"] = kept.sha256  # as the snapshot recorded it
    background = BackgroundTask(os.unlink, kept.path) if kept.temporary else None
    return FileResponse(kept.path, media_type=media, headers=headers, background=background)
