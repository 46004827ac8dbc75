"""Data of /projects/{id}/export (the preflight): what would be exported, in which formats, and the
dataset rules to look at before uploading."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.profiles import profiles_for
from app.services import dashboard as dashboard_service
from app.services import examples as example_service
from app.services import exports as export_service
from app.services import health as health_service
from app.services.pages.health import DatasetFindingOut
from app.storage.tables import Project


class ProfileOut(BaseModel):
    key: str
    title: str
    note: str


class ExportPage(BaseModel):
    total: int
    states: dict[str, int]  # examples per state
    levels: dict[str, int]  # examples per worst level: those with an error are left out unless included
    preflight: list[DatasetFindingOut]  # dataset rules at error or warning level
    profiles: list[ProfileOut]
    default_profile: str
    default_states: list[str]


def export_page(session: Session, project: Project, role: str | None, models: ModelTable) -> ExportPage:
    board = dashboard_service.dashboard(session, project, role)
    health = health_service.report(session, project, role, models)
    return ExportPage(
        total=board.total, states=board.states, levels=example_service.level_counts(session, project),
        preflight=[DatasetFindingOut(**f.as_dict()) for f in health.findings if f.level in ("error", "warning")],
        profiles=[ProfileOut(key=p.key, title=p.title, note=p.note) for p in profiles_for(project.kind)],
        default_profile=project.export_profile, default_states=list(export_service.DEFAULT_STATUSES),
    )
