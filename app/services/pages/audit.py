"""Data of /projects/{id}/audit: the newest 100 events (before an id), who did them, and where older ones start."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.services import audit
from app.services.pages.common import Timestamp
from app.storage.tables import Project

PAGE_SIZE = 100


class AuditEventOut(BaseModel):
    id: int
    at: Timestamp
    user_id: int | None
    who: str | None  # display name (or username) of who did it; None for the system
    action: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    events: list[AuditEventOut]
    more: int | None  # pass as `before` for the next older page


def audit_page(session: Session, project: Project, before_id: int | None) -> AuditPage:
    rows = audit.events(session, project, before_id, PAGE_SIZE)
    events = [AuditEventOut(id=ev.id, at=ev.at, user_id=ev.user_id, who=(who.display_name or who.username) if who else None,
                            action=ev.action, detail=ev.detail) for ev, who in rows]
    return AuditPage(events=events, more=events[-1].id if len(events) == PAGE_SIZE else None)
