"""OpenAI-style `messages` lists, written and read for every shape that uses them.

OpenAI, Azure, Together, Fireworks, Mistral, Hugging Face TRL and Axolotl all write
{"role", "content"} messages, and differ in a few keys: what reasoning is called, whether a turn
carries a weight (or Axolotl's boolean training flag), whether tool calls have ids, whether
arguments are JSON text or an object (TRL), and whether a tool result names its function. A
`MessageStyle` says which; `encode` writes one turn (adding notes for what the style cannot
carry) and `decode` reads one back strictly (a key the style does not know is a `ShapeError`,
which is what lets detection tell the shapes apart).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from app.core.providers.base import Note, ShapeError, Written, note_rejected, note_tool_settings, written
from app.core.providers.neutral import (
    ROLES, Example, Tool, ToolCall, Turn, canonical_json, link_tool_results, turn_label,
)
from app.core.wording import say


@dataclass(frozen=True)
class MessageStyle:
    shape: str  # how notes name the shape ("OpenAI chat")
    reasoning_key: str | None = None  # None: reasoning is dropped
    weight_key: str | None = "weight"  # None: no per-turn weight (a weight of 0 is dropped)
    weight_as_flag: bool = False  # Axolotl: true/false instead of 1/0
    tool_calls: bool = True  # tool calls and tool turns
    call_ids: bool = True  # calls carry "id", results "tool_call_id"
    arguments_as_object: bool = False  # TRL: "arguments" is a JSON object
    result_name: bool = False  # a tool result carries "name"
    participant_names: bool = False  # OpenAI: "name" on any message

    @cached_property
    def keys(self) -> frozenset[str]:
        """The keys a message of this style may have."""
        allowed = {"role", "content"} | {k for k in (self.reasoning_key, self.weight_key) if k}
        if self.tool_calls:
            allowed |= {"tool_calls"} | ({"tool_call_id"} if self.call_ids else set())
        if self.result_name or self.participant_names:
            allowed.add("name")
        return frozenset(allowed)


NULLABLE = frozenset({"function_call", "tool_calls", "name", "weight"})  # `null` is the key absent (RULES.md)


def is_one(weight: Any) -> bool:
    return type(weight) is int and weight == 1


def parse_arguments(call: ToolCall) -> dict[str, Any] | None:
    """The call's arguments as a JSON object, or None when they are not one."""
    try:
        value = json.loads(call.arguments)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def encode(turn: Turn, index: int, style: MessageStyle, notes: list[Note], where: str = "") -> dict[str, Any]:
    """One turn as a message of this style; what the style cannot carry becomes a note."""
    label = where or turn_label(index, turn)
    if turn.role not in ROLES:
        notes.append(Note("carry-role", "refused", say("{where}: the role {role!r} is not one of {roles}; {shape} "
                                                       "cannot write it.", where=label, role=turn.role,
                                                       roles=", ".join(ROLES), shape=style.shape)))
    if not style.tool_calls and (turn.tool_calls or turn.role == "tool"):
        notes.append(Note("carry-tool-calls", "refused", say("{where}: {shape} has no tool calls or tool results; "
                                                             "pick a profile that writes them.",
                                                             where=label, shape=style.shape)))
    message: dict[str, Any] = {"role": turn.role}
    if turn.role == "tool" and turn.call_id:
        if style.call_ids:
            message["tool_call_id"] = turn.call_id
        else:
            notes.append(Note("carry-tool-call-id", "dropped", say("{where}: the call id {call_id!r} is dropped; "
                                                                   "{shape} links results by order.", where=label,
                                                                   call_id=turn.call_id, shape=style.shape)))
    if turn.name and (style.result_name if turn.role == "tool" else style.participant_names):
        message["name"] = turn.name
    elif turn.name and turn.role != "tool":
        notes.append(Note("carry-name", "dropped", say("{where}: the participant name {name!r} is dropped; {shape} "
                                                       "has no name field.", where=label, name=turn.name,
                                                       shape=style.shape)))
    if turn.reasoning:
        if style.reasoning_key:
            message[style.reasoning_key] = turn.reasoning
        else:
            notes.append(Note("carry-reasoning", "dropped", say("{where}: the reasoning text is dropped; {shape} has "
                                                                "no field for it.", where=label, shape=style.shape)))
    if turn.content or not turn.tool_calls:
        message["content"] = turn.content
    if turn.tool_calls and style.tool_calls:
        message["tool_calls"] = [_encode_call(call, label, style, notes) for call in turn.tool_calls]
    if turn.weight is not None:
        _encode_weight(message, turn, label, style, notes)
    return message


def _encode_call(call: ToolCall, label: str, style: MessageStyle, notes: list[Note]) -> dict[str, Any]:
    arguments: Any = call.arguments
    if style.arguments_as_object:
        arguments = parse_arguments(call)
        if arguments is None:
            notes.append(Note("carry-tool-arguments", "refused",
                              say("{where}: the arguments of {name!r} are not a JSON object; {shape} writes them as "
                                  "one.", where=label, name=call.name, shape=style.shape)))
    encoded: dict[str, Any] = {}
    if call.id and style.call_ids:
        encoded["id"] = call.id
    elif call.id:
        notes.append(Note("carry-tool-call-id", "dropped", say("{where}: the call id {call_id!r} is dropped; "
                                                               "{shape} links results by order.", where=label,
                                                               call_id=call.id, shape=style.shape)))
    encoded["type"] = "function"
    encoded["function"] = {"name": call.name, "arguments": arguments}
    return encoded


def _encode_weight(message: dict[str, Any], turn: Turn, label: str, style: MessageStyle, notes: list[Note]) -> None:
    if style.weight_key is None:
        if not is_one(turn.weight):
            notes.append(Note("carry-weight", "dropped", say("{where}: the weight {weight!r} is dropped; {shape} has "
                                                             "no per-turn weight, so the turn is trained as the "
                                                             "stack's defaults say.", where=label,
                                                             weight=turn.weight, shape=style.shape)))
    elif style.weight_as_flag:
        if type(turn.weight) is int and turn.weight in (0, 1):
            message[style.weight_key] = turn.weight == 1
        else:
            notes.append(Note("carry-weight", "refused", say("{where}: the weight {weight!r} is not 0 or 1, so it "
                                                             "cannot become {shape}'s training flag.", where=label,
                                                             weight=turn.weight, shape=style.shape)))
    else:
        message[style.weight_key] = turn.weight  # as typed: the weight rules refuse anything but 0 or 1


def encode_turns(turns: Iterable[Turn], style: MessageStyle, notes: list[Note], start: int = 0) -> list[dict[str, Any]]:
    if style.result_name and not style.call_ids:  # results are named from their calls as the reader links them
        turns = link_tool_results(turns, by_order=True)
    return [encode(turn, i, style, notes) for i, turn in enumerate(turns, start)]


def encode_tools(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """Project tools as OpenAI-style function specs (OpenAI, Together, Fireworks, Mistral, TRL, Axolotl)."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": dict(t.parameters)}} for t in tools]


def decode_tools(value: Any) -> tuple[Tool, ...]:
    if not isinstance(value, list):
        raise ShapeError(say("`tools` is a list of function specs"))
    tools = []
    for spec in value:
        function = spec.get("function") if isinstance(spec, dict) else None
        if not isinstance(function, dict) or spec.get("type", "function") != "function":
            raise ShapeError(say('a tool is {"type": "function", "function": {...}}'))
        tools.append(decode_function(function))
    return tuple(tools)


def decode_function(function: Mapping[str, Any]) -> Tool:
    name, description = function.get("name"), function.get("description", "")
    parameters = function.get("parameters", {})
    if not isinstance(name, str) or not isinstance(description, str) or not isinstance(parameters, dict):
        raise ShapeError(say("a function spec has a string name and description and an object of parameters"))
    return Tool(name, description, parameters)


def decode(message: Any, style: MessageStyle) -> Turn:
    """One message of this style as a turn; anything the style does not write is a `ShapeError`.
    An optional key that SDKs write as `null` (`NULLABLE`) is read as absent."""
    if not isinstance(message, dict):
        raise ShapeError(say("a message is a JSON object"))
    if None in message.values():
        message = {k: v for k, v in message.items() if v is not None or k not in NULLABLE}
    extra = message.keys() - style.keys
    if extra:
        raise ShapeError(say("{shape} messages have no {keys}", shape=style.shape, keys=", ".join(sorted(extra))))
    role = message.get("role")
    if role not in ROLES or (role == "tool" and not style.tool_calls):
        raise ShapeError(say("{shape} has no role {role!r}", shape=style.shape, role=role))
    content = message.get("content", "")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise ShapeError(say("message content is text here"))
    calls = message.get("tool_calls") or []
    if not isinstance(calls, list) or (calls and role != "assistant"):
        raise ShapeError(say("`tool_calls` is a list on an assistant message"))
    if "content" not in message and not calls:
        raise ShapeError(say("a message without tool calls has content"))
    weight = message.get(style.weight_key) if style.weight_key else None
    if style.weight_as_flag and weight is not None:
        if not isinstance(weight, bool):
            raise ShapeError(say("`{key}` is true or false", key=style.weight_key))
        weight = int(weight)
    texts = [message.get(k, "") for k in ("tool_call_id", "name", style.reasoning_key or "") if k]
    if not all(isinstance(t, str) for t in texts):
        raise ShapeError(say("ids, names and reasoning are text"))
    return Turn(
        role=role,
        content=content,
        reasoning=message.get(style.reasoning_key, "") if style.reasoning_key else "",
        tool_calls=tuple(_decode_call(c, style) for c in calls),
        call_id=message.get("tool_call_id", ""),
        name=message.get("name", ""),
        weight=weight,
    )


def _decode_call(call: Any, style: MessageStyle) -> ToolCall:
    if not isinstance(call, dict) or set(call) - {"id", "type", "function"} \
            or call.get("type", "function") != "function":
        raise ShapeError(say('a tool call is {"id", "type": "function", "function"}'))
    if "id" in call and not style.call_ids:
        raise ShapeError(say("{shape} tool calls have no id", shape=style.shape))
    function = call.get("function")
    if not isinstance(function, dict) or set(function) - {"name", "arguments"} \
            or not isinstance(function.get("name"), str):
        raise ShapeError(say("a call's function has a name and arguments"))
    arguments = function.get("arguments", "")
    if isinstance(arguments, dict) and style.arguments_as_object:
        arguments = canonical_json(arguments)
    if not isinstance(arguments, str):
        raise ShapeError(say("arguments are JSON text here") if not style.arguments_as_object
                         else say("arguments are an object"))
    call_id = call.get("id", "")
    if not isinstance(call_id, str):
        raise ShapeError(say("a call id is text"))
    return ToolCall(call_id, function["name"], arguments)


def decode_messages(value: Any, style: MessageStyle) -> tuple[Turn, ...]:
    if not isinstance(value, list):
        raise ShapeError(say("`messages` is a list"))
    return tuple(decode(m, style) for m in value)


def write_chat(example: Example, style: MessageStyle, tools: bool = True, parallel: bool = False,
               notes: list[Note] | None = None) -> Written:
    """The {"messages": [...], "tools": [...]} line most chat shapes write (tools only when the
    shape has them and the project defines some; `parallel_tool_calls` where OpenAI reads it)."""
    notes = [] if notes is None else notes
    note_tool_settings(example, style.shape, notes, tools=tools, parallel=parallel)
    note_rejected(example, style.shape, notes)
    line: dict[str, Any] = {"messages": encode_turns(example.conversation(), style, notes)}
    if example.tools and tools:
        line["tools"] = encode_tools(example.tools)
    if parallel and example.tools and example.parallel_tool_calls is not None:
        line["parallel_tool_calls"] = example.parallel_tool_calls
    return written((line,), notes)


def read_chat(line: dict[str, Any], kind: str, style: MessageStyle, tools: bool = True,
              parallel: bool = False) -> Example:
    keys = {"messages"} | ({"tools"} if tools else set()) | ({"parallel_tool_calls"} if parallel else set())
    if line.get("tools", 0) is None:  # `"tools": null` is no tools
        line = {k: v for k, v in line.items() if k != "tools"}
    if "messages" not in line or set(line) - keys:
        raise ShapeError(say("a {shape} line has {keys} only", shape=style.shape, keys=", ".join(sorted(keys))))
    parallel_calls = line.get("parallel_tool_calls")
    if parallel_calls is not None and not isinstance(parallel_calls, bool):
        raise ShapeError(say("`parallel_tool_calls` is true or false"))
    turns = link_tool_results(decode_messages(line["messages"], style))
    return Example(kind, turns, tools=decode_tools(line["tools"]) if "tools" in line else (),
                   parallel_tool_calls=parallel_calls)
