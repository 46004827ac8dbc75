"""Re-checking a project's examples after its settings change, in short resumable batches.

A settings change (or "recompute" on the health page) is one short transaction: the project's
`version` goes up, its dataset aggregates and hash/code counters start empty and its
`recheck_cursor` is set to 0. Then batches of BATCH examples, each its own short transaction,
re-evaluate the examples after the cursor, add them to the aggregates and move the cursor on, so
no transaction holds SQLite's write lock for long and saves elsewhere never wait for the whole
project. An example saved meanwhile is evaluated with the new settings at save time
(`checked_version` equals the project's `version`) and is skipped. A server stopped half-way leaves
the cursor where it was: `resume_all` (run at start-up) finishes the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlmodel import Session

from app.core.evaluate import evaluate
from app.core.model_table import ModelTable
from app.services import health
from app.services.examples import apply_evaluation, neighbor_finder, values_of
from app.services.permissions import require
from app.storage import examples as example_store
from app.storage import ledger
from app.storage import projects as project_store
from app.storage.tables import Project, utcnow
from app.services.parsed_settings import settings_of

BATCH = 500
log = logging.getLogger("tunelab.recheck")
SessionFactory = Callable[[], AbstractContextManager[Session]]


def start(session: Session, project: Project) -> None:
    """Begin a re-check of every example, in the caller's transaction (the caller commits)."""
    project.version += 1
    project.recheck_cursor = 0
    project.updated_at = utcnow()
    session.add(project)
    health.reset(session, project)


def recompute(session: Session, project: Project, role: str | None) -> None:
    """An owner asks for every example to be checked again (e.g. the prefix/suffix figures are stale)."""
    require(role, "configure", project)
    start(session, project)
    session.commit()


def run_batch(session: Session, project_id: int, models: ModelTable, batch: int = BATCH) -> bool:
    """Re-check the next `batch` examples of a project and commit; False once nothing is left."""
    project = project_store.lock_project(session, project_id)
    if project is None or project.recheck_cursor is None:
        return False
    if not ledger.stats_readable(session, project.id):  # none yet, or of another format: start afresh
        start(session, project)
    settings = settings_of(project)
    rows = example_store.examples_after(session, project.id, project.recheck_cursor, batch)
    changes = []
    for example in rows:
        if example.checked_version == project.version:
            continue  # saved since the change: already evaluated with these settings and counted
        evaluation = evaluate(settings, values_of(example), project.export_profile,
                              find_neighbors=neighbor_finder(session, project.id, example.id), models=models)
        before = ledger.as_stored(session, project, example)  # not in the dataset yet
        apply_evaluation(example, evaluation, settings, project)
        changes.append((before, health.counted_after(session, project, example, evaluation, before.labellers)))
    ledger.apply_many(session, changes)
    project.recheck_cursor = rows[-1].id if len(rows) == batch else None
    session.add(project)
    session.commit()
    return project.recheck_cursor is not None


def run(new_session: SessionFactory, project_id: int, models: ModelTable) -> None:
    """Batches until the project's re-check is done (several workers may share the work safely:
    each batch locks the project row first)."""
    more = True
    while more:
        with new_session() as session:
            more = run_batch(session, project_id, models)


def resume_all(new_session: SessionFactory, models: ModelTable) -> None:
    """Finish every re-check a stopped server left half-done."""
    with new_session() as session:
        ledger.mark_unreadable_for_rebuild(session)  # stats of another format: rebuilt, never read
        session.commit()
        pending = project_store.rechecks_pending(session)
    for project_id in pending:
        try:
            run(new_session, project_id, models)
        except Exception:  # one broken project must not stop the others; the next start tries again
            log.exception("re-check of project %s failed", project_id)
