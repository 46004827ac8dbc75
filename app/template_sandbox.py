"""The sandboxed Jinja2 environment in which models' chat templates are rendered.

Templates are third-party code paths: `ImmutableSandboxedEnvironment` with `trim_blocks`,
`lstrip_blocks`, `loopcontrols`, a `tojson` that keeps non-ASCII text, `raise_exception` and a
fixed-date `strftime_now`, as Hugging Face `apply_chat_template` renders them (see
app.core.chat_templates, which uses `render_text` once `app.tokenizer_files.activate()` has handed
it over). Reaching for an unsafe attribute (`__class__`) or changing a list fails the render with
ChatTemplateError; each template is compiled once.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from app.core.chat_templates import TEMPLATE_DATE, ChatTemplate, ChatTemplateError


def _raise_exception(message: str) -> None:
    raise ChatTemplateError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    # Jinja's own tojson escapes HTML characters and sorts keys; transformers replaces it with this.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(format: str) -> str:
    return TEMPLATE_DATE.strftime(format)


_DICT_ATTRIBUTES = frozenset(dir(dict))
SAFETY_CACHE = 4_096  # (type, attribute) decisions kept; the four templates use a few dozen


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, where reaching for an unsafe attribute (`__class__`, `__globals__`,
    `append`) fails the render at once instead of quietly printing nothing.

    Two shortcuts with the same results, for speed (a long chat's render looks up attributes a few
    hundred times; the live panel renders on every pause in typing): Jinja's verdict on an attribute
    depends only on the object's type and the attribute's name (a leading underscore, the internal
    attributes of functions, frames and the like, the mutating methods of lists, dicts and sets),
    so it is kept per (type, name); and `message.role` on a plain dict, which Jinja answers by
    trying the attribute, catching AttributeError and then reading the key, reads the key at once
    when dict has no attribute of that name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = super().is_safe_attribute(obj, attr, value)
            if len(self._verdicts) < SAFETY_CACHE:
                self._verdicts[key] = verdict
        return verdict

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and type(attribute) is str and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is unsafe")


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    env = _Sandbox(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env


@lru_cache(maxsize=16)
def _compiled(source: str):
    try:
        return _environment().from_string(source)
    except Exception as exc:  # a syntax error in third-party template text
        raise ChatTemplateError(f"the chat template does not compile: {exc}") from exc


def render_text(template: ChatTemplate, messages: list[Any], tools: list[Any] | None,
                add_generation_prompt: bool) -> str:
    """The template's text for messages already prepared by `chat_templates.trainer_messages`."""
    compiled = _compiled(template.source)
    try:
        return compiled.render(messages=messages, tools=tools,
                               add_generation_prompt=add_generation_prompt,
                               bos_token=template.bos_token, eos_token=template.eos_token)
    except ChatTemplateError:
        raise
    except SecurityError as exc:
        raise ChatTemplateError(f"the chat template tried something the sandbox refuses: {exc}") from exc
    except Exception as exc:  # the template's own code failed on this conversation
        raise ChatTemplateError(f"the chat template failed on this conversation: {exc}") from exc
