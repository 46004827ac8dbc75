"""Team dashboard: per member and per state, read from counters (a handful of indexed rows).

Nothing here counts examples: `state_count`, `member_stat` and `work_time_bucket` are kept in
step by the ledger on every write (what each column counts: app.storage.ledger), so the page
costs the same at a hundred examples or a million.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, computed_field
from sqlmodel import Session

from app.services.permissions import require
from app.storage import counters, team
from app.storage.tables import Project

STATES = ("draft", "submitted", "approved", "changes_requested", "rejected")


class MemberRow(BaseModel):
    model_config = ConfigDict(frozen=True)

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

    @computed_field
    @property
    def approval_rate(self) -> float | None:
        """approved ÷ (approved + changes requested + rejected)"""
        judged = self.approved + self.changes_requested + self.rejected
        return self.approved / judged if judged else None


class TeamPage(BaseModel):
    """The Team page's data (and its JSON twin)."""

    model_config = ConfigDict(frozen=True)

    states: dict[str, int]
    total: int
    members: list[MemberRow]


def median_of_histogram(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen * 2 >= total:
            return counters.bucket_middle(bucket)
    return None


def dashboard(session: Session, project: Project, role: str | None) -> TeamPage:
    require(role, "view_all", project)
    states = counters.state_counts(session, project.id)
    stats = {s.user_id: s for s in counters.member_stats(session, project.id)}
    times = counters.work_time_histograms(session, project.id)
    members = {m.user_id: (u.display_name or u.username, m.role) for m, u in team.memberships(session, project.id)}
    rows = []
    for user_id in sorted(set(stats) | set(members), key=lambda u: members.get(u, (str(u),))[0].lower()):
        stat = stats.get(user_id)
        name, member_role = members.get(user_id, (f"user {user_id}", "former member"))
        rows.append(MemberRow(
            user_id=user_id, name=name, role=member_role,
            written=stat.written if stat else 0, reviewed=stat.reviewed if stat else 0,
            approved=stat.approved if stat else 0, changes_requested=stat.changes_requested if stat else 0,
            rejected=stat.rejected if stat else 0, labelled=stat.labelled if stat else 0,
            median_seconds=median_of_histogram(times.get(user_id, {})),
        ))
    return TeamPage(states={s: states.get(s, 0) for s in STATES}, total=sum(states.values()), members=rows)
