"""A project's tool definitions and the checks of the tool calls that use them.

The owner writes the definitions as a JSON list of function specs, OpenAI style
(`{"type": "function", "function": {"name", "description", "parameters"}}`) or bare
(`{"name", "description", "parameters"}`). `parse_definitions` checks them (names, uniqueness, each
`parameters` a valid JSON Schema, Draft 2020-12) and gives them back in the OpenAI style the
settings store. `project_tools` turns stored specs into the neutral `Tool`s every provider writer
reads; `argument_problems` checks a call's arguments text against its function's schema, naming
the property at fault from jsonschema's error path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from app.core.providers.neutral import Tool, tool_from_spec
from app.core.wording import say

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
FUNCTION_KEYS = ("name", "description", "parameters")
EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
VALIDATORS_KEPT = 256


class DefinitionError(ValueError):
    """Tool definitions the app refuses to store; the message says where (line, tool, key)."""


def parse_definitions(text: str) -> tuple[dict[str, Any], ...]:
    """The owner's JSON text as stored specs (blank text: no tools); DefinitionError otherwise."""
    if not text.strip():
        return ()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(say("Line {line:d}, column {column:d}: not valid JSON ({reason}).",
                                  line=exc.lineno, column=exc.colno, reason=exc.msg)) from None
    except RecursionError:
        raise DefinitionError(say("The JSON nests too deeply to be read: no function definition needs that.")) from None
    if isinstance(value, Mapping):
        value = [value]  # one definition on its own is read as a list of one
    if not isinstance(value, list):
        raise DefinitionError(say('Write a JSON list of function definitions: [{"name": ..., "parameters": {...}}].'))
    specs, names = [], set()
    for index, item in enumerate(value):
        spec = _definition(index, item)
        name = spec["function"]["name"]
        if name in names:
            raise DefinitionError(say("{where}: the name {name} is already used by another tool.",
                                    where=say("Tool {n}", n=index + 1), name=repr(name)))
        names.add(name)
        specs.append(spec)
    return tuple(specs)


def _definition(index: int, item: Any) -> dict[str, Any]:
    where = say("Tool {n}", n=index + 1)
    if not isinstance(item, Mapping):
        raise DefinitionError(say('{where}: write an object ({{"name": ..., "parameters": {{...}}}}).', where=where))
    if "function" in item:
        if set(item) - {"type", "function"} or item.get("type", "function") != "function":
            raise DefinitionError(say('{where}: an OpenAI-style tool is {{"type": "function", "function": {{...}}}} only.',
                                   where=where))
        function = item["function"]
        if not isinstance(function, Mapping):
            raise DefinitionError(say('{where}: "function" must be an object with name, description and parameters.',
                                   where=where))
    else:
        function = item
    unknown = sorted(set(function) - set(FUNCTION_KEYS))
    if unknown:
        raise DefinitionError(say("{where}: unknown key {key} (a function has name, description and parameters).",
                               where=where, key=repr(unknown[0])))
    name = function.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise DefinitionError(say("{where}: the name {name} must be 1 to 64 letters, digits, _ or - (no spaces).",
                               where=where, name=repr(name)))
    where = say("Tool {n} ({name})", n=index + 1, name=name)
    description = function.get("description", "")
    if not isinstance(description, str):
        raise DefinitionError(say('{where}: "description" must be text.', where=where))
    parameters = function.get("parameters", EMPTY_PARAMETERS)
    if not isinstance(parameters, Mapping):
        raise DefinitionError(say('{where}: "parameters" must be a JSON Schema object ({{"type": "object", ...}}).',
                               where=where))
    if parameters.get("type", "object") != "object":
        raise DefinitionError(say("{where}: parameters.type must be \"object\" (a call's arguments are an object).",
                               where=where))
    try:
        Draft202012Validator.check_schema(parameters)
    except SchemaError as exc:
        raise DefinitionError(say("{where}: {place} is not valid JSON Schema: {reason}.", where=where,
                                  place=_place("parameters", exc.absolute_path), reason=exc.message)) from None
    except RecursionError:
        raise DefinitionError(say("{where}: parameters nest too deeply to be checked.", where=where)) from None
    return {"type": "function", "function": {"name": name, "description": description, "parameters": dict(parameters)}}


def definitions_text(specs: Sequence[Mapping[str, Any]]) -> str:
    """Stored specs as the settings page shows them (indented JSON; nothing for no tools)."""
    return json.dumps(list(specs), ensure_ascii=False, indent=2) if specs else ""


_TOOLS: dict[int, tuple[Any, tuple[Tool, ...]]] = {}  # by the settings' specs tuple (long-lived, frozen)


def project_tools(specs: tuple[Mapping[str, Any], ...]) -> tuple[Tool, ...]:
    """The stored specs as neutral tools (what the writers export and the chat templates receive)."""
    if not specs:
        return ()
    known = _TOOLS.get(id(specs))
    if known is not None and known[0] is specs:
        return known[1]
    if len(_TOOLS) >= VALIDATORS_KEPT:
        _TOOLS.clear()
    tools = tuple(tool_from_spec(s) for s in specs if isinstance(s, Mapping))
    _TOOLS[id(specs)] = (specs, tools)
    return tools


def tool_named(tools: Iterable[Tool], name: str) -> Tool | None:
    return next((t for t in tools if t.name == name), None)


_VALIDATORS: dict[str, Draft202012Validator] = {}


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    key = json.dumps(schema, sort_keys=True, ensure_ascii=False, default=str)
    validator = _VALIDATORS.get(key)
    if validator is None:
        if len(_VALIDATORS) >= VALIDATORS_KEPT:
            _VALIDATORS.clear()
        validator = _VALIDATORS[key] = Draft202012Validator(schema)
    return validator


def argument_problems(tool: Tool, arguments: str) -> list[str]:
    """What is wrong with a call's arguments text for `tool` (empty: nothing), each naming where."""
    try:
        value = json.loads(arguments) if arguments.strip() else None
    except json.JSONDecodeError as exc:
        return [say("the arguments are not valid JSON (line {line:d}, column {column:d}: {reason})",
                    line=exc.lineno, column=exc.colno, reason=exc.msg)]
    except RecursionError:
        return [say("the arguments nest too deeply to be read")]
    if value is None:
        return [say('the arguments are empty, not a JSON object ({"name": value, ...})')]
    if not isinstance(value, dict):
        return [say('the arguments are a JSON {type}, not a JSON object ({{"name": value, ...}})',
                    type=type(value).__name__)]
    try:
        errors = sorted(_validator(tool.parameters).iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    except SchemaError as exc:  # a stored schema the checks of today refuse (never raised for a saved one)
        return [say("the parameters schema of {tool} is not valid JSON Schema ({reason})",
                    tool=repr(tool.name), reason=exc.message)]
    except Unresolvable as exc:  # a "$ref" to a schema that is not in the definition (nothing is fetched)
        return [say("the parameters schema of {tool} refers to {ref}, which it does not contain",
                    tool=repr(tool.name), ref=repr(exc.ref))]
    except RecursionError:
        return [say("the arguments nest too deeply to be checked")]
    return [f"{_place('arguments', e.absolute_path)}: {_schema_problem(e)}" for e in errors]


_UNEXPECTED = re.compile(r"\((.*) (?:was|were) unexpected\)")
_REQUIRED = re.compile(r"^(.*) is a required property$")


def _schema_problem(error: Any) -> str:
    """A schema error of a call's arguments as a message of the app (the common keywords); any
    other keyword keeps jsonschema's own English text."""
    keyword, bound, value = error.validator, error.validator_value, repr(error.instance)
    if keyword == "type":
        types = ", ".join(repr(t) for t in (bound if isinstance(bound, list) else [bound]))
        return say("{value} is not of type {type}", value=value, type=types)
    if keyword == "required" and _REQUIRED.match(error.message):
        return say("{name} is a required property", name=_REQUIRED.match(error.message).group(1))
    if keyword == "additionalProperties" and _UNEXPECTED.search(error.message):
        return say("{names}: the schema allows no other properties", names=_UNEXPECTED.search(error.message).group(1))
    if keyword == "enum":
        return say("{value} is not one of {options}", value=value, options=repr(bound))
    if keyword == "const":
        return say("{expected} was expected", expected=repr(bound))
    if keyword in ("minimum", "exclusiveMinimum"):
        return say("{value} is less than the minimum of {bound}", value=value, bound=repr(bound))
    if keyword in ("maximum", "exclusiveMaximum"):
        return say("{value} is greater than the maximum of {bound}", value=value, bound=repr(bound))
    if keyword == "minLength":
        return say("{value} is too short (at least {bound} characters)", value=value, bound=repr(bound))
    if keyword == "maxLength":
        return say("{value} is too long (at most {bound} characters)", value=value, bound=repr(bound))
    if keyword == "minItems":
        return say("{value} has too few items (at least {bound})", value=value, bound=repr(bound))
    if keyword == "maxItems":
        return say("{value} has too many items (at most {bound})", value=value, bound=repr(bound))
    if keyword == "pattern":
        return say("{value} does not match {pattern}", value=value, pattern=repr(bound))
    return error.message


def _place(root: str, path: Iterable[Any]) -> str:
    """A JSON path as the messages show it: arguments.city, arguments.stops[2].name."""
    text = root
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text
