"""evaluate(): render + count + per-example rules in one call, the result every caller shares.

The live panel shows an `Evaluation`, the save stores its cached counts, level, codes and
hashes, and the export writes its records; `tunelab check` judges each line of a file with
`evaluate_form` (the same call from a canonical form built from the line). Field errors (text
over a field's limit, a value of the wrong type) are input the app refuses to store; findings are
rule results. `identity` is the one notion of "the same input" / "the same example" (SHA-256 of
the canonical input and output keys) for the app's duplicate lookup and the checker's index.
"""

from __future__ import annotations

import hashlib
from hashlib import sha256
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from app.core import rules as _rules  # noqa: F401  (registers every rule)
from app.core.model_table import ModelInfo, ModelTable, load_model_table
from app.core.profiles import PROFILES, default_profile, jsonl_line
from app.core.records import Canonical, Rendered
from app.core.render import canonical, chat_turns, pairs_of, render_form
from app.core.rules.registry import NO_NEIGHBORS, ExampleCheck, ExampleContext, Finding, Neighbors, run_example_rules, worst_level
from app.core.project_settings import ExampleValues, ProjectSettings
from app.core.text import near_key
from app.core.tools import project_tools


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class Identity(NamedTuple):
    """What duplicates and conflicts compare: the same input hash is the same input, the same
    content hash the same input and output. `comparable` is False when the example has no input or
    no output to compare (RULES.md, "How rules combine"): then neither rule fires for it."""

    input_hash: str
    content_hash: str
    comparable: bool


def identity(form: Canonical) -> Identity:
    """SHA-256 of the canonical input key, and of input + output. An empty input (open-ended
    generation: every prompt empty) is no shared input, so its input hash is its content hash:
    copies are duplicates, never conflicts."""
    return Identity(*_hashes(form.input_key, form.output_key))


def _hashes(input_key: str | None, output_key: str | None) -> tuple[str, str, bool]:
    """`identity`'s values: the input is hashed once, then the same digest takes the output (one pass)."""
    if input_key:
        digest = sha256(input_key.encode("utf-8", "surrogatepass"))
        input_hash = digest.hexdigest()
        digest.update(b"\x00" + output_key.encode("utf-8", "surrogatepass") if output_key else b"\x00")
        return input_hash, digest.hexdigest(), output_key is not None  # = _sha256(input + "\0" + output)
    content_hash = sha256(b"\x00" + (output_key or "").encode("utf-8", "surrogatepass")).hexdigest()
    return content_hash, content_hash, input_key is not None and output_key is not None


@dataclass(frozen=True, init=False)
class Evaluation:
    settings: ProjectSettings = field(repr=False)
    example: ExampleValues = field(repr=False)
    rendered: Rendered
    findings: tuple[Finding, ...]
    input_hash: str
    content_hash: str
    comparable: bool = True

    def __init__(self, settings: ProjectSettings, example: ExampleValues, rendered: Rendered,
                 findings: tuple[Finding, ...], input_hash: str, content_hash: str, comparable: bool = True) -> None:
        # What the frozen dataclass's own __init__ does (one object.__setattr__ call per field),
        # written to the instance dict directly: the same object, ~3x faster to build (`tunelab
        # check` builds one per line).
        values = self.__dict__
        values["settings"], values["example"], values["rendered"] = settings, example, rendered
        values["findings"], values["input_hash"], values["content_hash"] = findings, input_hash, content_hash
        values["comparable"] = comparable

    @cached_property
    def field_errors(self) -> tuple[FieldError, ...]:
        return tuple(field_errors(self.settings, self.example))

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
        return _sha256(near_key(self.rendered.canonical.input_key or ""))

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
    model = (models or load_model_table()).get(settings.target_model)
    return evaluate_form(settings, example, canonical(settings, example), profile or default_profile(settings.kind),
                         model, find_neighbors)


def evaluate_form(
    settings: ProjectSettings,
    example: ExampleValues,
    form: Canonical,
    profile: str,
    model: ModelInfo,
    find_neighbors: Callable[[str, str], Neighbors] | None = None,
    checks: Iterable[ExampleCheck] | None = None,
) -> Evaluation:
    """`evaluate` from a canonical form already built (`render.canonical`, or a file line's form in
    `app.core.file_format`). `checks`: only these registered checks (default: every check of the
    kind); `tunelab check` passes a subset when it already has the other findings from its memo."""
    tools = project_tools(settings.tools) if settings.tools else ()
    rendered = render_form(settings.kind, form, profile, model, tools, settings.parallel_tool_calls)
    input_hash, content_hash, comparable = _hashes(form.input_key, form.output_key)
    neighbors = find_neighbors(input_hash, content_hash) if find_neighbors and comparable else NO_NEIGHBORS
    ctx = ExampleContext(settings, example, rendered, model, PROFILES[profile], neighbors)
    if checks is None:
        findings = tuple(run_example_rules(ctx))
    else:
        found: list[Finding] = []
        for check in checks:
            found += check(ctx)
        findings = tuple(found)
    if rendered.profile_findings:
        rendered, findings = _one_finding_per_condition(rendered, findings)
    return Evaluation(settings, example, rendered, findings, input_hash, content_hash, comparable)


# A profile's line rule that checks what a RULES.md code already checks (docs/provider-rules.md,
# "Overlaps"): when both fire, the stricter level wins; at the same level the RULES.md code does.
OVERLAPS = {
    "together-role-repeated": "chat-roles-not-alternating", "bedrock-alternation": "chat-roles-not-alternating",
    "together-no-assistant": "chat-no-assistant", "together-weight-invalid": "chat-weight-invalid",
    "together-pref-input-empty": "pref-shape", "together-pref-input-ends-assistant": "pref-shape",
    "fireworks-dpo-multi-turn": "pref-multi-turn", "vertex-too-long": "too-long",
    "bedrock-last-not-assistant": "chat-last-not-assistant", "mistral-last-not-assistant": "chat-last-not-assistant",
    "openai-tool-result-unlinked": "tool-result-unlinked",
}
_RANK = {"error": 2, "warning": 1, "info": 0}


def _one_finding_per_condition(rendered: Rendered, findings: tuple[Finding, ...]) -> tuple[Rendered, tuple[Finding, ...]]:
    kept, dropped_codes = [], set()
    for profile_finding in rendered.profile_findings:
        same = [f for f in findings if f.code == OVERLAPS.get(profile_finding.code)]
        if not same:
            kept.append(profile_finding)
        elif _RANK[profile_finding.level] > max(_RANK[f.level] for f in same):
            kept.append(profile_finding)
            dropped_codes.add(same[0].code)
    if dropped_codes:
        findings = tuple(f for f in findings if f.code not in dropped_codes)
    return rendered._replace(profile_findings=tuple(kept)), findings
