"""Bulk actions from the examples list: approve, reject, assign, deal out round-robin, ask for labels."""

from __future__ import annotations

from sqlmodel import Session

from app.services import queue as queue_service
from app.services import review as review_service
from app.services.errors import Invalid
from app.storage.tables import Project, User

ACTIONS = ("approve", "reject", "assign", "round_robin", "double_label")


def run(session: Session, project: Project, user: User, role: str | None, action: str, ids: list[int], *,
        assignee: int | None = None, ways: int | None = None, sample: int | None = None) -> str:
    """Do `action` to the ticked examples; the notice that says what was done."""
    if not ids:
        raise Invalid({"ids": "Tick at least one example."})
    if action in ("approve", "reject"):
        result = review_service.bulk_decide(session, project, user, role, ids, action)
        return f"{result['done']} {action}d, {result['skipped']} skipped"
    if action == "assign":
        return f"{queue_service.assign(session, project, user, role, ids, assignee)} assigned"
    if action == "round_robin":
        dealt = queue_service.assign_round_robin(session, project, user, role, ids)
        return f"{sum(dealt.values())} dealt to {len(dealt)} members"
    if action == "double_label":
        count = queue_service.request_double_labels(session, project, user, role, ids, ways or 2, sample)
        return f"{count} sent for independent labels"
    raise Invalid({"action": f"Unknown bulk action {action!r}."})
