"""The streamed JSONL download, shared by the export page's button and the JSON API (RFC 6266 names)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import StreamingResponse

from app.services import exports as export_service
from app.web.deps import ProjectAccess


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII `filename` for old clients and the exact name as UTF-8 in `filename*`."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(ch))
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in stripped)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(request: Request, session, access: ProjectAccess, models, profile: str, include_errors: bool,
             statuses: list[str]) -> StreamingResponse:
    project = access.project
    export = export_service.start(session, project, access.user, profile, include_errors, statuses)
    return StreamingResponse(
        export_service.stream_jsonl(request.app.state.engine, project, access.user, export, models),
        media_type="application/jsonl; charset=utf-8",
        headers={"Content-Disposition": content_disposition(export_service.filename(project, export)),
                 "Cache-Control": "no-store"},
    )
