"""The UI's languages: the catalogs (app/locales/<id>/LC_MESSAGES/messages.po, read with Babel),
which language a request is answered in, and the Jinja gettext callables.

- The language of a request: the signed-in user's setting, else the best match of the browser's
  Accept-Language among LANGUAGES (any Simplified Chinese tag - zh, zh-CN, zh-SG, zh-Hans - is
  zh_Hans; Traditional tags are not), else English.
- `render` (app/web/templating.py) sets it for the length of one render (a context variable), so
  every template, include and macro speaks the same language.
- `translate` says an English message of the app (a template string, or a message made by
  `app.core.wording.say` and maybe stored) in a language: the catalog's exact entry, else the
  parametrised entry whose template matches it, with its values translated in turn ("Turn 2" ->
  "第 2 轮"); user data in the values is kept as it is.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from babel.messages.pofile import read_po
from markupsafe import Markup

from app.core.wording import DEFAULT_LANGUAGE, LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
_FIELD = re.compile(r"\{(\w+)(?:![rsa])?(?::([^{}]*))?\}")
# A value is a number when its format says so ({count:,}, {n:d}) or its name does: it then matches
# digits only, so "{count} {reason}" cannot swallow an arbitrary sentence.
_NUMERIC_NAMES = re.compile(r"^(n|count|done|skipped|id|ids?_count|limit|over|size|index|total|members|\w+_(count|n))$")
_NUMBER = r"-?[0-9](?:[0-9,.]*[0-9])?"  # never ends in "," or ".": "1, 12" is not one number
_QUALITY = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")
_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


class Catalog:
    """One language's messages: singular entries, plural entries, and the parametrised templates
    (as anchored regexes, the longest literal text first) for matching an English message back."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.singular: dict[str, str] = {}
        self.plural: dict[str, tuple[str, ...]] = {}
        path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
        if path.exists():
            with path.open("rb") as handle:
                for message in read_po(handle, locale=None):
                    if not message.id:
                        continue
                    if isinstance(message.id, (tuple, list)):
                        forms = tuple(message.string or ())
                        if any(forms):
                            self.plural[message.id[0]] = forms
                    elif message.string and "fuzzy" not in message.flags:
                        self.singular[message.id] = message.string
        # The most literal text first: a specific template ("… (no role) …") before a general one.
        parametrised = sorted((msgid for msgid in self.singular if _FIELD.search(msgid)),
                              key=lambda msgid: -len(_FIELD.sub("", msgid)))
        self.templates = [(_pattern(msgid), self.singular[msgid]) for msgid in parametrised]

    def gettext(self, text: str) -> str:
        return self.singular.get(text, text)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        forms = self.plural.get(singular)
        if not forms:
            return singular if count == 1 else plural
        return forms[0] if len(forms) == 1 else forms[0 if count == 1 else 1]


def _pattern(template: str) -> re.Pattern[str]:
    """An anchored regex of a say() template: each {name} (any format spec) a lazy group, a name
    used twice a back-reference; {{ and }} are literal braces."""
    parts, seen, end = [], set(), 0
    for field in _FIELD.finditer(template):
        parts.append(re.escape(_literal(template[end:field.start()])))
        name = field.group(1)
        numeric = _NUMERIC_NAMES.match(name) or any(c in (field.group(2) or "") for c in ",d")
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{_NUMBER if numeric else '.*?'})")
        seen.add(name)
        end = field.end()
    parts.append(re.escape(_literal(template[end:])))
    return re.compile("".join(parts), re.DOTALL)


def _literal(text: str) -> str:
    return text.replace("{{", "{").replace("}}", "}")


@lru_cache(maxsize=None)
def catalog(language: str) -> Catalog:
    return Catalog(language)


def language_for(user_language: str | None, accept_language: str | None) -> str:
    """The user's own setting when it is one of LANGUAGES, else the browser's best, else English."""
    if user_language in LANGUAGES:
        return user_language
    return from_accept_language(accept_language or "")


def from_accept_language(header: str) -> str:
    """The best of LANGUAGES for an Accept-Language header (RFC 9110 quality values)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        match = _QUALITY.match(params) if params else None
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        ranked.append((-quality, position, tag.strip().lower()))
    for quality, _position, tag in sorted(ranked):
        if quality >= 0:
            continue  # q=0: "not this one"
        if tag.startswith("zh") and not tag.startswith(_TRADITIONAL):
            return "zh_Hans"
        if tag.startswith("en") or tag == "*":
            return "en"
    return DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Templates rendered inside speak `language`."""
    token = _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(text: str) -> str:
    return catalog(_current.get()).gettext(text)


def ngettext(singular: str, plural: str, count: int) -> str:
    return catalog(_current.get()).ngettext(singular, plural, count)


def translate(text: Any, language: str | None = None) -> Any:
    """An English message of the app in `language` (the current one by default); Markup stays
    Markup, anything that is not a message of the catalog comes back unchanged."""
    if not isinstance(text, str) or not text:
        return text
    language = language or _current.get()
    if language == DEFAULT_LANGUAGE:
        return text
    said = _translated(str(text), language)
    return Markup(said) if isinstance(text, Markup) else said


@lru_cache(maxsize=8192)
def _translated(text: str, language: str, depth: int = 0) -> str:
    book = catalog(language)
    exact = book.singular.get(text)
    if exact is not None:
        return exact
    lowered = text[:1].lower() + text[1:]
    if lowered != text and lowered in book.singular:
        return book.singular[lowered]
    if depth > 3 or len(text) > 4_000:
        return text
    if "; " in text:  # a list of messages, each one of the catalog: said piece by piece
        pieces = text.split("; ")
        said = [_translated(piece, language, depth + 1) for piece in pieces]
        if all(s != p for s, p in zip(said, pieces)):
            return "；".join(said)
    for pattern, translated in book.templates:
        match = pattern.fullmatch(text) or (lowered != text and pattern.fullmatch(lowered))
        if match:
            values = {name: _translated(value, language, depth + 1) for name, value in match.groupdict().items()}
            return _literal(_FIELD.sub(lambda field: values.get(field.group(1), field.group(0)).replace("{", "{{")
                                       .replace("}", "}}"), translated))
    if "; " in text:  # a list of messages ("2 a draft, not submitted yet; 1 approved already")
        pieces = text.split("; ")
        said = [_translated(piece, language, depth + 1) for piece in pieces]
        if said != pieces:
            return "；".join(said)
    return text
