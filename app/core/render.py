"""render(settings, example, profile) -> Rendered: the one path from typed values to exported lines.

The form never makes the annotator type the separator, the leading space or the stop: this
module adds them. It never raises on odd input (a number where text was expected, a missing
field): it renders what it can and the rules say what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from app.core.model_table import ModelInfo, ModelTable, load_model_table
from app.core.providers import Tool
from app.core.profiles import PROFILES, counting, default_profile, render_profile
from app.core.records import Canonical, Conversation, Rendered, Row
from app.core.project_settings import ExampleValues, ProjectSettings, fill_template
from app.core.tools import project_tools


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def pairs_of(value: Any) -> list[tuple[str, str]]:
    """[[key, value], ...] or [{"key":..,"value":..}] as clean (key, value) tuples; blank rows dropped."""
    pairs = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            key, val = item.get("key", item.get("role", "")), item.get("value", item.get("content", ""))
        elif isinstance(item, (list, tuple)) and len(item) >= 2:
            key, val = item[0], item[1]
        else:
            continue
        key, val = as_text(key).strip(), as_text(val)
        if key or val.strip():
            pairs.append((key, val))
    return pairs


def attributes_text(pairs: list[tuple[str, str]], style: str) -> str:
    if style == "natural_language":
        return " ".join(f"{k} is {v.strip()}." for k, v in pairs)
    return ", ".join(f"{k}={v.strip()}" for k, v in pairs)


def field_values(settings: ProjectSettings, example: ExampleValues) -> dict[str, str]:
    """Each field as the text the template receives (attribute rows rendered in the prompt style)."""
    values: dict[str, str] = {}
    raw = example.fields if isinstance(example.fields, dict) else {}
    for spec in settings.fields:
        value = raw.get(spec.name)
        if spec.widget == "pairs":
            values[spec.name] = attributes_text(pairs_of(value), settings.prompt_style)
        elif spec.widget == "turns":
            values[spec.name] = "\n".join(f"{k}: {v}" for k, v in pairs_of(value))
        else:
            values[spec.name] = as_text(value)
    return values


def output_text(settings: ProjectSettings, output: Any) -> str:
    """The output as the annotator meant it: a label's text, free text, or entity lines."""
    if settings.output_widget == "label":
        label = settings.label_for(output)
        return label.completion.strip() if label else as_text(output).strip()
    if settings.output_widget == "list":
        items = output if isinstance(output, list) else as_text(output).split("\n")
        return "\n".join(s for s in (as_text(i).strip() for i in items) if s)
    return as_text(output).strip()


def _completion(settings: ProjectSettings, text: str) -> str:
    return (" " if settings.leading_space else "") + text + settings.stop


def _classification_or_generation(settings: ProjectSettings, example: ExampleValues) -> Canonical:
    values = field_values(settings, example)
    body = fill_template(settings.template, values)
    if settings.output_widget == "agent_turns":
        return _support_chat(settings, example, body)
    prompt = body + settings.separator
    if settings.output_widget == "label":
        label = settings.label_for(example.output)
        answer = output_text(settings, example.output)
        completion = label.completion if label else ""
    else:
        answer = output_text(settings, example.output)
        completion = _completion(settings, answer) if answer else ""
    row = Row(
        prompt=prompt,
        completion=completion,
        output_text=answer,
        prompt_end=settings.separator,
        separator_scope=body,
    )
    conversation = Conversation(
        messages=({"role": "user", "content": body}, {"role": "assistant", "content": answer})
    )
    return Canonical(rows=(row,), conversation=conversation, input_key=prompt, output_key=completion)


def _support_chat(settings: ProjectSettings, example: ExampleValues, header_body: str) -> Canonical:
    asker, answerer = settings.speakers
    header = header_body + settings.separator
    fields = example.fields if isinstance(example.fields, dict) else {}
    turns = [(_speaker(settings, k), v.strip()) for k, v in pairs_of(fields.get("turns"))]
    rows, dialog = [], []
    for speaker, text in turns:
        if speaker == answerer:
            prompt = header + "".join(line + "\n" for line in dialog) + f"{answerer}:"
            rows.append(
                Row(
                    prompt=prompt,
                    completion=(" " if settings.leading_space else "") + text + settings.stop,
                    output_text=text,
                    prompt_end=f"{answerer}:",
                    separator_scope=header_body + "\n" + "\n".join(t for _, t in turns),
                )
            )
        dialog.append(f"{speaker}: {text}")
    messages: list[dict[str, Any]] = [{"role": "system", "content": header_body}]
    messages += [{"role": "assistant" if s == answerer else "user", "content": t} for s, t in turns]
    return Canonical(
        rows=tuple(rows),
        conversation=Conversation(messages=tuple(messages)),
        input_key=json.dumps([header_body, turns[:-1]], ensure_ascii=False),
        output_key=turns[-1][1] if turns else "",
    )


def _speaker(settings: ProjectSettings, role: str) -> str:
    asker, answerer = settings.speakers
    lowered = role.strip().lower()
    if lowered in (answerer.lower(), "assistant", "agent"):
        return answerer
    if lowered in (asker.lower(), "user", "customer"):
        return asker
    return role.strip()


def chat_turns(value: Any) -> list[dict[str, Any]]:
    """Chat turns as messages; keeps what the user gave (roles, weight) so rules can judge it."""
    messages = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            message = {k: v for k, v in item.items() if v is not None}
        elif isinstance(item, (list, tuple)) and len(item) >= 2:
            message = {"role": as_text(item[0]), "content": as_text(item[1])}
            if len(item) >= 3 and item[2] is not None:
                message["weight"] = item[2]
        else:
            continue
        messages.append(message)
    return messages


def _trained(message: Any) -> bool:
    """An assistant turn the model learns from (a `weight` of the integer 0 turns learning off)."""
    if not isinstance(message, dict) or message.get("role") != "assistant":
        return False
    weight = message.get("weight")
    return not (type(weight) is int and weight == 0)


_new = tuple.__new__  # a named tuple from all its values in order, without its Python-level __new__ (records.py)
_quote = json.encoder.encode_basestring  # the quoting json.dumps(..., ensure_ascii=False) uses


try:
    from orjson import dumps as _json_bytes  # a str as JSON, the same text _quote gives (below)
except ImportError:  # pragma: no cover

    def _json_bytes(value: Any) -> bytes:
        raise TypeError("no orjson")  # every message then goes through _message_json


def _message_json(message: Any) -> str:
    """json.dumps(message, ensure_ascii=False, sort_keys=True), written directly for the usual
    {"role": str, "content": str} message (the same text, several times faster)."""
    if type(message) is dict and len(message) == 2:
        role, content = message.get("role"), message.get("content")
        if type(role) is str and type(content) is str:
            return '{"content": ' + _quote(content) + ', "role": ' + _quote(role) + "}"
    return json.dumps(message, ensure_ascii=False, sort_keys=True)


def _key(messages: Sequence[Any]) -> str:
    """json.dumps(list(messages), ensure_ascii=False, sort_keys=True): the app's stored hashes stay valid."""
    return "[" + ", ".join(map(_message_json, messages)) + "]"


def chat_keys(messages: Sequence[Any], plain_text: bool = False) -> tuple[str | None, str | None]:
    """(input key, output key) of a conversation, for the app and `tunelab check` alike: the input
    is the conversation before the last trained assistant turn, the output is that turn (JSON with
    sorted keys, so key order does not matter). None when there is nothing to compare (RULES.md,
    "How rules combine"): no user turn in the input, or no trained assistant turn.

    `plain_text`: the caller's word that every message is a plain {"role": str, "content": str}
    pair and that no text needs JSON escaping (no '"', '\\' or control character: a JSON line
    without a backslash reads so); each text's JSON is then the text between quotes, and the same
    keys are built without quoting."""
    if plain_text:
        last = len(messages) - 1
        while last >= 0 and messages[last]["role"] != "assistant":  # no weight: every assistant turn is trained
            last -= 1
        if last > 0:
            texts = []
            has_user = False
            for message in messages[:last]:
                role = message["role"]
                if role == "user":
                    has_user = True
                texts.append(f'{{"content": "{message["content"]}", "role": "{role}"}}')
            if has_user:
                return f'[{", ".join(texts)}]', f'[{{"content": "{messages[last]["content"]}", "role": "assistant"}}]'
        return None, None  # no trained assistant turn, or no user turn before it
    last = len(messages) - 1
    while last >= 0 and not _trained(messages[last]):
        last -= 1
    if last < 0:
        return None, None
    texts = []
    has_user = False
    dumps = _json_bytes
    for message in messages[: last + 1]:
        if type(message) is dict and len(message) == 2:
            role, content = message.get("role"), message.get("content")
            if type(role) is str and type(content) is str:  # _message_json, inline for the usual message
                has_user = has_user or role == "user"
                # orjson's JSON of a str is _quote's text for every code point (tests/core/test_render.py
                # checks them all), ~4x faster; it refuses a lone surrogate, which json quotes.
                try:
                    texts.append('{"content": %s, "role": %s}' % (dumps(content).decode(), dumps(role).decode()))
                except TypeError:
                    texts.append(_message_json(message))
                continue
        has_user = has_user or (type(message) is dict and message.get("role") == "user")
        texts.append(_message_json(message))
    if not has_user:  # (the last message is the assistant turn: any user turn is in the input)
        return None, None
    output = texts.pop()
    return "[%s]" % ", ".join(texts), "[" + output + "]"


def preference_keys(messages: Sequence[Any], preferred: str, non_preferred: str) -> tuple[str | None, str]:
    """(input key, output key) of a preference pair; no input key without a user turn."""
    has_user = any(isinstance(m, dict) and m.get("role") == "user" for m in messages)
    return (_key(messages) if has_user else None), json.dumps([preferred, non_preferred], ensure_ascii=False)


def _chat(settings: ProjectSettings, example: ExampleValues) -> Canonical:
    system = as_text(example.fields.get("system")).strip() if isinstance(example.fields, dict) else ""
    messages = ([{"role": "system", "content": system}] if system else []) + chat_turns(example.output)
    input_key, output_key = chat_keys(messages)
    return Canonical(conversation=Conversation(messages=tuple(messages)), input_key=input_key, output_key=output_key)


def _preference(settings: ProjectSettings, example: ExampleValues) -> Canonical:
    fields = example.fields if isinstance(example.fields, dict) else {}
    system = as_text(fields.get("system")).strip()
    messages = ([{"role": "system", "content": system}] if system else []) + chat_turns(fields.get("turns"))
    output = example.output if isinstance(example.output, dict) else {}
    preferred = as_text(output.get("preferred")).strip()
    rejected = as_text(output.get("non_preferred")).strip()
    input_key, output_key = preference_keys(messages, preferred, rejected)
    return Canonical(
        conversation=Conversation(messages=tuple(messages), preferred=preferred, non_preferred=rejected),
        input_key=input_key,
        output_key=output_key,
    )


_CANONICAL = {
    "classification": _classification_or_generation,
    "generation": _classification_or_generation,
    "chat": _chat,
    "preference": _preference,
}


def canonical(settings: ProjectSettings, example: ExampleValues) -> Canonical:
    return _CANONICAL[settings.kind](settings, example)


def render(
    settings: ProjectSettings,
    example: ExampleValues,
    profile: str | None = None,
    models: ModelTable | None = None,
) -> Rendered:
    """The exported record(s) of one example for `profile`, with token counts for the target model."""
    model = (models or load_model_table()).get(settings.target_model)
    return render_form(settings.kind, canonical(settings, example), profile or default_profile(settings.kind), model,
                       project_tools(settings.tools), settings.parallel_tool_calls)


def render_form(kind: str, form: Canonical, profile: str, model: ModelInfo, tools: Sequence[Tool] = (),
                parallel_tool_calls: bool | None = None) -> Rendered:
    """The records `profile` exports for a canonical example, counted for the model (its tiktoken
    encoding, or its own tokenizer and chat template): the one token count (the app's examples and
    `tunelab check`'s lines both come through here), with the profile's notes and line findings.
    `tools`: the project's function definitions (chat and preference), exported and counted."""
    count = counting(model)
    if kind not in PROFILES[profile].kinds:
        return _new(Rendered, (profile, count.encoding, model.approximate, form, (), (), (), count.template))
    out = render_profile(profile, form, count, kind, tools, parallel_tool_calls)
    return _new(Rendered, (profile, count.encoding, model.approximate, form, out.records, out.notes, out.findings,
                           count.template))
