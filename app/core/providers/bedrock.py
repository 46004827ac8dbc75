"""AWS Bedrock: the `bedrock-conversation-2024` schema (Amazon Nova) and prompt/completion lines.

Sources: docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html and
docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html (`schemaVersion`, `system`
[{text}], `messages` [{role user|assistant, content [{text}]}], reasoning as a `reasoningContent`
{reasoningText {text}} block before the text; tool sections "might cause your job to fail" in
Nova 2.0 SFT), …/distillation-data-prep-option-1.html (the exact `bedrock-conversation-2024`);
…/model-customization-prepare.html ({"prompt", "completion"}); the Nova rules from
reference/format-corrections.md (roles user/assistant only, first user, last assistant,
alternating; prompts must not start with `User:`, `Bot:`, `Assistant:`, `System:`, `<image>`,
`<video>`, `[EOS]`); file sizes (1 GB training, 100 MB validation) from
…/model-training-validation-requirements.html, whose per-model tables are unverified: a warning.

A system turn goes into `system` (one block per system turn; one after the first message is moved
there: "merged"). Tool calls and results are refused (Nova SFT does not train them). A weight of
0 is dropped (no per-turn weight: the turn is trained).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.core.providers.base import (
    Finding, Note, Profile, RuleContext, ShapeError, Written, note_rejected, note_tool_settings, read_pair, size_rule,
    write_pairs, written,
)
from app.core.providers.messages import is_one
from app.core.providers.neutral import Example, Turn, turn_label
from app.core.wording import say

PROVIDER = "AWS Bedrock"
SCHEMA = "bedrock-conversation-2024"
RESERVED = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]")
FILE_RULES = (size_rule("bedrock-file-size", PROVIDER, 1024**3, 100 * 1024**2, level="warning"),)


def _content(index: int, turn: Turn, notes: list[Note]) -> list[dict[str, Any]]:
    label = turn_label(index, turn)
    if turn.tool_calls or turn.role == "tool":
        notes.append(Note("carry-tool-calls", "refused", say("{where}: Nova supervised fine-tuning does not support "
                          "tool use; export tool conversations with another profile.", where=label)))
    if turn.weight is not None and not is_one(turn.weight):
        notes.append(Note("carry-weight", "dropped", say("{where}: the weight {weight!r} is dropped; Bedrock has no "
                          "per-turn weight, so the turn is trained.", where=label, weight=turn.weight)))
    blocks: list[dict[str, Any]] = []
    if turn.reasoning:
        blocks.append({"reasoningContent": {"reasoningText": {"text": turn.reasoning}}})
    blocks.append({"text": turn.content})
    return blocks


def write_conversation(example: Example) -> Written:
    notes: list[Note] = []
    note_tool_settings(example, say("Nova supervised fine-tuning"), notes)
    note_rejected(example, say("Nova supervised fine-tuning"), notes)
    system: list[dict[str, str]] = []
    messages: list[dict[str, Any]] = []
    for index, turn in enumerate(example.conversation()):
        if turn.role == "system":
            if messages:
                notes.append(Note("carry-system", "merged", say("{where} is moved into `system`: Bedrock has no "
                                  "system message inside `messages`.", where=turn_label(index, turn))))
            system.append({"text": turn.content})
            continue
        messages.append({"role": "user" if turn.role == "tool" else turn.role, "content": _content(index, turn, notes)})
    line: dict[str, Any] = {"schemaVersion": SCHEMA}
    if system:
        line["system"] = system
    line["messages"] = messages
    return written((line,), notes)


def _read_message(message: Any) -> Turn:
    if not isinstance(message, dict) or set(message) != {"role", "content"} \
            or message["role"] not in ("user", "assistant") or not isinstance(message["content"], list):
        raise ShapeError(say("a Bedrock message is {role: user|assistant, content: [blocks]}"))
    texts, reasoning = [], ""
    for block in message["content"]:
        if isinstance(block, dict) and set(block) == {"text"} and isinstance(block["text"], str):
            texts.append(block["text"])
        elif isinstance(block, dict) and set(block) == {"reasoningContent"} and message["role"] == "assistant" \
                and not texts:
            outer = block["reasoningContent"]
            inner = outer.get("reasoningText") if isinstance(outer, dict) else None
            if not isinstance(inner, dict) or set(inner) != {"text"} or not isinstance(inner["text"], str):
                raise ShapeError(say("reasoningContent is {reasoningText: {text}}"))
            reasoning += inner["text"]
        else:
            raise ShapeError(say("content blocks are text (and reasoning before it)"))
    return Turn(message["role"], "".join(texts), reasoning)


def read_conversation(line: dict[str, Any], kind: str) -> Example:
    if set(line) - {"schemaVersion", "system", "messages"} or not isinstance(line.get("schemaVersion"), str) \
            or not isinstance(line.get("messages"), list):
        raise ShapeError(say("a bedrock-conversation-2024 line has schemaVersion, system and messages"))
    system = line.get("system", [])
    if not isinstance(system, list) or not all(isinstance(b, dict) and set(b) == {"text"} and isinstance(b["text"], str)
                                               for b in system):
        raise ShapeError(say("`system` is a list of {text} blocks"))
    turns = tuple(Turn("system", b["text"]) for b in system) + tuple(_read_message(m) for m in line["messages"])
    return Example(kind, turns)


def _roles(line: dict[str, Any]) -> list[Any]:
    return [m.get("role") for m in line.get("messages", []) if isinstance(m, dict)]


def turn_order(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    """bedrock-first-not-user, bedrock-last-not-assistant, bedrock-alternation."""
    roles = _roles(line)
    if not roles or roles[0] != "user":
        if roles:
            message = say("The first message is {role!r}; Bedrock conversations start with the user.", role=roles[0])
        else:
            message = say("The first message is 'missing'; Bedrock conversations start with the user.")
        yield Finding("bedrock-first-not-user", "error", message,
                      say("Start the conversation with the user's message."))
    if not roles or roles[-1] != "assistant":
        yield Finding("bedrock-last-not-assistant", "error", say("The conversation does not end with the assistant; "
                      "Bedrock rejects it."), say("End the conversation with the assistant reply."))
    for index in range(1, len(roles)):
        if roles[index] == roles[index - 1]:
            yield Finding("bedrock-alternation", "error", say("Messages {index} and {next_n} are both {role!r}; "
                          "Bedrock needs user and assistant to alternate.", index=index, next_n=index + 1,
                          role=roles[index]), say("Merge the two messages or add the missing turn between them."))


def reserved_prefix(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    for index, turn in enumerate(example.conversation()):
        word = next((w for w in RESERVED if turn.role in ("system", "user") and turn.content.startswith(w)), None)
        if word:
            yield Finding("bedrock-reserved-prefix", "error", say("{where} starts with {word!r}, a word Nova "
                          "reserves; the job fails on it.", where=turn_label(index, turn), word=word),
                          say("Reword the start so it does not begin with {word!r}.", word=word))


NOVA = Profile(
    "bedrock-nova", say("Bedrock conversation (Amazon Nova)"), PROVIDER, say("Amazon Nova Micro, Lite, Pro and Nova "
    "2 Lite (also Bedrock distillation)"), ("classification", "generation", "chat", "preference"), False,
    writer=write_conversation, reader=read_conversation, default_kind="chat",
    line_rules=(turn_order, reserved_prefix), file_rules=FILE_RULES,
    note=say("schemaVersion bedrock-conversation-2024, system blocks and user/assistant content blocks, reasoning "
             "before the text; no tool use."),
)
PROMPT_COMPLETION = Profile(
    "bedrock-prompt-completion", say("Bedrock prompt/completion"), PROVIDER, say("Amazon Titan Text, Cohere Command, "
    "Meta Llama on Bedrock"), ("classification", "generation"), True,
    writer=lambda example: write_pairs(example, say("Bedrock prompt/completion")), reader=read_pair,
    default_kind="generation", file_rules=FILE_RULES,
    note=say("prompt/completion as exported (separator, leading space, stop); Bedrock estimates 6 characters a "
             "token."),
)

PROFILES = (NOVA, PROMPT_COMPLETION)
