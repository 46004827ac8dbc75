"""Fireworks AI: chat SFT (OpenAI messages plus `reasoning_content`) and DPO (the OpenAI preference shape).

Sources: https://fireworks.ai/docs/fine-tuning/fine-tuning-models (3 to 3 million examples, `.jsonl`,
roles system/user/assistant, a system message only first, optional per-message `weight` 0/1) and
https://docs.fireworks.ai/fine-tuning ("role, content, tool_calls, and weight fields"), via
reference/format-corrections.md; https://docs.fireworks.ai/fine-tuning/dpo-fine-tuning (the
OpenAI DPO shape with optional `input.tools`, one turn only); reference/providers-2026-12.md
(`reasoning_content` on an assistant message).

A system turn stays a system message, and must come first (`fireworks-system-not-first`); the DPO
replies carry no reasoning field in the docs, so reasoning there is dropped with a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.core.providers import messages as msg
from app.core.providers import openai
from app.core.providers.base import Finding, Profile, RuleContext, count_rule
from app.core.providers.neutral import Example, turn_label
from app.core.wording import say

PROVIDER = "Fireworks AI"
MIN_EXAMPLES, MAX_EXAMPLES = 3, 3_000_000
TARGETS = say("Llama 3.x, Qwen 2.5/3, DeepSeek V3/R1, Gemma 3, Phi 3/4 on Fireworks")

CHAT = msg.MessageStyle(say("Fireworks chat"), reasoning_key="reasoning_content")
DPO = msg.MessageStyle("Fireworks DPO")


def system_first(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    for index, turn in enumerate(example.turns):
        if turn.role == "system" and index > 0:
            yield Finding("fireworks-system-not-first", "error", say("{where}: Fireworks accepts a system message "
                          "only as the first message.", where=turn_label(index, turn)),
                          say("Move the system prompt to the start."))


def one_turn(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    for index, turn in enumerate(example.turns):
        if turn.role == "assistant":
            yield Finding("fireworks-dpo-multi-turn", "error", say("{where}: Fireworks DPO is one turn only; the "
                          "compared replies must be the only assistant messages.", where=turn_label(index, turn)),
                          say("Keep only the last user request (and the system prompt) in the input."))
            return


FILE_RULES = (count_rule("fireworks-example-count", PROVIDER, MIN_EXAMPLES, MAX_EXAMPLES),)

CHAT_PROFILE = Profile(
    "fireworks-chat", say("Fireworks chat (SFT)"), PROVIDER, TARGETS,
    ("classification", "generation", "chat", "preference"), False,
    writer=lambda example: msg.write_chat(example, CHAT),
    reader=lambda line, kind: msg.read_chat(line, kind, CHAT),
    default_kind="chat", line_rules=(system_first,), file_rules=FILE_RULES,
    note=say("OpenAI messages with a 0/1 weight, tool calls and `reasoning_content` on assistant turns."),
)
DPO_PROFILE = Profile(
    "fireworks-dpo", say("Fireworks preference (DPO)"), PROVIDER, TARGETS, ("preference",), False,
    writer=lambda example: openai.write_preference(example, DPO),
    reader=lambda line, kind: openai.read_preference(line, kind, DPO),
    default_kind="preference", line_rules=(system_first, one_turn), file_rules=FILE_RULES,
    note=say("The OpenAI preference shape, one turn only."),
)

PROFILES = (CHAT_PROFILE, DPO_PROFILE)
