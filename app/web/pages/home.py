"""/ : the projects you are a member of; its JSON twin is /api/v1/projects."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.services import accounts
from app.services.pages.common import ProjectListing
from app.services.pages.projects import home_page
from app.web.deps import SessionDep, UserDep, user_of_request
from app.web.responder import respond
from app.web.urls import url_for

router = APIRouter()


@router.get("/", name="home")
def home(request: Request, session: SessionDep) -> Response:
    if accounts.needs_first_admin(session):
        return RedirectResponse(url_for(request, "setup_page"), status_code=303)
    user = user_of_request(request, session)
    return respond(request, home_page(session, user), "projects/index.html")


@router.get("/api/v1/projects", name="api_home")
def projects(session: SessionDep, user: UserDep) -> list[ProjectListing]:
    return home_page(session, user)
