"""Resolving duplicate and conflict groups from the health page."""

from __future__ import annotations

from sqlmodel import Session

from app.core.model_table import ModelTable
from app.services import audit
from app.services.errors import Invalid
from app.services.examples import delete
from app.services.permissions import require
from app.storage.tables import Project, User


def keep_one(session: Session, project: Project, user: User, role: str | None, keep_id: int, group_ids: list[int],
             models: ModelTable) -> int:
    """Keep `keep_id` and delete the other examples of its group (reviewers and owners)."""
    require(role, "delete_any", project)
    if keep_id not in group_ids:
        raise Invalid({"keep": "Pick the example to keep from the group."})
    removed = 0
    for example_id in sorted(set(group_ids) - {keep_id}):
        delete(session, project, user, example_id, models, role=role)
        removed += 1
    audit.record(session, project, user, "group_resolved", {"kept": keep_id, "deleted": removed})
    session.commit()
    return removed
