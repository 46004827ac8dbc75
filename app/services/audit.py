"""The project audit log: membership changes, settings, exports, assignments and bulk actions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.storage import team
from app.storage.tables import AuditEvent, Project, User


def record(session: Session, project: Project | None, user: User | None, action: str, detail: dict[str, Any]) -> None:
    """Add an event to the caller's transaction (the caller commits)."""
    session.add(AuditEvent(project_id=project.id if project else None, user_id=user.id if user else None,
                           action=action, detail=detail))


def events(session: Session, project: Project, before_id: int | None = None, limit: int = 100):
    return team.audit_events(session, project.id, before_id, limit)
