"""Export: stream the JSONL of a project for one profile, batch by batch, never the whole file.

Lines come from `core.evaluate` (the panel's path); examples with an error-level finding are
left out unless the caller asks for them, and counted. When the stream ends, an ExportSnapshot
records the rows, the skipped examples and the SHA-256 of exactly the bytes sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.evaluate import evaluate
from app.core.model_table import ModelTable
from app.core.profiles import PROFILES
from app.services import audit
from app.services.errors import Invalid
from app.storage import examples as store
from app.storage.db import begin_write, session_scope
from app.storage.tables import ExportSnapshot, Project, User
from app.services.examples import values_of
from app.services.parsed_settings import settings_of

STATUSES = ("draft", "submitted", "approved", "changes_requested", "rejected")
DEFAULT_STATUSES = ("approved",)


@dataclass(frozen=True)
class ExportRequest:
    profile: str
    include_errors: bool = False
    statuses: tuple[str, ...] = DEFAULT_STATUSES


def check_request(project: Project, request: ExportRequest) -> None:
    profile = PROFILES.get(request.profile)
    if profile is None or project.kind not in profile.kinds:
        usable = ", ".join(p.key for p in PROFILES.values() if project.kind in p.kinds)
        raise Invalid({"profile": f"Profile {request.profile!r} cannot write a {project.kind} project; use {usable}."})
    if request.statuses and not set(request.statuses) <= set(STATUSES):
        raise Invalid({"statuses": f"Unknown state; states are {', '.join(STATUSES)}."})


def record_start(session, project: Project, user: User, request: ExportRequest) -> None:
    """Note the export in the project's audit log (the snapshot row is written when the stream ends)."""
    begin_write(session)
    audit.record(session, project, user, "export", {"profile": request.profile, "statuses": list(request.statuses),
                                                    "include_errors": request.include_errors})
    session.commit()


def start(session, project: Project, user: User, profile: str = "", include_errors: bool = False,
          statuses: tuple[str, ...] | list[str] = ()) -> ExportRequest:
    """A download as asked (defaults: the project's profile, approved examples), checked and audited."""
    request = ExportRequest(profile=profile or project.export_profile, include_errors=include_errors,
                            statuses=tuple(statuses) or DEFAULT_STATUSES)
    check_request(project, request)
    record_start(session, project, user, request)
    return request


def filename(project: Project, request: ExportRequest) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in project.name.lower()).strip("-") or "project"
    return f"{slug}.{request.profile}.jsonl"


def stream_jsonl(engine: Engine, project: Project, user: User, request: ExportRequest, models: ModelTable) -> Iterator[bytes]:
    """Yield the file in chunks of about 64 KiB; record the snapshot at the end."""
    settings = settings_of(project)
    digest = hashlib.sha256()
    rows = examples = skipped = 0
    buffer: list[str] = []
    size = 0
    # A read (no write lock held while the file streams); the snapshot row is its own short write.
    with Session(engine) as session:
        for example in store.iter_for_export(session, project.id, request.statuses):
            evaluation = evaluate(settings, values_of(example), request.profile, models=models)
            if evaluation.errors and not request.include_errors:
                skipped += 1
                continue
            examples += 1
            for line in evaluation.lines:
                buffer.append(line + "\n")
                size += len(line) + 1
                rows += 1
            if size >= 65536:
                chunk = "".join(buffer).encode("utf-8")
                digest.update(chunk)
                yield chunk
                buffer, size = [], 0
        if buffer:
            chunk = "".join(buffer).encode("utf-8")
            digest.update(chunk)
            yield chunk
    with session_scope(engine) as session:
        session.add(ExportSnapshot(
            project_id=project.id, profile=request.profile, rows=rows, examples=examples, skipped=skipped,
            sha256=digest.hexdigest(), created_by=user.id,
            filters={"include_errors": request.include_errors, "statuses": list(request.statuses)},
        ))


