"""/projects/{id}/examples/{eid}/submit, /review, /comments and /adjudicate, and the API's submit and
review (POST /api/v1/projects/{id}/examples/{eid}/submit, …/review)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.wording import say
from app.services import agreement as agreement_service
from app.services import review as review_service
from app.services.pages.common import ExampleOut
from app.web.bodies import ReviewIn
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, late_write, project_for
from app.web.forms import Id, int_or_none
from app.web.templating import go
from app.web.urls import url_for

router = APIRouter()
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]
Commentable = Annotated[ProjectAccess, Depends(project_for("comment"))]
Reviewable = Annotated[ProjectAccess, Depends(project_for("review"))]


@router.post("/projects/{project_id}/examples/{example_id}/submit", name="example_submit")
@late_write
def submit_form(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, example_id: Id) -> Response:
    review_service.submit(session, access.project, access.user, access.role, example_id, models)
    return go(request, url_for(request, "queue", project_id=access.project.id, saved=example_id))


@router.post("/api/v1/projects/{project_id}/examples/{example_id}/submit", name="api_example_submit")
@late_write
def submit(session: SessionDep, access: Annotatable, models: ModelsDep, example_id: Id) -> ExampleOut:
    return ExampleOut.of(review_service.submit(session, access.project, access.user, access.role, example_id, models))


@router.post("/projects/{project_id}/examples/{example_id}/review", name="example_review")
def decide_form(request: Request, session: SessionDep, access: Reviewable, form: FormDep, example_id: Id) -> Response:
    review_service.decide(session, access.project, access.user, access.role, example_id, str(form.get("action", "")),
                          str(form.get("body", "")), int_or_none(form.get("version")))
    done = {"approve": say("Example #{id} approved", id=example_id),
            "request_changes": say("Example #{id} sent back for changes", id=example_id),
            "reject": say("Example #{id} rejected", id=example_id)}
    return go(request, url_for(request, "queue", project_id=access.project.id, mode="review", saved=example_id,
                               done=done.get(str(form.get("action")), say("Example #{id} decided", id=example_id))))


@router.post("/api/v1/projects/{project_id}/examples/{example_id}/review", name="api_example_review")
def review(session: SessionDep, access: Reviewable, example_id: Id, body: ReviewIn) -> ExampleOut:
    decision = review_service.decide(session, access.project, access.user, access.role, example_id, body.action,
                                     body.comment, body.version)
    return ExampleOut.of(decision.example)


@router.post("/projects/{project_id}/examples/{example_id}/comments", name="example_comment")
def comment(request: Request, session: SessionDep, access: Commentable, form: FormDep, example_id: Id) -> Response:
    review_service.add_comment(session, access.project, access.user, access.role, example_id, str(form.get("body", "")))
    return go(request, url_for(request, "example", project_id=access.project.id, example_id=example_id,
                               done=say("Comment added"), _anchor="thread"))


@router.post("/projects/{project_id}/examples/{example_id}/adjudicate", name="example_adjudicate")
def adjudicate(request: Request, session: SessionDep, access: Reviewable, models: ModelsDep, form: FormDep,
               example_id: Id) -> Response:
    agreement_service.adjudicate(session, access.project, access.user, access.role, example_id,
                                 str(form.get("label", "")), models)
    return go(request, url_for(request, "agreement", project_id=access.project.id))
