"""Queues: "next" for annotators and reviewers, assignment, and N-way double labelling.

"next" hands an example out with a short lease (LEASE_SECONDS) through one conditional UPDATE,
so two people pressing it at the same moment never get the same example. Every lookup walks an
index in id order; none counts or scans the table.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session

from app.core.wording import say
from app.services import audit
from app.services.errors import Invalid
from app.services.permissions import allows, require
from app.storage import queue as store
from app.storage.tables import Project, User, utcnow

LEASE_SECONDS = 300


def next_for_annotator(session: Session, project: Project, user: User, role: str | None) -> tuple[str, int | None]:
    """("edit" | "annotate" | "new", example id): assigned work first, then double-labelling,
    then unlabelled items; with nothing waiting, a new example."""
    require(role, "annotate", project)
    now = utcnow()
    until = now + timedelta(seconds=LEASE_SECONDS)
    for candidates in (store.sent_back(project.id, user.id), store.assigned(project.id, user.id)):
        found = store.claim(session, candidates, user.id, now, until)
        if found:
            return "edit", found
    example_id = store.first_double_labelling(session, project.id, user.id)
    if example_id is not None:
        return "annotate", example_id
    found = store.claim(session, store.unlabelled(project.id, user.id), user.id, now, until)
    return ("edit", found) if found else ("new", None)


def next_for_reviewer(session: Session, project: Project, user: User, role: str | None) -> int | None:
    """The next submitted example the reviewer did not write (owners may also get their own last)."""
    require(role, "review", project)
    now = utcnow()
    until = now + timedelta(seconds=LEASE_SECONDS)
    found = store.claim(session, store.submitted(project.id, not_by=user.id), user.id, now, until)
    if found is None and allows(role, "review_own"):
        found = store.claim(session, store.submitted(project.id), user.id, now, until)
    return found


def assign(session: Session, project: Project, user: User, role: str | None, example_ids: list[int],
           assignee_id: int | None) -> int:
    """Assign examples to one member (None: unassign)."""
    require(role, "assign", project)
    if assignee_id is not None and assignee_id not in store.annotators(session, project.id):
        raise Invalid({"assignee": say("Assign to a member who may annotate.")})
    count = store.set_examples(session, project.id, example_ids, assignee_id=assignee_id)
    audit.record(session, project, user, "assigned", {"examples": count, "assignee": assignee_id})
    session.commit()
    return count


def assign_round_robin(session: Session, project: Project, user: User, role: str | None, example_ids: list[int],
                       member_ids: list[int] | None = None) -> dict[int, int]:
    """Deal the examples out in turn to the given members (default: every annotator)."""
    require(role, "assign", project)
    allowed = store.annotators(session, project.id)
    members = [m for m in (member_ids or allowed) if m in allowed]
    if not members:
        raise Invalid({"assignee": say("The project has no annotators to assign to: add members first.")})
    dealt: dict[int, int] = {m: 0 for m in members}
    for index, example_id in enumerate(sorted(example_ids[:5000])):
        member = members[index % len(members)]
        store.set_examples(session, project.id, [example_id], assignee_id=member)
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
        raise Invalid({"ways": say("Agreement is measured on classification projects.")})
    if not 2 <= ways <= 10:
        raise Invalid({"ways": say("Ask for 2 to 10 independent labels per example.")})
    chosen = sorted(example_ids[:5000])
    if sample is not None and 0 < sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample))
    count = store.set_examples(session, project.id, chosen, labels_wanted=ways, labels_open=True)
    audit.record(session, project, user, "double_labelling", {"examples": count, "ways": ways})
    session.commit()
    return count
