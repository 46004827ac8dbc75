"""Review workflow: draft → submitted → approved | changes_requested | rejected, with comments.

changes_requested goes back to the author; editing an approved example returns it to
submitted (examples.save does that). Every transition goes through the ledger (the state and
member counters) in the same transaction, and leaves a comment in the example's thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from app.core.wording import say
from app.core.evaluate import evaluate
from app.core.model_table import ModelTable
from app.services import audit
from app.services.errors import Forbidden, Invalid
from app.services.examples import Saved, claim_seen_version, get_example, save, values_of, visible_example
from app.services.permissions import allows, may_edit_example, require
from app.storage import ledger
from app.storage.db import begin_write
from app.storage import examples as example_store
from app.storage.tables import Comment, Example, Project, User, utcnow
from app.services.parsed_settings import settings_of

DECISIONS = {"approve": "approved", "request_changes": "changes_requested", "reject": "rejected"}
STATUSES = ("draft", "submitted", "approved", "changes_requested", "rejected")
MAX_COMMENT = 10_000


def add_comment(session: Session, project: Project, user: User, role: str | None, example_id: int, body: str,
                action: str = "comment") -> Comment:
    require(role, "comment", project)
    example = visible_example(session, project, user, role, example_id)
    if action == "comment" and not body.strip():
        raise Invalid({"body": say("Write a comment first.")})
    if len(body) > MAX_COMMENT:
        raise Invalid({"body": _too_long()})
    comment = Comment(example_id=example.id, user_id=user.id, action=action, body=body.strip())
    session.add(comment)
    session.commit()
    return comment


def submit(session: Session, project: Project, user: User, role: str | None, example_id: int,
           models: ModelTable) -> Example:
    require(role, "annotate", project)
    example = visible_example(session, project, user, role, example_id)
    if not may_edit_example(role, user, example):
        raise Forbidden(say("You may only submit your own or assigned examples."))
    if example.status not in ("draft", "changes_requested"):
        raise Invalid({"status": say("Example #{id} is {status}; only drafts and examples sent back for changes "
                                     "can be submitted.", id=example.id, status=_state(example))})
    evaluation = evaluate(settings_of(project), values_of(example), project.export_profile,
                          models=models)
    if evaluation.errors or example.needs_output:
        raise Invalid({"status": say("Fix the errors first: {errors}", errors="; ".join(f.message for f in evaluation.errors))
                                 if evaluation.errors else say("Label the example before submitting it.")})
    begin_write(session)  # the evaluation ran without the write lock; the example must not have changed since
    example = claim_seen_version(session, example, example.version)
    if example.status not in ("draft", "changes_requested"):
        raise Invalid({"status": say("Example #{id} is {status} now.", id=example.id, status=_state(example))})
    before = ledger.as_stored(session, project, example)
    example.status = "submitted"
    example.submitted_at = utcnow()
    ledger.apply(session, before, before.moved(example))
    session.add(example)
    session.add(Comment(example_id=example.id, user_id=user.id, action="submit", body=""))
    session.commit()
    return example


def save_and_submit(session: Session, project: Project, user: User, values, models: ModelTable,
                    example_id: int | None = None, expected_version: int | None = None, role: str | None = None,
                    work_seconds: int | None = None) -> Saved:
    """Save, then submit for review in one step (the "Submit" button and its key)."""
    saved = save(session, project, user, values, models, example_id, expected_version, role=role,
                 work_seconds=work_seconds)
    if saved.example.status in ("draft", "changes_requested"):
        submit(session, project, user, role, saved.example.id, models)
    return saved


@dataclass(frozen=True)
class Decision:
    example: Example
    status: str


def decide(session: Session, project: Project, user: User, role: str | None, example_id: int, action: str,
           comment: str = "", seen_version: int | None = None) -> Decision:
    """Approve, request changes (a comment is required) or reject one submitted example, as it was
    at `seen_version`, the version its reviewer looked at: Stale (409) if it changed since."""
    require(role, "review", project)
    if action not in DECISIONS:
        raise Invalid({"action": say("Unknown review action {action}.", action=repr(action))})
    if len(comment) > MAX_COMMENT:
        raise Invalid({"body": _too_long()})
    example = claim_seen_version(session, get_example(session, project, example_id), seen_version)
    _check_reviewable(role, user, example)
    if action == "request_changes" and not comment.strip():
        raise Invalid({"body": say("Say what to change: the comment goes back to the author.")})
    ledger.apply(session, *_apply_decision(session, project, user, example, action, comment))
    session.commit()
    return Decision(example, example.status)


def _unreviewable(role: str | None, user: User, example: Example) -> str | None:
    """Why `user` may not decide `example` now (a bulk notice's reason), or None."""
    if example.status != "submitted":
        return NOT_SUBMITTED.get(example.status, example.status)
    if example.created_by == user.id and not allows(role, "review_own"):
        return OWN
    return None


def _check_reviewable(role: str | None, user: User, example: Example) -> None:
    reason = _unreviewable(role, user, example)
    if reason == OWN:
        raise Forbidden(say("Reviewers do not review their own examples: someone else must."))
    if reason is not None:
        raise Invalid({"status": say("Example #{id} is {status}, not submitted.", id=example.id, status=_state(example))})


def _apply_decision(session: Session, project: Project, user: User, example: Example, action: str,
                    comment: str) -> tuple[ledger.Snapshot, ledger.Snapshot]:
    """Decide one example; its ledger snapshots before and after, for the caller to apply."""
    before = ledger.as_stored(session, project, example)
    example.status = DECISIONS[action]
    example.reviewed_by = user.id
    example.reviewed_at = utcnow()
    example.lease_user_id = None
    example.lease_until = None
    session.add(example)
    session.add(Comment(example_id=example.id, user_id=user.id, action=action, body=comment.strip()))
    return before, before.moved(example)


# Why a ticked example was skipped, by reason (the bulk notice lists each with its count).
NOT_SUBMITTED = {"draft": say("a draft, not submitted yet"), "changes_requested": say("sent back for changes, not resubmitted"),
                 "approved": say("approved already"), "rejected": say("rejected already")}
OWN = say("your own (someone else must review it)")
GONE = say("not in this project (deleted?)")
HAS_ERRORS = say("has an error-level finding (fix it first)")
UNLABELLED = say("waits for its label")
STATES = {"draft": say("draft"), "submitted": say("submitted"), "approved": say("approved"),
          "changes_requested": say("changes requested"), "rejected": say("rejected")}


def _state(example: Example) -> str:
    """An example's state in words ("changes requested")."""
    return STATES.get(example.status, example.status.replace("_", " "))


def _too_long() -> str:
    return say("Comments are limited to {count:,} characters.", count=MAX_COMMENT)


@dataclass
class BulkOutcome:
    """What a bulk decision did: how many examples, and why the others were skipped."""

    done: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> examples

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


def _decide_many(session: Session, project: Project, user: User, role: str | None, example_ids: list[int],
                 action: str, comment: str, models: ModelTable | None) -> BulkOutcome:
    """Decide the ticked examples; with `models`, drafts and examples sent back are submitted first
    (an owner's "submit and approve"), if they have no error and their label."""
    outcome = BulkOutcome()
    changes = []
    ids = list(dict.fromkeys(example_ids))[:5000]
    rows = example_store.lock_examples(session, project.id, ids)
    for _ in range(len(ids) - len(rows)):
        outcome.skip(GONE)
    for example in rows:
        original = None
        if models is not None and example.status in ("draft", "changes_requested"):
            if example.needs_output:
                outcome.skip(UNLABELLED)
                continue
            if evaluate(settings_of(project), values_of(example), project.export_profile, models=models).errors:
                outcome.skip(HAS_ERRORS)
                continue
            original = ledger.as_stored(session, project, example)
            example.status, example.submitted_at = "submitted", utcnow()
            session.add(Comment(example_id=example.id, user_id=user.id, action="submit", body=""))
        reason = _unreviewable(role, user, example)
        if reason is not None:
            outcome.skip(reason)
            continue
        before, after = _apply_decision(session, project, user, example, action, comment)
        changes.append((original or before, after))
        outcome.done += 1
    ledger.apply_many(session, changes)
    audit.record(session, project, user, "bulk_submit_approve" if models is not None else f"bulk_{action}",
                 {"examples": outcome.done, "skipped": outcome.skipped_count})
    session.commit()
    return outcome


def bulk_decide(session: Session, project: Project, user: User, role: str | None, example_ids: list[int],
                action: str, comment: str = "") -> BulkOutcome:
    """Approve or reject many submitted examples; the ones that cannot be (not submitted, own) are
    skipped, each with its reason."""
    require(role, "review", project)
    if action not in ("approve", "reject"):
        raise Invalid({"action": say("Bulk review can approve or reject.")})
    return _decide_many(session, project, user, role, example_ids, action, comment, None)


def bulk_submit_and_approve(session: Session, project: Project, user: User, role: str | None,
                            example_ids: list[int], models: ModelTable) -> BulkOutcome:
    """An owner's one step for a one-person project: submit the ticked drafts (and examples sent
    back) that have no error and their label, and approve them with the submitted ones."""
    require(role, "review", project)
    if not allows(role, "review_own"):
        raise Forbidden(say("Only an owner may submit and approve in one step: submit the examples, then a reviewer "
                            "approves them."))
    return _decide_many(session, project, user, role, example_ids, "approve", "", models)
