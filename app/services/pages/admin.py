"""Data of /admin/users: every account (never a password hash)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.services import members as member_service
from app.services.pages.common import Timestamp


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    is_admin: bool
    is_active: bool
    created_at: Timestamp


class UsersPage(BaseModel):
    users: list[UserOut]


def users_page(session: Session) -> UsersPage:
    return UsersPage(users=[UserOut(id=u.id, username=u.username, display_name=u.display_name, is_admin=u.is_admin,
                                    is_active=u.is_active, created_at=u.created_at)
                            for u in member_service.list_users(session)])
