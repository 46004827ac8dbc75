"""Review and queues: next, submit, approve / request changes / reject, comments, bulk actions,
assignment, double labelling and adjudication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.services import agreement as agreement_service
from app.services import items as items_service
from app.services import queue as queue_service
from app.services import review as review_service
from app.services.errors import Invalid
from app.services.projects import settings_of
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, late_write, project_for
from app.web.forms import Id, int_or_none, ints
from app.web.templating import go, render

router = APIRouter()
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]
Commentable = Annotated[ProjectAccess, Depends(project_for("comment"))]
Reviewable = Annotated[ProjectAccess, Depends(project_for("review"))]
Assignable = Annotated[ProjectAccess, Depends(project_for("assign"))]
ViewAll = Annotated[ProjectAccess, Depends(project_for("view_all"))]



@router.get("/projects/{project_id}/next")
def next_example(request: Request, session: SessionDep, access: Annotatable, saved: Id | None = None,
                 mode: str = "") -> Response:
    """Hand out the next piece of work: review mode for reviewers, else the annotation queue."""
    project = access.project
    if mode == "review":
        found = queue_service.next_for_reviewer(session, project, access.user, access.role)
        target = (f"/projects/{project.id}/examples/{found}?mode=review" if found
                  else f"/projects/{project.id}/examples?status=submitted&queue=empty")
    else:
        kind, found = queue_service.next_for_annotator(session, project, access.user, access.role)
        target = {"edit": f"/projects/{project.id}/examples/{found}?mode=annotate",
                  "annotate": f"/projects/{project.id}/examples/{found}/annotate?mode=annotate",
                  "new": f"/projects/{project.id}/examples/new?mode=annotate"}[kind]
    return RedirectResponse(target + (f"&saved={saved}" if saved else ""), status_code=303)


@router.post("/projects/{project_id}/examples/{example_id}/submit")
@late_write
def submit(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, example_id: Id) -> Response:
    review_service.submit(session, access.project, access.user, access.role, example_id, models)
    return go(request, f"/projects/{access.project.id}/next?saved={example_id}")


@router.post("/projects/{project_id}/examples/{example_id}/review")
def decide(request: Request, session: SessionDep, access: Reviewable, form: FormDep, example_id: Id) -> Response:
    action, body = str(form.get("action", "")), str(form.get("body", ""))
    review_service.decide(session, access.project, access.user, access.role, example_id, action, body,
                          int_or_none(form.get("version")))
    return go(request, f"/projects/{access.project.id}/next?mode=review&saved={example_id}")


@router.post("/projects/{project_id}/examples/{example_id}/comments")
def comment(request: Request, session: SessionDep, access: Commentable, form: FormDep, example_id: Id) -> Response:
    review_service.add_comment(session, access.project, access.user, access.role, example_id, str(form.get("body", "")))
    return go(request, f"/projects/{access.project.id}/examples/{example_id}#thread")


@router.post("/projects/{project_id}/bulk")
def bulk(request: Request, session: SessionDep, access: Viewable, form: FormDep) -> Response:
    """Bulk actions from the examples list: approve, reject, assign, round-robin, double-label."""
    project, action, ids = access.project, str(form.get("action", "")), ints(form, "ids")
    if not ids:
        raise Invalid({"ids": "Tick at least one example."})
    if action in ("approve", "reject"):
        result = review_service.bulk_decide(session, project, access.user, access.role, ids, action)
        message = f"{result['done']} {action}d, {result['skipped']} skipped"
    elif action == "assign":
        count = queue_service.assign(session, project, access.user, access.role, ids, int_or_none(form.get("assignee")))
        message = f"{count} assigned"
    elif action == "round_robin":
        dealt = queue_service.assign_round_robin(session, project, access.user, access.role, ids)
        message = f"{sum(dealt.values())} dealt to {len(dealt)} members"
    elif action == "double_label":
        count = queue_service.request_double_labels(session, project, access.user, access.role, ids,
                                                    int_or_none(form.get("ways")) or 2, int_or_none(form.get("sample")))
        message = f"{count} sent for independent labels"
    else:
        raise Invalid({"action": f"Unknown bulk action {action!r}."})
    return go(request, f"/projects/{project.id}/examples?done={message}")


@router.get("/projects/{project_id}/examples/{example_id}/annotate")
def annotate_page(request: Request, session: SessionDep, access: Annotatable, example_id: Id) -> Response:
    example = agreement_service.labelling_example(session, access.project, access.user, access.role, example_id)
    return render(request, "review/annotate.html", {"project": access.project, "access": access, "example": example,
                                                     "settings": settings_of(access.project), "errors": {}})


@router.post("/projects/{project_id}/examples/{example_id}/annotate")
def annotate(request: Request, session: SessionDep, access: Annotatable, form: FormDep, example_id: Id) -> Response:
    agreement_service.annotate(session, access.project, access.user, access.role, example_id, str(form.get("output", "")))
    return go(request, f"/projects/{access.project.id}/next?saved={example_id}")


@router.get("/projects/{project_id}/items")
def items_page(request: Request, access: Assignable) -> Response:
    return render(request, "review/items.html", {"project": access.project, "access": access, "errors": {},
                                                  "settings": settings_of(access.project), "text": ""})


@router.post("/projects/{project_id}/items")
def add_items(request: Request, session: SessionDep, access: Assignable, models: ModelsDep, form: FormDep) -> Response:
    text = str(form.get("items", ""))
    try:
        count = items_service.add_items(session, access.project, access.user, access.role, text, models)
    except Invalid as exc:
        session.rollback()
        return render(request, "review/items.html", {"project": access.project, "access": access, "errors": exc.errors,
                                                      "settings": settings_of(access.project), "text": text},
                      status_code=422)
    return go(request, f"/projects/{access.project.id}/examples?done={count} items added to the labelling queue")


@router.get("/projects/{project_id}/agreement")
def agreement_page(request: Request, session: SessionDep, access: ViewAll) -> Response:
    report = agreement_service.report(session, access.project, access.role)
    return render(request, "review/agreement.html", {"project": access.project, "access": access, "report": report,
                                                      "settings": settings_of(access.project)})


@router.post("/projects/{project_id}/examples/{example_id}/adjudicate")
def adjudicate(request: Request, session: SessionDep, access: Reviewable, models: ModelsDep, form: FormDep,
               example_id: Id) -> Response:
    agreement_service.adjudicate(session, access.project, access.user, access.role, example_id,
                                 str(form.get("label", "")), models)
    return go(request, f"/projects/{access.project.id}/agreement")
