"""Render a model's chat template the way its trainer does, and find the parts the model is trained on.

Hugging Face `apply_chat_template` (what TRL, Axolotl and Unsloth call; checked against
transformers 5.24) renders a model's Jinja chat template in a sandbox with `trim_blocks` and
`lstrip_blocks`, the `loopcontrols` extension, a `tojson` filter that keeps non-ASCII text, and two
callables: `raise_exception` and `strftime_now`. Before rendering it drops a message's keys whose
value is null and copies a message's reasoning (`reasoning_content`, `thinking` or `reasoning`) under
the names `thinking` and `reasoning_content`, so that Qwen3's and gpt-oss's templates both see it.
The same is done, in `ImmutableSandboxedEnvironment` (app/template_sandbox.py, handed to this
module by `app.tokenizer_files.activate()`) (templates are third-party code paths:
reaching for an attribute like `__class__`, or changing a list, fails the render with
ChatTemplateError), each template compiled once.

Deterministic counts: `strftime_now` always renders TEMPLATE_DATE, not today. A real run renders its
own day, which for the formats these templates use ("%d %b %Y", "%Y-%m-%d") is as many tokens any
day (a test checks). Llama 3.1's official template does not call it: it writes its own default date,
"26 Jul 2024", which TEMPLATE_DATE matches.

The trained part of an assistant turn is what follows its header (the text `add_generation_prompt`
appends, e.g. `<|im_start|>assistant\\n`) up to the next turn's start marker: the reply, any
reasoning or tool call, the end-of-turn token and the newline after it (what TRL's
`{% generation %}` training templates mark: transformers' assistant masks agree, token for token,
for Gemma 3 and Qwen3). When a message's own text contains a header or a turn marker the turns
cannot be told apart and the spans are None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TEMPLATE_DATE = datetime(2024, 7, 26)

Span = tuple[int, int]


class ChatTemplateError(ValueError):
    """The template refused the conversation (its own raise_exception), failed, or broke the sandbox."""


@dataclass(frozen=True)
class ChatTemplate:
    """A model's chat template and what is needed to render it and find its assistant turns."""

    source: str
    label: str  # which template this is, for the panel: "official Llama-3.1-8B-Instruct template (...)"
    bos_token: str | None
    eos_token: str | None
    turn_start: str  # what every turn starts with, e.g. "<|im_start|>"
    assistant_header: str  # what an assistant turn starts with, e.g. "<|im_start|>assistant\n"


@dataclass(frozen=True)
class RenderedChat:
    text: str
    trained_spans: tuple[Span, ...] | None  # character spans of the trained parts; None: unknown


REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")


def trainer_messages(messages: list[Any]) -> list[Any]:
    """The messages as transformers hands them to the template: null-valued keys dropped, the
    reasoning under both names the templates read."""
    prepared = []
    for message in messages:
        if isinstance(message, dict):
            message = {key: value for key, value in message.items() if value is not None}
            reasoning = next((message[key] for key in REASONING_FIELDS if key in message), None)
            if reasoning is not None:
                message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        prepared.append(message)
    return prepared


# The sandboxed Jinja2 environment is not core's business (app/template_sandbox.py holds it);
# app.tokenizer_files.activate() hands its renderer over, as it tells core where the files are.
Renderer = Callable[[ChatTemplate, list[Any], "list[Any] | None", bool], str]
_renderer: list[Renderer] = []


def use_renderer(renderer: Renderer) -> None:
    """Render templates with `renderer(template, trainer_messages, tools, add_generation_prompt)`."""
    _renderer[:] = [renderer]


def render_text(template: ChatTemplate, messages: list[dict[str, Any]], tools: list[Any] | None = None,
                add_generation_prompt: bool = False) -> str:
    """The template's text for `messages`, as `apply_chat_template(..., tokenize=False)` gives it."""
    if not _renderer:
        raise ChatTemplateError("no chat template renderer: call app.tokenizer_files.activate() first")
    return _renderer[0](template, trainer_messages(messages), tools, add_generation_prompt)


def _string_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _string_values(v)]
    return []


def trained_spans(template: ChatTemplate, text: str, messages: list[dict[str, Any]]) -> tuple[Span, ...] | None:
    """Spans of `text` from the end of each assistant header to the next turn start (or the end)."""
    markers = (template.turn_start, template.assistant_header)
    if any(marker in s for s in _string_values(messages) for marker in markers):
        return None  # a message writes a marker itself: its text would be taken for a turn boundary
    spans, position = [], 0
    while (found := text.find(template.assistant_header, position)) >= 0:
        start = found + len(template.assistant_header)
        end = text.find(template.turn_start, start)
        end = len(text) if end < 0 else end
        spans.append((start, end))
        position = end
    return tuple(spans)


def render(template: ChatTemplate, messages: list[dict[str, Any]], tools: list[Any] | None = None) -> RenderedChat:
    """The conversation as the trainer renders it (no generation prompt), with its trained spans."""
    text = render_text(template, messages, tools)
    return RenderedChat(text, trained_spans(template, text, messages))


def generation_prompt(template: ChatTemplate, messages: list[dict[str, Any]]) -> str:
    """What `add_generation_prompt=True` appends after `messages`: the assistant turn's header."""
    without = render_text(template, messages)
    with_prompt = render_text(template, messages, add_generation_prompt=True)
    if not with_prompt.startswith(without):
        raise ChatTemplateError("the generation prompt is not appended at the end of the conversation")
    return with_prompt[len(without):]
