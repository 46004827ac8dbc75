"""Small text helpers for settings forms: control characters as readable escapes and back."""

from __future__ import annotations

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
