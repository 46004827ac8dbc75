"""Export profiles: how a canonical example becomes JSONL lines for one provider format.

Each profile declares the task kinds it can write and builds `Record`s (line + counted parts).
`jsonl_line` is the one serialiser: the live panel shows its output and the export writes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.core import tokens
from app.core.records import Canonical, Part, Parts, Record


@dataclass(frozen=True)
class Profile:
    key: str
    title: str
    kinds: tuple[str, ...]
    text_pairs: bool  # writes prompt/completion (separator, leading space and stop are exported)
    build: Callable[[Canonical, str], tuple[Record, ...]]
    note: str = ""


def jsonl_line(record: Record) -> str:
    """The exact text of one exported line (without the newline)."""
    return json.dumps(record.line, ensure_ascii=False)


def _legacy(canonical: Canonical, encoding: str) -> tuple[Record, ...]:
    records = []
    for row in canonical.rows:
        prompt_tokens = tokens.count(row.prompt, encoding)
        completion_tokens = tokens.count(row.completion, encoding)
        total = prompt_tokens + completion_tokens
        records.append(
            Record(
                line={"prompt": row.prompt, "completion": row.completion},
                parts=(
                    Part("prompt", row.prompt, prompt_tokens),
                    Part("completion", row.completion, completion_tokens),
                ),
                tokens=total,
                billed_tokens=total,
            )
        )
    return tuple(records)


REPEATING_CHARS = 64  # roles and short texts repeat from example to example: their counts are memoised
REPEATING_CAP = 4_096  # memoised counts per encoding (bounded memory)
_REPEATING: dict[str, dict[str, int]] = {}
_ENCODERS: dict[str, Callable[[str], list[int]]] = {}
_new = tuple.__new__  # a named tuple from all its values in order, without its Python-level __new__ (records.py)


def _message_counts(messages: list[dict[str, Any]], encoding: str) -> tuple[list[int], int]:
    """Each message's tokens, counted as `tokens.count_message` counts it, and their total. The
    usual {"role": str, "content": str} message is counted inline: its role, short texts and a
    leading system prompt repeat (memoised counts), a longer text is encoded once (a memo would only
    be churned)."""
    encode = _ENCODERS.get(encoding)
    if encode is None:
        encode = _ENCODERS[encoding] = tokens.encoder(encoding)
    repeating = _REPEATING.get(encoding)
    if repeating is None:
        repeating = _REPEATING[encoding] = {}
    counts: list[int] = []
    total = 0
    index = 0
    for message in messages:
        text, role = message.get("content"), message.get("role")
        if len(message) == 2 and type(text) is str and type(role) is str:
            role_tokens = repeating.get(role)
            if role_tokens is None:
                role_tokens = _remember(repeating, role, len(encode(role)))
            if len(text) <= REPEATING_CHARS or (index == 0 and role == "system"):
                text_tokens = repeating.get(text)
                if text_tokens is None:
                    text_tokens = _remember(repeating, text, len(encode(text)))
            else:
                text_tokens = len(encode(text))
            count = tokens.TOKENS_PER_MESSAGE + role_tokens + text_tokens
        else:
            count = tokens.count_message(message, encoding)
        counts.append(count)
        total += count
        index += 1
    return counts, total


def _message_parts(messages: list[dict[str, Any]], counts: list[int], prefix: str) -> list[Part]:
    """One part per message (`_message_counts` gave the counts): its place, its text, its tokens."""
    parts = []
    for index, (message, count) in enumerate(zip(messages, counts)):
        text = message.get("content")
        shown = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
        parts.append(_new(Part, (f"{prefix}[{index}] {message.get('role', '?')}", shown, count)))
    return parts


def _remember(counts: dict[str, int], text: str, count: int) -> int:
    if len(counts) < REPEATING_CAP and len(text) <= tokens.CACHED_CHARS:
        counts[text] = count
    return count


def _chat(canonical: Canonical, encoding: str) -> tuple[Record, ...]:
    conversation = canonical.conversation
    if conversation is None:
        return ()
    messages = list(conversation.messages)  # the record shares the canonical messages (nothing mutates either)
    if conversation.preferred is not None:  # a preference pair trains on its preferred reply
        messages.append({"role": "assistant", "content": conversation.preferred})
    counts, total = _message_counts(messages, encoding)
    total += tokens.REPLY_PRIMING  # every message, then the reply priming
    parts = Parts(partial(_message_parts, messages, counts, "messages"))  # built when read
    return (_new(Record, ({"messages": messages}, parts, total, total)),)


def _preference(canonical: Canonical, encoding: str) -> tuple[Record, ...]:
    conversation = canonical.conversation
    if conversation is None or conversation.preferred is None:
        return ()
    inputs = [dict(m) for m in conversation.messages]
    preferred = {"role": "assistant", "content": conversation.preferred}
    rejected = {"role": "assistant", "content": conversation.non_preferred or ""}
    counts, input_tokens = _message_counts(inputs, encoding)
    parts = _message_parts(inputs, counts, "input.messages")
    input_tokens += tokens.REPLY_PRIMING  # the inputs' messages, then the reply priming
    preferred_tokens = tokens.count_message(preferred, encoding)
    rejected_tokens = tokens.count_message(rejected, encoding)
    parts.append(Part("preferred_output[0] assistant", preferred["content"], preferred_tokens))
    parts.append(Part("non_preferred_output[0] assistant", rejected["content"], rejected_tokens))
    return (
        Record(
            line={
                "input": {"messages": inputs},
                "preferred_output": [preferred],
                "non_preferred_output": [rejected],
            },
            parts=tuple(parts),
            tokens=input_tokens + max(preferred_tokens, rejected_tokens),
            billed_tokens=input_tokens + preferred_tokens + rejected_tokens,
        ),
    )


PROFILES: dict[str, Profile] = {
    p.key: p
    for p in (
        Profile(
            "openai-legacy",
            "OpenAI prompt/completion (legacy)",
            ("classification", "generation"),
            text_pairs=True,
            build=_legacy,
            note="babbage-002 / davinci-002; the same shape is read by Together and Bedrock.",
        ),
        Profile(
            "openai-chat",
            "OpenAI chat messages",
            ("classification", "generation", "chat", "preference"),
            text_pairs=False,
            build=_chat,
            note="prompt -> user, completion -> assistant, without separator, leading space or stop.",
        ),
        Profile(
            "openai-preference",
            "OpenAI preference pairs (DPO)",
            ("preference",),
            text_pairs=False,
            build=_preference,
            note="input.messages with one preferred and one non-preferred assistant reply.",
        ),
    )
}


def default_profile(kind: str) -> str:
    return {"chat": "openai-chat", "preference": "openai-preference"}.get(kind, "openai-legacy")


def profiles_for(kind: str) -> list[Profile]:
    return [p for p in PROFILES.values() if kind in p.kinds]
