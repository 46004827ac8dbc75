"""Data of /projects/{id}/members: who is in the project, with which role, and the roles there are."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.services import projects as project_service
from app.services.permissions import ROLES
from app.storage.tables import Project


class MemberOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    is_active: bool
    role: str


class MembersPage(BaseModel):
    members: list[MemberOut]
    roles: list[str]


def members_page(session: Session, project: Project) -> MembersPage:
    return MembersPage(members=[MemberOut(user_id=u.id, username=u.username, display_name=u.display_name,
                                          is_active=u.is_active, role=m.role)
                                for m, u in project_service.members(session, project)],
                       roles=list(ROLES))
