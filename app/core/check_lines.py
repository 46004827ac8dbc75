"""Reading a JSONL file's lines for `tunelab check`: the pre-pass plan (for prompt/completion files
the separator, stop and kind when not given), parsing a line (`parse_line`: not-utf8 and
line-not-json findings), and hashable conversation shapes for the checker's memo (`plain_conversation`:
the usual chat line validated and keyed in one walk).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import IO, Any

from app.core.dataset import DatasetStats
from app.core.file_format import CHAT, LEGACY, PREFERENCE, finding, formats_of
from app.core.rules.helpers import UPPERCASE_MIN_LETTERS, heavy_uppercase
from app.core.rules.registry import Finding
from app.core.wording import say

try:  # optional fast path; the codes never depend on it
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover
    _fast_loads = None

BOM = b"\xef\xbb\xbf"
KIND_OF_FORMAT = {CHAT: "chat", PREFERENCE: "preference"}  # legacy files: classification or generation
_SCALARS = (str, int, float, bool, type(None))


# The plan: format, and for legacy files the separator, stop and kind ----------------------------

@dataclass
class Plan:
    format: str | None
    kind: str | None = None
    task: str | None = None
    separator: str = ""
    stop: str = ""
    separator_inferred: bool = False
    stop_inferred: bool = False
    kind_inferred: bool = False
    labels: tuple[str, ...] = ()


def parse_quietly(raw: bytes, first: bool) -> Any:
    if first and raw[:3] == BOM:
        raw = raw[3:]
    try:
        return (_fast_loads or json.loads)(raw)
    except (ValueError, RecursionError):
        try:
            return json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            return None


def survey(stream: IO[bytes], fmt: str | None, separator: str | None, stop: str | None, labels: list[str] | None,
            kind: str | None) -> Plan:
    """The plan for a file judged as `fmt` (`check_shapes.find_shape` found it); for legacy files
    infer what was not given (the pre-pass)."""
    if fmt != LEGACY:
        return Plan(fmt, KIND_OF_FORMAT.get(fmt or ""))
    if kind is None and labels:
        kind = "classification"
    pre = None
    if separator is None or kind is None or (stop is None and kind != "classification"):
        pre = DatasetStats()
        stream.seek(0)
        for number, raw in enumerate(stream, 1):
            obj = parse_quietly(raw, number == 1)
            if type(obj) is dict and LEGACY in formats_of(obj):
                prompt, completion = obj.get("prompt"), obj.get("completion")
                if isinstance(prompt, str) and isinstance(completion, str):
                    pre.add(None, prompts=(prompt,), completions=(completion,))
    task = pre.inferred_task() if pre is not None else None
    plan = Plan(LEGACY, kind or ("classification" if task == "classification" else "generation"), task,
                kind_inferred=kind is None,
                 labels=tuple(labels or ()))
    kind = plan.kind
    if separator is not None:
        plan.separator = separator
    elif pre is not None and pre.prompts.count >= 2 and not pre.prompts.all_same:
        plan.separator, plan.separator_inferred = pre.prompts.suffix, True
    if kind == "generation":
        if stop is not None:
            plan.stop = stop
        elif pre is not None and pre.completions.count >= 2 and not pre.completions.all_same:
            plan.stop, plan.stop_inferred = pre.completions.suffix, True
    return plan




def json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def chat_shape(has_system_field: bool, messages: list[dict[str, Any]]) -> tuple | None:
    """Everything the SHAPE_RULES read of a conversation: per message the role, whether the content is
    empty (and its type), whether it has tool calls, and its weight; None when a value is unusual
    (then every rule runs on the line)."""
    shape: list[Any] = [has_system_field]
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if len(message) == 2 and type(content) is str and type(role) is str:  # {"role", "content"}: the usual case
            shape.append((role, content != "" and not content.isspace()))
            continue
        if type(role) not in _SCALARS:
            return None
        if content is None:
            state: Any = None
        elif type(content) is str:
            state = content != "" and not content.isspace()
        elif type(content) in (list, dict):
            state = (type(content), bool(content))
        else:
            return None
        if "weight" in message:
            weight = message["weight"]
            if type(weight) not in _SCALARS:
                return None
            weighted: Any = (type(weight), weight)
        else:
            weighted = ()
        shape.append((type(role), role, state, bool(message.get("tool_calls")), bool(message.get("function_call")),
                      weighted))
    return tuple(shape)


NOT_READ = object()  # what `parse_line` returns for a line it could not read


def parse_line(raw: bytes, found: list[Finding]) -> Any:
    """The line's JSON value as `json.loads` reads it (orjson first when installed; a line it refuses
    is re-read with `json`, so the codes never depend on it), or NOT_READ with the finding added."""
    if _fast_loads is not None:
        try:
            return _fast_loads(raw)
        except (ValueError, RecursionError):
            pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        found.append(finding("not-utf8", "", say("The line is not valid UTF-8 (byte {index} is {byte!r}): save the "
                                                 "file as UTF-8.", index=exc.start + 1,
                                                 byte=raw[exc.start:exc.start + 1])))
        return NOT_READ
    try:
        return json.loads(text)
    except RecursionError:
        found.append(too_deep())
        return NOT_READ
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            message = say("The line is not valid JSON ({reason} at column {index}): fix it or delete it; each line "
                          "must be one complete JSON object.", reason=exc.msg, index=exc.colno)
        else:
            message = say("The line is not valid JSON ({reason}): fix it or delete it; each line must be one "
                          "complete JSON object.", reason=str(exc))
        found.append(finding("line-not-json", "", message))
        return NOT_READ


def too_deep() -> Finding:
    return finding("line-not-json", "", say("The line nests arrays or objects too deeply to be read: no training "
                                            "example needs that; fix or delete the line."))


def plain_shape(has_system_field: bool, messages: list[dict[str, Any]]) -> tuple | None:
    """The line's `chat_shape` key when every message is a plain {"role": str, "content": str} pair
    in which only `too-long` of the per-line chat rules can fire: no "<|" (special-token), no
    mostly uppercase text (uppercase-heavy, the rule's own test) and no tool turn (the tool- rules
    judge its link). None otherwise."""
    shape: list[Any] = [has_system_field]
    for message in messages:
        if len(message) != 2:
            return None
        role, content = message.get("role"), message.get("content")
        if type(role) is not str or type(content) is not str or "<|" in content or "<|" in role or role == "tool":
            return None
        if heavy_uppercase(content) is not None:
            return None
        shape.append((role, content != "" and not content.isspace()))
    return tuple(shape)


_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
FIRST_TEXTS_CAP = 4_096  # leading system prompts seen (bounded memory: texts up to 512 characters)
_FIRST_TEXTS: dict[str, bool] = {}  # a plain first text -> whether it has text (not blank)


def plain_conversation(obj: dict[str, Any], raw: bytes) -> tuple | None:
    """For a chat line that is exactly {"messages": [...]} (`raw`: its bytes): its `plain_shape` key
    (the has-system flag `file_format.chat_example` gives, then the messages' shape) when every
    message is a plain {"role": str, "content": str} pair that `plain_shape` accepts, in one walk;
    None otherwise. Such a line has no structural finding (`file_format.check_chat` gives none and
    returns its messages as they are), so the checker skips that check too.

    `plain_shape`'s test, made cheaper: a line without a backslash writes every text as it is, so
    "<|" in a text is "<|" in the line; a first message's text (a system prompt: they repeat) is
    judged once; an ASCII text with at most a third of UPPERCASE_MIN_LETTERS uppercase letters
    cannot be mostly uppercase (`heavy_uppercase`'s own bound), so only other texts go to it."""
    messages = obj.get("messages")
    if len(obj) != 1 or type(messages) is not list or not messages:
        return None
    # (bytes.find, not `in`: `b"x" in raw` first tries b"x" as an integer and formats the TypeError)
    escaped = raw.find(b"\\") >= 0
    if not escaped and raw.find(b"<") >= 0 and raw.find(b"<|") >= 0:
        return None
    shape: list[Any] = [False]
    seen = _FIRST_TEXTS  # consulted for the first message only
    for message in messages:
        if type(message) is not dict or len(message) != 2:
            return None
        try:
            role, content = message["role"], message["content"]
        except KeyError:
            return None
        if type(role) is not str or type(content) is not str or role == "tool" or (escaped and "<" in role and "<|" in role):
            return None
        has_text = seen.get(content) if seen is not None else None
        if has_text is None:
            if escaped and "<" in content and "<|" in content:  # (a one-character search is the quick one)
                return None
            if len(content) >= UPPERCASE_MIN_LETTERS and not (
                    content.isascii()
                    and 3 * (len(content) - len(content.encode().translate(None, _ASCII_UPPER))) <= UPPERCASE_MIN_LETTERS
            ) and heavy_uppercase(content) is not None:
                return None
            has_text = content != "" and not content.isspace()
            if seen is not None and len(seen) < FIRST_TEXTS_CAP and len(content) <= 512:
                seen[content] = has_text
        seen = None
        shape.append((role, has_text))
    start = shape[1]
    shape[0] = start[0] == "system" and start[1]  # a leading system prompt with text is the "system" field
    return tuple(shape)
