"""/healthz (no sign-in), and the dataset health page of a project with its JSON twin."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.services import health as health_service
from app.services import recheck as recheck_service
from app.services import resolve as resolve_service
from app.services.projects import settings_of
from app.web.background import recheck_later
from app.web.charts import class_bars, histogram_bars
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.forms import int_or_none, ints
from app.web.templating import render

router = APIRouter()
ViewAll = Annotated[ProjectAccess, Depends(project_for("view_all"))]
Deleting = Annotated[ProjectAccess, Depends(project_for("delete_any"))]
Configurable = Annotated[ProjectAccess, Depends(project_for("configure"))]


@router.get("/healthz")
def healthz(session: SessionDep) -> dict[str, str]:
    health_service.ping(session)
    return {"status": "ok"}


@router.get("/projects/{project_id}/health")
def health_page(request: Request, session: SessionDep, access: ViewAll, models: ModelsDep) -> Response:
    report = health_service.report(session, access.project, access.role, models)
    return render(request, "health/index.html", {
        "project": access.project, "access": access, "report": report, "settings": settings_of(access.project),
        "classes": class_bars(report.labels, 100) if access.project.kind == "classification" else None,
        "tokens": histogram_bars(report.histogram, report.limit),
    })


@router.get("/api/v1/projects/{project_id}/health")
def health_json(session: SessionDep, access: ViewAll, models: ModelsDep) -> dict[str, Any]:
    report = health_service.report(session, access.project, access.role, models)
    return {
        "examples": report.stats.examples, "records": report.stats.records, "tokens": report.stats.tokens,
        "states": report.states, "labels": dict(report.labels), "model": report.model.name, "limit": report.limit,
        "dataset": report.codes, "findings": [f.as_dict() for f in report.findings], "estimate": report.estimate,
        "histogram": [{"low": lo, "high": hi, "records": n} for lo, hi, n in report.histogram],
        "duplicate_groups": report.duplicate_groups, "conflict_groups": report.conflict_groups,
        "duplicates": [[e.id for e in g.examples] for g in report.duplicates],
        "conflicts": [[e.id for e in g.examples] for g in report.conflicts],
        "near_duplicate_groups": report.near_groups,
        "near_duplicates": [[e.id for e in g.examples] for g in report.near_duplicates],
        "stale": report.stats.needs_rebuild,
        "rechecking": report.rechecking,
        "example_codes": {code: n for code, _, n in report.example_codes},
    }


@router.post("/projects/{project_id}/health/keep")
def keep_one(session: SessionDep, access: Deleting, models: ModelsDep, form: FormDep) -> Response:
    resolve_service.keep_one(session, access.project, access.user, access.role, int_or_none(form.get("keep")) or 0,
                             ints(form, "ids"), models)
    return RedirectResponse(f"/projects/{access.project.id}/health#groups", status_code=303)


@router.post("/projects/{project_id}/health/rebuild")
def rebuild(request: Request, session: SessionDep, access: Configurable, background: BackgroundTasks) -> Response:
    """Recompute every example's checks and the aggregates (in batches, after the response)."""
    recheck_service.recompute(session, access.project, access.role)
    recheck_later(background, request, access.project.id)
    return RedirectResponse(f"/projects/{access.project.id}/health", status_code=303)
