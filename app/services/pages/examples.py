"""Data of /projects/{id}/examples: a page of examples (newest first, filtered), the level counts, and
the members an owner may assign to. Annotators see only their own and assigned examples."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.services import examples as example_service
from app.services import projects as project_service
from app.services.pages.common import ExampleOut
from app.services.pages.members import MemberOut
from app.services.permissions import allows
from app.storage.tables import Project, User

STATUSES = ("draft", "submitted", "approved", "changes_requested", "rejected")


class ExamplesPage(BaseModel):
    examples: list[ExampleOut]
    next_before: int | None  # pass as `before` for the next older page; None on the last page
    counts: dict[str, int]  # examples per worst rule level, the whole project
    assignees: list[MemberOut]  # who the asker may assign examples to (only owners may assign)


def examples_page(session: Session, project: Project, user: User, role: str | None, *, level: str = "",
                  label: str = "", status: str = "", code: str = "", before: int | None = None,
                  limit: int = 100, q: str = "") -> ExamplesPage:
    rows = example_service.list_examples(session, project, level=level or None, label=label or None,
                                         status=status or None, before_id=before, limit=limit + 1, user=user,
                                         role=role, code=code or None, search=q or None)
    assignees = []
    if allows(role, "assign"):
        assignees = [MemberOut(user_id=u.id, username=u.username, display_name=u.display_name, is_active=u.is_active,
                               role=m.role) for m, u in project_service.members(session, project) if m.role != "viewer"]
    return ExamplesPage(examples=[ExampleOut.of(e) for e in rows[:limit]],
                        next_before=rows[limit - 1].id if len(rows) > limit else None,
                        counts=example_service.level_counts(session, project), assignees=assignees)


def example_of(session: Session, project: Project, user: User, role: str | None, example_id: int) -> ExampleOut:
    """One example, if the asker may see it (404 otherwise, as on its page)."""
    return ExampleOut.of(example_service.visible_example(session, project, user, role, example_id))
