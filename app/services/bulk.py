"""Bulk actions from the examples list: approve, reject, submit and approve (an owner's one step),
assign, deal out round-robin, ask for labels. Each returns the notice that says what was done and,
for the review actions, what was skipped and why."""

from __future__ import annotations

from sqlmodel import Session

from app.core.wording import say
from app.core.model_table import ModelTable
from app.services import queue as queue_service
from app.services import review as review_service
from app.services.errors import Invalid
from app.services.permissions import allows
from app.storage.tables import Project, User

ACTIONS = ("approve", "reject", "submit_approve", "assign", "round_robin", "double_label")
PAST = {"approve": say("approved"), "reject": say("rejected"), "submit_approve": say("submitted and approved")}


def run(session: Session, project: Project, user: User, role: str | None, action: str, ids: list[int], *,
        models: ModelTable, assignee: int | None = None, ways: int | None = None, sample: int | None = None) -> str:
    """Do `action` to the ticked examples; the notice that says what was done."""
    if not ids:
        raise Invalid({"ids": say("Tick at least one example.")})
    if action in ("approve", "reject", "submit_approve"):
        if action == "submit_approve":
            result = review_service.bulk_submit_and_approve(session, project, user, role, ids, models)
        else:
            result = review_service.bulk_decide(session, project, user, role, ids, action)
        return decided_notice(PAST[action], result, offer_submit=allows(role, "review_own") and action != "submit_approve")
    if action == "assign":
        return say("{count} assigned", count=queue_service.assign(session, project, user, role, ids, assignee))
    if action == "round_robin":
        dealt = queue_service.assign_round_robin(session, project, user, role, ids)
        return say("{count} dealt to {members} members", count=sum(dealt.values()), members=len(dealt))
    if action == "double_label":
        count = queue_service.request_double_labels(session, project, user, role, ids, ways or 2, sample)
        return say("{count} sent for independent labels", count=count)
    raise Invalid({"action": say("Unknown bulk action {action}.", action=repr(action))})


def decided_notice(past: str, result: review_service.BulkOutcome, offer_submit: bool) -> str:
    """"2 approved, 3 skipped: 2 a draft, not submitted yet; 1 approved already" (and what to do about drafts)."""
    if not result.skipped:
        return say("{count} {outcome}", count=result.done, outcome=past)
    reasons = "; ".join(say("{count} {reason}", count=n, reason=reason)
                        for reason, n in sorted(result.skipped.items(), key=lambda kv: (-kv[1], kv[0])))
    values = {"count": result.done, "outcome": past, "skipped": result.skipped_count, "reasons": reasons}
    waiting = {review_service.NOT_SUBMITTED["draft"], review_service.NOT_SUBMITTED["changes_requested"]}
    if not waiting & result.skipped.keys():
        return say("{count} {outcome}, {skipped} skipped: {reasons}", **values)
    if offer_submit:
        return say("{count} {outcome}, {skipped} skipped: {reasons}. Only submitted examples can be reviewed: submit them "
                   "first, or tick them and use “Submit and approve ticked”", **values)
    return say("{count} {outcome}, {skipped} skipped: {reasons}. Only submitted examples can be reviewed: submit them "
               "first", **values)
