"""Together AI: conversational (`messages`), instruction (`prompt`/`completion`) and preference lines.

Sources: together==2.14.0 `together/lib/constants.py` and `together/lib/utils/files.py`
(`check_file`: one format per line detected by its required keys, no other top-level key except
`tools` next to `messages`, every line the same format, roles system/user/assistant/tool, `weight`
an integer 0 or 1 on any message, at least one assistant message, a preference input not ending
with an assistant message, one assistant message in each output list, at least 1 example, at most
50.1 GB); docs.together.ai data-preparation ("must start with system or user and alternate user
and assistant"), function-calling (`tools`, `tool_calls`, the `tool` role) and reasoning
fine-tuning (a `reasoning` field on assistant messages; only the last assistant message is
trained for reasoning models); reference/format-corrections.md (older SDKs reject `tools` and the
`tool` role: tools are opt-in, as the separate `together-chat-tools` profile).

A system turn stays a system message. Two user turns in a row are merged into one (Together
rejects the same role twice in a row, and joining two user texts loses nothing the model learns
from); two assistant turns in a row are refused by `together-role-repeated`, since merging them
would change what is trained. Preference inputs are written as they are: the SDK checks only that
the input does not end with an assistant message (the docs' own example starts with one).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from app.core.providers import messages as msg
from app.core.providers import openai
from app.core.providers.base import (
    Finding, Note, Profile, RuleContext, Written, count_rule, read_pair, size_rule, write_pairs,
)
from app.core.providers.neutral import Example, Turn, turn_label
from app.core.wording import say

PROVIDER = "Together AI"
MAX_FILE_BYTES = int(50.1 * 2**30)  # the SDK's MAX_FILE_SIZE_GB (the docs say 100 GB)
FORMATS = {  # required keys -> the extra keys each format allows (together/lib/constants.py)
    "general": ({"text"}, set()),
    "conversation": ({"messages"}, {"tools"}),
    "instruction": ({"prompt", "completion"}, set()),
    "preference": ({"input", "preferred_output", "non_preferred_output"}, set()),
}

CHAT = msg.MessageStyle(say("Together conversational"), reasoning_key="reasoning", tool_calls=False)
CHAT_TOOLS = msg.MessageStyle(say("Together conversational with tools"), reasoning_key="reasoning")
PREFERENCE_STYLE = msg.MessageStyle(say("Together preference"), reasoning_key="reasoning", tool_calls=False)


def merge_user_runs(turns: Sequence[Turn], notes: list[Note]) -> tuple[Turn, ...]:
    """Adjacent user turns joined into one (with a blank line between), each join noted."""
    merged: list[Turn] = []
    for index, turn in enumerate(turns):
        previous = merged[-1] if merged else None
        if (previous is not None and previous.role == turn.role == "user"
                and previous.weight is None and turn.weight is None):
            merged[-1] = previous._replace(content=previous.content + "\n\n" + turn.content)
            notes.append(Note("carry-user-turns", "merged", say("{where} is joined to the user turn before it: "
                              "Together rejects the same role twice in a row.", where=turn_label(index, turn))))
        else:
            merged.append(turn)
    return tuple(merged)


def _chat_writer(style: msg.MessageStyle, tools: bool):
    def write(example: Example) -> Written:
        notes: list[Note] = []
        merged = example._replace(turns=merge_user_runs(example.turns, notes))
        return msg.write_chat(merged, style, tools=tools, notes=notes)
    return write


def _messages_of(line: dict[str, Any]) -> list[Any]:
    value = line.get("messages", line.get("input", {}).get("messages") if isinstance(line.get("input"), dict) else None)
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def role_order(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    """together-first-role and together-role-repeated (the docs' rule; tool results may follow each other)."""
    roles = [m.get("role") for m in _messages_of(line)]
    if roles and roles[0] not in ("system", "user"):
        yield Finding("together-first-role", "error", say("The conversation starts with {role!r}; Together's "
                      "conversations start with a system or user message.", role=roles[0]),
                      say("Start with the system prompt or the user's message."))
    for index in range(1, len(roles)):
        if roles[index] == roles[index - 1] and roles[index] != "tool":
            yield Finding("together-role-repeated", "error", say("Messages {index} and {next_n} are both {role!r}; "
                          "Together rejects the same role twice in a row.", index=index, next_n=index + 1,
                          role=roles[index]),
                          say("Merge the two messages or put the other role's turn between them."))


def has_assistant(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    if "messages" in line and not any(m.get("role") == "assistant" for m in _messages_of(line)):
        yield Finding("together-no-assistant", "error", say("The conversation has no assistant message; Together "
                      "needs at least one."), say("Add the assistant reply the model should learn."))


def preference_input(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    """together-pref-input-empty and together-pref-input-ends-assistant."""
    turns = _messages_of(line)
    if "input" in line and not turns:
        yield Finding("together-pref-input-empty", "error", say("The preference input has no message; Together needs "
                      "the conversation the replies answer."), say("Add the user's request to the input."))
    if "input" in line and turns and turns[-1].get("role") == "assistant":
        yield Finding("together-pref-input-ends-assistant", "error", say("The preference input ends with an "
                      "assistant message; Together needs it to end before the replies."),
                      say("Remove the last assistant turn from the input (it belongs in the replies)."))


def weights(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    for index, message in enumerate(_messages_of(line)):
        weight = message.get("weight")
        if "weight" in message and not (type(weight) is int and weight in (0, 1)):
            yield Finding("together-weight-invalid", "error", say("Message {n} has weight {weight!r}; Together "
                          "accepts the integer 0 or 1 (1.0 and true are refused).", n=index + 1, weight=weight),
                          say("Set the weight to 0 or 1."))


def reasoning_on_last(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    messages = _messages_of(line)
    assistants = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    for index in assistants[:-1]:
        if messages[index].get("reasoning"):
            yield Finding("together-reasoning-not-last", "warning", say("Message {n} carries reasoning but is not "
                          "the last assistant message; Together trains reasoning models on the last one only.",
                          n=index + 1),
                          say("Split the conversation so each reasoned reply ends its own example."))


def line_formats(lines: Sequence[dict[str, Any]], context: RuleContext) -> Iterator[Finding]:
    """together-extra-key and together-mixed-formats, as `check_file` detects a line's format."""
    first = None
    for number, line in enumerate(lines, 1):
        found = [name for name, (required, _) in FORMATS.items() if required <= set(line)]
        if len(found) != 1:
            yield Finding("together-line-format", "error", say("Line {line:d} matches {count:d} of Together's "
                          "formats (text, messages, prompt/completion, preference); it must match exactly one.",
                          line=number, count=len(found)),
                          say("Keep only the keys of one format."))
            continue
        required, extra = FORMATS[found[0]]
        for key in sorted(set(line) - required - extra):
            yield Finding("together-extra-key", "error", say("Line {line:d} has the key {key!r}, which Together's "
                          "{format} format does not allow.", line=number, key=key, format=found[0]),
                          say("Remove {key!r}.", key=key))
        first = first or found[0]
        if found[0] != first:
            yield Finding("together-mixed-formats", "error", say("Line {line:d} is {format}, line 1 is {first}; "
                          "every line of a Together file has the same format.", line=number, format=found[0],
                          first=first), say("Export each format to its own file."))


CHAT_RULES = (role_order, has_assistant, weights, reasoning_on_last)
FILE_RULES = (line_formats, count_rule("together-min-examples", PROVIDER, 1),
              size_rule("together-file-size", PROVIDER, MAX_FILE_BYTES))
TARGETS = say("Llama 3.x/4, Qwen 2.5/3, Gemma, DeepSeek, gpt-oss and the other Together fine-tuning models")

CHAT_PROFILE = Profile(
    "together-chat", say("Together conversational"), PROVIDER, TARGETS,
    ("classification", "generation", "chat", "preference"), False,
    writer=_chat_writer(CHAT, tools=False),
    reader=lambda line, kind: msg.read_chat(line, kind, CHAT, tools=False),
    default_kind="chat", line_rules=CHAT_RULES, file_rules=FILE_RULES,
    note=say("messages with a 0/1 weight and an assistant `reasoning` field; adjacent user turns are joined; "
             "tool calls need together-chat-tools."),
)
CHAT_TOOLS_PROFILE = Profile(
    "together-chat-tools", say("Together conversational with tool calls"), PROVIDER,
    say("{targets} (function-calling models; current SDK)", targets=TARGETS),
    ("classification", "generation", "chat", "preference"), False,
    writer=_chat_writer(CHAT_TOOLS, tools=True),
    reader=lambda line, kind: msg.read_chat(line, kind, CHAT_TOOLS, tools=True),
    default_kind="chat", line_rules=CHAT_RULES, file_rules=FILE_RULES,
    note=say("Adds `tools`, `tool_calls` and the `tool` role, which the current SDK accepts and older ones refuse."),
)
INSTRUCTION = Profile(
    "together-instruction", say("Together instruction (prompt/completion)"), PROVIDER, TARGETS,
    ("classification", "generation"), True,
    writer=lambda example: write_pairs(example, say("Together instruction")), reader=read_pair,
    default_kind="generation", file_rules=FILE_RULES,
    note=say("prompt/completion as exported (separator, leading space, stop)."),
)
PREFERENCE = Profile(
    "together-preference", say("Together preference (DPO)"), PROVIDER, TARGETS, ("preference",), False,
    writer=lambda example: openai.write_preference(example, PREFERENCE_STYLE),
    reader=lambda line, kind: openai.read_preference(line, kind, PREFERENCE_STYLE),
    default_kind="preference", line_rules=(weights, preference_input),
    file_rules=FILE_RULES,
    note=say("The OpenAI preference shape; both replies may carry `reasoning`."),
)

PROFILES = (CHAT_PROFILE, CHAT_TOOLS_PROFILE, INSTRUCTION, PREFERENCE)
