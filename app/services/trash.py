"""Undo a delete, restore later: a project's deleted examples (kept by app.storage.trash) listed, and
one put back exactly — same id, values, state, labels, revisions, comments and review decisions —
with the counters, dataset aggregates and search index moved as a create moves them.

Retention: a deleted example stays among the deleted examples until someone restores it or its
project is deleted. Whoever may delete an example may restore it (permissions.may_delete_example);
an annotator sees only the deleted examples they could see before: their own, assigned or handed out.
"""

from __future__ import annotations

from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.wording import say
from app.services import audit, health
from app.services import examples as example_service
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.parsed_settings import settings_of
from app.services.permissions import allows, may_delete_example, require
from app.storage import ledger
from app.storage import trash as store
from app.storage.tables import DeletedExample, Example, Project, User


def _only_user(role: str | None, user: User) -> int | None:
    return None if allows(role, "view_all") else user.id


def deleted_examples(session: Session, project: Project, user: User, role: str | None, *,
                     before_id: int | None = None, limit: int = 50) -> list[tuple[DeletedExample, User | None]]:
    """A page of the project's deleted examples that `user` may see, last deleted first, with who deleted each."""
    require(role, "view", project)
    return store.listed(session, project.id, only_user=_only_user(role, user), before_id=before_id, limit=limit)


def may_restore(role: str | None, user: User, row: DeletedExample) -> bool:
    return may_delete_example(role, user, row.created_by, row.status)


def restore(session: Session, project: Project, user: User, example_id: int, models: ModelTable,
            role: str | None = "owner") -> Example:
    """Put a deleted example back (undo). Refused, with nothing changed, when it is not among the
    project's deleted examples, the user may not restore it, or its id is in use again."""
    require(role, "annotate", project)
    # an annotator does not learn of other people's deleted examples: not found, like a missing one
    row = store.kept(session, project.id, example_id, only_user=_only_user(role, user), for_update=True)
    if row is None:
        raise NotFound(say("Example #{id} is not among the deleted examples of this project (restored already?).",
                           id=example_id))
    if not may_restore(role, user, row):
        raise Forbidden(say("You may not restore example #{id}: only who may delete it may restore it.", id=example_id))
    if not store.readable(row):
        raise Invalid({"example": say("Example #{id} was kept in a format this version of tunelab does not read: "
                                      "nothing was restored.", id=example_id)})
    if store.example_exists(session, example_id):
        raise Invalid({"example": say("Example #{id} exists already (restored by someone else?): nothing was "
                                      "restored.", id=example_id)})
    example = store.put_back(session, row)
    if example.checked_version == project.version:  # the exact inverse of the delete's ledger move
        after = health.counted_now(session, project, example, models)
    else:  # the settings changed meanwhile: evaluated under the current ones, as a re-check does
        evaluation = example_service.lint(session, project, example_service.values_of(example), models, example.id)
        example_service.apply_evaluation(example, evaluation, settings_of(project), project)
        session.add(example)
        session.flush()
        after = health.counted_after(session, project, example, evaluation)
    ledger.apply(session, None, after)
    audit.record(session, project, user, "example_restored", {"example": example.id, "version": example.version,
                                                              "status": example.status})
    session.commit()
    return example
