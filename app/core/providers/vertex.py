"""Google Vertex AI Gemini supervised tuning: `systemInstruction` plus `contents` of `parts`.

Sources: cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning-prepare
(`systemInstruction` {parts}, `contents` [{role user|model, parts [{text}]}], optional `tools`;
`systemInstruction.role` is ignored) and …/models/tune-function-calling (`functionCall` {name,
args} parts in model contents, `tools` [{functionDeclarations}]; function results as
`functionResponse` {name, response} parts in user contents, as the Gemini API takes them); limits
for Gemini 2.5 Flash from …/tune-text-models-supervised via reference/providers-2026-12.md
(131,072 tokens an example, at most 5,000 validation examples, a 1 GB file, 1M text-only examples).

What the shape cannot carry: reasoning (Google advises tuning with thinking off: dropped with a
warning), a weight of 0 (there is no per-turn weight: dropped, the turn is trained), call ids
(results are matched by function name and order: dropped). A system turn goes into
`systemInstruction` (one part per system turn); one that is not at the start is moved there
("merged"). Adjacent turns of one role share a content, one part each, and are read back apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from app.core.providers.base import (
    Finding, Note, Profile, RuleContext, ShapeError, Written, count_rule, note_rejected, note_tool_settings, size_rule,
    written,
)
from app.core.providers.messages import is_one, parse_arguments
from app.core.providers.neutral import Example, Tool, ToolCall, Turn, canonical_json, link_tool_results, turn_label
from app.core.wording import say

PROVIDER = "Google Vertex AI"
MAX_TOKENS = 131_072
MAX_VALIDATION_EXAMPLES = 5_000
MAX_EXAMPLES = 1_000_000
MAX_FILE_BYTES = 1024**3
ROLE = {"user": "user", "tool": "user", "assistant": "model"}


def _response(turn: Turn) -> dict[str, Any]:
    """The result as the `response` object: a JSON object result as itself, other text as {"output": text}."""
    try:
        value = json.loads(turn.content)
    except ValueError:
        value = None
    if isinstance(value, dict) and canonical_json(value) == turn.content and list(value) != ["output"]:
        return value
    return {"output": turn.content}


def _parts(index: int, turn: Turn, notes: list[Note]) -> list[dict[str, Any]]:
    label = turn_label(index, turn)
    if turn.reasoning:
        notes.append(Note("carry-reasoning", "dropped", say("{where}: the reasoning text is dropped; Vertex tuning "
                          "data has no thinking field (Google advises tuning with thinking off).", where=label)))
    if turn.weight is not None and not is_one(turn.weight):
        notes.append(Note("carry-weight", "dropped", say("{where}: the weight {weight!r} is dropped; Vertex has "
                          "no per-turn weight, so every model turn is trained.", where=label, weight=turn.weight)))
    if turn.role == "tool":
        if turn.call_id:
            notes.append(Note("carry-tool-call-id", "dropped", say("{where}: the call id is dropped; Vertex matches "
                              "a result to its call by function name.", where=label)))
        if not turn.name:
            notes.append(Note("carry-tool-result", "refused", say("{where}: the result answers no earlier call, so "
                              "its function name (which Vertex requires) is unknown.", where=label)))
        return [{"functionResponse": {"name": turn.name, "response": _response(turn)}}]
    parts: list[dict[str, Any]] = [{"text": turn.content}] if turn.content or not turn.tool_calls else []
    for call in turn.tool_calls:
        arguments = parse_arguments(call)
        if arguments is None:
            notes.append(Note("carry-tool-arguments", "refused", say("{where}: the arguments of {name!r} are not a "
                              "JSON object; Vertex writes them as `args`, an object.", where=label, name=call.name)))
        if call.id:
            notes.append(Note("carry-tool-call-id", "dropped", say("{where}: the call id {call_id!r} is dropped.",
                                                                   where=label, call_id=call.id)))
        parts.append({"functionCall": {"name": call.name, "args": arguments}})
    return parts


def write(example: Example) -> Written:
    notes: list[Note] = []
    note_tool_settings(example, "Vertex", notes, tools=True)
    note_rejected(example, say("Vertex supervised tuning"), notes)
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    for index, turn in enumerate(link_tool_results(example.conversation())):
        if turn.role == "system":
            if contents:
                notes.append(Note("carry-system", "merged", say("{where} is moved into `systemInstruction`: Vertex "
                                  "has no system turn inside `contents`.", where=turn_label(index, turn))))
            system.append({"text": turn.content})
            continue
        if turn.role not in ROLE:
            notes.append(Note("carry-role", "refused", say("{where}: Vertex has no role {role!r}.",
                                                           where=turn_label(index, turn), role=turn.role)))
            continue
        parts = _parts(index, turn, notes)
        if contents and contents[-1]["role"] == ROLE[turn.role]:
            if turn.role == "assistant" and not turn.content:
                notes.append(Note("carry-assistant-turns", "merged", say("{where} joins the model turn before it (its "
                                  "calls are read back as that turn's).", where=turn_label(index, turn))))
                if contents[-1]["parts"][-1] == {"text": ""}:  # an empty text part would read back as nothing
                    contents[-1]["parts"].pop()
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": ROLE[turn.role], "parts": parts})
    line: dict[str, Any] = {}
    if system:
        line["systemInstruction"] = {"role": "system", "parts": system}  # the role is ignored, as the docs show it
    line["contents"] = contents
    if example.tools:
        line["tools"] = [{"functionDeclarations": [
            {"name": t.name, "description": t.description, "parameters": dict(t.parameters)} for t in example.tools]}]
    return written((line,), notes)


def _read_part(role: str, part: Any, turns: list[Turn], start: int) -> None:
    """Read one part into `turns`; `start` is where the current content's turns begin (a call joins
    the model turn read from the same content, or starts one)."""
    if not isinstance(part, dict) or len(part) != 1:
        raise ShapeError(say("a part holds one of text, functionCall, functionResponse"))
    (key, value), = part.items()
    if key == "text" and isinstance(value, str):
        turns.append(Turn("assistant" if role == "model" else "user", value))
    elif key == "functionCall" and role == "model" and isinstance(value, dict) and isinstance(value.get("name"), str):
        call = ToolCall("", value["name"], canonical_json(value.get("args", {})))
        if len(turns) > start and turns[-1].role == "assistant":
            turns[-1] = turns[-1]._replace(tool_calls=turns[-1].tool_calls + (call,))
        else:
            turns.append(Turn("assistant", tool_calls=(call,)))
    elif key == "functionResponse" and role == "user" and isinstance(value, dict) \
            and isinstance(value.get("name"), str):
        response = value.get("response", {})
        if not isinstance(response, dict):
            raise ShapeError(say("a functionResponse's response is an object"))
        text = response["output"] if list(response) == ["output"] and isinstance(response["output"], str) \
            else canonical_json(response)
        turns.append(Turn("tool", text, name=value["name"]))
    else:
        raise ShapeError(say("a {role} content has no {key!r} part here", role=role, key=key))


def read(line: dict[str, Any], kind: str) -> Example:
    system_key = "systemInstruction" if "systemInstruction" in line else "system_instruction"
    if "contents" not in line or set(line) - {system_key, "contents", "tools"}:
        raise ShapeError(say("a Vertex line has systemInstruction, contents and tools only"))
    turns: list[Turn] = []
    if system_key in line:
        system = line[system_key]
        if not isinstance(system, dict) or set(system) - {"role", "parts"} or not isinstance(system.get("parts"), list):
            raise ShapeError(say("systemInstruction is {parts: [{text}]}"))
        for part in system["parts"]:
            if not isinstance(part, dict) or set(part) != {"text"} or not isinstance(part["text"], str):
                raise ShapeError(say("systemInstruction parts are text"))
            turns.append(Turn("system", part["text"]))
    if not isinstance(line["contents"], list):
        raise ShapeError(say("`contents` is a list"))
    for content in line["contents"]:
        if not isinstance(content, dict) or set(content) != {"role", "parts"} \
                or content["role"] not in ("user", "model") or not isinstance(content["parts"], list):
            raise ShapeError(say("a content is {role: user|model, parts: [...]}"))
        start = len(turns)
        for part in content["parts"]:
            _read_part(content["role"], part, turns, start)
    return Example(kind, link_tool_results(turns), tools=_read_tools(line.get("tools", [])))


def _read_tools(value: Any) -> tuple[Tool, ...]:
    if not isinstance(value, list):
        raise ShapeError(say("`tools` is a list"))
    tools = []
    for entry in value:
        declarations = entry.get("functionDeclarations") if isinstance(entry, dict) else None
        if not isinstance(declarations, list) or set(entry) != {"functionDeclarations"}:
            raise ShapeError(say("a Vertex tool is {functionDeclarations: [...]}"))
        for d in declarations:
            if not isinstance(d, dict) or not isinstance(d.get("name"), str) \
                    or not isinstance(d.get("parameters", {}), dict):
                raise ShapeError(say("a function declaration has a name and parameters"))
            tools.append(Tool(d["name"], d.get("description", ""), d.get("parameters", {})))
    return tuple(tools)


def too_long(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    if context.count_tokens is not None:
        tokens = context.count_tokens(line)
        if tokens > MAX_TOKENS:
            yield Finding("vertex-too-long", "error", say("The example is {count:,} tokens; Gemini 2.5 Flash tuning "
                          "accepts at most {limit:,} per example.", count=tokens, limit=MAX_TOKENS),
                          say("Shorten the example or split it."))


def validation_size(lines: Sequence[dict[str, Any]], context: RuleContext) -> Iterator[Finding]:
    if context.split == "validation" and len(lines) > MAX_VALIDATION_EXAMPLES:
        yield Finding("vertex-validation-too-many", "error", say("The validation file has {count:,} examples; Vertex "
                      "accepts at most {limit:,}.", count=len(lines), limit=MAX_VALIDATION_EXAMPLES),
                      say("Move the rest into the training file."))


GEMINI = Profile(
    "vertex-gemini", say("Vertex AI Gemini (supervised tuning)"), PROVIDER, say("Gemini 2.5 Flash, Gemini 2.5 "
    "Flash-Lite, Gemini 2.5 Pro on Vertex AI"), ("classification", "generation", "chat", "preference"), False,
    writer=write, reader=read, default_kind="chat", line_rules=(too_long,),
    file_rules=(validation_size, count_rule("vertex-too-many-examples", PROVIDER, 1, MAX_EXAMPLES),
                size_rule("vertex-file-size", PROVIDER, MAX_FILE_BYTES)),
    note=say("systemInstruction and contents (user / model parts); function calls and results as parts. Limits are "
             "Gemini 2.5 Flash's; reasoning is not written."),
)

PROFILES = (GEMINI,)
