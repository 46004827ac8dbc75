"""/healthz (no sign-in) and /projects/{id}/health: the dataset health page (JSON twin
/api/v1/projects/{id}/health), keeping one of a group, and recomputing every example's checks."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.services import health as health_service
from app.services import recheck as recheck_service
from app.services import resolve as resolve_service
from app.services.pages.health import HealthPage, health_page
from app.services.projects import settings_of
from app.web.background import recheck_later
from app.web.charts import class_bars, histogram_bars
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, project_for
from app.web.forms import int_or_none, ints
from app.web.responder import is_twin, respond
from app.web.urls import url_for

router = APIRouter()
ViewAll = Annotated[ProjectAccess, Depends(project_for("view_all"))]
Deleting = Annotated[ProjectAccess, Depends(project_for("delete_any"))]
Configurable = Annotated[ProjectAccess, Depends(project_for("configure"))]


@router.get("/healthz", name="healthz")
def healthz(session: SessionDep) -> dict[str, str]:
    health_service.ping(session)
    return {"status": "ok"}


@router.get("/api/v1/projects/{project_id}/health", name="api_health", response_model=HealthPage,
            operation_id="health_json_api_v1_projects__project_id__health_get")
@router.get("/projects/{project_id}/health", name="health", response_model=None)
def health(request: Request, session: SessionDep, access: ViewAll, models: ModelsDep) -> Response | HealthPage:
    page = health_page(session, access.project, access.role, models)
    if is_twin(request):
        return page
    report = page.report
    return respond(request, page, "health/index.html", project=access.project, access=access, report=report,
                   settings=settings_of(access.project),
                   classes=class_bars(report.labels, 100) if access.project.kind == "classification" else None,
                   tokens=histogram_bars(report.histogram, report.limit))


@router.post("/projects/{project_id}/health/keep", name="health_keep")
def keep_one(request: Request, session: SessionDep, access: Deleting, models: ModelsDep, form: FormDep) -> Response:
    resolve_service.keep_one(session, access.project, access.user, access.role, int_or_none(form.get("keep")) or 0,
                             ints(form, "ids"), models)
    return RedirectResponse(url_for(request, "health", project_id=access.project.id, _anchor="groups"), status_code=303)


@router.post("/projects/{project_id}/health/rebuild", name="health_rebuild")
def rebuild(request: Request, session: SessionDep, access: Configurable, background: BackgroundTasks) -> Response:
    """Recompute every example's checks and the aggregates (in batches, after the response)."""
    recheck_service.recompute(session, access.project, access.role)
    recheck_later(background, request, access.project.id)
    return RedirectResponse(url_for(request, "health", project_id=access.project.id), status_code=303)
