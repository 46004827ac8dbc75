"""Data of /account/tokens: your API tokens (never their secrets)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.services import accounts
from app.services.pages.common import Timestamp
from app.storage.tables import User


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    expires_at: Timestamp | None
    expired: bool
    scope: str  # "write" | "read" (GET and HEAD only)


def tokens_page(session: Session, user: User) -> list[TokenOut]:
    return [TokenOut(id=t.id, name=t.name, created_at=t.created_at, last_used_at=t.last_used_at,
                     expires_at=t.expires_at, expired=t.expired, scope=t.scope) for t in accounts.list_api_tokens(session, user)]
