"""Data of /projects/{id}/team: examples per state and each member's counts, rate and median time.

The dashboard service's own model is the page data: one definition of the columns, for the page and
its JSON twin alike."""

from __future__ import annotations

from sqlmodel import Session

from app.services import dashboard as dashboard_service
from app.services.dashboard import TeamPage
from app.storage.tables import Project

__all__ = ["TeamPage", "team_page"]


def team_page(session: Session, project: Project, role: str | None) -> TeamPage:
    return dashboard_service.dashboard(session, project, role)
