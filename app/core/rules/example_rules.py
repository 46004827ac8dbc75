"""Per-example checks: each takes an ExampleContext and yields Findings (see RULES.md)."""

from __future__ import annotations

from collections.abc import Iterator

from app.core.render import pairs_of
from app.core.rules.registry import ExampleContext, Finding, example_rule


@example_rule("input-empty")
def input_empty(ctx: ExampleContext) -> Iterator[Finding]:
    fields = ctx.example.fields if isinstance(ctx.example.fields, dict) else {}
    for spec in ctx.settings.fields:
        if not spec.required:
            continue
        value = fields.get(spec.name)
        empty = not pairs_of(value) if spec.widget in ("pairs", "turns") else not (isinstance(value, str) and value.strip())
        if empty:
            yield ctx.finding("input-empty", spec.name, f"{spec.label} is required: fill it in.")


@example_rule("output-empty")
def output_empty(ctx: ExampleContext) -> Iterator[Finding]:
    if ctx.settings.output_widget == "label":
        if ctx.example.output in (None, ""):
            yield ctx.finding("output-empty", "output", "Pick a label (click it or press its key).")
        return
    form = ctx.rendered.canonical
    if ctx.settings.output_widget == "agent_turns":
        if not form.rows:
            yield ctx.finding("output-empty", "turns", f"Add at least one {ctx.settings.speakers[1]} turn: each one becomes a training row.")
        return
    if ctx.settings.kind == "preference":
        if not (form.conversation and form.conversation.preferred):
            yield ctx.finding("output-empty", "preferred", "Write the preferred reply.")
        return
    if not any(row.output_text for row in form.rows):
        yield ctx.finding("output-empty", "output", "Write the output: the completion the model should learn.")


@example_rule("label-unknown")
def label_unknown(ctx: ExampleContext) -> Iterator[Finding]:
    value = ctx.example.output
    if value in (None, "") or ctx.settings.label_for(value) is not None:
        return
    known = ", ".join(f"{lab.name!r}" for lab in ctx.settings.labels) or "none defined"
    yield ctx.finding("label-unknown", "output", f"{value!r} is not a label of this project ({known}): pick one of them or add it in the project settings.")
