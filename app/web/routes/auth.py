"""First admin, sign-in, sign-out and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.services import accounts
from app.services.errors import Invalid
from app.web.deps import SessionDep, UserDep
from app.web.templating import render

router = APIRouter()
Text = Annotated[str, Form()]


def sign_in(request: Request, user) -> None:
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["epoch"] = user.session_epoch


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
        user = accounts.create_first_admin(session, username, password, display_name)
    except Invalid as exc:
        return render(request, "auth/setup.html", {"errors": exc.errors, "values": values}, status_code=422)
    sign_in(request, user)
    return RedirectResponse("/", status_code=303)


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str = "/") -> Response:
    if accounts.needs_first_admin(session):
        return RedirectResponse("/setup", status_code=303)
    return render(request, "auth/login.html", {"error": "", "next": _safe_next(next), "username": ""})


@router.post("/login")
def login(request: Request, session: SessionDep, username: Text = "", password: Text = "", next: Text = "/") -> Response:
    user = accounts.authenticate(session, username, password)
    if user is None:
        return render(request, "auth/login.html",
                      {"error": "Unknown username or wrong password.", "next": _safe_next(next), "username": username},
                      status_code=401)
    sign_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/account/tokens")
def tokens_page(request: Request, session: SessionDep, user: UserDep) -> Response:
    return render(request, "auth/tokens.html", {"tokens": accounts.list_api_tokens(session, user), "new_token": None, "errors": {}})


@router.post("/account/tokens")
def create_token(request: Request, session: SessionDep, user: UserDep, name: Text = "") -> Response:
    try:
        token = accounts.create_api_token(session, user, name)
    except Invalid as exc:
        return render(request, "auth/tokens.html", {"tokens": accounts.list_api_tokens(session, user),
                                                    "new_token": None, "errors": exc.errors}, status_code=422)
    return render(request, "auth/tokens.html", {"tokens": accounts.list_api_tokens(session, user), "new_token": token, "errors": {}})
