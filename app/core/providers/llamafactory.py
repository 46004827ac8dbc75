"""LLaMA-Factory: the alpaca shape (instruction / output, with history; chosen / rejected for
preference) and the sharegpt shape (`conversations` of from/value, system, tools).

Sources: hiyouga/LLaMA-Factory `data/README.md` (alpaca: `instruction`, optional `input`,
`output`, `system`, `history` of [prompt, response] pairs whose responses are learned too;
preference adds `chosen` and `rejected` with `ranking: true`; sharegpt: `from` human / gpt /
function_call / observation, "human and observation should appear in odd positions, while gpt and
function should appear in even positions", `system` and `tools` columns, preference `chosen` /
`rejected` as single gpt messages); the function_call value as JSON text of {"name",
"arguments": <object>} and `tools` as JSON text of [{name, description, parameters}] (the
README's tool examples and reference/providers-2026-12.md).

Neither shape has reasoning, per-turn weights or call ids: each is dropped with a note. The
system prompt is the `system` column (several system turns are joined into it: "merged"). Alpaca
holds user/assistant pairs only, so tool use or any other order is refused there; in sharegpt an
order that breaks the positions is refused by `llamafactory-sharegpt-positions`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from app.core.providers.base import (
    Finding, Note, Profile, RuleContext, ShapeError, Written, note_tool_settings, refused, written,
)
from app.core.providers.messages import is_one, parse_arguments
from app.core.providers.neutral import Example, Tool, ToolCall, Turn, canonical_json, link_tool_results, turn_label
from app.core.wording import say

PROVIDER = "LLaMA-Factory"
TARGETS = say("LLaMA-Factory on any model it has a template for (Llama, Qwen, Gemma, Mistral, DeepSeek)")
SPEAKER = {"user": "human", "assistant": "gpt", "tool": "observation"}
INPUT_TAGS, OUTPUT_TAGS = ("human", "observation"), ("gpt", "function_call")


def _system_and_rest(example: Example, notes: list[Note]) -> tuple[str | None, list[tuple[int, Turn]]]:
    systems = [t.content for t in example.turns if t.role == "system"]
    if len(systems) > 1 or any(t.role == "system" for t in example.turns[len(systems):]):
        notes.append(Note("carry-system", "merged", say("The {count} system turns are joined into the `system` "
                          "column, which holds one prompt at the start.", count=len(systems))))
    rest = [(i, t) for i, t in enumerate(example.turns) if t.role != "system"]
    return ("\n\n".join(systems) if systems else None), rest


def _lossy(label: str, turn: Turn, notes: list[Note]) -> None:
    if turn.reasoning:
        notes.append(Note("carry-reasoning", "dropped", say("{where}: the reasoning text is dropped; LLaMA-Factory "
                          "data has no field for it.", where=label)))
    if turn.weight is not None and not is_one(turn.weight):
        notes.append(Note("carry-weight", "dropped", say("{where}: the weight {weight!r} is dropped; LLaMA-Factory "
                          "trains every assistant response, history included.", where=label, weight=turn.weight)))


def _replies(example: Example, notes: list[Note]) -> tuple[Turn, Turn] | None:
    if example.chosen is None or example.rejected is None:
        return None
    for where, reply in ((say("the chosen reply"), example.chosen), (say("the rejected reply"), example.rejected)):
        _lossy(where, reply, notes)
        if reply.tool_calls:
            notes.append(Note("carry-tool-calls", "refused", say("{where}: LLaMA-Factory's chosen and rejected "
                              "replies are text only.", where=where)))
    return example.chosen, example.rejected


# Alpaca ----------------------------------------------------------------------------------------

def write_alpaca(example: Example) -> Written:
    notes: list[Note] = []
    note_tool_settings(example, "Alpaca", notes)
    system, rest = _system_and_rest(example, notes)
    preference = example.kind == "preference"
    if preference and (example.chosen is None or example.rejected is None):
        return refused("carry-preference", say("The example has no preferred and non-preferred reply."))
    turns = rest
    expected = ["user", "assistant"] * (len(turns) // 2) + (["user"] if preference else [])
    if [t.role for _, t in turns] != expected or not turns or any(t.tool_calls for _, t in turns):
        if preference:
            message = say("Alpaca holds user/assistant pairs and a last user prompt; this conversation's order (or its "
                          "tool use) does not fit: use sharegpt.")
        else:
            message = say("Alpaca holds user/assistant pairs; this conversation's order (or its tool use) does not "
                          "fit: use sharegpt.")
        return refused("carry-turn-order", message)
    for index, turn in turns:
        _lossy(turn_label(index, turn), turn, notes)
    last_prompt = len(turns) - (1 if preference else 2)
    history = [[turns[i][1].content, turns[i + 1][1].content] for i in range(0, last_prompt, 2)]
    if preference:
        chosen, rejected = _replies(example, notes)
        line: dict[str, Any] = {"instruction": turns[-1][1].content, "chosen": chosen.content,
                                "rejected": rejected.content}
    else:
        line = {"instruction": turns[-2][1].content, "output": turns[-1][1].content}
    if system is not None:
        line["system"] = system
    if history:
        line["history"] = history
    return written((line,), notes)


def read_alpaca(line: dict[str, Any], kind: str) -> Example:
    preference = "chosen" in line or "rejected" in line
    required = {"instruction", "chosen", "rejected"} if preference else {"instruction", "output"}
    if required - set(line) or set(line) - required - {"input", "system", "history"}:
        raise ShapeError(say("an alpaca line has instruction, input, output (or chosen and rejected), system, "
                             "history"))
    texts = [line[k] for k in required | ({"input", "system"} & set(line))]
    history = line.get("history", [])
    if not all(isinstance(t, str) for t in texts) or not isinstance(history, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in history):
        raise ShapeError(say("alpaca values are text; history is a list of [prompt, response] pairs"))
    turns = [Turn("system", line["system"])] if "system" in line else []
    for prompt, response in history:
        turns += [Turn("user", prompt), Turn("assistant", response)]
    turns.append(Turn("user", line["instruction"] + ("\n" + line["input"] if line.get("input") else "")))
    if preference:
        return Example("preference", tuple(turns), Turn("assistant", line["chosen"]),
                       Turn("assistant", line["rejected"]))
    return Example(kind, tuple(turns) + (Turn("assistant", line["output"]),))


# ShareGPT --------------------------------------------------------------------------------------

def _entry(index: int, turn: Turn, notes: list[Note]) -> dict[str, str]:
    label = turn_label(index, turn)
    _lossy(label, turn, notes)
    if turn.call_id:
        notes.append(Note("carry-tool-call-id", "dropped", say("{where}: the call id {call_id!r} is dropped; results "
                          "follow their calls in order.", where=label, call_id=turn.call_id)))
    if not turn.tool_calls:
        return {"from": SPEAKER.get(turn.role, turn.role), "value": turn.content}
    if turn.content:
        notes.append(Note("carry-content-and-calls", "refused", say("{where}: a sharegpt function_call turn holds "
                          "the calls only; put the text in its own assistant turn.", where=label)))
    calls = []
    for call in turn.tool_calls:
        arguments = parse_arguments(call)
        if arguments is None:
            notes.append(Note("carry-tool-arguments", "refused", say("{where}: the arguments of {name!r} are not a "
                              "JSON object.", where=label, name=call.name)))
        if call.id:
            notes.append(Note("carry-tool-call-id", "dropped", say("{where}: the call id {call_id!r} is dropped; "
                              "results follow their calls in order.", where=label, call_id=call.id)))
        calls.append({"name": call.name, "arguments": arguments})
    return {"from": "function_call", "value": canonical_json(calls[0] if len(calls) == 1 else calls)}


def write_sharegpt(example: Example) -> Written:
    notes: list[Note] = []
    note_tool_settings(example, "sharegpt", notes, tools=True)
    system, rest = _system_and_rest(example, notes)
    line: dict[str, Any] = {"conversations": [_entry(i, t, notes) for i, t in rest]}
    if example.kind == "preference":
        replies = _replies(example, notes)
        if replies is None:
            return refused("carry-preference", say("The example has no preferred and non-preferred reply."))
        line["chosen"], line["rejected"] = ({"from": "gpt", "value": r.content} for r in replies)
    if system is not None:
        line["system"] = system
    if example.tools:
        line["tools"] = canonical_json([{"name": t.name, "description": t.description,
                                         "parameters": dict(t.parameters)} for t in example.tools])
    return written((line,), notes)


def _read_entry(entry: Any) -> Turn:
    if not isinstance(entry, dict) or set(entry) != {"from", "value"} or not isinstance(entry["value"], str) \
            or not isinstance(entry["from"], str):
        raise ShapeError(say("a sharegpt turn is {from, value}"))
    speaker, value = entry["from"], entry["value"]
    if speaker == "function_call":
        try:
            calls = json.loads(value)
        except ValueError:
            raise ShapeError(say("a function_call value is JSON")) from None
        calls = calls if isinstance(calls, list) else [calls]
        if not all(isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("arguments"), dict)
                   for c in calls):
            raise ShapeError(say("a function_call is {name, arguments}"))
        return Turn("assistant",
                    tool_calls=tuple(ToolCall("", c["name"], canonical_json(c["arguments"])) for c in calls))
    role = {"human": "user", "gpt": "assistant", "observation": "tool", "system": "system"}.get(speaker)
    if role is None:
        raise ShapeError(say("sharegpt has no speaker {speaker!r}", speaker=speaker))
    return Turn(role, value)


def read_sharegpt(line: dict[str, Any], kind: str) -> Example:
    allowed = {"conversations", "system", "tools"} | ({"chosen", "rejected"} if "chosen" in line else set())
    if "conversations" not in line or set(line) - allowed or not isinstance(line["conversations"], list):
        raise ShapeError(say("a sharegpt line has conversations, system, tools (and chosen, rejected)"))
    turns = [_read_entry(e) for e in line["conversations"]]
    if "system" in line:
        if not isinstance(line["system"], str):
            raise ShapeError(say("`system` is text"))
        turns.insert(0, Turn("system", line["system"]))
    tools = _read_tools(line["tools"]) if "tools" in line else ()
    if "chosen" in line:
        chosen, rejected = _read_entry(line["chosen"]), _read_entry(line.get("rejected"))
        if chosen.role != "assistant" or rejected.role != "assistant":
            raise ShapeError(say("chosen and rejected are gpt turns"))
        return Example("preference", link_tool_results(turns), chosen, rejected, tools=tools)
    return Example(kind, link_tool_results(turns), tools=tools)


def _read_tools(value: Any) -> tuple[Tool, ...]:
    try:
        specs = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        specs = None
    if not isinstance(specs, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in specs):
        raise ShapeError(say("`tools` is JSON text of a list of function specs"))
    return tuple(Tool(s["name"], s.get("description", ""), s.get("parameters", {})) for s in specs)


def positions(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    """llamafactory-sharegpt-positions: inputs on odd positions, outputs on even ones, and a count
    that ends on an output (on an input for preference, whose replies follow)."""
    speakers = [e.get("from") for e in line.get("conversations", []) if isinstance(e, dict)]
    if speakers[:1] == ["system"]:
        speakers = speakers[1:]
    for index, speaker in enumerate(speakers):
        expected = INPUT_TAGS if index % 2 == 0 else OUTPUT_TAGS
        if speaker not in expected:
            if expected == INPUT_TAGS:
                message = say("Turn {n} is {speaker!r}; position {n} holds human or observation (LLaMA-Factory "
                              "drops the example).", n=index + 1, speaker=speaker)
            else:
                message = say("Turn {n} is {speaker!r}; position {n} holds gpt or function_call (LLaMA-Factory "
                              "drops the example).", n=index + 1, speaker=speaker)
            yield Finding("llamafactory-sharegpt-positions", "error", message,
                          say("Alternate human/observation and gpt/function_call turns."))
            return
    wants_even = "chosen" not in line
    if speakers and (len(speakers) % 2 == 0) != wants_even:
        if wants_even:
            message = say("The conversation has {count} turns; it must end with a gpt or function_call turn.",
                          count=len(speakers))
        else:
            message = say("The conversation has {count} turns; it must end with a human or observation turn before "
                          "the chosen and rejected replies.", count=len(speakers))
        yield Finding("llamafactory-sharegpt-positions", "error", message, say("Add or remove the last turn."))


ALPACA = Profile(
    "llamafactory-alpaca", say("LLaMA-Factory alpaca"), PROVIDER, TARGETS,
    ("classification", "generation", "chat", "preference"), False,
    writer=write_alpaca, reader=read_alpaca, default_kind="chat",
    note=say("instruction / output with system and history; preference writes chosen / rejected (ranking: true)."),
)
SHAREGPT = Profile(
    "llamafactory-sharegpt", say("LLaMA-Factory sharegpt"), PROVIDER, TARGETS,
    ("classification", "generation", "chat", "preference"), False,
    writer=write_sharegpt, reader=read_sharegpt, default_kind="chat", line_rules=(positions,),
    note=say("conversations of human / gpt / function_call / observation, with system and tools columns."),
)

PROFILES = (ALPACA, SHAREGPT)
