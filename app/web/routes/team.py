"""People pages: project members and roles, team dashboard, audit log, user admin, own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.services import audit
from app.services import dashboard as dashboard_service
from app.services import members as member_service
from app.services import projects as project_service
from app.services.errors import Invalid
from app.services.permissions import ROLES
from app.web.forms import Id
from app.web.deps import AdminDep, FormDep, ProjectAccess, SessionDep, UserDep, project_for
from app.web.signin import session_token
from app.web.templating import render

router = APIRouter()
ViewAll = Annotated[ProjectAccess, Depends(project_for("view_all"))]
Managing = Annotated[ProjectAccess, Depends(project_for("members"))]
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]


def _members_page(request: Request, session, access: ProjectAccess, errors=None, status_code=200) -> Response:
    return render(request, "team/members.html", {
        "project": access.project, "access": access, "members": project_service.members(session, access.project),
        "roles": ROLES, "errors": errors or {},
    }, status_code=status_code)


@router.get("/projects/{project_id}/members")
def members_page(request: Request, session: SessionDep, access: Viewable) -> Response:
    return _members_page(request, session, access)


@router.post("/projects/{project_id}/members")
def set_member(request: Request, session: SessionDep, access: Managing, form: FormDep) -> Response:
    try:
        member_service.set_member(session, access.project, access.user, access.role, str(form.get("username", "")),
                                  str(form.get("role", "")))
    except Invalid as exc:
        session.rollback()
        return _members_page(request, session, access, exc.errors, 422)
    return RedirectResponse(f"/projects/{access.project.id}/members", status_code=303)


@router.post("/projects/{project_id}/members/{user_id}/remove")
def remove_member(request: Request, session: SessionDep, access: Managing, user_id: Id) -> Response:
    try:
        member_service.remove_member(session, access.project, access.user, access.role, user_id)
    except Invalid as exc:
        session.rollback()
        return _members_page(request, session, access, exc.errors, 422)
    return RedirectResponse(f"/projects/{access.project.id}/members", status_code=303)


@router.get("/projects/{project_id}/team")
def team_page(request: Request, session: SessionDep, access: ViewAll) -> Response:
    board = dashboard_service.dashboard(session, access.project, access.role)
    return render(request, "team/dashboard.html", {"project": access.project, "access": access, "board": board})


@router.get("/projects/{project_id}/audit")
def audit_page(request: Request, session: SessionDep, access: Managing, before: Id | None = None) -> Response:
    events = audit.events(session, access.project, before, 100)
    return render(request, "team/audit.html", {"project": access.project, "access": access, "events": events,
                                                "more": events[-1][0].id if len(events) == 100 else None})


def _users_page(request: Request, session, errors=None, notice="", status_code=200) -> Response:
    return render(request, "team/users.html", {"users": member_service.list_users(session), "errors": errors or {},
                                                "notice": notice}, status_code=status_code)


@router.get("/admin/users")
def users_page(request: Request, session: SessionDep, admin: AdminDep) -> Response:
    return _users_page(request, session)


@router.post("/admin/users")
def create_user(request: Request, session: SessionDep, admin: AdminDep, form: FormDep) -> Response:
    try:
        user = member_service.create_user(session, admin, str(form.get("username", "")), str(form.get("password", "")),
                                          str(form.get("display_name", "")), form.get("is_admin") == "yes")
    except Invalid as exc:
        session.rollback()
        return _users_page(request, session, exc.errors, status_code=422)
    return _users_page(request, session, notice=f"Account {user.username!r} created.")


@router.post("/admin/users/{user_id}")
def change_user(request: Request, session: SessionDep, admin: AdminDep, form: FormDep, user_id: Id) -> Response:
    action = str(form.get("action", ""))
    try:
        if action in ("deactivate", "activate"):
            user = member_service.set_active(session, admin, user_id, action == "activate")
            notice = f"{user.username!r} {action}d." + (" Their sign-ins ended and their API tokens were revoked."
                                                         if action == "deactivate" else "")
        elif action == "reset_password":
            user = member_service.reset_password(session, admin, user_id, str(form.get("password", "")))
            notice = f"Password of {user.username!r} reset; their sign-ins ended and their API tokens were revoked."
        else:
            raise Invalid({"action": "Unknown action."})
    except Invalid as exc:
        session.rollback()
        return _users_page(request, session, exc.errors, status_code=422)
    return _users_page(request, session, notice=notice)


@router.get("/account/password")
def password_page(request: Request, user: UserDep) -> Response:
    return render(request, "team/password.html", {"errors": {}, "done": False})


@router.post("/account/password")
def change_password(request: Request, session: SessionDep, user: UserDep, form: FormDep) -> Response:
    try:
        member_service.change_own_password(session, user, str(form.get("current", "")), str(form.get("new", "")),
                                           str(form.get("again", "")), keep_session=session_token(request))
    except Invalid as exc:
        return render(request, "team/password.html", {"errors": exc.errors, "done": False}, status_code=422)
    return render(request, "team/password.html", {"errors": {}, "done": True})
