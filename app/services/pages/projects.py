"""Data of the projects list (home) and of one project (its settings and your role in it)."""

from __future__ import annotations

from sqlmodel import Session

from app.services import projects as project_service
from app.services.pages.common import ProjectListing, ProjectWithRole
from app.storage.tables import Project, User


def home_page(session: Session, user: User) -> list[ProjectListing]:
    return [ProjectListing.of(project, examples=count, role=role)
            for project, count, role in project_service.list_projects(session, user)]


def project_page(project: Project, role: str | None) -> ProjectWithRole:
    return ProjectWithRole.of(project, role=role)
