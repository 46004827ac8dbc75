"""/projects/{id}/next: hand out the next piece of work (a redirect): review mode for reviewers
(`mode=review`), else the annotation queue (an example to finish, one to label, or a new one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.services import queue as queue_service
from app.web.deps import ProjectAccess, SessionDep, project_for
from app.web.forms import Id
from app.web.urls import url_for

router = APIRouter()
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]


@router.get("/projects/{project_id}/next", name="queue")
def next_example(request: Request, session: SessionDep, access: Annotatable, saved: Id | None = None,
                 mode: str = "", done: Annotated[str, Query(max_length=500)] = "") -> Response:
    """The next example to review or write; `done` (what the last action did) goes along as the next page's notice."""
    project = access.project
    notice = {"done": done} if done else {}
    if mode == "review":
        found = queue_service.next_for_reviewer(session, project, access.user, access.role)
        target = (url_for(request, "example", project_id=project.id, example_id=found, mode="review", saved=saved,
                          **notice)
                  if found else url_for(request, "examples", project_id=project.id, status="submitted", queue="empty",
                                        saved=saved, **notice))
    else:
        kind, found = queue_service.next_for_annotator(session, project, access.user, access.role)
        name, params = {"edit": ("example", {"example_id": found}), "annotate": ("example_annotate_form", {"example_id": found}),
                        "new": ("example_new", {})}[kind]
        target = url_for(request, name, project_id=project.id, **params, mode="annotate", saved=saved, **notice)
    return RedirectResponse(target, status_code=303)
