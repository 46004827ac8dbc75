"""What happened to an example: its revisions as diffs, its review thread, and restoring an earlier
revision (a new revision through the normal save, reviewed like any edit)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues
from app.core.wording import say
from app.services import examples as example_service
from app.services.errors import Invalid, NotFound, Stale
from app.services.examples import Saved
from app.services.permissions import require
from app.storage import team
from app.storage.tables import Comment, Example, Project, User


@dataclass(frozen=True)
class RevisionView:
    version: int
    who: str
    at: datetime
    diff: list[tuple[str, str]]  # (kind, line): kind is "add", "del", "same" or "hunk"
    created: bool
    deleted: bool


def _pretty(snapshot: Any) -> list[str]:
    if snapshot is None:
        return []
    return json.dumps(snapshot, ensure_ascii=False, indent=2, sort_keys=True).splitlines()


def diff_lines(before: Any, after: Any) -> list[tuple[str, str]]:
    """A unified diff of two snapshots, as (kind, text) rows for the page."""
    rows = []
    for line in difflib.unified_diff(_pretty(before), _pretty(after), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "same")
        rows.append((kind, line))
    return rows


def revisions(session: Session, example: Example, limit: int = 50) -> list[RevisionView]:
    rows = team.revisions(session, example.id, limit)
    return [
        RevisionView(rev.version, (user.display_name or user.username) if user else "?", rev.at,
                     diff_lines(rev.before, rev.after), rev.before is None, rev.after is None)
        for rev, user in rows
    ]


def thread(session: Session, example: Example) -> list[tuple[Comment, User]]:
    return team.comments(session, example.id)


def restore_revision(session: Session, project: Project, user: User, role: str | None, example_id: int,
                     revision: int, expected_version: int | None, models: ModelTable) -> Saved:
    """Save the values revision `revision` of an example gave it as a new revision: the normal save
    (its checks, counters, search text, ledger and review rule: an approved example goes back to
    submitted). `expected_version` is the version the page showed; if the example changed since,
    Stale (409) and nothing is saved."""
    require(role, "annotate", project)
    example = example_service.visible_example(session, project, user, role, example_id)
    if expected_version is None:
        raise Invalid({"version": say("Send the version of the example you looked at (a whole number).")})
    if example.version != expected_version:
        raise Stale(current=example, mine=None, message=say(
            "Example #{id} changed since you opened it (it is at version {now:d} now, you saw {seen:d}): nothing was "
            "restored. Reload the page to see the new version.", id=example_id, now=example.version, seen=expected_version))
    found = team.revision(session, example_id, revision)
    if found is None or not isinstance(found.after, dict) or "fields" not in found.after:
        raise NotFound(say("Example #{id} has no revision v{revision:d} to restore.", id=example_id, revision=revision))
    if revision == example.version:
        raise Invalid({"revision": say("v{revision:d} is the current version of example #{id}: nothing to restore.",
                                       revision=revision, id=example_id)})
    values = ExampleValues(fields=found.after["fields"], output=found.after.get("output"))
    return example_service.save(session, project, user, values, models, example_id, expected_version, role=role)
