"""/setup (the first admin), /login (rate-limited) and /logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.core.wording import say
from app.services import accounts
from app.services.errors import Invalid
from app.web import signin
from app.web.deps import SessionDep, late_write
from app.web.templating import render
from app.web.urls import url_for

router = APIRouter()
Text = Annotated[str, Form()]


def _safe_next(request: Request, target: str | None) -> str:
    home = url_for(request, "home")
    return target if target and target.startswith("/") and not target.startswith("//") else home


@router.get("/setup", name="setup_page")
def setup_page(request: Request, session: SessionDep) -> Response:
    if not accounts.needs_first_admin(session):
        return RedirectResponse(url_for(request, "login_page"), status_code=303)
    return render(request, "auth/setup.html", {"errors": {}, "values": {}})


@router.post("/setup", name="setup")
def setup(request: Request, session: SessionDep, username: Text = "", display_name: Text = "",
          password: Text = "", password_again: Text = "") -> Response:
    values = {"username": username, "display_name": display_name}
    try:
        if password != password_again:
            raise Invalid({"password_again": say("The two passwords differ.")})
        signed_in = accounts.create_first_admin(session, username, password, display_name, signin.limits(request))
    except Invalid as exc:
        return render(request, "auth/setup.html", {"errors": exc.errors, "values": values}, status_code=422)
    signin.remember(request, signed_in)
    return RedirectResponse(url_for(request, "home"), status_code=303)


@router.get("/login", name="login_page")
def login_page(request: Request, session: SessionDep, next: str = "/") -> Response:
    if accounts.needs_first_admin(session):
        return RedirectResponse(url_for(request, "setup_page"), status_code=303)
    return render(request, "auth/login.html", {"error": "", "next": _safe_next(request, next), "username": ""})


@router.post("/login", name="login")
@late_write
def login(request: Request, session: SessionDep, username: Text = "", password: Text = "", next: Text = "/") -> Response:
    context = {"next": _safe_next(request, next), "username": username}
    try:
        signed_in = accounts.sign_in(session, username, password, signin.client_address(request), signin.limits(request))
    except accounts.Throttled as exc:
        return render(request, "auth/login.html", {**context, "error": str(exc)}, status_code=429,
                      headers={"Retry-After": str(exc.retry_after)})
    if signed_in is None:
        return render(request, "auth/login.html", {**context, "error": say("Unknown username or wrong password.")},
                      status_code=401)
    signin.remember(request, signed_in)
    return RedirectResponse(_safe_next(request, next), status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep) -> Response:
    accounts.end_session(session, signin.forget(request))
    return RedirectResponse(url_for(request, "login_page"), status_code=303)
