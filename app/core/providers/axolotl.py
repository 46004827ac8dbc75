"""Axolotl: the `chat_template` dataset type (messages with a per-turn training flag) and its DPO
type `chat_template.default`.

Sources: axolotl-ai-cloud/axolotl `docs/dataset-formats/conversation.qmd` (field `messages`,
`roles_to_train` defaulting to the assistant, a boolean per-turn flag named by the dataset's
`message_field_training`: the docs' example calls it `train`), `src/axolotl/prompt_strategies/
chat_template.py` (`tools` read from the line, JSON-text `arguments` parsed, `field_thinking`
defaulting to `reasoning_content`; a last turn that is not trained is "likely a dataset design
issue") and `docs/rlhf.qmd` (DPO: `messages`, then `chosen` and `rejected` as single assistant
message objects); reference/format-corrections.md (call ids are needed only for Mistral models;
write arguments as JSON text so `datasets` does not cast them).

The flag is written as `train` (set `message_field_training: train` in the dataset config): a
weight of 1 becomes `true`, 0 `false`. A system turn stays a system message. The DPO replies carry
no reasoning (dropped with a warning) and the DPO shape no tools.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.core.providers import messages as msg
from app.core.providers.base import (
    Finding, Note, Profile, RuleContext, ShapeError, Written, note_tool_settings, refused, written,
)
from app.core.providers.neutral import Example, link_tool_results
from app.core.wording import say

PROVIDER = "Axolotl"
TRAIN_KEY = "train"
CHAT = msg.MessageStyle("Axolotl chat_template", reasoning_key="reasoning_content", weight_key=TRAIN_KEY,
                        weight_as_flag=True)
DPO = msg.MessageStyle("Axolotl DPO", weight_key=None, tool_calls=False)


def reasoning_template(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    if any(t.reasoning for t in example.turns):
        yield Finding("axolotl-reasoning-template", "warning", say("Reasoning is written as `reasoning_content`; it "
                      "is trained only if the chat template renders it (Qwen3's does)."),
                      say("Check the template, or set `template_thinking_key` for it."))


def last_turn_trained(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    last = example.turns[-1] if example.turns else None
    if last is None or last.role != "assistant" or last.weight == 0:
        yield Finding("axolotl-last-not-trained", "warning", say("The last turn is not a trained assistant turn; "
                      "Axolotl warns it may unmask the wrong end-of-turn token."),
                      say("End the conversation with a trained reply."))


def write_dpo(example: Example) -> Written:
    if example.chosen is None or example.rejected is None:
        return refused("carry-preference", say("The example has no preferred and non-preferred reply."))
    notes: list[Note] = []
    note_tool_settings(example, DPO.shape, notes)
    line = {
        "messages": msg.encode_turns(example.turns, DPO, notes),
        "chosen": msg.encode(example.chosen, 0, DPO, notes, say("the chosen reply")),
        "rejected": msg.encode(example.rejected, 0, DPO, notes, say("the rejected reply")),
    }
    return written((line,), notes)


def read_dpo(line: dict[str, Any], kind: str) -> Example:
    if set(line) != {"messages", "chosen", "rejected"}:
        raise ShapeError(say("an Axolotl DPO line has messages, chosen and rejected"))
    chosen, rejected = msg.decode(line["chosen"], DPO), msg.decode(line["rejected"], DPO)
    if chosen.role != "assistant" or rejected.role != "assistant":
        raise ShapeError(say("chosen and rejected are assistant messages"))
    return Example(kind, link_tool_results(msg.decode_messages(line["messages"], DPO)), chosen, rejected)


TARGETS = say("Axolotl on any chat model with a chat template (Llama, Qwen, Gemma, Mistral)")
CHAT_TEMPLATE = Profile(
    "axolotl-chat-template", say("Axolotl chat_template"), PROVIDER, TARGETS,
    ("classification", "generation", "chat", "preference"), False,
    writer=lambda example: msg.write_chat(example, CHAT),
    reader=lambda line, kind: msg.read_chat(line, kind, CHAT),
    default_kind="chat", line_rules=(reasoning_template, last_turn_trained),
    note=say("messages with a per-turn `train` flag (set `message_field_training: train`), tools and "
             "reasoning_content."),
)
DPO_PROFILE = Profile(
    "axolotl-dpo", say("Axolotl DPO (chat_template.default)"), PROVIDER, TARGETS, ("preference",), False,
    writer=write_dpo, reader=read_dpo, default_kind="preference",
    note=say("messages, then chosen and rejected as single assistant messages (not lists, unlike TRL)."),
)

PROFILES = (CHAT_TEMPLATE, DPO_PROFILE)
