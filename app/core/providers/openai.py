"""OpenAI: legacy prompt/completion, chat messages (weights, tools) and preference pairs (DPO).

Sources: openai/openai-openapi `FineTuneCompletionRequestInput` (@25be4786), `FineTuneChatRequestInput`
and `FineTunePreferenceRequestInput` (@f7f4b058: assistant `weight` 0/1, `tools`, `tool_calls`,
`parallel_tool_calls`, one-element `preferred_output` / `non_preferred_output`); the SFT guide
(at least 10 examples) and the Files API (512 MB a file), as summarised in
reference/format-corrections.md; reference/providers-2026-12.md (no reasoning field in chat SFT:
dropped with a warning; new fine-tuning jobs stop on 2027-01-06).

The three profiles write exactly what app/core/profiles.py writes today for the messages the form
produces (keys `openai-legacy`, `openai-chat`, `openai-preference`). A system turn stays a
system message: every OpenAI shape has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.core.providers import messages as msg
from app.core.providers.base import (
    Finding, Note, Profile, RuleContext, ShapeError, Written, count_rule, note_tool_settings, read_pair, refused,
    size_rule, write_pairs, written,
)
from app.core.providers.neutral import Example, Turn, link_tool_results, turn_label
from app.core.wording import say

PROVIDER = "OpenAI"
STOPPING = say("OpenAI stops new fine-tuning jobs on 2027-01-06 (fine-tuned models stay until their base models "
               "retire).")
MAX_FILE_BYTES = 512 * 1024 * 1024
MIN_EXAMPLES = 10

CHAT = msg.MessageStyle(say("OpenAI chat"), participant_names=True)


def write_chat(example: Example) -> Written:
    return msg.write_chat(example, CHAT, tools=True, parallel=True)


def read_chat(line: dict[str, Any], kind: str) -> Example:
    return msg.read_chat(line, kind, CHAT, tools=True, parallel=True)


def write_preference(example: Example, style: msg.MessageStyle = CHAT) -> Written:
    """{"input": {"messages", "tools"?, "parallel_tool_calls"?}, "preferred_output": [reply],
    "non_preferred_output": [reply]} (OpenAI, Fireworks and Together DPO)."""
    if example.chosen is None or example.rejected is None:
        return refused("carry-preference", say("The example has no preferred and non-preferred reply; a preference "
                                               "shape needs both."))
    notes: list[Note] = []
    note_tool_settings(example, style.shape, notes, tools=style.tool_calls, parallel=style is CHAT)
    inputs: dict[str, Any] = {"messages": msg.encode_turns(example.turns, style, notes)}
    if example.tools and style.tool_calls:
        inputs["tools"] = msg.encode_tools(example.tools)
        if example.parallel_tool_calls is not None and style is CHAT:
            inputs["parallel_tool_calls"] = example.parallel_tool_calls
    line = {
        "input": inputs,
        "preferred_output": [msg.encode(example.chosen, 0, style, notes, say("the preferred reply"))],
        "non_preferred_output": [msg.encode(example.rejected, 0, style, notes, say("the non-preferred reply"))],
    }
    return written((line,), notes)


def read_preference(line: dict[str, Any], kind: str, style: msg.MessageStyle = CHAT) -> Example:
    if set(line) != {"input", "preferred_output", "non_preferred_output"} or not isinstance(line["input"], dict):
        raise ShapeError(say("a preference line has `input` (an object), `preferred_output` and "
                             "`non_preferred_output`"))
    inputs = line["input"]
    allowed = {"messages", "tools"} | ({"parallel_tool_calls"} if style is CHAT else set())
    if "messages" not in inputs or set(inputs) - allowed:
        raise ShapeError(say("`input` holds {keys}", keys=", ".join(sorted(allowed))))
    replies = []
    for key in ("preferred_output", "non_preferred_output"):
        value = line[key]
        if not isinstance(value, list) or len(value) != 1:
            raise ShapeError(say("`{key}` is a list of one assistant message", key=key))
        reply = msg.decode(value[0], style)
        if reply.role != "assistant":
            raise ShapeError(say("`{key}` holds an assistant message", key=key))
        replies.append(reply)
    parallel = inputs.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        raise ShapeError(say("`parallel_tool_calls` is true or false"))
    return Example(kind, link_tool_results(msg.decode_messages(inputs["messages"], style)), replies[0], replies[1],
                   tools=msg.decode_tools(inputs["tools"]) if "tools" in inputs else (), parallel_tool_calls=parallel)


def _all_turns(example: Example) -> list[tuple[str, Turn]]:
    labelled = [(turn_label(i, t), t) for i, t in enumerate(example.turns)]
    labelled += [(where, t) for where, t in ((say("the preferred reply"), example.chosen),
                                             (say("the non-preferred reply"), example.rejected)) if t is not None]
    return labelled


def tool_call_ids(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    """openai-tool-call-id: every tool call has an id, and every tool result answers an earlier call."""
    seen: set[str] = set()
    for where, turn in _all_turns(example):
        for call in turn.tool_calls:
            if not call.id:
                yield Finding("openai-tool-call-id", "error", say("{where}: the call to {name!r} has no id; OpenAI "
                              "requires one, and the tool result names it.", where=where, name=call.name),
                              say("Give every tool call an id."))
            seen.add(call.id)
        if turn.role == "tool" and turn.call_id not in seen:
            if turn.call_id:
                message = say("{where}: the tool result answers {call_id!r}, which no earlier tool call has.",
                              where=where, call_id=turn.call_id)
            else:
                message = say("{where}: the tool result answers 'no call id', which no earlier tool call has.",
                              where=where)
            yield Finding("openai-tool-result-unlinked", "error", message,
                          say("Set the result's call id to the id of the call it answers."))


FILE_RULES = (count_rule("openai-min-examples", PROVIDER, MIN_EXAMPLES),
              size_rule("openai-file-size", PROVIDER, MAX_FILE_BYTES))

LEGACY = Profile(
    "openai-legacy", say("OpenAI prompt/completion (legacy)"), PROVIDER, "babbage-002, davinci-002",
    ("classification", "generation"), True,
    writer=lambda example: write_pairs(example, say("OpenAI legacy prompt/completion")), reader=read_pair,
    default_kind="generation", file_rules=FILE_RULES,
    note=say("babbage-002 / davinci-002; the same shape is read by Together and Bedrock. {stopping}",
             stopping=STOPPING),
)
CHAT_PROFILE = Profile(
    "openai-chat", say("OpenAI chat messages"), PROVIDER, "gpt-4.1, gpt-4.1-mini, gpt-4.1-nano, gpt-4o, gpt-4o-mini",
    ("classification", "generation", "chat", "preference"), False,
    writer=write_chat, reader=read_chat, default_kind="chat", line_rules=(tool_call_ids,), file_rules=FILE_RULES,
    note=say("prompt -> user, completion -> assistant, without separator, leading space or stop; a preference pair "
             "trains on its preferred reply; reasoning is not written. {stopping}", stopping=STOPPING),
)
PREFERENCE = Profile(
    "openai-preference", say("OpenAI preference pairs (DPO)"), PROVIDER, "gpt-4.1, gpt-4.1-mini, gpt-4.1-nano, gpt-4o",
    ("preference",), False,
    writer=write_preference, reader=read_preference, default_kind="preference", line_rules=(tool_call_ids,),
    file_rules=FILE_RULES,
    note=say("input.messages with one preferred and one non-preferred assistant reply. {stopping}",
             stopping=STOPPING),
)

PROFILES = (LEGACY, CHAT_PROFILE, PREFERENCE)
