"""Queues: "next" for annotators and reviewers, assignment, and N-way double labelling.

"next" hands an example out with a short lease (LEASE_SECONDS) through one conditional UPDATE,
so two people pressing it at the same moment never get the same example. Every lookup walks an
index in id order; none counts or scans the table.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import exists, or_, update
from sqlmodel import Session, select

from app.services import audit
from app.services.errors import Invalid
from app.services.permissions import allows, require
from app.storage import team
from app.storage.tables import Annotation, Example, Membership, Project, User, utcnow

LEASE_SECONDS = 300


def _ids(project: Project):
    return select(Example.id).where(Example.project_id == project.id).order_by(Example.id)


def next_for_annotator(session: Session, project: Project, user: User, role: str | None) -> tuple[str, int | None]:
    """("edit" | "annotate" | "new", example id): assigned work first, then double-labelling,
    then unlabelled items; with nothing waiting, a new example."""
    require(role, "annotate", project)
    now = utcnow()
    until = now + timedelta(seconds=LEASE_SECONDS)
    assigned = _ids(project).where(Example.assignee_id == user.id, Example.status.in_(("draft", "changes_requested")))
    sent_back = _ids(project).where(Example.created_by == user.id, Example.status == "changes_requested")
    for candidates in (sent_back, assigned):
        found = team.claim(session, candidates, user.id, now, until)
        if found:
            return "edit", found
    mine = exists().where(Annotation.example_id == Example.id, Annotation.user_id == user.id)
    double = _ids(project).where(Example.labels_open.is_(True), ~mine,
                                 or_(Example.created_by.is_(None), Example.created_by != user.id))
    example_id = session.exec(double.limit(1)).first()
    if example_id is not None:
        return "annotate", int(example_id)
    unlabelled = _ids(project).where(Example.needs_output.is_(True),
                                     or_(Example.assignee_id.is_(None), Example.assignee_id == user.id))
    found = team.claim(session, unlabelled, user.id, now, until)
    return ("edit", found) if found else ("new", None)


def next_for_reviewer(session: Session, project: Project, user: User, role: str | None) -> int | None:
    """The next submitted example the reviewer did not write (owners may also get their own last)."""
    require(role, "review", project)
    now = utcnow()
    until = now + timedelta(seconds=LEASE_SECONDS)
    submitted = _ids(project).where(Example.status == "submitted")
    others = submitted.where(or_(Example.created_by.is_(None), Example.created_by != user.id))
    found = team.claim(session, others, user.id, now, until)
    if found is None and allows(role, "review_own"):
        found = team.claim(session, submitted, user.id, now, until)
    return found



def _annotators(session: Session, project: Project) -> list[int]:
    return list(session.exec(select(Membership.user_id).where(
        Membership.project_id == project.id, Membership.role.in_(("annotator", "reviewer", "owner")))
        .order_by(Membership.user_id)))


def assign(session: Session, project: Project, user: User, role: str | None, example_ids: list[int],
           assignee_id: int | None) -> int:
    """Assign examples to one member (None: unassign)."""
    require(role, "assign", project)
    if assignee_id is not None and assignee_id not in _annotators(session, project):
        raise Invalid({"assignee": "Assign to a member who may annotate."})
    result = session.execute(update(Example).where(Example.project_id == project.id, Example.id.in_(example_ids[:5000]))
                             .values(assignee_id=assignee_id))
    audit.record(session, project, user, "assigned", {"examples": result.rowcount, "assignee": assignee_id})
    session.commit()
    return result.rowcount


def assign_round_robin(session: Session, project: Project, user: User, role: str | None, example_ids: list[int],
                       member_ids: list[int] | None = None) -> dict[int, int]:
    """Deal the examples out in turn to the given members (default: every annotator)."""
    require(role, "assign", project)
    allowed = _annotators(session, project)
    members = [m for m in (member_ids or allowed) if m in allowed]
    if not members:
        raise Invalid({"assignee": "The project has no annotators to assign to: add members first."})
    dealt: dict[int, int] = {m: 0 for m in members}
    for index, example_id in enumerate(sorted(example_ids[:5000])):
        member = members[index % len(members)]
        session.execute(update(Example).where(Example.project_id == project.id, Example.id == example_id)
                        .values(assignee_id=member))
        dealt[member] += 1
    audit.record(session, project, user, "assigned_round_robin", {"examples": sum(dealt.values()),
                                                                   "members": len(members)})
    session.commit()
    return dealt


def request_double_labels(session: Session, project: Project, user: User, role: str | None, example_ids: list[int],
                          ways: int, sample: int | None = None, seed: int | None = None) -> int:
    """Have each example labelled by `ways` people in all (its author counts as one when it is labelled),
    independently; a random `sample` of the examples if given."""
    require(role, "assign", project)
    if project.kind != "classification":
        raise Invalid({"ways": "Agreement is measured on classification projects."})
    if not 2 <= ways <= 10:
        raise Invalid({"ways": "Ask for 2 to 10 independent labels per example."})
    chosen = sorted(example_ids[:5000])
    if sample is not None and 0 < sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample))
    result = session.execute(update(Example).where(Example.project_id == project.id, Example.id.in_(chosen))
                             .values(labels_wanted=ways, labels_open=True))
    audit.record(session, project, user, "double_labelling", {"examples": result.rowcount, "ways": ways})
    session.commit()
    return result.rowcount
