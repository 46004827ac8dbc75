"""/projects/{id}/members: the members and their roles (add, change, remove); JSON twin
/api/v1/projects/{id}/members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.core.wording import say
from app.services import members as member_service
from app.services.errors import Invalid
from app.services.pages.members import MembersPage, members_page
from app.web.deps import FormDep, ProjectAccess, SessionDep, project_for
from app.web.forms import Id
from app.web.responder import respond
from app.web.urls import url_for

router = APIRouter()
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
Managing = Annotated[ProjectAccess, Depends(project_for("members"))]


def _members(request: Request, session, access: ProjectAccess, errors=None, status_code=200, typed=None):
    """The page; after a refused add, `typed` (username, role) fills the add form again."""
    return respond(request, members_page(session, access.project), "team/members.html", project=access.project,
                   access=access, errors=errors or {}, status_code=status_code,
                   typed=typed or {"username": "", "role": "annotator"})


@router.get("/api/v1/projects/{project_id}/members", name="api_members", response_model=MembersPage)
@router.get("/projects/{project_id}/members", name="members", response_model=None)
def members(request: Request, session: SessionDep, access: Viewable) -> Response | MembersPage:
    return _members(request, session, access)


@router.post("/projects/{project_id}/members", name="member_set")
def set_member(request: Request, session: SessionDep, access: Managing, form: FormDep) -> Response:
    username, role = str(form.get("username", "")), str(form.get("role", ""))
    try:
        member_service.set_member(session, access.project, access.user, access.role, username, role)
    except Invalid as exc:
        session.rollback()
        return _members(request, session, access, exc.errors, 422, typed={"username": username, "role": role} if form.get("adding") else None)
    return RedirectResponse(url_for(request, "members", project_id=access.project.id,
                                    done=say("{username} is now {role} of this project", username=username.strip(),
                                             role=role)), status_code=303)


@router.post("/projects/{project_id}/members/{user_id}/remove", name="member_remove")
def remove_member(request: Request, session: SessionDep, access: Managing, user_id: Id) -> Response:
    try:
        member_service.remove_member(session, access.project, access.user, access.role, user_id)
    except Invalid as exc:
        session.rollback()
        return _members(request, session, access, exc.errors, 422)
    return RedirectResponse(url_for(request, "members", project_id=access.project.id, done=say("Member removed")),
                            status_code=303)
