"""The provider-neutral example every provider writer reads and every reader gives back.

An `Example` is one of three things, by kind:
- classification / generation: `pairs`, the prompt/completion texts as exported (the separator
  ends the prompt; the completion carries the leading space and the stop), and `turns`, the same
  example as a conversation (the filled template as the user turn, the bare output as the
  assistant turn) for the profiles that write messages;
- chat: `turns`;
- preference: `turns` (the input), then the `chosen` and `rejected` assistant replies (which carry
  no weight: they are what is compared).

A turn has a role (system / user / assistant / tool) and content; an assistant turn may carry
reasoning text, tool calls (id, function name, JSON arguments text) and a training weight (0 or
1; None means the provider's default, which trains assistant turns); a tool turn names the call
it answers (`call_id`) and the function (`name`). `tools` are the project's function
definitions (JSON Schema parameters).

`from_canonical` turns today's `app.core.records.Canonical` into an `Example`, so switching the
app's profiles over is mechanical. It keeps what the form gave (an odd weight stays as typed, for
the rules to judge) and never raises.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from app.core.records import Canonical
from app.core.wording import say

ROLES = ("system", "user", "assistant", "tool")
KINDS = ("classification", "generation", "chat", "preference")
REASONING_KEYS = ("reasoning_content", "reasoning", "thinking")  # what app messages may call it


class ToolCall(NamedTuple):
    id: str  # "" when the shape has no call ids (Vertex, TRL, LLaMA-Factory)
    name: str
    arguments: str  # JSON text of the arguments object


class Turn(NamedTuple):
    role: str
    content: str = ""
    reasoning: str = ""  # assistant only
    tool_calls: tuple[ToolCall, ...] = ()  # assistant only
    call_id: str = ""  # tool only: the id of the call this result answers
    name: str = ""  # tool only: the function whose result this is
    weight: Any = None  # 0 or 1 on an assistant turn; anything else is kept for the rules to refuse


class Tool(NamedTuple):
    name: str
    description: str
    parameters: Mapping[str, Any]  # a JSON Schema object


class TextPair(NamedTuple):
    prompt: str  # as exported: ends with the separator
    completion: str  # as exported: leading space, output, stop


class Example(NamedTuple):
    kind: str
    turns: tuple[Turn, ...] = ()
    chosen: Turn | None = None
    rejected: Turn | None = None
    pairs: tuple[TextPair, ...] = ()
    tools: tuple[Tool, ...] = ()
    parallel_tool_calls: bool | None = None  # OpenAI's setting for the tools (meaningless without tools)

    def conversation(self) -> tuple[Turn, ...]:
        """What a messages profile trains on: the turns, then the chosen reply of a preference pair."""
        return self.turns + ((self.chosen,) if self.chosen is not None else ())

    def uses_tools(self) -> bool:
        turns = self.conversation() + ((self.rejected,) if self.rejected is not None else ())
        return any(t.tool_calls or t.role == "tool" for t in turns)


def turn_label(index: int, turn: Turn) -> str:
    """How a message names the turn: "turn 3 (assistant)" (1-based, system turns counted)."""
    return say("turn {n} ({role})", n=index + 1, role=turn.role)


def canonical_json(value: Any) -> str:
    """The one JSON spelling of arguments and results that readers give back (json.dumps defaults)."""
    return json.dumps(value, ensure_ascii=False)


def link_tool_results(turns: Iterable[Turn], by_order: bool = False) -> tuple[Turn, ...]:
    """The turns with every tool result's `name` filled from the call it answers: by id, or, when
    the result has none (or `by_order`: the shape carries no ids), by order (the first unanswered
    call). Readers use it, so a shape that carries no result names still gives back the example."""
    linked: list[Turn] = []
    pending: list[ToolCall] = []
    for turn in turns:
        if turn.role == "assistant" and turn.tool_calls:
            pending = list(turn.tool_calls)
        elif turn.role == "tool":
            if turn.call_id and not by_order:
                call = next((c for c in pending if c.id == turn.call_id), None)
            else:  # a result without an id answers the next call
                call = pending[0] if pending else None
            if call is not None:
                pending.remove(call)
                if not turn.name:
                    turn = turn._replace(name=call.name)
        linked.append(turn)
    return tuple(linked)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return canonical_json(value)


def _tool_call(value: Any) -> ToolCall:
    call = value if isinstance(value, Mapping) else {}
    function = call.get("function") if isinstance(call.get("function"), Mapping) else {}
    arguments = function.get("arguments", "")
    return ToolCall(_text(call.get("id")), _text(function.get("name")), _text(arguments))


def turn_from_message(message: Mapping[str, Any]) -> Turn:
    """A turn from an app message dict ({"role", "content", "weight", "tool_calls", ...})."""
    reasoning = next((message[k] for k in REASONING_KEYS if message.get(k) is not None), "")
    calls = message.get("tool_calls")
    return Turn(
        role=message["role"] if isinstance(message.get("role"), str) else "",
        content=_text(message.get("content")),
        reasoning=_text(reasoning),
        tool_calls=tuple(_tool_call(c) for c in calls) if isinstance(calls, list) else (),
        call_id=_text(message.get("tool_call_id")),
        name=_text(message.get("name")),
        weight=message.get("weight"),
    )


def tool_from_spec(spec: Mapping[str, Any]) -> Tool:
    """A project tool from an OpenAI-style spec ({"type": "function", "function": {...}}) or a bare one."""
    function = spec.get("function") if isinstance(spec.get("function"), Mapping) else spec
    parameters = function.get("parameters")
    return Tool(_text(function.get("name")), _text(function.get("description")),
                parameters if isinstance(parameters, Mapping) else {})


def from_canonical(
    canonical: Canonical,
    kind: str,
    tools: Iterable[Tool] = (),
    parallel_tool_calls: bool | None = None,
) -> Example:
    """Today's canonical example as a neutral one (the messages a form gave, as they are)."""
    conversation = canonical.conversation
    messages = conversation.messages if conversation is not None else ()
    turns = link_tool_results(turn_from_message(m) for m in messages if isinstance(m, Mapping))
    chosen = rejected = None
    if kind == "preference" and conversation is not None and conversation.preferred is not None:
        chosen = Turn("assistant", conversation.preferred)
        rejected = Turn("assistant", conversation.non_preferred or "")
    pairs = tuple(TextPair(row.prompt, row.completion) for row in canonical.rows)
    return Example(kind, turns, chosen, rejected, pairs, tuple(tools), parallel_tool_calls)
