"""The message catalogs' check: which English a template shows outside a message (text nodes, shown
attributes, word-like string literals in expressions), and what `make messages` extracts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "app" / "locales"
TEMPLATES = ROOT / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "say": None}
# Text a template may show untranslated: names, codes and symbols, the same in every language.
AS_IS = re.compile(r"^(tunelab|JSONL|JSON|CSV|API|URL|ID|OK|UTF-8|BOM|CRLF|SHA-256|htmx|Esc|Ctrl|Enter|Tab|Shift|"
                   r"n|v|j|k|\?|Language|语言|English|简体中文|[A-Z]|[a-z]_[a-z_]+)$")
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "hx-confirm", "data-confirm")


def _extracted() -> dict[str, set[str]]:
    """msgid -> the files it comes from, as `make messages` extracts them."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        if filename.startswith((".venv", "node_modules", "tests", "bench")):
            continue
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, set()).add(filename)
    return found


def _catalog(language: str) -> dict[str, object]:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {(m.id[0] if isinstance(m.id, (tuple, list)) else m.id): m for m in catalog if m.id}


_JINJA = re.compile(r"\{#.*?#\}|\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


class _Shown(HTMLParser):
    """The text nodes and the shown attributes of a template with its Jinja parts taken out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.shown += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.shown.append(data)


_LITERAL = re.compile(r"""(\b(?:_|gettext|ngettext)\(\s*)?("[^"\n]*"|'[^'\n]*')""")
_WORDS = re.compile(r"^[A-Z][a-z]+\b|[A-Za-z]{2,} [A-Za-z]{2,}")


def _untranslated(source: str) -> list[str]:
    """English shown by a template outside a message: text nodes and shown attributes, and string
    literals in its expressions that read as words ("Import", "with errors") but are not `_()`'s."""
    parser = _Shown()
    parser.feed(_JINJA.sub(" ", source))
    left = []
    for expression in _JINJA.finditer(source):
        if expression.group(0).startswith(("{#", "{% trans", "{%- trans")):
            continue
        for wrapped, literal in _LITERAL.findall(expression.group(0)):
            text = literal[1:-1]
            if not wrapped and _WORDS.search(text) and not AS_IS.match(text):
                left.append(text)
    for text in parser.shown:
        for piece in re.split(r"[\s·|/()\[\],.:;!?…—–→←↑↓+=×\"'#%*<>-]+", text):
            if re.search(r"[A-Za-z]{2,}", piece) and not AS_IS.match(piece):
                left.append(piece)
    return left


def test_the_untranslated_text_check_finds_text_outside_a_message():
    assert _untranslated('<p>{{ _("Saved") }} <b>Review next</b></p>') == ["Review", "next"]
    assert _untranslated('<input placeholder="Search examples">') == ["Search", "examples"]
    assert _untranslated('{% trans n=3 %}{{ n }} examples{% endtrans %}<td>{{ row.name }}</td>') == []
    assert _untranslated('{{ tab_link(tab, "import", url("import"), "Import") }}') == ["Import"]
    assert _untranslated('{{ tab_link(tab, "import", url("import"), _("Import")) }}{% if x == "a_b" %}{% endif %}') == []


def test_make_messages_extracts_the_templates_and_the_say_messages():
    found = _extracted()
    assert any("templates/" in f for files in found.values() for f in files)
    assert "Write a comment first." in found  # a say() message of app/services/review.py
    assert "Language" in found  # a template's _()


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_the_template_shows_no_untranslated_text(template):
    assert _untranslated((TEMPLATES / template).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_every_message_of_the_app_is_in_the_catalog(language):
    missing = sorted(set(_extracted()) - set(_catalog(language)))
    assert missing == [], f"run `make messages` and translate: {missing[:20]}"


_PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+(?:![rsa])?(?::[^{}]*)?\}")


def test_every_message_is_translated_into_chinese_with_its_placeholders():
    extracted = _extracted()
    untranslated, changed = [], []
    for msgid, message in _catalog("zh_Hans").items():
        if msgid not in extracted:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if not all(strings):
            untranslated.append(msgid)
        elif any(sorted(_PLACEHOLDERS.findall(s)) != sorted(_PLACEHOLDERS.findall(ids[-1])) for s in strings):
            changed.append(msgid)
    assert untranslated == [] and changed == []
