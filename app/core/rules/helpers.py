"""Helpers shared by the per-example checks: field names, quoting, case counting, row picking."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, TypeVar

from app.core.render import as_text, pairs_of
from app.core.rules.registry import ExampleContext
from app.core.wording import say

LONG_EXAMPLE_CHARS = 10_000
UPPERCASE_MIN_LETTERS = 20
SUGGESTED_SEPARATOR = "\n\n###\n\n"
SUGGESTED_STOP = " END"
MAX_IDS_SHOWN = 5

# bytes.translate deletion tables: keep only ASCII uppercase / lowercase letters (C speed).
_KEEP_UPPER = bytes(b for b in range(256) if not 65 <= b <= 90)
_KEEP_LOWER = bytes(b for b in range(256) if not 97 <= b <= 122)
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
_INDEXED = re.compile(r"(output|turns|messages)\[(\d+)\]")
T = TypeVar("T")


def show(text: str) -> str:
    """A string quoted as JSON, so spaces and newlines are visible: " ->", "\\n\\n###\\n\\n"."""
    return json.dumps(text, ensure_ascii=False)


def field_dict(ctx: ExampleContext) -> dict[str, Any]:
    return ctx.example.fields if isinstance(ctx.example.fields, dict) else {}


def per_context(fn: Callable[[ExampleContext], T]) -> Callable[[ExampleContext], T]:
    """Memoise a helper per ExampleContext: several rules ask for the same value of one example.

    The value is kept in the (frozen) context's `__dict__`, as `functools.cached_property` does;
    the context and its example are not changed while the rules run, and callers only read the
    value (never mutate it).
    """
    key = f"_memo_{fn.__name__}"

    @wraps(fn)
    def memoised(ctx: ExampleContext) -> T:
        memo = ctx.__dict__
        if key in memo:
            return memo[key]
        value = memo[key] = fn(ctx)
        return value

    return memoised


@per_context
def message_fields(ctx: ExampleContext) -> list[str]:
    """The form field of each conversation message: "system", "output[i]" (chat), "turns[i]" (pref).

    Mirrors render.chat_turns (which keeps dict items and [role, content, ...] rows); when the
    mapping cannot be made, falls back to "messages[i]".
    """
    conversation = ctx.rendered.canonical.conversation
    count = len(conversation.messages) if conversation else 0
    fallback = [f"messages[{i}]" for i in range(count)]
    if ctx.settings.kind == "chat":
        source, prefix = ctx.example.output, "output"
    elif ctx.settings.kind == "preference":
        source, prefix = field_dict(ctx).get("turns"), "turns"
    else:
        return fallback
    names = ["system"] if as_text(field_dict(ctx).get("system")).strip() else []
    items = source if isinstance(source, list) else []
    names += [
        f"{prefix}[{j}]"
        for j, item in enumerate(items)
        if isinstance(item, dict) or (isinstance(item, (list, tuple)) and len(item) >= 2)
    ]
    return names if len(names) == count else fallback


@per_context
def form_texts(ctx: ExampleContext) -> list[tuple[str, str]]:
    """(form field, text) for everything the annotator typed: fields, then the output."""
    texts: list[tuple[str, str]] = []
    raw = field_dict(ctx)
    for spec in ctx.settings.fields:
        value = raw.get(spec.name)
        if spec.widget in ("pairs", "turns"):
            texts.append((spec.name, "\n".join(v for _, v in pairs_of(value))))
        else:
            texts.append((spec.name, as_text(value)))
    form = ctx.rendered.canonical
    widget = ctx.settings.output_widget
    if widget in ("label", "text", "list"):
        texts.append(("output", form.rows[0].output_text if form.rows else as_text(ctx.example.output)))
    elif widget in ("chat", "pair") and form.conversation is not None:
        names = message_fields(ctx)
        for name, message in zip(names, form.conversation.messages):
            if name.startswith("output[") and isinstance(message, dict):
                texts.append((name, as_text(message.get("content"))))
        if widget == "pair":
            texts.append(("preferred", form.conversation.preferred or ""))
            texts.append(("non_preferred", form.conversation.non_preferred or ""))
    return texts


def field_label(ctx: ExampleContext, name: str) -> str:
    """How a message names a field: its form label, "turn 2" for output[1] / turns[1], "the output"."""
    spec = ctx.settings.field(name)
    if spec is not None:
        return spec.label
    match = _INDEXED.fullmatch(name)
    if match:
        number = int(match.group(2)) + 1
        return say("message {n}", n=number) if match.group(1) == "messages" else say("turn {n}", n=number)
    named = {"output": say("the output"), "preferred": say("the preferred reply"),
             "non_preferred": say("the non-preferred reply"), "template": say("the prompt template")}
    return named.get(name, name or say("the example"))


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def field_containing(ctx: ExampleContext, needle: str, default: str) -> str:
    return next((name for name, text in form_texts(ctx) if needle in text), default)


def longest_field(ctx: ExampleContext) -> str:
    return max(form_texts(ctx), key=lambda item: len(item[1]), default=("", ""))[0]


def row_field(ctx: ExampleContext) -> str:
    return "turns" if ctx.settings.output_widget == "agent_turns" else "output"


def row_record(ctx: ExampleContext, index: int) -> int | None:
    """The record index of a row, for examples that export several rows (support chatbot)."""
    return index if ctx.settings.output_widget == "agent_turns" and ctx.profile.text_pairs else None


def ids_text(ids: tuple[int, ...]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:MAX_IDS_SHOWN])
    more = len(ids) - MAX_IDS_SHOWN
    return say("{ids} and {n} more", ids=shown, n=more) if more > 0 else shown


def case_counts(text: str) -> tuple[int, int]:
    """(uppercase, lowercase) letters; ASCII is counted at C speed, the rest letter by letter."""
    data = text.encode("utf-8", "surrogatepass")
    upper, lower = len(data.translate(None, _KEEP_UPPER)), len(data.translate(None, _KEEP_LOWER))
    if not text.isascii():
        rest = _ASCII_RUN.sub("", text)
        upper += sum(map(str.isupper, rest))
        lower += sum(map(str.islower, rest))
    return upper, lower


def heavy_uppercase(text: str) -> tuple[int, int] | None:
    """(uppercase, lowercase) letters when `text` is mostly uppercase (the uppercase-heavy rule: at
    least UPPERCASE_MIN_LETTERS letters and more than a third of them uppercase), else None."""
    if len(text) < UPPERCASE_MIN_LETTERS:
        return None
    if text.isascii():
        data = text.encode("ascii")
        upper = len(data.translate(None, _KEEP_UPPER))
        # Heavy means lower < 2 * upper, so upper + lower < 3 * upper: with 3 * upper at most the
        # minimum, the text cannot be heavy and the lowercase letters need no count.
        if upper * 3 <= UPPERCASE_MIN_LETTERS:
            return None
        lower = len(data.translate(None, _KEEP_LOWER))
    else:
        upper, lower = case_counts(text)
    if upper + lower >= UPPERCASE_MIN_LETTERS and upper * 2 > lower:
        return upper, lower
    return None


def output_is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_rows(ctx: ExampleContext) -> Iterator[tuple[int, Any]]:
    """Rows with a real output, when the export writes prompt/completion (else no row rules)."""
    if not ctx.profile.text_pairs:
        return
    for index, row in enumerate(ctx.rendered.canonical.rows):
        if row.completion and row.output_text:
            yield index, row


