"""Rule metadata and findings: the registry is RULES.md in code.

Every rule has a stable code, a level, the kinds it applies to, a threshold and a source. A
per-example check is a small function registered with `@example_rule(code)`; it receives an
`ExampleContext` and yields `Finding`s. Dataset and file rules are listed here for the help
page and implemented where their aggregates live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.core.model_table import ModelInfo
from app.core.profiles import Profile
from app.core.records import Rendered
from app.core.project_settings import KIND_ABBREVIATIONS, KINDS, ExampleValues, ProjectSettings

LEVELS = ("info", "warning", "error")
LEVEL_RANK = {"": 0, "ok": 0, "info": 1, "warning": 2, "error": 3}


@dataclass(frozen=True)
class RuleSpec:
    code: str
    level: str
    task_kinds: tuple[str, ...]  # the project kinds it applies to (project_settings.KINDS)
    scope: str  # "example", "file" or "dataset"
    threshold: str
    source: str
    summary: str

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds in RULES.md's notation (cls, gen, chat, pref), as /api/v1/rules publishes them."""
        return tuple(KIND_ABBREVIATIONS[kind] for kind in self.task_kinds)


@dataclass(frozen=True)
class Finding:
    code: str
    level: str
    field: str  # the form field or record part concerned ("text", "label", "messages[2]", "")
    message: str  # what is wrong and what to do
    record: int | None = None  # 0-based index of the exported record, when one example gives several

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "field": self.field, "message": self.message, "record": self.record}


@dataclass(frozen=True)
class Neighbors:
    """Other examples of the project sharing this one's hashes (one indexed lookup on save/lint)."""

    duplicates: tuple[int, ...] = ()  # same input and output
    conflicts: tuple[int, ...] = ()  # same input, different output


NO_NEIGHBORS = Neighbors()  # immutable, so every context without neighbours can share it


@dataclass(frozen=True)
class ExampleContext:
    settings: ProjectSettings
    example: ExampleValues
    rendered: Rendered
    model: ModelInfo
    profile: Profile
    neighbors: Neighbors = NO_NEIGHBORS

    @property
    def kind(self) -> str:
        return self.settings.kind

    def finding(self, code: str, field: str, message: str, record: int | None = None, level: str | None = None) -> Finding:
        return Finding(code, level or RULES[code].level, field, message, record)


ExampleCheck = Callable[[ExampleContext], Iterable[Finding]]
ALL = KINDS
RULES: dict[str, RuleSpec] = {}
EXAMPLE_CHECKS: list[tuple[RuleSpec, ExampleCheck]] = []


def define(code: str, level: str, kinds: tuple[str, ...], scope: str, threshold: str, source: str, summary: str) -> RuleSpec:
    spec = RuleSpec(code, level, tuple(kinds), scope, threshold, source, summary)
    RULES[code] = spec
    return spec


def example_rule(code: str) -> Callable[[ExampleCheck], ExampleCheck]:
    """Register a per-example check for the rule `code` (already defined with `define`)."""

    def register(fn: ExampleCheck) -> ExampleCheck:
        EXAMPLE_CHECKS.append((RULES[code], fn))
        return fn

    return register


_CHECKS_BY_KIND: dict[tuple[str, int], list[ExampleCheck]] = {}


def _checks_for(kind: str) -> list[ExampleCheck]:
    """The checks of a task kind, in registration order (listed once per kind and registry size)."""
    key = (kind, len(EXAMPLE_CHECKS))
    checks = _CHECKS_BY_KIND.get(key)
    if checks is None:
        checks = _CHECKS_BY_KIND[key] = [check for spec, check in EXAMPLE_CHECKS if kind in spec.task_kinds]
    return checks


def run_example_rules(ctx: ExampleContext) -> Iterator[Finding]:
    for check in _checks_for(ctx.settings.kind):
        yield from check(ctx)


def worst_level(findings: Iterable[Finding]) -> str:
    return max((f.level for f in findings), key=lambda lvl: LEVEL_RANK[lvl], default="ok")
