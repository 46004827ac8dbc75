"""Data of the projects list (home) and of one project (your role in it, and the values its settings form
shows: stored, or as typed after a refused save)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from sqlmodel import Session

from app.core.tools import definitions_text

from app.services import projects as project_service
from app.services.pages.common import ProjectListing, ProjectWithRole
from app.services.projects import SettingsForm
from app.storage.tables import Project, User


def home_page(session: Session, user: User) -> list[ProjectListing]:
    return [ProjectListing.of(project, examples=count, role=role)
            for project, count, role in project_service.list_projects(session, user)]


def project_page(project: Project, role: str | None) -> ProjectWithRole:
    return ProjectWithRole.of(project, role=role)


class FieldRow(NamedTuple):
    name: str
    label: str
    widget: str
    required: bool


class LabelRow(NamedTuple):
    name: str
    completion: str
    hotkey: str


@dataclass(frozen=True)
class SettingsValues:
    """What the settings form shows in its inputs: the stored settings, or after a refused save every
    value as it was typed (`typed_values`), so that nothing has to be typed again."""

    name: str
    guidelines: str
    target_model: str
    export_profile: str
    separator: str
    stop: str
    leading_space: bool
    prompt_style: str
    kind: str
    template: str
    fields: list[FieldRow]
    labels: list[LabelRow]
    tools: str
    parallel_tool_calls: str  # "" not set, "true", "false"
    reasoning: bool


def stored_values(project: Project) -> SettingsValues:
    s = project_service.settings_of(project)
    calls = "" if s.parallel_tool_calls is None else ("true" if s.parallel_tool_calls else "false")
    return SettingsValues(
        name=project.name, guidelines=project.guidelines or "", target_model=s.target_model,
        export_profile=project.export_profile, separator=s.separator, stop=s.stop, leading_space=s.leading_space,
        prompt_style=s.prompt_style, kind=project.kind, template=s.template,
        fields=[FieldRow(f.name, f.label, f.widget, f.required) for f in s.fields],
        labels=[LabelRow(lab.name, lab.completion, lab.hotkey or "") for lab in s.labels],
        tools=definitions_text(s.tools), parallel_tool_calls=calls, reasoning=s.reasoning)


def typed_values(project: Project, form: SettingsForm) -> SettingsValues:
    """The values of a refused save as typed; what the page had no input for stays as stored."""
    stored = stored_values(project)
    return replace(
        stored, name=form.name, guidelines=form.guidelines, target_model=form.target_model,
        export_profile=form.export_profile, separator=form.separator, stop=form.stop,
        leading_space=form.leading_space, prompt_style=form.prompt_style,
        kind=stored.kind if form.kind is None else form.kind,
        template=stored.template if form.template is None else form.template,
        fields=stored.fields if form.fields is None else [FieldRow(*row) for row in form.fields],
        labels=[LabelRow(*row) for row in form.labels] if form.labels or stored.kind == "classification"
        or project.preset == "custom" else stored.labels,
        tools=stored.tools if form.tools is None else form.tools,
        parallel_tool_calls=form.parallel_tool_calls, reasoning=form.reasoning)
