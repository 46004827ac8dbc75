"""JSON twins of /account/tokens: list your API tokens (never their secrets) and revoke one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from app.services import accounts
from app.web.deps import SessionDep, UserDep

router = APIRouter(prefix="/api/v1")
TokenId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/tokens")
def tokens(session: SessionDep, user: UserDep) -> list[dict[str, Any]]:
    return [t.as_json() for t in accounts.list_api_tokens(session, user)]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke(session: SessionDep, user: UserDep, token_id: TokenId) -> Response:
    accounts.revoke_api_token(session, user, token_id)
    return Response(status_code=204)
