"""One JSONL line of a file made anywhere: its format, its file/line findings, and the core values
(`ProjectSettings`, `ExampleValues`, `Canonical`) that let the per-example rules judge it like an example
typed in the app.

Formats are detected per line by their keys: legacy `{"prompt", "completion"}`, chat `{"messages"}`
(+ optional `tools`, `parallel_tool_calls`, `functions`), OpenAI preference `{"input",
"preferred_output", "non_preferred_output"}`. The structural checks here only say what the core rules
cannot see (keys and types); everything about content is left to the core rules. They follow
RULES.md, "How rules combine": `null` for an optional key (`function_call`, `tool_calls`, `name`,
`weight`, `tools`) is the key absent (and is dropped from the message the rules see); a required key
that is `null`, or a role that is not a string, is `wrong-type`; a preference output that is
missing, not a list or not exactly one assistant message is `pref-shape`.

How a line maps onto the app's example (so the messages name the same places as the form):
- legacy: the prompt is the field "prompt" (the text before the separator), the completion is the
  output; the row is the line's prompt and completion verbatim, with the file's separator and stop;
- chat: a leading system message with text is the "system" field, every other message is a turn
  ("turn 1" is the first message after the system prompt);
- preference: the same for `input.messages`; the single message of each output is the reply.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.records import Canonical, Conversation, Row
from app.core.render import chat_keys, preference_keys
from app.core.rules.helpers import show
from app.core.rules.registry import RULES, Finding
from app.core.project_settings import ExampleValues, FieldSpec, Label, ProjectSettings
from app.core.wording import say

LEGACY, CHAT, PREFERENCE = "legacy", "chat", "preference"
PROFILE_OF = {LEGACY: "openai-legacy", CHAT: "openai-chat", PREFERENCE: "openai-preference"}
# A line belongs to a format when it has one of its marker keys (checked in this order).
MARKERS = ((CHAT, ("messages",)), (LEGACY, ("prompt", "completion")),
           (PREFERENCE, ("input", "preferred_output", "non_preferred_output")))
TOP_KEYS = {
    LEGACY: frozenset({"prompt", "completion"}),
    CHAT: frozenset({"messages", "tools", "parallel_tool_calls", "functions"}),
    PREFERENCE: frozenset({"input", "preferred_output", "non_preferred_output"}),
}
INPUT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight"})
_PLAIN_KEYS = frozenset({"role", "content", "weight"})  # a message with only these needs no type check here
TOOL_KEYS = ("tool_calls", "function_call")
OPTIONAL_MESSAGE_KEYS = frozenset({"function_call", "tool_calls", "name", "weight"})  # null = absent
ALL_TOP_KEYS = frozenset().union(*TOP_KEYS.values())

_new = tuple.__new__  # a named tuple from all its values in order, without its Python-level __new__ (records.py)
SYSTEM_FIELD = FieldSpec("system", say("System prompt"), widget="textarea", required=False)
PROMPT_FIELD = FieldSpec("prompt", say("the prompt"), widget="textarea", required=False)
TURNS_FIELD = FieldSpec("turns", say("the input"), widget="turns", required=False)


def finding(code: str, field: str, message: str) -> Finding:
    return Finding(code, RULES[code].level, field, message)


def formats_of(obj: dict[str, Any]) -> list[str]:
    return [fmt for fmt, keys in MARKERS if any(k in obj for k in keys)]


def check_unknown(obj: dict[str, Any], out: list[Finding]) -> None:
    """A line with none of the known keys: `missing-key`, and `unrecognized-key` for each key it has."""
    keys = ", ".join(show(k) for k in list(obj)[:5]) or say("no keys")
    out.append(finding("missing-key", "", say('The line has none of the keys of a known format ({keys}): write '
                                              '"prompt" and "completion", or "messages", or "input", '
                                              '"preferred_output" and "non_preferred_output".', keys=keys)))
    _unrecognized(obj, ALL_TOP_KEYS, "", say("prompt/completion, chat or preference format"), out)


def _type_name(value: Any) -> str:
    return {dict: say("an object"), list: say("a list"), str: say("a string"), bool: say("a boolean"),
            int: say("a number"), float: say("a number"), type(None): "null"}.get(type(value), type(value).__name__)


def _unrecognized(obj: dict[str, Any], allowed: frozenset[str], where: str, what: str, out: list[Finding]) -> None:
    if obj.keys() <= allowed:
        return
    for key in obj:
        if key not in allowed:
            if where:
                message = say("The key {key} in {where} is not part of the {what}: remove it (Together and Bedrock "
                              "reject files with extra keys).", key=show(key), where=where.rstrip("."), what=what)
            else:
                message = say("The key {key} is not part of the {what}: remove it (Together and Bedrock reject files "
                              "with extra keys).", key=show(key), what=what)
            out.append(finding("unrecognized-key", f"{where}{key}", message))


# Legacy -----------------------------------------------------------------------------------

def check_legacy(obj: dict[str, Any], out: list[Finding]) -> tuple[str, str] | None:
    """(prompt, completion) if both are strings; problems are appended to `out`."""
    _unrecognized(obj, TOP_KEYS[LEGACY], "", say("prompt/completion format"), out)
    values = []
    for key in ("prompt", "completion"):
        if key not in obj:
            out.append(finding("missing-key", key, say('The line has no "{key}": every line needs "prompt" and '
                                                       '"completion".', key=key)))
            continue
        value = obj[key]
        if not isinstance(value, str):
            out.append(finding("wrong-type", key, say('"{key}" is {kind}, not a string: write it as text.', key=key,
                                                      kind=_type_name(value))))
            continue
        values.append(value)
    return (values[0], values[1]) if len(values) == 2 else None


# Chat -------------------------------------------------------------------------------------

def _check_message(message: dict[str, Any], where: str, out: list[Finding]) -> None:
    keys = message.keys()
    if not keys <= MESSAGE_KEYS:
        _unrecognized(message, MESSAGE_KEYS, f"{where}.", say("message format (role, content, name, tool_calls, "
                      "tool_call_id, function_call, weight)"), out)
    if "role" not in message:
        out.append(finding("missing-key", f"{where}.role", say('{where} has no "role": add system, user, assistant or '
                                                               'tool.', where=where)))
    elif type(message["role"]) is not str:
        out.append(finding("wrong-type", f"{where}.role", say("{where}.role is {kind}: write system, user, assistant "
                                                              "or tool as a string.", where=where,
                                                              kind=_type_name(message["role"]))))
    content = message.get("content")
    calls = any(message.get(k) for k in TOOL_KEYS)
    if "content" not in message and not calls:
        out.append(finding("missing-key", f"{where}.content",
                           say('{where} has no "content": add the text (only an assistant tool call may leave it '
                               'out).', where=where)))
    elif content is None and not calls:
        out.append(finding("wrong-type", f"{where}.content",
                           say("{where}.content is null: write the text (only an assistant tool call may leave it "
                               "out).", where=where)))
    elif content is not None and not isinstance(content, str) and not _is_parts(content):
        out.append(finding("wrong-type", f"{where}.content",
                           say("{where}.content is {kind}: write a string or a list of content parts.", where=where,
                               kind=_type_name(content))))
    for key, kind, wanted in (("name", str, say("a string")), ("tool_call_id", str, say("a string")),
                              ("tool_calls", list, say("a list")), ("function_call", dict, say("an object"))):
        if key in message and not isinstance(message[key], kind) and not (message[key] is None and key in OPTIONAL_MESSAGE_KEYS):
            out.append(finding("wrong-type", f"{where}.{key}",
                               say("{where}.{key} is {kind}: it must be {wanted}.", where=where, key=key,
                                   kind=_type_name(message[key]), wanted=wanted)))


def _is_parts(content: Any) -> bool:
    return isinstance(content, list) and all(isinstance(p, dict) for p in content)


def _check_messages(messages: Any, where: str, out: list[Finding]) -> list[dict[str, Any]] | None:
    if not isinstance(messages, list):
        out.append(finding("wrong-type", where, say("{where} is {kind}: it must be a list of messages.", where=where,
                                                    kind=_type_name(messages))))
        return None
    if not messages:
        out.append(finding("messages-empty", where, say("{where} is an empty list: add the conversation's messages.",
                                                        where=where)))
        return None
    ok, cleaned = True, None
    for index, message in enumerate(messages):
        if type(message) is dict:
            # Fast path: the usual {"role": str, "content": str} message needs no further look.
            if (message.keys() <= _PLAIN_KEYS and type(message.get("content")) is str
                    and type(message.get("role")) is str and message.get("weight", 0) is not None):
                continue
            _check_message(message, f"{where}[{index}]", out)
            if None in message.values():  # null optional keys are absent
                cleaned = cleaned or list(messages)
                cleaned[index] = {k: v for k, v in message.items() if v is not None or k not in OPTIONAL_MESSAGE_KEYS}
        else:
            ok = False
            out.append(finding("wrong-type", f"{where}[{index}]",
                               say("{where}[{index}] is {kind}: each message must be an object.", where=where,
                                   index=index, kind=_type_name(message))))
    return (cleaned or messages) if ok else None


def check_chat(obj: dict[str, Any], out: list[Finding]) -> list[dict[str, Any]] | None:
    """The messages if the line can be judged as a conversation; problems are appended to `out`."""
    if not obj.keys() <= TOP_KEYS[CHAT]:
        _unrecognized(obj, TOP_KEYS[CHAT], "", say("chat format (messages, tools, parallel_tool_calls, functions)"), out)
    _check_tools(obj, "", out)
    if "functions" in obj and not isinstance(obj["functions"], list):
        out.append(finding("wrong-type", "functions", say("functions is {kind}: it must be a list.",
                                                          kind=_type_name(obj["functions"]))))
    return _check_messages(obj["messages"], "messages", out)


def _check_tools(obj: dict[str, Any], where: str, out: list[Finding]) -> None:
    if obj.get("tools") is not None and not isinstance(obj["tools"], list):
        message = (say("input.tools is {kind}: it must be a list.", kind=_type_name(obj["tools"])) if where
                   else say("tools is {kind}: it must be a list.", kind=_type_name(obj["tools"])))
        out.append(finding("wrong-type", f"{where}tools", message))
    if "parallel_tool_calls" in obj and not isinstance(obj["parallel_tool_calls"], bool):
        kind = _type_name(obj["parallel_tool_calls"])
        message = (say("input.parallel_tool_calls is {kind}: it must be true or false.", kind=kind) if where
                   else say("parallel_tool_calls is {kind}: it must be true or false.", kind=kind))
        out.append(finding("wrong-type", f"{where}parallel_tool_calls", message))


# Preference -------------------------------------------------------------------------------

def check_preference(obj: dict[str, Any], out: list[Finding]) -> tuple[list[dict[str, Any]], Any, Any] | None:
    """(input messages, preferred reply, non-preferred reply) when the pair can be judged.

    A reply is its text, or the raw content / message when it is not plain text (so the core's
    pref-not-text rule names it). An output that is missing, not a list, holds a wrong number of
    messages or a non-assistant one is `pref-shape`, reported here because the core sees one reply
    per side; a missing input is `missing-key`.
    """
    _unrecognized(obj, TOP_KEYS[PREFERENCE], "", say("preference format (input, preferred_output, non_preferred_output)"),
                  out)
    missing = [k for k in ("input", "preferred_output", "non_preferred_output") if k not in obj]
    for key in missing:
        code = "missing-key" if key == "input" else "pref-shape"
        out.append(finding(code, key, say('The line has no "{key}": a preference pair needs "input", '
                                          '"preferred_output" and "non_preferred_output" (one assistant message '
                                          'each).', key=key)))
    if missing:
        return None
    source = obj["input"]
    if not isinstance(source, dict):
        out.append(finding("wrong-type", "input", say('input is {kind}: it must be an object with "messages".',
                                                      kind=_type_name(source))))
        return None
    _unrecognized(source, INPUT_KEYS, "input.", say("preference input (messages, tools, parallel_tool_calls)"), out)
    _check_tools(source, "input.", out)
    if "messages" not in source:
        out.append(finding("missing-key", "input.messages", say('input has no "messages": add the conversation to '
                                                                'answer.')))
        return None
    messages = _check_messages(source["messages"], "input.messages", out)
    replies = [_reply(obj[key], key, out) for key in ("preferred_output", "non_preferred_output")]
    if messages is None or any(r is _INVALID for r in replies):
        return None
    return messages, replies[0], replies[1]


_INVALID = object()


def _reply(value: Any, key: str, out: list[Finding]) -> Any:
    if not isinstance(value, list):
        out.append(finding("pref-shape", key, say("{key} is {kind}: it must be a list with one assistant message.",
                                                  key=key, kind=_type_name(value))))
        return _INVALID
    if len(value) != 1:
        out.append(finding("pref-shape", key, say("{key} holds {count} messages: it must hold exactly one assistant "
                                                  "message (the reply).", key=key, count=len(value))))
        if not value:
            return ""
    message = value[0]
    if not isinstance(message, dict):
        out.append(finding("pref-shape", f"{key}[0]", say("{key}[0] is {kind}: it must be one assistant message "
                                                          "object.", key=key, kind=_type_name(message))))
        return _INVALID
    _check_message(message, f"{key}[0]", out)
    role = message.get("role")
    if role != "assistant":
        out.append(finding("pref-shape", f"{key}[0].role", say("{key}[0] has the role {role}: the reply must be an "
                                                               "assistant message.", key=key,
                                                               role=show(role) if isinstance(role, str) else repr(role))))
    if any(message.get(k) for k in TOOL_KEYS):
        return message  # not plain text: pref-not-text says it
    content = message.get("content")
    return "" if content is None else content


# Adapters to the core -------------------------------------------------------------------------

def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def chat_settings(model: str) -> ProjectSettings:
    return ProjectSettings(kind="chat", fields=(SYSTEM_FIELD,), target_model=model, output_widget="chat")


def preference_settings(model: str) -> ProjectSettings:
    return ProjectSettings(kind="preference", fields=(SYSTEM_FIELD, TURNS_FIELD), target_model=model, output_widget="pair")


def legacy_settings(kind: str, model: str, separator: str, stop: str, labels: tuple[Label, ...] = ()) -> ProjectSettings:
    """`kind`: classification or generation."""
    return ProjectSettings(kind=kind, fields=(PROMPT_FIELD,),
                           separator=separator, stop=stop if kind == "generation" else "", labels=labels,
                           target_model=model, output_widget="text")


def _split_system(messages: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    first = messages[0] if messages else None
    if first is not None and first.get("role") == "system":
        content = first.get("content")
        if isinstance(content, str) and content and not content.isspace():  # = content.strip(), without a copy
            return {"system": content}, messages[1:]
    return {}, messages


def chat_example(messages: list[dict[str, Any]], plain_text: bool = False) -> tuple[ExampleValues, Canonical]:
    """`plain_text`: see `render.chat_keys`."""
    fields, turns = _split_system(messages)
    input_key, output_key = chat_keys(messages, plain_text)
    conversation = _new(Conversation, (tuple(messages), None, None))
    return ExampleValues(fields, turns), _new(Canonical, ((), conversation, input_key, output_key))


def preference_example(messages: list[dict[str, Any]], preferred: Any, rejected: Any) -> tuple[ExampleValues, Canonical]:
    fields, turns = _split_system(messages)
    fields["turns"] = turns
    conversation = Conversation(messages=tuple(messages), preferred=_as_text(preferred), non_preferred=_as_text(rejected))
    input_key, output_key = preference_keys(messages, conversation.preferred or "", conversation.non_preferred or "")
    return (ExampleValues(fields, {"preferred": preferred, "non_preferred": rejected}),
            Canonical(conversation=conversation, input_key=input_key, output_key=output_key))


def legacy_example(prompt: str, completion: str, separator: str, stop: str) -> tuple[ExampleValues, Canonical]:
    """The line's prompt and completion verbatim as one row; body = the prompt without its separator,
    output text = the completion without its leading space and stop."""
    body = prompt[: len(prompt) - len(separator)] if separator and prompt.endswith(separator) else prompt
    answer = completion[: len(completion) - len(stop)] if stop and completion.endswith(stop) else completion
    row = Row(prompt=prompt, completion=completion, output_text=answer.strip(),
              prompt_end=separator, separator_scope=body)
    return ExampleValues({"prompt": body}, completion), Canonical(rows=(row,), input_key=prompt, output_key=completion)
