"""Data of the example form (/projects/{id}/examples/new and /{eid}) and the save behind it.

The form's data is not JSON (it holds the live evaluation and the core's objects): its JSON twin is
the example itself (/api/v1/projects/{id}/examples/{eid}, an ExampleOut). The panel's "Rendered for
<model>" view (`rendered_view`, loaded only when opened) has its twin in `RenderedOut`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.core.chat_templates import ChatTemplateError
from app.core.evaluate import Evaluation
from app.core.model_table import ModelTable
from app.core.profiles import PROFILES, Profile
from app.core.project_settings import ExampleValues, ProjectSettings
from app.core.template_view import TemplateView, template_views
from app.services import examples as example_service
from app.services import history
from app.services import review as review_service
from app.services.errors import Invalid, Stale
from app.services.examples import Saved
from app.services.projects import settings_of
from app.services.permissions import allows, may_edit_example
from app.storage.tables import Example, Project, User

AFTER_SAVE = ("next", "submit", "stay")  # "submit" saves and submits for review in one step


@dataclass
class EditorPage:
    project: Project
    settings: ProjectSettings
    example: Example | None
    values: ExampleValues
    ev: Evaluation
    profile: Profile
    can_edit: bool
    can_review: bool
    stale: Example | None = None
    stale_lines: list[str] = field(default_factory=list)
    thread: list[Any] = field(default_factory=list)
    revisions: list[Any] = field(default_factory=list)
    prev_id: int | None = None
    next_id: int | None = None

    def context(self) -> dict[str, Any]:
        return dict(vars(self))


def editor_page(session: Session, project: Project, user: User, role: str | None, values: ExampleValues,
                evaluation: Evaluation, models: ModelTable, *, example: Example | None = None,
                stale: Example | None = None, with_history: bool = True) -> EditorPage:
    """Everything the form shows; `with_history=False` for the live panel (no thread, revisions, neighbours)."""
    page = EditorPage(
        project=project, settings=settings_of(project), example=example, values=values, ev=evaluation,
        profile=PROFILES[evaluation.rendered.profile],
        can_edit=example is None or may_edit_example(role, user, example), can_review=allows(role, "review"),
        stale=stale, stale_lines=example_service.export_lines(project, stale, models) if stale else [],
    )
    if example is not None and with_history:
        page.thread = history.thread(session, example)
        page.revisions = history.revisions(session, example)
        page.prev_id, page.next_id = example_service.neighbours_in_list(session, project, example.id)
    return page


@dataclass
class FormSave:
    """What a save from the form came to: `saved`, or why not (the form is shown again with these)."""

    saved: Saved | None = None
    evaluation: Evaluation | None = None  # a refused save: what the panel shows for the values sent
    current: Example | None = None  # the example as stored now
    errors: dict[str, str] = field(default_factory=dict)
    stale: Example | None = None  # someone else saved first: their version
    status_code: int = 200


def save_from_form(session: Session, project: Project, user: User, role: str | None, values: ExampleValues,
                   models: ModelTable, example_id: int | None, version: int | None, after: str,
                   opened_at: int | None) -> FormSave:
    """Save (and with after="submit" submit) an example; the time since the form opened is its work time.
    A refused save (422) or a stale one (409) changes nothing and says what the form shows next."""
    save = review_service.save_and_submit if after == "submit" else example_service.save
    work_seconds = int(time.time()) - opened_at if opened_at else None
    try:
        saved = save(session, project, user, values, models, example_id, version, role=role, work_seconds=work_seconds)
    except Invalid as exc:
        session.rollback()
        evaluation = exc.evaluation or example_service.lint(session, project, values, models, example_id, user=user,
                                                            role=role)
        current = example_service.get_example(session, project, example_id) if example_id else None
        return FormSave(evaluation=evaluation, current=current, errors=exc.errors, status_code=422)
    except Stale as exc:
        session.rollback()
        return FormSave(evaluation=exc.mine, current=exc.current, stale=exc.current, status_code=409)
    return FormSave(saved=saved)


@dataclass
class RenderedPage:
    """The panel's "Rendered for <model>" view: the chat template's text of each counted conversation."""

    project: Project
    model: str
    views: tuple[TemplateView, ...]
    refused: str | None = None  # the template's own message when it refuses the conversation


def rendered_view(project: Project, values: ExampleValues, models: ModelTable, profile: str | None) -> RenderedPage:
    """What the open model's chat template renders for the typed values (no view for a tiktoken model)."""
    settings = settings_of(project)
    try:
        views = template_views(settings, values, profile or project.export_profile, models)
    except ChatTemplateError as exc:
        return RenderedPage(project, settings.target_model, (), f"The chat template refuses this conversation: {exc}")
    return RenderedPage(project, settings.target_model, views)


class SegmentOut(BaseModel):
    text: str
    trained: bool


class TemplateViewOut(BaseModel):
    title: str
    text: str
    segments: list[SegmentOut]
    tokens: int
    trained_tokens: int | None
    template: str


class RenderedOut(BaseModel):
    """The JSON twin of the "Rendered for <model>" view (`views` is empty for a tiktoken model)."""

    model: str
    views: list[TemplateViewOut]
    refused: str | None  # the chat template's own message when it refuses the conversation (no views then)

    @classmethod
    def of(cls, page: RenderedPage) -> RenderedOut:
        return cls(model=page.model, refused=page.refused, views=[
            TemplateViewOut(title=v.title, text=v.text, segments=[SegmentOut(text=s.text, trained=s.trained)
                                                                  for s in v.segments],
                            tokens=v.tokens, trained_tokens=v.trained_tokens, template=v.template)
            for v in page.views])
