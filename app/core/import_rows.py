"""One imported line made ready to write: mapped, evaluated like a save, and turned into what the
example row stores (JSON columns already as text), its kept export lines and what the ledger counts.

`prepare` is pure and needs nothing but the project's settings, so worker processes run it on
chunks of the file (`services.import_workers`) while the caller only writes; what it returns is
flat (strings, numbers, tuples) so it crosses between processes cheaply. A line that cannot be
saved (a fault of the file, a field error, an error-level finding) comes back with its errors as
(field, message) and no row.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import orjson

from app.core.evaluate import evaluate
from app.core.export_verdict import judged
from app.core.import_lines import Line
from app.core.importing import Mapped
from app.core.model_table import ModelTable
from app.core.project_settings import ProjectSettings
from app.core.search import search_text


class NewRow(NamedTuple):
    """An example row's evaluated values, its kept export lines and its contribution to the dataset."""

    fields: str  # JSON text
    output: str | None  # JSON text
    label: str | None
    tokens: int
    level: str
    codes: tuple[str, ...]
    input_hash: str
    content_hash: str
    near_hash: str
    kept: tuple[str, str, str]  # the export under the project's profile: (outcome, codes as JSON, lines)
    prompts: tuple[str, ...]
    completions: tuple[str, ...]
    record_tokens: tuple[int, ...]
    billed: tuple[int, ...]
    search_text: str  # core.search


class Prepared(NamedTuple):
    """A line's outcome: its errors (then no row), or the row to write."""

    number: int
    errors: tuple[tuple[str, str], ...] = ()  # (field, message): the file's faults, field errors, error findings
    raw_prompt: bool = False  # the prompt did not match the template: kept whole in one field
    tokens: int | None = None  # None when the line was not evaluated
    row: NewRow | None = None


def faults_of(line: Line, mapped: Mapped | None) -> tuple[tuple[str, str], ...]:
    """What stops a line before it is evaluated: the file's faults, or what the mapping refused."""
    if mapped is None or mapped.values is None or mapped.problems:
        return line.faults if mapped is None else mapped.problems
    return ()


def prepare(settings: ProjectSettings, profile: str, models: ModelTable, line: Line, mapped: Mapped | None) -> Prepared:
    """`core.evaluate` of one mapped line (the save's path) under the project's export `profile`."""
    faults = faults_of(line, mapped)
    if faults:
        return Prepared(line.number, faults)
    values = mapped.values
    evaluation = evaluate(settings, values, profile, models=models)
    rendered = evaluation.rendered
    errors = tuple((e.field, e.message) for e in evaluation.field_errors)
    errors += tuple((f.field or "output", f.message) for f in evaluation.errors)
    if errors:
        return Prepared(line.number, errors, mapped.raw_prompt, rendered.tokens)
    label = settings.label_for(values.output) if settings.kind == "classification" else None
    export = judged(evaluation)
    rows = rendered.canonical.rows
    codes = tuple(evaluation.codes)
    row = NewRow(json_text(values.fields), json_text(values.output), label.name if label else None, rendered.tokens,
                 evaluation.level, codes, evaluation.input_hash, evaluation.content_hash, evaluation.near_hash,
                 (export.outcome, export.codes_json, export.lines), tuple(r.prompt for r in rows),
                 tuple(r.completion for r in rows), tuple(r.tokens for r in rendered.records),
                 tuple(r.billed_tokens for r in rendered.records), search_text(values.fields, values.output))
    return Prepared(line.number, (), mapped.raw_prompt, rendered.tokens, row)


def json_text(value: Any) -> str | None:
    """JSON text of a column value (orjson: five times json's speed; json for what orjson refuses,
    such as integers beyond 64 bits). Either reads back as the same value."""
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value)
