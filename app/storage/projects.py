"""Queries on projects."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.storage.tables import Example, Project


def list_projects(session: Session) -> list[tuple[Project, int]]:
    counts = (
        select(Example.project_id, func.count().label("n")).group_by(Example.project_id).subquery()
    )
    rows = session.exec(
        select(Project, func.coalesce(counts.c.n, 0))
        .join(counts, counts.c.project_id == Project.id, isouter=True)
        .order_by(Project.id.desc())
    )
    return [(project, int(n)) for project, n in rows]


def get_project(session: Session, project_id: int) -> Project | None:
    return session.get(Project, project_id)


def add_project(session: Session, project: Project) -> Project:
    session.add(project)
    session.flush()
    return project
