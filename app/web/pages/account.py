"""/account/… : your API tokens (create, list, revoke), your password and your language; the tokens'
JSON twin is /api/v1/tokens (list, DELETE /api/v1/tokens/{id} revokes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from app.services import accounts
from app.services import members as member_service
from app.services.errors import Invalid
from app.services.pages.account import TokenOut, tokens_page as tokens_data
from app.web.deps import FormDep, SessionDep, UserDep
from app.web.responder import respond
from app.web.signin import session_token
from app.core.wording import LANGUAGES, say
from app.web import i18n
from app.web.templating import go, render
from app.web.urls import url_for

router = APIRouter()
Text = Annotated[str, Form()]
TokenId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _tokens(request: Request, session, user, new_token=None, errors=None, status_code=200):
    return respond(request, tokens_data(session, user), "auth/tokens.html", new_token=new_token,
                   errors=errors or {}, lifetimes=accounts.TOKEN_LIFETIMES, scopes=accounts.TOKEN_SCOPES,
                   status_code=status_code)


@router.get("/api/v1/tokens", name="api_tokens", response_model=list[TokenOut])
@router.get("/account/tokens", name="tokens", response_model=None)
def tokens(request: Request, session: SessionDep, user: UserDep) -> Response | list[TokenOut]:
    return _tokens(request, session, user)


@router.post("/account/tokens", name="token_create")
def create_token(request: Request, session: SessionDep, user: UserDep, name: Text = "", expires: Text = "",
                 scope: Text = "write") -> Response:
    try:
        token = accounts.create_api_token(session, user, name, expires, scope=scope)
    except Invalid as exc:
        return _tokens(request, session, user, errors=exc.errors, status_code=422)
    return _tokens(request, session, user, new_token=token)


@router.post("/account/tokens/{token_id}/revoke", name="token_revoke")
def revoke_token(request: Request, session: SessionDep, user: UserDep, token_id: TokenId) -> Response:
    accounts.revoke_api_token(session, user, token_id)
    return go(request, url_for(request, "tokens", done=say("Token revoked: it no longer signs anything in")))


@router.delete("/api/v1/tokens/{token_id}", name="api_token_revoke", status_code=204)
def revoke(session: SessionDep, user: UserDep, token_id: TokenId) -> Response:
    accounts.revoke_api_token(session, user, token_id)
    return Response(status_code=204)


@router.get("/account/password", name="password")
def password_page(request: Request, user: UserDep) -> Response:
    return render(request, "team/password.html", {"errors": {}, "done": False})


@router.post("/account/password", name="password_change")
def change_password(request: Request, session: SessionDep, user: UserDep, form: FormDep) -> Response:
    try:
        member_service.change_own_password(session, user, str(form.get("current", "")), str(form.get("new", "")),
                                           str(form.get("again", "")), keep_session=session_token(request))
    except Invalid as exc:
        return render(request, "team/password.html", {"errors": exc.errors, "done": False}, status_code=422)
    return render(request, "team/password.html", {"errors": {}, "done": True})


def _language(request: Request, user, errors=None, status_code=200) -> Response:
    return render(request, "auth/language.html", {"errors": errors or {}, "languages": LANGUAGES,
                                                  "chosen": user.language,
                                                  "browser": i18n.from_accept_language(request.headers.get("accept-language", ""))},
                  status_code=status_code)


@router.get("/account/language", name="language")
def language_page(request: Request, user: UserDep) -> Response:
    return _language(request, user)


@router.post("/account/language", name="language_set")
def set_language(request: Request, session: SessionDep, user: UserDep, language: Text = "") -> Response:
    try:
        member_service.set_own_language(session, user, language)
    except Invalid as exc:
        return _language(request, user, errors=exc.errors, status_code=422)
    return go(request, url_for(request, "language", done=say("Language saved")))
