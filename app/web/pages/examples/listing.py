"""/projects/{id}/examples: the examples list, filtered, searched (`q`: full text of inputs and
outputs) and paged (htmx loads older rows); JSON twin /api/v1/projects/{id}/examples (`limit` up to
1,000, 100 by default)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.services.pages.examples import STATUSES, ExamplesPage, examples_page
from app.services.projects import settings_of
from app.web.deps import ProjectAccess, SessionDep, project_for
from app.web.forms import Id
from app.web.responder import is_twin, respond
from app.web.templating import is_htmx

router = APIRouter()
Viewable = Annotated[ProjectAccess, Depends(project_for("view"))]
API_PAGE = 100


@router.get("/api/v1/projects/{project_id}/examples", name="api_examples", response_model=ExamplesPage)
@router.get("/projects/{project_id}/examples", name="examples", response_model=None)
def examples(request: Request, session: SessionDep, access: Viewable, level: str = "", label: str = "",
             status: str = "", code: str = "", before: Id | None = None,
             q: Annotated[str, Query(max_length=500)] = "",
             limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> Response | ExamplesPage:
    limit = limit or (API_PAGE if is_twin(request) else request.app.state.settings.page_size)
    page = examples_page(session, access.project, access.user, access.role, level=level, label=label, status=status,
                         code=code, before=before, limit=limit, q=q)
    return respond(request, page, "examples/list.html", block="rows" if is_htmx(request) and before else None,
                   project=access.project, access=access, settings=settings_of(access.project), level=level,
                   label=label, status=status, code=code, q=q, statuses=STATUSES)
