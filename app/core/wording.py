"""What the app says, in a form the catalogs can hold: `say(template, **values)`.

A message is written once, in English, as a template with named values
(`say("{where} is empty: write its text.", where=label)`). The text is the English sentence; the
template is what `make messages` extracts into the catalogs (keyword `say`), and what the web layer
matches a stored English message against to say it in the reader's language (app/web/i18n.py).
Pure: no catalog is read here.
"""

from __future__ import annotations

from typing import Any

# The languages the UI is translated into: a locale id (app/locales/<id>) and its own name.
LANGUAGES: dict[str, str] = {"en": "English", "zh_Hans": "简体中文"}
DEFAULT_LANGUAGE = "en"


def say(template: str, /, **values: Any) -> str:
    """The English message: `template` with its named values filled in (str.format)."""
    return template.format(**values) if values else template


# What Python's json module says is wrong with a text (JSONDecodeError.msg), as messages: a
# message that carries one as a value ("not valid JSON ({reason})") is then said whole.
JSON_REASONS = (
    say("Expecting value"),
    say("Expecting property name enclosed in double quotes"),
    say("Expecting ':' delimiter"),
    say("Expecting ',' delimiter"),
    say("Extra data"),
    say("Unterminated string starting at"),
    say("Invalid control character at"),
    say("Invalid \\escape"),
    say("Invalid \\uXXXX escape"),
)
