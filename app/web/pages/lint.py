"""/projects/{id}/lint: the live panel (htmx, on every pause in typing; never writes), and its JSON twin
/api/v1/projects/{id}/lint (an unknown `profile` there is a 422 naming the field).

/projects/{id}/rendered: the panel's "Rendered for <model>" view of an open model's chat template
output (loaded only while the view is open), and its twin /api/v1/projects/{id}/rendered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.wording import say
from app.core.profiles import PROFILES
from app.core.project_settings import ExampleValues
from app.services import examples as example_service
from app.services import projects as project_service
from app.services.errors import Invalid
from app.services.pages.common import EvaluationOut
from app.services.pages.editor import RenderedOut, rendered_view
from app.web.bodies import ExampleIn
from app.web.deps import FormDep, ModelsDep, ProjectAccess, SessionDep, late_write, project_for
from app.web.forms import example_values, int_or_none
from app.web.example_form import editor
from app.web.templating import render

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
    profile = _form_profile(project.kind, form)
    evaluation = example_service.lint(session, project, values, models, int_or_none(form.get("example_id")), profile,
                                      user=access.user, role=access.role)
    return editor(request, session, access, values, evaluation, block="panel", full_lines=form.get("full_lines") == "1")


def _form_profile(kind: str, form) -> str | None:
    """The form's "Show as" profile, if it writes this kind (else the project's own)."""
    profile = str(form.get("profile", "")) or None
    return profile if profile in PROFILES and kind in PROFILES[profile].kinds else None


def _check_profile(kind: str, profile: str | None) -> None:
    if profile and (profile not in PROFILES or kind not in PROFILES[profile].kinds):
        known = ", ".join(p.key for p in PROFILES.values() if kind in p.kinds)
        raise Invalid({"profile": say("Unknown export profile {profile!r} for this project; one of: {known}.",
                                      profile=profile, known=known)})


@router.post("/projects/{project_id}/rendered", name="rendered")
@late_write
async def rendered(request: Request, access: Annotatable, models: ModelsDep, form: FormDep) -> Response:
    """The open model's chat template output for the form's values, trained parts marked."""
    project = access.project
    page = rendered_view(project, example_values(project_service.settings_of(project), form), models,
                         _form_profile(project.kind, form))
    return render(request, "examples/_rendered.html", {"page": page})


@router.post("/api/v1/projects/{project_id}/rendered", name="api_rendered")
@late_write
def rendered_json(access: Annotatable, models: ModelsDep, body: ExampleIn) -> RenderedOut:
    _check_profile(access.project.kind, body.profile)
    return RenderedOut.of(rendered_view(access.project, ExampleValues(body.fields, body.output), models, body.profile))


@router.post("/api/v1/projects/{project_id}/lint", name="api_lint")
@late_write
def lint(session: SessionDep, access: Annotatable, models: ModelsDep, body: ExampleIn) -> EvaluationOut:
    _check_profile(access.project.kind, body.profile)
    ev = example_service.lint(session, access.project, ExampleValues(body.fields, body.output), models,
                              profile=body.profile, user=access.user, role=access.role)
    return EvaluationOut.of(ev)
