"""First admin, sign-in (rate-limited), sign-out and personal API tokens (create, list, revoke)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.services import accounts
from app.services.errors import Invalid
from app.web import signin
from app.web.deps import SessionDep, UserDep, late_write
from app.web.templating import render

router = APIRouter()
Text = Annotated[str, Form()]


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/setup")
def setup_page(request: Request, session: SessionDep) -> Response:
    if not accounts.needs_first_admin(session):
        return RedirectResponse("/login", status_code=303)
    return render(request, "auth/setup.html", {"errors": {}, "values": {}})


@router.post("/setup")
def setup(request: Request, session: SessionDep, username: Text = "", display_name: Text = "",
          password: Text = "", password_again: Text = "") -> Response:
    values = {"username": username, "display_name": display_name}
    try:
        if password != password_again:
            raise Invalid({"password_again": "The two passwords differ."})
        signed_in = accounts.create_first_admin(session, username, password, display_name, signin.limits(request))
    except Invalid as exc:
        return render(request, "auth/setup.html", {"errors": exc.errors, "values": values}, status_code=422)
    signin.remember(request, signed_in)
    return RedirectResponse("/", status_code=303)


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str = "/") -> Response:
    if accounts.needs_first_admin(session):
        return RedirectResponse("/setup", status_code=303)
    return render(request, "auth/login.html", {"error": "", "next": _safe_next(next), "username": ""})


@router.post("/login")
@late_write
def login(request: Request, session: SessionDep, username: Text = "", password: Text = "", next: Text = "/") -> Response:
    context = {"next": _safe_next(next), "username": username}
    try:
        signed_in = accounts.sign_in(session, username, password, signin.client_address(request), signin.limits(request))
    except accounts.Throttled as exc:
        return render(request, "auth/login.html", {**context, "error": str(exc)}, status_code=429,
                      headers={"Retry-After": str(exc.retry_after)})
    if signed_in is None:
        return render(request, "auth/login.html", {**context, "error": "Unknown username or wrong password."},
                      status_code=401)
    signin.remember(request, signed_in)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    accounts.end_session(session, signin.forget(request))
    return RedirectResponse("/login", status_code=303)


def _tokens_page(request: Request, session, user, new_token=None, errors=None, status_code=200) -> Response:
    return render(request, "auth/tokens.html", {"tokens": accounts.list_api_tokens(session, user), "new_token": new_token,
                                                "errors": errors or {}, "lifetimes": accounts.TOKEN_LIFETIMES},
                  status_code=status_code)


@router.get("/account/tokens")
def tokens_page(request: Request, session: SessionDep, user: UserDep) -> Response:
    return _tokens_page(request, session, user)


@router.post("/account/tokens")
def create_token(request: Request, session: SessionDep, user: UserDep, name: Text = "", expires: Text = "") -> Response:
    try:
        token = accounts.create_api_token(session, user, name, expires)
    except Invalid as exc:
        return _tokens_page(request, session, user, errors=exc.errors, status_code=422)
    return _tokens_page(request, session, user, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, session: SessionDep, user: UserDep,
                 token_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> Response:
    accounts.revoke_api_token(session, user, token_id)
    return RedirectResponse("/account/tokens", status_code=303)
