"""Project settings and example values as plain data: what a task type is made of.

A task type is data, not a code path: input fields (with widget and limits), a prompt template,
a separator, a stop sequence, a label set, a target model and a prompt style. Presets
(`app.core.presets`) are ready-made `ProjectSettings`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.core.wording import say

KINDS = ("classification", "generation", "chat", "preference")  # the one vocabulary of task kinds in the code
# RULES.md's short names, only where a user reads or types one: `tunelab check --kind cls|gen`, the
# kinds column of RULES.md and of /api/v1/rules, the task-type finding's data.
KIND_ABBREVIATIONS = {"classification": "cls", "generation": "gen", "chat": "chat", "preference": "pref"}
_KIND_BY_NAME = {**{kind: kind for kind in KINDS}, **{short: kind for kind, short in KIND_ABBREVIATIONS.items()}}


def kind_named(name: str) -> str:
    """The kind for its name or its abbreviation ("cls" -> "classification"); ValueError otherwise."""
    try:
        return _KIND_BY_NAME[name]
    except (KeyError, TypeError):
        raise ValueError(say("unknown task kind {name!r}: use {kinds} (or cls, gen, pref)", name=name,
                             kinds=", ".join(KINDS))) from None

# Field widgets: "text", "textarea", "pairs" (key/value rows), "turns" (speaker/text rows); output
# widgets: "label", "text", "list", "agent_turns", "chat", "pair" (macros in templates/examples/_widgets.html).
PROMPT_STYLES = ("template", "key_value", "natural_language")

DEFAULT_MAX_CHARS = 100_000


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    widget: str = "textarea"
    required: bool = True
    max_chars: int = DEFAULT_MAX_CHARS
    help: str = ""


@dataclass(frozen=True)
class Label:
    name: str
    completion: str  # exactly what is exported, leading space included (" positive", " 4")
    hotkey: str = ""


@dataclass(frozen=True)
class ProjectSettings:
    kind: str
    preset: str = "custom"
    fields: tuple[FieldSpec, ...] = ()
    template: str = ""
    separator: str = ""
    stop: str = ""
    labels: tuple[Label, ...] = ()
    target_model: str = "gpt-4.1-mini"
    prompt_style: str = "template"
    output_widget: str = "text"
    leading_space: bool = True
    output_max_chars: int = DEFAULT_MAX_CHARS
    # Support-chatbot speakers: who asks, who answers (the answerer's turns are exported).
    speakers: tuple[str, str] = ("Customer", "Agent")
    # Chat and preference: the project's function definitions (OpenAI-style specs, checked by
    # `app.core.tools.parse_definitions`), OpenAI's `parallel_tool_calls` (None: not written), and
    # whether the form offers a reasoning text on each assistant turn.
    tools: tuple[dict[str, Any], ...] = ()
    parallel_tool_calls: bool | None = None
    reasoning: bool = False

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def label_for(self, value: Any) -> Label | None:
        """The label named `value`, or else the one whose completion text is `value` (" 4" / "4")."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # an imported class number: 4 means the label exported as " 4"
        if not isinstance(value, str) or not value.strip():
            return None
        for label in self.labels:
            if label.name == value:
                return label
        for label in self.labels:
            if label.completion.strip() == value.strip():
                return label
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectSettings:
        data = dict(data)
        data["fields"] = tuple(FieldSpec(**f) for f in data.get("fields", ()))
        data["labels"] = tuple(Label(**lab) for lab in data.get("labels", ()))
        if "speakers" in data:
            data["speakers"] = tuple(data["speakers"])
        if "tools" in data:
            data["tools"] = tuple(data["tools"] or ())
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_changes(self, **changes: Any) -> ProjectSettings:
        return replace(self, **changes)


@dataclass(frozen=True)
class ExampleValues:
    """What an annotator typed: field values and the output (label, text, list, turns, pair)."""

    fields: dict[str, Any] = field(default_factory=dict)
    output: Any = None


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_placeholders(template: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1)]


def fill_template(template: str, values: dict[str, Any]) -> str:
    """Replace `{name}` with the field's text; `{{` and `}}` are literal braces.

    No attribute access or format specs (unlike str.format), so an owner-written template
    can never reach into Python objects.
    """

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        value = values.get(match.group(1), "")
        return value if isinstance(value, str) else ("" if value is None else str(value))

    return _PLACEHOLDER.sub(substitute, template)
