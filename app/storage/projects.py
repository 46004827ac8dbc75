"""Queries on projects."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func
from sqlmodel import Session, select

from app.storage.tables import Membership, Project, StateCount


def list_projects(session: Session, member_id: int | None) -> list[tuple[Project, int, str]]:
    """Projects with their example count (from the state counters) and the member's role.

    `member_id=None` lists every project (an admin's view, role "owner")."""
    counts = select(StateCount.project_id, func.sum(StateCount.n).label("n")).group_by(StateCount.project_id).subquery()
    query = select(Project, func.coalesce(counts.c.n, 0)).join(counts, counts.c.project_id == Project.id, isouter=True)
    if member_id is None:
        rows = session.exec(query.order_by(Project.id.desc()))
        return [(project, int(n), "owner") for project, n in rows]
    rows = session.exec(query.add_columns(Membership.role).join(Membership, Membership.project_id == Project.id)
                        .where(Membership.user_id == member_id).order_by(Project.id.desc()))
    return [(project, int(n), role) for project, n, role in rows]


def get_project(session: Session, project_id: int) -> Project | None:
    return session.get(Project, project_id)


# Asked on every project page and every keystroke of the live panel: one statement, built once.
_PROJECT_WITH_ROLE = (
    select(Project, Membership.role)
    .join(Membership, and_(Membership.project_id == Project.id, Membership.user_id == bindparam("user_id")),
          isouter=True)
    .where(Project.id == bindparam("project_id"))
)


def project_with_role(session: Session, project_id: int, user_id: int) -> tuple[Project, str | None] | None:
    """A project and the user's role in it (None: not a member), in one indexed query; None if no such project."""
    row = session.exec(_PROJECT_WITH_ROLE, params={"project_id": project_id, "user_id": user_id}).first()
    return (row[0], row[1]) if row else None


def add_project(session: Session, project: Project) -> Project:
    session.add(project)
    session.flush()
    return project


def lock_project(session: Session, project_id: int) -> Project | None:
    """The project row, locked until the transaction ends (PostgreSQL; SQLite's write transaction
    already excludes other writers), read fresh."""
    query = select(Project).where(Project.id == project_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def rechecks_pending(session: Session) -> list[int]:
    return list(session.exec(select(Project.id).where(Project.recheck_cursor.is_not(None)).order_by(Project.id)))


def projects_named(session: Session, name: str) -> list[Project]:
    """Every project with exactly this name, oldest first (names are not unique)."""
    return list(session.exec(select(Project).where(Project.name == name).order_by(Project.id)))
