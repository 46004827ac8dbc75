"""/projects/{id}/lint: the live panel (htmx, on every pause in typing; never writes), and its JSON twin
/api/v1/projects/{id}/lint (an unknown `profile` there is a 422 naming the field)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.profiles import PROFILES
from app.core.project_settings import ExampleValues
from app.services import examples as example_service
from app.services import projects as project_service
from app.services.errors import Invalid
from app.services.pages.common import EvaluationOut
from app.web.bodies import ExampleIn
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, late_write, project_for
from app.web.forms import example_values, int_or_none
from app.web.example_form import editor

router = APIRouter()
Annotatable = Annotated[ProjectAccess, Depends(project_for("annotate"))]


@router.post("/projects/{project_id}/lint", name="lint")
@late_write
async def panel(request: Request, session: SessionDep, access: Annotatable, models: ModelsDep, form: FormDep) -> Response:
    """The live panel: called (debounced) while the user types; no write, one indexed lookup.

    `async def` on purpose, like the dependencies before it: the work is about a millisecond of CPU
    and one indexed read, and running it on the event loop spares each keystroke two thread hops
    and the wait for the interpreter lock between threads (under load, most of its latency)."""
    project = access.project
    values = example_values(project_service.settings_of(project), form)
    profile = str(form.get("profile", "")) or None
    if profile not in PROFILES or project.kind not in PROFILES[profile].kinds:
        profile = None
    evaluation = example_service.lint(session, project, values, models, int_or_none(form.get("example_id")), profile,
                                      user=access.user, role=access.role)
    return editor(request, session, access, values, evaluation, block="panel")


@router.post("/api/v1/projects/{project_id}/lint", name="api_lint")
@late_write
def lint(session: SessionDep, access: Annotatable, models: ModelsDep, body: ExampleIn) -> EvaluationOut:
    kind = access.project.kind
    if body.profile and (body.profile not in PROFILES or kind not in PROFILES[body.profile].kinds):
        known = ", ".join(p.key for p in PROFILES.values() if kind in p.kinds)
        raise Invalid({"profile": f"Unknown export profile {body.profile!r} for this project; one of: {known}."})
    ev = example_service.lint(session, access.project, ExampleValues(body.fields, body.output), models,
                              profile=body.profile, user=access.user, role=access.role)
    return EvaluationOut.of(ev)
