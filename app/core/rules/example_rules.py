"""Per-example checks for every kind and for prompt/completion rows (see RULES.md).

Each check takes an ExampleContext and yields Findings; chat and preference checks live in
`chat_rules`. Checks never raise on odd values (numbers, lists, missing keys) and never
re-tokenize big strings: records already carry their token counts.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core import tokens
from app.core.render import as_text, pairs_of
from app.core.rules.helpers import (
    LONG_EXAMPLE_CHARS,
    SUGGESTED_SEPARATOR,
    SUGGESTED_STOP,
    UPPERCASE_MIN_LETTERS,  # noqa: F401  (re-exported: part of this module's API)
    output_is_empty,
    text_rows,
    capitalized,
    case_counts,  # noqa: F401  (re-exported: part of this module's API)
    field_containing,
    field_dict,
    field_label,
    form_texts,
    heavy_uppercase,
    ids_text,
    longest_field,
    row_field,
    row_record,
    show,
)
from app.core.rules.registry import ExampleContext, Finding, example_rule
from app.core.wording import say


# Every kind -------------------------------------------------------------------------------

@example_rule("input-empty")
def input_empty(ctx: ExampleContext) -> Iterator[Finding]:
    fields = field_dict(ctx)
    for spec in ctx.settings.fields:
        if not spec.required:
            continue
        value = fields.get(spec.name)
        empty = not pairs_of(value) if spec.widget in ("pairs", "turns") else not as_text(value).strip()
        if empty:
            yield ctx.finding("input-empty", spec.name, say("{label} is required: fill it in.", label=spec.label))


@example_rule("output-empty")
def output_empty(ctx: ExampleContext) -> Iterator[Finding]:
    form = ctx.rendered.canonical
    if ctx.settings.output_widget == "label":
        if output_is_empty(ctx.example.output):
            yield ctx.finding("output-empty", "output", say("No label is chosen: pick a label (click it or press its key)."))
        return
    if ctx.settings.output_widget == "agent_turns":
        answerer = ctx.settings.speakers[1]
        if not form.rows:
            yield ctx.finding("output-empty", "turns", say("The conversation has no {speaker} turn: add at least one (each becomes a training row).", speaker=answerer))
        for index, row in enumerate(form.rows):
            if not row.output_text:
                yield ctx.finding("output-empty", "turns", say("{speaker} turn {n} is empty: write the reply or delete the turn.", speaker=answerer, n=index + 1), row_record(ctx, index))
        return
    if ctx.settings.kind == "preference":
        raw = ctx.example.output.get("preferred") if isinstance(ctx.example.output, dict) else None
        if raw is not None and not isinstance(raw, str):
            return  # pref-not-text says it
        if not (form.conversation and form.conversation.preferred):
            yield ctx.finding("output-empty", "preferred", say("The preferred reply is empty: write the reply the model should prefer."))
        return
    if not any(row.output_text for row in form.rows):
        yield ctx.finding("output-empty", "output", say("The output is empty: write the completion the model should learn."))


@example_rule("too-long")
def too_long(ctx: ExampleContext) -> Iterator[Finding]:
    model, records = ctx.model, ctx.rendered.records
    limit = model.limit
    for record in records:
        if record.tokens > limit:
            break
    else:
        return  # the usual case, without building a list
    over = [(i, r.tokens) for i, r in enumerate(records) if r.tokens > limit]
    level = "error" if model.rejects_over_limit else "warning"
    name = longest_field(ctx)
    if model.rejects_over_limit:
        effect = say("{provider} rejects over-limit examples, so the training job would fail", provider=model.provider)
    else:
        effect = say("OpenAI truncates it from the end, so the end (the output) is never learned")
    for index, count in over:
        if model.approximate:
            message = say("This example is {count:,} tokens (approximate, counted with {encoding}), over the "
                          "{limit:,}-token limit of {model} by {over:,}: {effect}. Shorten {field} or split the example.",
                          count=count, encoding=model.counting_encoding, limit=limit, model=model.name,
                          over=count - limit, effect=effect, field=field_label(ctx, name))
        else:
            message = say("This example is {count:,} tokens, over the {limit:,}-token limit of {model} by {over:,}: "
                          "{effect}. Shorten {field} or split the example.",
                          count=count, limit=limit, model=model.name, over=count - limit, effect=effect,
                          field=field_label(ctx, name))
        yield ctx.finding("too-long", name, message, index if len(records) > 1 else None, level)


@example_rule("uppercase-heavy")
def uppercase_heavy(ctx: ExampleContext) -> Iterator[Finding]:
    for name, text in form_texts(ctx):
        counts = heavy_uppercase(text)
        if counts is not None:
            upper, lower = counts
            yield ctx.finding(
                "uppercase-heavy", name,
                say("{field} is mostly uppercase ({upper_count} of {letter_count} letters): write it in normal case "
                    "unless uppercase matters, since the model learns the casing too.",
                    field=capitalized(field_label(ctx, name)), upper_count=upper, letter_count=upper + lower),
            )


@example_rule("special-token")
def special_token(ctx: ExampleContext) -> Iterator[Finding]:
    encoding = ctx.model.counting_encoding
    # Every counted text, in order; only those with "<|" can hold a special token.
    records = ctx.rendered.records
    texts: list[str] = [part.text for record in records for part in record.parts if "<|" in part.text]
    form = ctx.rendered.canonical
    if not records:
        texts += [text for row in form.rows for text in (row.prompt, row.completion) if "<|" in text]
    conversation = form.conversation
    if conversation is not None:
        for message in conversation.messages:
            if isinstance(message, dict):
                for value in message.values():
                    text = value if type(value) is str else tokens.message_value_text(value)
                    if text and "<|" in text:
                        texts.append(text)
        texts += [t for t in (conversation.preferred or "", conversation.non_preferred or "") if "<|" in t]
    found: list[str] = []
    for text in texts:
        found += [tok for tok in tokens.special_tokens_in(text, encoding) if tok not in found]
    for token in found:
        name = field_containing(ctx, token, "template")
        yield ctx.finding(
            "special-token", name,
            say("{field} contains {token}, a special token of {encoding}: providers reject files with special "
                "tokens. Remove it or write it differently (e.g. with a space after '<').",
                field=capitalized(field_label(ctx, name)), token=token, encoding=encoding),
        )


@example_rule("duplicate")
def duplicate(ctx: ExampleContext) -> Iterator[Finding]:
    ids = ctx.neighbors.duplicates
    if ids:
        yield ctx.finding(
            "duplicate", "",
            say("Same input and output as example {ids}: delete one of them "
                "(a duplicate counts twice in training and can leak into the validation split).", ids=ids_text(ids)),
        )


@example_rule("conflict")
def conflict(ctx: ExampleContext) -> Iterator[Finding]:
    ids = ctx.neighbors.conflicts
    if not ids:
        return
    if ctx.settings.output_widget == "label":
        message = say("Same input as example {ids} but a different label: decide which label is right and "
                      "fix the other one (contradicting examples are label noise).", ids=ids_text(ids))
    else:
        message = say("Same input as example {ids} but a different output: decide which output is right and "
                      "fix the other one (contradicting examples are label noise).", ids=ids_text(ids))
    yield ctx.finding("conflict", row_field(ctx), message)


# Classification -----------------------------------------------------------------------------

@example_rule("label-unknown")
def label_unknown(ctx: ExampleContext) -> Iterator[Finding]:
    value = ctx.example.output
    if output_is_empty(value) or ctx.settings.label_for(value) is not None:
        return
    known = ", ".join(f"{lab.name!r}" for lab in ctx.settings.labels) or say("none defined")
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    yield ctx.finding("label-unknown", "output", say("{value} is not a label of this project ({labels}): pick one of them or add it in the project settings.",
                                                  value=shown, labels=known))


@example_rule("label-multi-token")
def label_multi_token(ctx: ExampleContext) -> Iterator[Finding]:
    """Counts the label as the active profile exports it: the completion with its leading space for
    prompt/completion, the stripped text of the assistant message for chat. In a file the row is the
    line's completion as written, so a completion that is not a declared label is judged too."""
    rows = ctx.rendered.canonical.rows
    if not rows:
        return
    exported = rows[0].completion if ctx.profile.text_pairs else rows[0].output_text
    if not exported:
        return
    encoding = ctx.model.counting_encoding
    count = tokens.count(exported, encoding)
    if count <= 1:
        return
    label = ctx.settings.label_for(ctx.example.output)
    name = label.name if label is not None else exported.strip()
    pieces = ", ".join(show(t) for t in tokens.token_strings(exported, encoding))
    yield ctx.finding(
        "label-multi-token", "output",
        say("The label {label} is exported as {exported}, which is {count} tokens [{pieces}] in {encoding}; a "
            "classifier answers with one token (max_tokens=1, logprobs). {advice}",
            label=repr(name), exported=show(exported), count=count, pieces=pieces, encoding=encoding,
            advice=_single_token_advice(encoding)),
    )


def _single_token_advice(encoding: str) -> str:
    """What to do, checked against the encoding: " 1" is one token in older encodings, two in cl100k/o200k."""
    if tokens.count(" 1", encoding) == 1:
        return say('Pick a label that is a single token (a common word with its leading space usually is, '
                   'e.g. " positive") or map it to a number such as " 1" in the project settings.')
    return say('Pick a label that is a single token (a common word with its leading space usually is, e.g. " positive") '
               'in the project settings; numbers with a leading space, like " 1", are 2 tokens in {encoding}.',
               encoding=encoding)


# Prompt/completion rows (classification and generation) -----------------------------------

@example_rule("separator-missing")
def separator_missing(ctx: ExampleContext) -> Iterator[Finding]:
    if not ctx.profile.text_pairs:
        return
    for index, row in enumerate(ctx.rendered.canonical.rows):
        if not row.prompt_end:
            yield ctx.finding(
                "separator-missing", "separator",
                say("This project has no separator, so the model cannot tell where the prompt ends: set one in the "
                    "project settings (e.g. {suggested} or {other}); it is added to every prompt.",
                    suggested=show(SUGGESTED_SEPARATOR), other=show(" ->")),
            )
            return
        if not row.prompt.endswith(row.prompt_end):
            yield ctx.finding(
                "separator-missing", "separator",
                say("The prompt does not end with the separator {separator}: every prompt must end with it "
                    "so the model knows where the completion starts. Check the prompt template.",
                    separator=show(row.prompt_end)),
                row_record(ctx, index),
            )


@example_rule("separator-inside")
def separator_inside(ctx: ExampleContext) -> Iterator[Finding]:
    separator = ctx.settings.separator
    if not ctx.profile.text_pairs or not separator:
        return
    scopes = {row.separator_scope for row in ctx.rendered.canonical.rows}
    if any(separator in scope for scope in scopes):
        name = field_containing(ctx, separator, "template")
        yield ctx.finding(
            "separator-inside", name,
            say("The separator {separator} also occurs inside {field}, so the model cannot tell where the prompt "
                "ends: remove it from the text, or choose a separator that never occurs in inputs (e.g. {suggested}).",
                separator=show(separator), field=field_label(ctx, name), suggested=show(SUGGESTED_SEPARATOR)),
        )


@example_rule("no-leading-space")
def no_leading_space(ctx: ExampleContext) -> Iterator[Finding]:
    if ctx.settings.output_widget == "label":
        fix = say('Start the label\'s completion with a space in the project settings (" positive").')
    else:
        fix = say("Turn on the leading space in the project settings.")
    for index, row in text_rows(ctx):
        if not row.completion[0].isspace():
            yield ctx.finding(
                "no-leading-space", row_field(ctx),
                say("The completion {completion} does not start with a space: tokenization works best with one. {fix}",
                    completion=show(row.completion[:30]), fix=fix),
                row_record(ctx, index),
            )


@example_rule("long-example")
def long_example(ctx: ExampleContext) -> Iterator[Finding]:
    for index, row in enumerate(ctx.rendered.canonical.rows):
        size = len(row.prompt) + len(row.completion)
        if size > LONG_EXAMPLE_CHARS:
            name = longest_field(ctx)
            yield ctx.finding(
                "long-example", name,
                say("Prompt and completion are {size:,} characters (over {limit:,}): long examples cost more and "
                    "may exceed the model limit. Shorten {field} if the task allows.",
                    size=size, limit=LONG_EXAMPLE_CHARS, field=field_label(ctx, name)),
                row_record(ctx, index),
            )


# Generation -------------------------------------------------------------------------------

@example_rule("stop-missing")
def stop_missing(ctx: ExampleContext) -> Iterator[Finding]:
    stop = ctx.settings.stop
    for index, row in text_rows(ctx):
        if not stop:
            yield ctx.finding(
                "stop-missing", "stop",
                say("This project has no stop sequence, so the model will not know where the completion ends: set "
                    "one such as {suggested} in the project settings (it is added to every completion).",
                    suggested=show(SUGGESTED_STOP)),
            )
            return
        if not row.completion.endswith(stop):
            yield ctx.finding(
                "stop-missing", row_field(ctx),
                say("The completion does not end with the stop sequence {stop}: end every completion with it "
                    "(the form adds it for you; check imported text).", stop=show(stop)),
                row_record(ctx, index),
            )


@example_rule("stop-inside")
def stop_inside(ctx: ExampleContext) -> Iterator[Finding]:
    stop = ctx.settings.stop
    if not stop:
        return
    for index, row in text_rows(ctx):
        if stop in row.completion[: -len(stop)]:
            yield ctx.finding(
                "stop-inside", row_field(ctx),
                say("The stop sequence {stop} occurs inside the output, so generation would stop there: remove it "
                    "from the output, or choose a stop sequence that never occurs in outputs.", stop=show(stop)),
                row_record(ctx, index),
            )


@example_rule("attributes-natural-language")
def attributes_natural_language(ctx: ExampleContext) -> Iterator[Finding]:
    if ctx.settings.prompt_style != "key_value":
        return
    fields = field_dict(ctx)
    for spec in ctx.settings.fields:
        if spec.widget == "pairs" and pairs_of(fields.get(spec.name)):
            yield ctx.finding(
                "attributes-natural-language", spec.name,
                say("{field} are exported as key=value. OpenAI's legacy guide reports natural-language lists "
                    '("Item is a handbag. Color is army green.") work better: try the natural-language prompt style '
                    "in the project settings and compare.", field=spec.label),
            )
