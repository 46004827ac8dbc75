"""Examples: live lint, save with an optimistic version check, delete, list, re-check.

Every path goes through `core.evaluate`, so what the panel shows is what is stored and exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.evaluate import Evaluation, evaluate
from app.core.model_table import ModelTable
from app.core.rules.registry import Neighbors
from app.core.project_settings import ExampleValues
from app.core.project_settings import ProjectSettings
from app.core.search import search_text, texts
from app.core.wording import say
from app.services import audit, health
from app.services.errors import Forbidden, Invalid, NotFound, Stale
from app.services.permissions import allows, may_delete_example, may_edit_example, may_see_example, require
from app.storage import counters, ledger, trash
from app.storage.db import begin_write
from app.storage import examples as store
from app.storage.tables import Example, ExampleRevision, Project, User, utcnow
from app.services.parsed_settings import settings_of


def neighbor_finder(session: Session, project_id: int, example_id: int | None, only_user: int | None = None):
    """The duplicate/conflict lookup for evaluate(); with `only_user`, only examples that member may
    see are named (the panel never reveals other people's examples)."""
    def find(input_hash: str, content_hash: str) -> Neighbors:
        rows = store.neighbors(session, project_id, input_hash, example_id, only_user=only_user)
        return Neighbors(
            duplicates=tuple(i for i, h in rows if h == content_hash),
            conflicts=tuple(i for i, h in rows if h != content_hash),
        )

    return find


def values_of(example: Example) -> ExampleValues:
    return ExampleValues(fields=example.fields, output=example.output)


def lint(
    session: Session,
    project: Project,
    values: ExampleValues,
    models: ModelTable,
    example_id: int | None = None,
    profile: str | None = None,
    *,
    user: User | None = None,
    role: str | None = "owner",
) -> Evaluation:
    """What the live panel shows to `user`: render + count + rules, plus one indexed hash lookup
    among the examples that user may see."""
    only_user = None if allows(role, "view_all") else (user.id if user else -1)
    return evaluate(
        settings_of(project),
        values,
        profile or project.export_profile,
        find_neighbors=neighbor_finder(session, project.id, example_id, only_user),
        models=models,
    )


def get_example(session: Session, project: Project, example_id: int) -> Example:
    example = store.get_example(session, project.id, example_id)
    if example is None:
        raise NotFound(say("example {id} does not exist in this project", id=example_id))
    return example


def _snapshot(example: Example) -> dict[str, Any]:
    return {"fields": example.fields, "output": example.output, "status": example.status}


def apply_evaluation(example: Example, evaluation: Evaluation, settings: ProjectSettings, project: Project,
                     values: ExampleValues | None = None) -> None:
    """Store `values` (if given) and what evaluating them under the project's current settings gave."""
    if values is not None:
        example.fields = values.fields
        example.output = values.output
        example.search_text = search_text(values.fields, values.output)
    label = settings.label_for(example.output) if settings.kind == "classification" else None
    example.label = label.name if label else None
    example.checked_version = project.version
    example.token_count = evaluation.rendered.tokens
    example.worst_level = evaluation.level
    example.codes = evaluation.codes
    example.input_hash = evaluation.input_hash
    example.content_hash = evaluation.content_hash
    example.near_hash = evaluation.near_hash


@dataclass(frozen=True)
class Saved:
    example: Example
    evaluation: Evaluation


MAX_WORK_SECONDS = 4 * 3600  # longer than this the form was left open, not worked on


def visible_example(session: Session, project: Project, user: User, role: str | None, example_id: int) -> Example:
    example = get_example(session, project, example_id)
    if not may_see_example(role, user, example):
        raise Forbidden(say("Example #{id} is not yours: annotators see their own and assigned examples.", id=example_id))
    return example


def save(
    session: Session,
    project: Project,
    user: User,
    values: ExampleValues,
    models: ModelTable,
    example_id: int | None = None,
    expected_version: int | None = None,
    role: str | None = "owner",
    work_seconds: int | None = None,
) -> Saved:
    """Create or update one example. Refused (nothing stored) on field errors or error-level
    findings. An update must name the version it edited: if someone saved since, Stale (409) with
    both versions; the check is one conditional UPDATE, so of two saves of the same version exactly
    one wins. Editing an approved example sends it back to review (submitted)."""
    require(role, "annotate", project)
    settings = settings_of(project)
    current = visible_example(session, project, user, role, example_id) if example_id is not None else None
    if current is not None and not may_edit_example(role, user, current):
        raise Forbidden(say("You may not edit example #{id} ({status}).", id=current.id,
                            status=current.status.replace("_", " ")))
    if current is not None and expected_version is None:
        raise Invalid({"version": say("Send the version of the example you edited (a whole number).")})
    evaluation = lint(session, project, values, models, example_id, user=user, role=role)
    if current is not None and current.version != expected_version:
        raise Stale(current=current, mine=evaluation)
    if not evaluation.can_save:
        errors = {e.field: e.message for e in evaluation.field_errors}
        for finding in evaluation.errors:
            errors.setdefault(finding.field or "output", finding.message)
        raise Invalid(errors, evaluation)
    begin_write(session)  # the checks and the evaluation above ran without the write lock
    now = utcnow()
    seconds = work_seconds if work_seconds is not None and 0 <= work_seconds <= MAX_WORK_SECONDS else None
    if current is None:
        example = Example(project_id=project.id, created_by=user.id, updated_by=user.id, created_at=now, updated_at=now,
                          input_hash="", content_hash="", work_seconds=seconds)
        apply_evaluation(example, evaluation, settings, project, values)
        session.add(example)
        session.flush()
        before = None
        ledger.apply(session, None, health.counted_after(session, project, example, evaluation, frozenset()),
                     work=(user.id, seconds))
    else:
        example = _claim(session, current, expected_version, evaluation)
        before = _snapshot(example)
        counted_before, work = health.counted_now(session, project, example, models), None
        apply_evaluation(example, evaluation, settings, project, values)
        if example.needs_output:  # an item handed out to be labelled: it now belongs to its labeller
            example.needs_output = False
            example.created_by = user.id
            example.work_seconds = seconds
            work = (user.id, seconds)
        if example.status == "approved":
            example.status = "submitted"
            example.submitted_at = now
        example.updated_by = user.id
        example.updated_at = now
        example.lease_user_id = None
        example.lease_until = None
        session.add(example)
        session.flush()
        ledger.apply(session, counted_before,
                     health.counted_after(session, project, example, evaluation, counted_before.labellers), work=work)
    session.add(ExampleRevision(example_id=example.id, version=example.version, user_id=user.id, at=now,
                                before=before, after=_snapshot(example)))
    session.commit()
    return Saved(example=example, evaluation=evaluation)


def _claim(session: Session, example: Example, expected_version: int, evaluation: Evaluation | None,
           bump: int = 1) -> Example:
    """Take the example at `expected_version` for this transaction (one conditional UPDATE that also
    moves it to the next version, or only locks it with bump=0) and read it fresh; Stale if another
    save got there first."""
    won = store.claim_version(session, example.id, expected_version, bump)
    session.refresh(example)
    if not won:
        raise Stale(current=example, mine=evaluation)
    return example


def claim_seen_version(session: Session, example: Example, seen_version: int | None) -> Example:
    """A decision about an example (approve, reject, …) holds only for the version its reviewer saw."""
    if seen_version is None:
        raise Invalid({"version": say("Send the version of the example you reviewed (a whole number).")})
    return _claim(session, example, seen_version, None, bump=0)


def delete(session: Session, project: Project, user: User, example_id: int, models: ModelTable,
           expected_version: int | None = None, role: str | None = "owner") -> None:
    """Delete one example: it moves to the project's deleted examples (app.services.trash) with its
    history, comments and labels, where it can be restored from; the audit log keeps who and when."""
    example = visible_example(session, project, user, role, example_id)
    if not may_delete_example(role, user, example.created_by, example.status):
        raise Forbidden(say("You may not delete example #{id}.", id=example.id))
    if expected_version is not None:
        example = _claim(session, example, expected_version, None, bump=0)
    ledger.apply(session, health.counted_now(session, project, example, models), None)
    audit.record(session, project, user, "example_deleted", {"example": example.id, "version": example.version,
                                                             "status": example.status})
    trash.keep(session, example, user.id, preview_of(example))
    session.delete(example)
    session.commit()


PREVIEW_CHARS = 120


def preview_of(example: Example) -> str:
    """The start of an example's texts (inputs, then output) on one line, for lists that show no form."""
    joined = " · ".join(" ".join(text.split()) for text in (*texts(example.fields), *texts(example.output))
                        if text.strip())
    return joined if len(joined) <= PREVIEW_CHARS else joined[:PREVIEW_CHARS - 1].rstrip() + "…"


def export_lines(project: Project, example: Example, models: ModelTable) -> list[str]:
    """The lines `example` exports with the project's profile (shown beside a stale edit)."""
    return evaluate(settings_of(project), values_of(example), project.export_profile, models=models).lines


def list_examples(session: Session, project: Project, *, level: str | None = None, label: str | None = None,
                  status: str | None = None, before_id: int | None = None, limit: int = 50,
                  user: User | None = None, role: str | None = "owner", code: str | None = None,
                  search: str | None = None) -> list[Example]:
    """A page of examples, newest first, those whose texts hold `search` (full text) if given;
    annotators see only their own and assigned ones."""
    only_user = None if allows(role, "view_all") else (user.id if user else -1)
    return store.list_examples(session, project.id, level=level or None, label=label or None, status=status or None,
                               before_id=before_id, limit=limit, only_user=only_user, code=code or None,
                               search=search or None)


def level_counts(session: Session, project: Project) -> dict[str, int]:
    """Examples per worst rule level, from the counters (no count over the examples)."""
    return counters.level_counts(session, project.id)


def neighbours_in_list(session: Session, project: Project, example_id: int) -> tuple[int | None, int | None]:
    """(older id, newer id) for previous / next navigation."""
    return (store.adjacent_id(session, project.id, example_id, newer=False),
            store.adjacent_id(session, project.id, example_id, newer=True))
