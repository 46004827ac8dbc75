"""Items to label: an owner adds inputs (one per line) that wait in the annotators' queue.

Each line is either plain text (for a project with one text field) or a JSON object of field
values. The whole paste is checked first: any bad line is reported with its number and nothing
is added (all lines or none).
"""

from __future__ import annotations

import json

from sqlmodel import Session

from app.core.evaluate import evaluate
from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues
from app.core.project_settings import ProjectSettings
from app.core.search import search_text
from app.core.wording import say
from app.services import audit
from app.services.errors import Invalid
from app.services.permissions import require
from app.storage import ledger
from app.storage.tables import Example, Project, User, utcnow
from app.services.parsed_settings import settings_of

MAX_ITEMS = 10_000


def parse_items(settings: ProjectSettings, text: str) -> list[dict]:
    """Field values per non-empty line; raises Invalid naming every bad line."""
    text_fields = [f for f in settings.fields if f.widget in ("text", "textarea")]
    problems: list[str] = []
    items: list[dict] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(say("line {line_n}: not valid JSON ({reason} at column {index})", line_n=number,
                                    reason=exc.msg, index=exc.colno))
                continue
            unknown = sorted(set(value) - {f.name for f in settings.fields})
            if unknown:
                problems.append(say("line {line_n}: unknown field(s) {fields}", line_n=number, fields=", ".join(unknown)))
                continue
            items.append(value)
        elif len(text_fields) == 1 and len(settings.fields) == 1:
            items.append({text_fields[0].name: line.replace("\\n", "\n")})
        else:
            names = ", ".join(f.name for f in settings.fields)
            problems.append(say("line {line_n}: this project has several fields ({names}): write a JSON object",
                                line_n=number, names=names))
    if len(items) > MAX_ITEMS:
        problems.append(say("{count:,} items: add at most {limit:,} at a time", count=len(items), limit=MAX_ITEMS))
    if problems:
        if len(problems) > 20:
            problems[20:] = [say("and {count} more", count=len(problems) - 20)]
        raise Invalid({"items": "; ".join(problems)})
    if not items:
        raise Invalid({"items": say("Paste at least one item.")})
    return items


def add_items(session: Session, project: Project, user: User, role: str | None, text: str, models: ModelTable) -> int:
    require(role, "assign", project)
    settings = settings_of(project)
    items = parse_items(settings, text)
    added: list[Example] = []
    for fields in items:
        values = ExampleValues(fields=fields, output=None)
        ev = evaluate(settings, values, project.export_profile, models=models)
        if ev.field_errors:
            raise Invalid({"items": f"{json.dumps(fields)[:80]}: {ev.field_errors[0].message}"})
        now = utcnow()
        added.append(Example(project_id=project.id, fields=fields, output=None, search_text=search_text(fields, None),
                             needs_output=True, status="draft",
                             token_count=ev.rendered.tokens, worst_level=ev.level, codes=ev.codes,
                             input_hash=ev.input_hash, content_hash=ev.content_hash, created_at=now, updated_at=now,
                             checked_version=project.version))
    session.add_all(added)
    session.flush()
    ledger.apply_many(session, [(None, ledger.as_stored(session, project, e, labellers=frozenset())) for e in added])
    audit.record(session, project, user, "items_added", {"items": len(items)})
    session.commit()
    return len(items)
