"""/projects/{id}/examples/{eid}/annotate: an independent label for a double-labelled example."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.services import agreement as agreement_service
from app.services.projects import settings_of
from app.web.deps import FormDep, ProjectAccess, SessionDep, project_for
from app.web.forms import Id
from app.web.templating import go, render
from app.web.urls import url_for

router = APIRouter()
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]


@router.get("/projects/{project_id}/examples/{example_id}/annotate", name="example_annotate_form")
def annotate_page(request: Request, session: SessionDep, access: Annotatable, example_id: Id) -> Response:
    example = agreement_service.labelling_example(session, access.project, access.user, access.role, example_id)
    return render(request, "review/annotate.html", {"project": access.project, "access": access, "example": example,
                                                     "settings": settings_of(access.project), "errors": {}})


@router.post("/projects/{project_id}/examples/{example_id}/annotate", name="example_annotate")
def annotate(request: Request, session: SessionDep, access: Annotatable, form: FormDep, example_id: Id) -> Response:
    agreement_service.annotate(session, access.project, access.user, access.role, example_id, str(form.get("output", "")))
    return go(request, url_for(request, "queue", project_id=access.project.id, saved=example_id))
