"""Mistral: mistral-finetune (open weights) messages, with tool calls and assistant `weight` 0/1.

Mistral's hosted fine-tuning is deprecated ("This feature is deprecated and is no longer actively
supported", mistralai/platform-docs-public @ 222f4ba9 `…/resources/deprecated/finetuning/…`):
the profile is for mistral-finetune, and its note says so.

Sources: mistralai/mistral-common @ bc022b91 `src/mistral_common/protocol/instruct/validator.py`
(finetuning mode: the last message is the assistant's; one system message at most; an assistant
message has content or tool calls, never both or neither; call ids match `^[a-zA-Z0-9]{9}$`;
function names match `^[a-zA-Z0-9_-]{1,64}$`); mistralai/mistral-finetune @ 1943535d `README.md`
(`weight` 0 = not trained) and `finetune/data/tokenize.py` (each tool needs a name, a description
and an object of parameters; with `tools` only the last assistant message is trained), as
summarised in reference/format-corrections.md. Reasoning is dropped with a warning (no field).
A system turn stays a system message (mistral-common takes one; `mistral-system-count` refuses more).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.core.providers import messages as msg
from app.core.providers.base import Finding, Profile, RuleContext, last_turn_rule
from app.core.providers.neutral import Example, turn_label
from app.core.wording import say

PROVIDER = "Mistral"
CALL_ID = re.compile(r"[a-zA-Z0-9]{9}")
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
STYLE = msg.MessageStyle("mistral-finetune")


def tool_rules(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    for index, turn in enumerate(example.turns):
        where = turn_label(index, turn)
        if turn.role == "assistant" and bool(turn.content) == bool(turn.tool_calls):
            yield Finding("mistral-content-or-calls", "error", say("{where}: an assistant message has content or "
                          "tool calls, never both and never neither (mistral-common).", where=where),
                          say("Split the text and the calls into two assistant turns, or fill the empty turn."))
        for call in turn.tool_calls:
            if not CALL_ID.fullmatch(call.id):
                yield Finding("mistral-tool-call-id", "error", say("{where}: the call id {call_id!r} is not 9 letters "
                              "or digits, which mistral-common requires.", where=where, call_id=call.id),
                              say("Use ids like 'TX92Jm8Zi'."))
            if not FUNCTION_NAME.fullmatch(call.name):
                yield Finding("mistral-function-name", "error", say("{where}: the function name {name!r} is not "
                              "1-64 letters, digits, '_' or '-'.", where=where, name=call.name),
                              say("Rename the function."))
    for tool in example.tools:
        if not tool.name or not tool.description or not isinstance(tool.parameters, dict):
            yield Finding("mistral-tool-spec", "error", say("The tool {name!r} lacks a name, a description or its "
                          "parameters; mistral-finetune needs all three.", name=tool.name),
                          say("Complete the tool definition."))


def one_system(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    if sum(t.role == "system" for t in example.turns) > 1:
        yield Finding("mistral-system-count", "error", say("The conversation has more than one system message; "
                      "mistral-common accepts one."), say("Join the system prompts into one."))


def tools_train_last(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    trained = [t for t in example.turns if t.role == "assistant" and t.weight != 0]
    if example.tools and len(trained) > 1:
        yield Finding("mistral-tools-train-last", "warning", say("With tools defined, mistral-finetune trains only "
                      "the last assistant message; {count} earlier trained assistant turns are not learned.",
                      count=len(trained) - 1), say("Split the conversation so each reply to learn ends an example."))


CHAT = Profile(
    "mistral-finetune", say("Mistral messages (mistral-finetune)"), PROVIDER,
    say("Mistral 7B, Mistral Nemo, Mistral Small/Large open weights with mistral-finetune"),
    ("classification", "generation", "chat", "preference"), False,
    writer=lambda example: msg.write_chat(example, STYLE),
    reader=lambda line, kind: msg.read_chat(line, kind, STYLE),
    default_kind="chat",
    line_rules=(last_turn_rule("mistral-last-not-assistant", "mistral-common"), one_system, tool_rules,
                tools_train_last),
    note=say("For mistral-finetune (open weights). Mistral's hosted fine-tuning service is deprecated."),
)

PROFILES = (CHAT,)
