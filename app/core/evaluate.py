"""evaluate(): render + count + per-example rules in one call, the result every caller shares.

The live panel shows an `Evaluation`, the save stores its cached counts, level, codes and
hashes, and the export writes its records. Field errors (text over a field's limit, a value of
the wrong type) are input the app refuses to store; findings are rule results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core import rules as _rules  # noqa: F401  (registers every rule)
from app.core.model_table import ModelTable, load_model_table
from app.core.profiles import PROFILES, default_profile, jsonl_line
from app.core.records import Rendered
from app.core.render import chat_turns, pairs_of, render
from app.core.rules.registry import ExampleContext, Finding, Neighbors, run_example_rules, worst_level
from app.core.project_settings import ExampleValues, ProjectSettings
from app.core.text import near_key


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class Evaluation:
    rendered: Rendered
    findings: tuple[Finding, ...]
    field_errors: tuple[FieldError, ...]
    input_hash: str
    content_hash: str

    @property
    def level(self) -> str:
        return worst_level(self.findings)

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.findings})

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def near_hash(self) -> str:
        """Hash of the input with case, whitespace and punctuation folded (near-duplicates share it)."""
        return _sha256(near_key(self.rendered.canonical.input_key))

    @property
    def can_save(self) -> bool:
        return not self.field_errors and not self.errors

    @property
    def lines(self) -> list[str]:
        return [jsonl_line(r) for r in self.rendered.records]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _length(value: Any, widget: str) -> int:
    if widget in ("pairs", "turns"):
        return sum(len(k) + len(v) for k, v in pairs_of(value))
    return len(value) if isinstance(value, str) else 0


def field_errors(settings: ProjectSettings, example: ExampleValues) -> list[FieldError]:
    """Input the app refuses to store: wrong types and text over the field's character limit."""
    errors: list[FieldError] = []
    if not isinstance(example.fields, dict):
        return [FieldError("fields", "fields must be an object of field name -> value")]
    for spec in settings.fields:
        value = example.fields.get(spec.name)
        if spec.widget in ("pairs", "turns"):
            if value is not None and not isinstance(value, list):
                errors.append(FieldError(spec.name, f"{spec.label} must be a list of rows"))
                continue
        elif value is not None and not isinstance(value, str):
            errors.append(FieldError(spec.name, f"{spec.label} must be text"))
            continue
        length = _length(value, spec.widget)
        if length > spec.max_chars:
            errors.append(
                FieldError(spec.name, f"{spec.label} is {length:,} characters; the limit is {spec.max_chars:,}. Shorten it.")
            )
    output = example.output
    if settings.output_widget in ("text",) and isinstance(output, str) and len(output) > settings.output_max_chars:
        errors.append(
            FieldError("output", f"The output is {len(output):,} characters; the limit is {settings.output_max_chars:,}. Shorten it.")
        )
    if settings.output_widget in ("list", "chat"):
        total = sum(len(str(m.get("content", ""))) for m in chat_turns(output)) if settings.output_widget == "chat" else sum(
            len(str(i)) for i in (output if isinstance(output, list) else [output or ""])
        )
        if total > settings.output_max_chars:
            errors.append(
                FieldError("output", f"The output is {total:,} characters; the limit is {settings.output_max_chars:,}. Shorten it.")
            )
    return errors


def evaluate(
    settings: ProjectSettings,
    example: ExampleValues,
    profile: str | None = None,
    find_neighbors: Callable[[str, str], Neighbors] | None = None,
    models: ModelTable | None = None,
) -> Evaluation:
    """Render, count and check one example.

    `find_neighbors(input_hash, content_hash)` is the caller's lookup of other examples with the
    same hashes (the storage layer's one indexed query); without it, no duplicate/conflict check.
    """
    table = models or load_model_table()
    profile_key = profile or default_profile(settings.kind)
    rendered = render(settings, example, profile_key, table)
    form = rendered.canonical
    input_hash = _sha256(form.input_key)
    content_hash = _sha256(form.input_key + "\x00" + form.output_key)
    ctx = ExampleContext(
        settings=settings,
        example=example,
        rendered=rendered,
        model=table.get(settings.target_model),
        profile=PROFILES[profile_key],
        neighbors=find_neighbors(input_hash, content_hash) if find_neighbors else Neighbors(),
    )
    return Evaluation(
        rendered=rendered,
        findings=tuple(run_example_rules(ctx)),
        field_errors=tuple(field_errors(settings, example)),
        input_hash=input_hash,
        content_hash=content_hash,
    )


