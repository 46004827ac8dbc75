"""What happened to an example: its revisions as diffs, and its review thread."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.storage import team
from app.storage.tables import Comment, Example, User


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
