"""Small text helpers: what is not text (NUL, lone surrogates), control characters as readable
escapes and back, and near-duplicate keys."""

from __future__ import annotations

import re
from typing import Any

from app.core.wording import say

NOT_UTF8 = say("is not valid UTF-8 text")
NUL = say("contains a NUL character (\\0), which text may not hold")
SURROGATE = say("contains a lone surrogate (half of a UTF-16 pair), which is not text")

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def escape_controls(text: str) -> str:
    """`"\\n\\n###\\n\\n"` as a one-line string a user can read and edit in a text input."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def unescape_controls(text: str) -> str:
    """Inverse of `escape_controls`: `\\n`, `\\t`, `\\r` and `\\\\` become the characters."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "ntr\\":
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[text[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script
# ASCII: every byte but a digit or a lowercase letter becomes a space (what _WORD keeps of ASCII text).
_ASCII_GAPS = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))


def near_key(text: str) -> str:
    """The text with case, whitespace and punctuation folded away: near-duplicates share it.

    "Great phone!!" and "great   phone" give the same key; the app hashes it (sha256). Its words
    are _WORD's matches in the casefolded text; ASCII text (most of it) takes a translate table to
    the same words in half the time (an import computes one key per example).
    """
    if text.isascii():
        return " ".join(text.lower().encode("ascii").translate(_ASCII_GAPS).decode("ascii").split())
    return " ".join(_WORD.findall(text.casefold()))


def problem(value: str) -> str | None:
    """What is wrong with a parsed string (NUL, lone surrogate), or None."""
    if "\x00" in value:
        return NUL
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def problems(value: Any, path: str = "") -> dict[str, str]:
    """Every bad string in a parsed JSON value (keys too), by dotted path."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if (p := problem(value)) is not None:
            found[path or "value"] = p
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (p := problem(key)) is not None:
                found[say("{path} (a key)", path=path or "value")] = p
                continue
            found.update(problems(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(problems(item, f"{path}.{index}" if path else str(index)))
    return found
