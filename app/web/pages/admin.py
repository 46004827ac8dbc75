"""/admin/users: every account (create, deactivate, activate, reset a password); administrators only.
JSON twin /api/v1/admin/users."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.wording import say
from app.services import members as member_service
from app.services.errors import Invalid
from app.services.pages.admin import UsersPage, users_page
from app.web.deps import AdminDep, FormDep, SessionDep
from app.web.forms import Id
from app.web.responder import respond

router = APIRouter()


def _users(request: Request, session, errors=None, notice="", status_code=200):
    return respond(request, users_page(session), "team/users.html", errors=errors or {}, notice=notice,
                   status_code=status_code)


@router.get("/api/v1/admin/users", name="api_users", response_model=UsersPage)
@router.get("/admin/users", name="users", response_model=None)
def users(request: Request, session: SessionDep, admin: AdminDep) -> Response | UsersPage:
    return _users(request, session)


@router.post("/admin/users", name="user_create")
def create_user(request: Request, session: SessionDep, admin: AdminDep, form: FormDep) -> Response:
    try:
        user = member_service.create_user(session, admin, str(form.get("username", "")), str(form.get("password", "")),
                                          str(form.get("display_name", "")), form.get("is_admin") == "yes")
    except Invalid as exc:
        session.rollback()
        return _users(request, session, exc.errors, status_code=422)
    return _users(request, session, notice=say("Account {username!r} created.", username=user.username))


@router.post("/admin/users/{user_id}", name="user_change")
def change_user(request: Request, session: SessionDep, admin: AdminDep, form: FormDep, user_id: Id) -> Response:
    try:
        notice = member_service.change_user(session, admin, user_id, str(form.get("action", "")),
                                            str(form.get("password", "")))
    except Invalid as exc:
        session.rollback()
        return _users(request, session, exc.errors, status_code=422)
    return _users(request, session, notice=notice)
