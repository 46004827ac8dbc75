"""Small text helpers: control characters as readable escapes and back, and near-duplicate keys."""

from __future__ import annotations

import re

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


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def near_key(text: str) -> str:
    """The text with case, whitespace and punctuation folded away: near-duplicates share it.

    "Great phone!!" and "great   phone" give the same key; the app hashes it (sha256).
    """
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())
