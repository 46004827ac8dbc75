"""Data of /projects/{id}/team: examples per state and each member's counts, rate and median time."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.services import dashboard as dashboard_service
from app.storage.tables import Project


class MemberStatsOut(BaseModel):
    user_id: int
    name: str
    role: str
    written: int
    reviewed: int
    approved: int
    changes_requested: int
    rejected: int
    labelled: int  # independent labels given (double labelling)
    median_seconds: float | None  # read from logarithmic buckets: within about ±20%
    approval_rate: float | None  # approved ÷ (approved + changes requested + rejected)


class TeamPage(BaseModel):
    states: dict[str, int]
    total: int
    members: list[MemberStatsOut]


def team_page(session: Session, project: Project, role: str | None) -> TeamPage:
    board = dashboard_service.dashboard(session, project, role)
    return TeamPage(states=board.states, total=board.total,
                    members=[MemberStatsOut(**vars(m), approval_rate=m.approval_rate) for m in board.members])
