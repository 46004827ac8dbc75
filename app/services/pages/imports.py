"""Data of /projects/{id}/import (the upload form) and /projects/{id}/import/{job} (the detected
shape or columns, the mapping, a preview of the first 20 lines mapped into the project's fields,
then the progress and the outcome of the import); JSON twins under /api/v1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.core.importing import targets
from app.core.model_table import ModelTable
from app.core.providers import PROFILES
from app.services import import_jobs, imports
from app.services.errors import Invalid
from app.services.exports import STATUSES
from app.services.parsed_settings import settings_of
from app.services.permissions import require
from app.storage.tables import Project

SHOWN_CHARS = 600  # of a value in the preview table


class TargetOut(BaseModel):
    key: str
    label: str


class ImportFormPage(BaseModel):
    kind: str
    targets: list[TargetOut]
    max_bytes: int
    states: list[str]


class LineErrorOut(BaseModel):
    line: int
    field: str
    message: str


class PreviewRowOut(BaseModel):
    line: int
    values: dict[str, str]  # target -> its text, as shown (shortened)
    tokens: int | None
    errors: list[LineErrorOut]
    raw_prompt: bool


class ProgressOut(BaseModel):
    done: int = 0
    total: int = 0
    imported: int = 0
    rate: float = 0.0
    seconds_left: float | None = None
    percent: int = 0


class OutcomeOut(BaseModel):
    imported: int = 0
    lines: int = 0
    errors: list[LineErrorOut] = []
    error_count: int = 0
    raw_prompts: int = 0
    problem: str = ""  # the import could not run at all


class ImportJobPage(BaseModel):
    id: str
    filename: str
    size: int
    lines: int
    status: str  # uploaded | running | done | failed | cancelled | stopped
    format: str = ""
    profile: str = ""  # JSONL: the detected (or chosen) shape
    profile_title: str = ""
    also: list[str] = []  # other shapes whose readers take the same lines
    profiles: list[str] = []  # shapes that can hold the project's kind
    columns: list[str] = []  # CSV/TSV header
    mapping: dict[str, str] = {}
    targets: list[TargetOut] = []
    rows: list[PreviewRowOut] = []
    raw_prompts: int = 0
    raw_field: str | None = None
    problem: str = ""  # why the file cannot be previewed as asked
    state: str = imports.DEFAULT_STATE
    valid_only: bool = False
    states: list[str] = list(STATUSES)
    progress: ProgressOut | None = None
    outcome: OutcomeOut | None = None


def form_page(project: Project, role: str | None, max_bytes: int) -> ImportFormPage:
    require(role, "import", project)
    settings = settings_of(project)
    return ImportFormPage(kind=project.kind, targets=[TargetOut(key=k, label=lab) for k, lab in targets(settings)],
                          max_bytes=max_bytes, states=list(STATUSES))


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _values(row: imports.PreviewRow) -> dict[str, str]:
    if row.values is None:
        return {}
    shown = {name: _shown(value) for name, value in row.values.fields.items()}
    shown["output"] = _shown(row.values.output) if row.values.output is not None else ""
    return shown


def job_page(session: Session, root: Path, project: Project, role: str | None, job_id: str, ask: imports.ImportAsk,
             models: ModelTable) -> ImportJobPage:
    """The job as it stands: before it starts, the preview of `ask`; then its progress or outcome."""
    require(role, "import", project)
    state = import_jobs.read(root, project, job_id)
    settings = settings_of(project)
    asked = state.get("asked") or {}
    page = ImportJobPage(id=job_id, filename=state["filename"], size=state["size"], lines=state["lines"],
                         status=state["status"], targets=[TargetOut(key=k, label=lab) for k, lab in targets(settings)],
                         profiles=[k for k, p in PROFILES.items() if project.kind in p.kinds],
                         state=asked.get("state", ask.state), valid_only=asked.get("valid_only", ask.valid_only))
    if "progress" in state:
        progress = ProgressOut(**state["progress"])
        progress.percent = min(100, int(100 * progress.done / progress.total)) if progress.total else 100
        page.progress = progress
    if "outcome" in state:
        page.outcome = OutcomeOut(**{k: v for k, v in state["outcome"].items() if k in OutcomeOut.model_fields})
    if state["status"] != "uploaded":
        return page
    try:
        shown = imports.preview(session, project, role, _with_path(ask, root, job_id, state["filename"]), models)
    except Invalid as exc:
        page.problem = "; ".join(exc.errors.values())
        return page
    page.format = shown.kind.format
    if shown.kind.shape is not None:
        page.profile, page.also = shown.kind.shape.profile, list(shown.kind.shape.also)
        page.profile_title = PROFILES[page.profile].title
    page.columns, page.mapping = list(shown.kind.columns), shown.mapping
    page.rows = [PreviewRowOut(line=r.line, values=_values(r), tokens=r.tokens, raw_prompt=r.raw_prompt,
                               errors=[LineErrorOut(line=e.line, field=e.field, message=e.message) for e in r.errors])
                 for r in shown.rows]
    page.raw_prompts, page.raw_field = shown.raw_prompts, shown.raw_field
    return page


def _with_path(ask: imports.ImportAsk, root: Path, job_id: str, filename: str) -> imports.ImportAsk:
    return imports.ImportAsk(path=import_jobs.upload_path(root, job_id), filename=filename, format=ask.format,
                             profile=ask.profile, mapping=ask.mapping, state=ask.state, valid_only=ask.valid_only)


def start(root: Path, engine, models: ModelTable, project: Project, user, role: str | None, job_id: str,
          ask: imports.ImportAsk) -> None:
    """Begin the import of a job as asked (its upload's path filled in)."""
    state = import_jobs.read(root, project, job_id)
    import_jobs.start(root, engine, models, project, user, role, job_id,
                      _with_path(ask, root, job_id, state["filename"]))
