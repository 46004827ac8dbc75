"""Models shared by several pages' data: a project, an example, a live-panel evaluation, a timestamp."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer

from app.core.evaluate import Evaluation
from app.storage.tables import Example, Project

# A datetime for the templates (strftime), written as Python's isoformat() in JSON (what API clients read).
Timestamp = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]


class ProjectOut(BaseModel):
    id: int
    name: str
    kind: str
    preset: str
    export_profile: str
    settings: dict[str, Any]
    guidelines: str

    @classmethod
    def of(cls, project: Project, **extra: Any) -> ProjectOut:
        return cls(id=project.id, name=project.name, kind=project.kind, preset=project.preset,
                   export_profile=project.export_profile, settings=project.settings, guidelines=project.guidelines,
                   **extra)


class ProjectWithRole(ProjectOut):
    role: str | None


class ProjectListing(ProjectWithRole):
    examples: int


class ExampleOut(BaseModel):
    id: int
    fields: dict[str, Any]
    output: Any
    label: str | None
    status: str
    version: int
    token_count: int
    worst_level: str
    codes: list[str]
    assignee_id: int | None
    labels_wanted: int
    created_by: int | None
    updated_at: Timestamp

    @classmethod
    def of(cls, example: Example, **extra: Any) -> ExampleOut:
        return cls(id=example.id, fields=example.fields, output=example.output, label=example.label,
                   status=example.status, version=example.version, token_count=example.token_count,
                   worst_level=example.worst_level, codes=example.codes, assignee_id=example.assignee_id,
                   labels_wanted=example.labels_wanted or 0,
                   created_by=example.created_by, updated_at=example.updated_at, **extra)


class PartOut(BaseModel):
    name: str
    tokens: int


class RecordOut(BaseModel):
    tokens: int
    parts: list[PartOut]


class FindingOut(BaseModel):
    code: str
    level: str
    field: str | None
    message: str
    record: int | None


class FieldErrorOut(BaseModel):
    field: str
    message: str


class NoteOut(BaseModel):
    code: str
    effect: str  # merged | dropped | refused
    message: str


class ProfileFindingOut(BaseModel):
    code: str
    level: str
    message: str
    fix: str


class EvaluationOut(BaseModel):
    """What the live panel shows: the exact lines, their tokens per part, the rules' findings, what
    the export profile does with the example (`notes`: merged, dropped, refused) and the profile's
    own hard-rule findings."""

    profile: str
    encoding: str
    approximate: bool
    tokens: int
    lines: list[str]
    records: list[RecordOut]
    level: str
    findings: list[FindingOut]
    field_errors: list[FieldErrorOut]
    notes: list[NoteOut] = []
    profile_findings: list[ProfileFindingOut] = []

    @classmethod
    def of(cls, ev: Evaluation) -> EvaluationOut:
        return cls(profile=ev.rendered.profile, encoding=ev.rendered.encoding, approximate=ev.rendered.approximate,
                   tokens=ev.rendered.tokens, lines=ev.lines,
                   records=[RecordOut(tokens=r.tokens, parts=[PartOut(name=p.name, tokens=p.tokens) for p in r.parts])
                            for r in ev.rendered.records],
                   level=ev.level, findings=[FindingOut(**f.as_dict()) for f in ev.findings],
                   field_errors=[FieldErrorOut(field=e.field, message=e.message) for e in ev.field_errors],
                   notes=[NoteOut(**n._asdict()) for n in ev.rendered.notes],
                   profile_findings=[ProfileFindingOut(**f._asdict()) for f in ev.rendered.profile_findings])


class SavedExampleOut(ExampleOut):
    evaluation: EvaluationOut
