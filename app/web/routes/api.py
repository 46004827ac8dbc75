"""JSON API under /api/v1 (bearer tokens; also works with a signed-in browser session)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from app.core.evaluate import Evaluation
from app.core.profiles import PROFILES
from app.core.rules.registry import RULES
from app.core.project_settings import ExampleValues
from app.services import agreement as agreement_service
from app.services import dashboard as dashboard_service
from app.services import examples as example_service
from app.services import projects as project_service
from app.services import review as review_service
from app.services.errors import Invalid
from app.storage.tables import Example, Project
from app.web.deps import ModelsDep, ProjectAccess, SessionDep, UserDep, late_write, project_for
from app.web.errors import API_ERRORS
from app.web.forms import Id
from app.web.downloads import download
from app.web.text_check import problems

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)  # also declared app-wide (errors.declare_api_errors)
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]
Exportable = Annotated[ProjectAccess, Depends(project_for("export"))]
Reviewable = Annotated[ProjectAccess, Depends(project_for("review"))]
ViewAll = Annotated[ProjectAccess, Depends(project_for("view_all"))]


class TextIn(BaseModel):
    """A JSON body whose every string (nested, keys too) is text: no NUL, no lone surrogate (422 naming it)."""

    @field_validator("*")
    @classmethod
    def _text(cls, value: Any) -> Any:
        for path, problem in problems(value).items():
            raise PydanticCustomError("text", problem, {"path": path} if path != "value" else {})
        return value


class ExampleIn(TextIn):
    fields: dict[str, Any] = {}
    output: Any = None
    version: int | None = None
    profile: str | None = None


def _project(project: Project) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "kind": project.kind, "preset": project.preset,
            "export_profile": project.export_profile, "settings": project.settings, "guidelines": project.guidelines}


def _example(example: Example) -> dict[str, Any]:
    return {"id": example.id, "fields": example.fields, "output": example.output, "label": example.label,
            "status": example.status, "version": example.version, "token_count": example.token_count,
            "worst_level": example.worst_level, "codes": example.codes, "assignee_id": example.assignee_id,
            "created_by": example.created_by,
            "updated_at": example.updated_at.isoformat()}


def _evaluation(ev: Evaluation) -> dict[str, Any]:
    return {
        "profile": ev.rendered.profile,
        "encoding": ev.rendered.encoding,
        "approximate": ev.rendered.approximate,
        "tokens": ev.rendered.tokens,
        "lines": ev.lines,
        "records": [{"tokens": r.tokens, "parts": [{"name": p.name, "tokens": p.tokens} for p in r.parts]}
                    for r in ev.rendered.records],
        "level": ev.level,
        "findings": [f.as_dict() for f in ev.findings],
        "field_errors": [{"field": e.field, "message": e.message} for e in ev.field_errors],
    }


@router.get("/rules")
def rules(user: UserDep) -> list[dict[str, Any]]:
    return [vars(spec) | {"kinds": list(spec.kinds)} for spec in RULES.values()]


@router.get("/projects")
def projects(session: SessionDep, user: UserDep) -> list[dict[str, Any]]:
    return [_project(p) | {"examples": n, "role": role} for p, n, role in project_service.list_projects(session, user)]


@router.get("/projects/{project_id}")
def project(access: Viewable) -> dict[str, Any]:
    return _project(access.project) | {"role": access.role}


@router.get("/projects/{project_id}/examples")
def examples(session: SessionDep, access: Viewable, level: str = "", label: str = "", status: str = "",
             before: Id | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    rows = example_service.list_examples(session, access.project, level=level or None, label=label or None,
                                         status=status or None, before_id=before, limit=limit, user=access.user,
                                         role=access.role)
    return {"examples": [_example(e) for e in rows], "next_before": rows[-1].id if len(rows) == limit else None}


@router.get("/projects/{project_id}/examples/{example_id}")
def example(session: SessionDep, access: Viewable, example_id: Id) -> dict[str, Any]:
    return _example(example_service.visible_example(session, access.project, access.user, access.role, example_id))


@router.post("/projects/{project_id}/lint")
@late_write
def lint(session: SessionDep, access: Annotatable, models: ModelsDep, body: ExampleIn) -> dict[str, Any]:
    kind = access.project.kind
    if body.profile and (body.profile not in PROFILES or kind not in PROFILES[body.profile].kinds):
        known = ", ".join(p.key for p in PROFILES.values() if kind in p.kinds)
        raise Invalid({"profile": f"Unknown export profile {body.profile!r} for this project; one of: {known}."})
    ev = example_service.lint(session, access.project, ExampleValues(body.fields, body.output), models,
                              profile=body.profile, user=access.user, role=access.role)
    return _evaluation(ev)


@router.post("/projects/{project_id}/examples", status_code=201)
@late_write
def create(session: SessionDep, access: Annotatable, models: ModelsDep, body: ExampleIn) -> dict[str, Any]:
    saved = example_service.save(session, access.project, access.user, ExampleValues(body.fields, body.output),
                                 models, role=access.role)
    return _example(saved.example) | {"evaluation": _evaluation(saved.evaluation)}


@router.put("/projects/{project_id}/examples/{example_id}")
@late_write
def update(session: SessionDep, access: Annotatable, models: ModelsDep, body: ExampleIn,
           example_id: Id) -> dict[str, Any]:
    saved = example_service.save(session, access.project, access.user, ExampleValues(body.fields, body.output),
                                 models, example_id, body.version, role=access.role)
    return _example(saved.example) | {"evaluation": _evaluation(saved.evaluation)}


@router.post("/projects/{project_id}/examples/{example_id}/submit")
@late_write
def submit(session: SessionDep, access: Annotatable, models: ModelsDep, example_id: Id) -> dict[str, Any]:
    return _example(review_service.submit(session, access.project, access.user, access.role, example_id, models))


class ReviewIn(TextIn):
    action: str
    comment: str = ""
    version: int  # the version the reviewer looked at: a decision about another version is refused (409)


@router.post("/projects/{project_id}/examples/{example_id}/review")
def review(session: SessionDep, access: Reviewable, example_id: Id, body: ReviewIn) -> dict[str, Any]:
    decision = review_service.decide(session, access.project, access.user, access.role, example_id, body.action,
                                     body.comment, body.version)
    return _example(decision.example)


@router.get("/projects/{project_id}/team")
def team(session: SessionDep, access: ViewAll) -> dict[str, Any]:
    board = dashboard_service.dashboard(session, access.project, access.role)
    return {"states": board.states, "total": board.total,
            "members": [vars(m) | {"approval_rate": m.approval_rate} for m in board.members]}


@router.get("/projects/{project_id}/agreement")
def agreement(session: SessionDep, access: ViewAll) -> dict[str, Any]:
    report = agreement_service.report(session, access.project, access.role)
    return {"items": report.items, "fleiss_kappa": report.fleiss, "fleiss_items": report.fleiss_items,
            "pairs": [{"rater_a": report.rater_names.get(p.rater_a), "rater_b": report.rater_names.get(p.rater_b),
                       "items": p.items, "observed_agreement": p.observed_agreement, "kappa": p.kappa}
                      for p in report.pairs],
            "disagreements": [{"example": d.example.id, "labels": d.labels} for d in report.disagreements]}


@router.get("/projects/{project_id}/export.jsonl", response_class=StreamingResponse, responses={
    200: {"description": "The export, one JSON object per line", "content": {"application/jsonl": {"schema": {"type": "string"}}}}})
def export(request: Request, session: SessionDep, access: Exportable, models: ModelsDep, profile: str = "",
           include_errors: bool = False, status: Annotated[list[str], Query()] = []) -> StreamingResponse:  # noqa: B006
    return download(request, session, access, models, profile, include_errors, status)
