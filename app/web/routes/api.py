"""JSON API under /api/v1 (bearer tokens; also works with a signed-in browser session)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from app.core.evaluate import Evaluation
from app.core.rules.registry import RULES
from app.core.tasks import Example as ExampleValues
from app.services import examples as example_service
from app.services import projects as project_service
from app.storage.tables import Example, Project
from app.web.deps import ModelsDep, SessionDep, UserDep, project_for
from app.web.routes.exports import download

router = APIRouter(prefix="/api/v1")
Viewable = Annotated[Project, Depends(project_for("view"))]
Annotatable = Annotated[Project, Depends(project_for("annotate"))]
Exportable = Annotated[Project, Depends(project_for("export"))]


class ExampleIn(BaseModel):
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
            "worst_level": example.worst_level, "codes": example.codes,
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
    return [_project(p) | {"examples": n} for p, n in project_service.list_projects(session)]


@router.get("/projects/{project_id}")
def project(project: Viewable) -> dict[str, Any]:
    return _project(project)


@router.get("/projects/{project_id}/examples")
def examples(session: SessionDep, project: Viewable, level: str = "", label: str = "", before: int | None = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    rows = example_service.list_examples(session, project, level=level or None, label=label or None,
                                         before_id=before, limit=limit)
    return {"examples": [_example(e) for e in rows], "next_before": rows[-1].id if len(rows) == limit else None}


@router.get("/projects/{project_id}/examples/{example_id}")
def example(session: SessionDep, project: Viewable, example_id: int) -> dict[str, Any]:
    return _example(example_service.get_example(session, project, example_id))


@router.post("/projects/{project_id}/lint")
def lint(session: SessionDep, project: Annotatable, models: ModelsDep, body: ExampleIn) -> dict[str, Any]:
    ev = example_service.lint(session, project, ExampleValues(body.fields, body.output), models, profile=body.profile)
    return _evaluation(ev)


@router.post("/projects/{project_id}/examples", status_code=201)
def create(session: SessionDep, project: Annotatable, user: UserDep, models: ModelsDep, body: ExampleIn) -> dict[str, Any]:
    saved = example_service.save(session, project, user, ExampleValues(body.fields, body.output), models)
    return _example(saved.example) | {"evaluation": _evaluation(saved.evaluation)}


@router.put("/projects/{project_id}/examples/{example_id}")
def update(session: SessionDep, project: Annotatable, user: UserDep, models: ModelsDep, body: ExampleIn,
           example_id: int) -> dict[str, Any]:
    saved = example_service.save(session, project, user, ExampleValues(body.fields, body.output), models,
                                 example_id, body.version)
    return _example(saved.example) | {"evaluation": _evaluation(saved.evaluation)}


@router.get("/projects/{project_id}/export.jsonl")
def export(request: Request, project: Exportable, user: UserDep, models: ModelsDep, profile: str = "",
           include_errors: bool = False) -> StreamingResponse:
    return download(request, project, user, models, profile, include_errors)
