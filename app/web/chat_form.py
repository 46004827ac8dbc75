"""Parse the conversation editor: turns, reasoning, tool calls and tool results into message dicts.

Every turn row posts, in parallel lists, `<prefix>.role` and the turn's text (`<prefix>.content`
for chat), `<prefix>.weight` (chat), and when the project
has tools or reasoning: `<prefix>.reasoning` (assistant turns), `<prefix>.answers` (the call id a
tool turn answers) and `<prefix>.key` (the row's key). A tool call row posts `<prefix>.call.turn`
(the key of its turn), `.call.id`, `.call.name` and `.call.arguments`. The messages come out in
the shape the readers and writers share (`app.core.providers.neutral.turn_from_message`):
{"role", "content", "weight"?, "reasoning_content"?, "tool_calls"?: [{"id", "type": "function",
"function": {"name", "arguments"}}], "tool_call_id"?}. A call without an id (or with one another
call has) gets the next free `call_N`.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

CALL_ID = re.compile(r"^call_(\d+)$")


def lf(value: Any) -> str:
    """Browsers send textarea line breaks as CRLF; examples store LF, as they are exported."""
    return str(value).replace("\r\n", "\n")


def rows(form: FormData, *names: str) -> list[tuple[str, ...]]:
    """The posted lists `names` side by side (a shorter list is padded with "")."""
    columns = [form.getlist(n) for n in names]
    length = max((len(c) for c in columns), default=0)
    return [tuple(lf(c[i]) if i < len(c) else "" for c in columns) for i in range(length)]


def _calls_by_turn(form: FormData, prefix: str) -> dict[str, list[dict[str, Any]]]:
    posted = rows(form, f"{prefix}.call.turn", f"{prefix}.call.id", f"{prefix}.call.name", f"{prefix}.call.arguments")
    used: set[str] = set()
    ids: list[str] = []
    for _, call_id, _, _ in posted:
        call_id = call_id.strip()
        if CALL_ID.match(call_id) and call_id not in used:
            used.add(call_id)
            ids.append(call_id)
        else:
            ids.append("")  # numbered below, after every kept id
    numbers = [int(m.group(1)) for m in map(CALL_ID.match, used) if m]
    following = max(numbers, default=0) + 1
    calls: dict[str, list[dict[str, Any]]] = {}
    for (turn, _, name, arguments), call_id in zip(posted, ids):
        if not call_id:
            call_id, following = f"call_{following}", following + 1
        calls.setdefault(turn, []).append(
            {"id": call_id, "type": "function", "function": {"name": name.strip(), "arguments": arguments}})
    return calls


def conversation(form: FormData, prefix: str, text_name: str, weights: bool) -> list[dict[str, Any]]:
    """The turns posted under `prefix` as messages (rows with no role and no text are skipped)."""
    calls = _calls_by_turn(form, prefix)
    names = (f"{prefix}.role", f"{prefix}.{text_name}", f"{prefix}.weight", f"{prefix}.reasoning",
             f"{prefix}.answers", f"{prefix}.key")
    messages: list[dict[str, Any]] = []
    for role, content, weight, reasoning, answers, key in rows(form, *names):
        turn_calls = calls.get(key, []) if key and role == "assistant" else []
        if not content.strip() and not role:
            continue
        if not weights and not content.strip() and not turn_calls:
            continue  # a preference input drops empty turns, as the plain turns widget does
        message: dict[str, Any] = {"role": role, "content": content}
        if weights and role == "assistant" and weight == "0":
            message["weight"] = 0
        if role == "assistant" and reasoning.strip():
            message["reasoning_content"] = reasoning
        if turn_calls:
            message["tool_calls"] = turn_calls
        if role == "tool" and answers.strip():
            message["tool_call_id"] = answers.strip()
        messages.append(message)
    return messages
