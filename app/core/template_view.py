"""The live panel's "Rendered for <model>" view: an open model's chat template output, trained parts marked.

For a target model counted with its own tokenizer and chat template (Llama 3.1, Qwen3, Gemma 3,
gpt-oss), `template_views` gives each conversation the count rendered for the example's lines
(`profiles.counted_chats`: the same calls and memo as the panel's token total), cut into segments
that are trained (an assistant turn after its header, up to the next turn's start) or not. Its
`tokens` is the count the panel's total adds up, `trained_tokens` how many of them the trainer
learns from. A tiktoken model (the OpenAI cookbook recipe) renders no template: no view.
"""

from __future__ import annotations

from typing import NamedTuple

from app.core.chat_templates import Span
from app.core.model_table import ModelTable
from app.core.profiles import PROFILES, counted_chats, counting, default_profile
from app.core.tools import project_tools
from app.core.project_settings import ExampleValues, ProjectSettings
from app.core.render import canonical


class Segment(NamedTuple):
    text: str
    trained: bool


class TemplateView(NamedTuple):
    title: str  # "" for a conversation; "chosen" / "rejected" for a preference pair's two renders
    segments: tuple[Segment, ...]
    tokens: int  # what the panel's total counts for this conversation
    trained_tokens: int | None  # None: a message writes a turn marker itself, the turns cannot be told apart
    template: str  # which chat template rendered it

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


def segments(text: str, spans: tuple[Span, ...] | None) -> tuple[Segment, ...]:
    """`text` cut at the trained spans' edges (no marks when the spans are unknown)."""
    cut: list[Segment] = []
    position = 0
    for start, end in spans or ():
        if start > position:
            cut.append(Segment(text[position:start], False))
        if end > start:
            cut.append(Segment(text[start:end], True))
        position = max(position, end)
    if position < len(text) or not cut:
        cut.append(Segment(text[position:], False))
    return tuple(cut)


def template_views(settings: ProjectSettings, example: ExampleValues, profile: str | None,
                   models: ModelTable) -> tuple[TemplateView, ...]:
    """The chat-template renders behind the example's token count for `profile`, or () when the
    target model has no chat template (or the profile writes prompt/completion lines). Raises
    ChatTemplateError when the template refuses the conversation (its own message)."""
    key = profile or default_profile(settings.kind)
    if key not in PROFILES or settings.kind not in PROFILES[key].kinds:
        return ()
    count = counting(models.get(settings.target_model))
    tools = project_tools(settings.tools) if settings.tools else ()
    chats = counted_chats(key, canonical(settings, example), count, settings.kind, tools, settings.parallel_tool_calls)
    return tuple(TemplateView(title, segments(chat.text, chat.trained_spans), chat.tokens, chat.trained_tokens,
                              chat.template) for title, chat in chats)
