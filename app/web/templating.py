"""The one Jinja environment (autoescape on; blocks render as htmx fragments) and its filters."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import pass_context
from jinja2_fragments.fastapi import Jinja2Blocks
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from starlette.responses import RedirectResponse, Response

from app.core.agreement import interpretation
from app.core.profiles import jsonl_line, profiles_for
from app.core.providers.base import NOTE_LEVELS
from app.core.text import escape_controls
from app.core.wording import LANGUAGES, say
from app.web import i18n
from app.web.urls import path_for

ROOT = Path(__file__).resolve().parent.parent.parent
templates = Jinja2Blocks(directory=str(ROOT / "templates"))
# Templates are read once: no modification-time check of every template file on every render.
templates.env.auto_reload = False
templates.env.add_extension("jinja2.ext.i18n")
templates.env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace collapsed, as extracted
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
HTMX_FILE = "vendor/htmx-2.0.11.min.js"

# html=False: raw HTML in guidelines is shown as text; markdown-it also refuses javascript: links.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown(text: str) -> Markup:
    return Markup(_markdown.render(text or ""))


# Short markers (an <i>, styled by app.css): a long chat's panel marks thousands of spaces.
_MARKS = {" ": "<i>·</i>", "\t": "<i>→</i>", "\n": "<i>↵</i>\n", "\r": "<i>␍</i>"}
_MARK_ORDER = (" ", "\t", "\n", "\r")
VISIBLE_HEAD = 1_500  # a long part shows its start and end (the separator or stop is at the end)
VISIBLE_TAIL = 500


def visible(text: str, head: int = VISIBLE_HEAD, tail: int = VISIBLE_TAIL) -> Markup:
    """Text with spaces, tabs and newlines made visible (each marker in a span); one regex pass.

    Parts longer than `head` + `tail` (VISIBLE_HEAD + VISIBLE_TAIL; the panel's parts table asks
    for PART_HEAD + PART_TAIL) show their start and end around a "… N characters
    …" marker (the JSONL line above them shows all with "show all"). The live panel shows every
    message of a chat again on each pause in typing, one of them changed: the marked text of the
    last VISIBLE_CACHED texts up to VISIBLE_CACHED_CHARS is kept (a few MB at most; the same text
    gives the same Markup). A longer text has only its start and end marked.
    """
    text, language = text or "", i18n.current_language()
    if len(text) <= VISIBLE_CACHED_CHARS:
        return _visible(text, head, tail, language)
    return _visible.__wrapped__(text, head, tail, language)


VISIBLE_CACHED, VISIBLE_CACHED_CHARS = 512, 4_096


# The panel's parts table shows each part's name, rule marks and tokens, and its text with whitespace
# made visible; a part longer than PART_HEAD + PART_TAIL shows only its start and end (where the
# leading space, separator and stop are): the exported line above it is where the whole text is, once.
PART_HEAD, PART_TAIL = 160, 60


def part_findings(findings, name: str, record: int) -> list:
    """The findings about one part of one record: its field is the part's name or the name's first
    word ("messages[2]" for the part "messages[2] user"), and its record this one (or none)."""
    return [f for f in findings or () if f.field and (f.record is None or f.record == record)
            and (f.field == name or name.split(" ", 1)[0] == f.field)]


@lru_cache(maxsize=VISIBLE_CACHED)
def _visible(text: str, head: int, tail: int, language: str) -> Markup:
    if len(text) > head + tail:
        return Markup(_mark(text[:head]) + _elided(len(text) - head - tail, language) + _mark(text[-tail:]))
    return Markup(_mark(text))


LINE_SHOWN = 3_000  # a longer exported line shows its start and end, and "show all"
LINE_HEAD, LINE_TAIL = 2_000, 500


def line_view(line: str, full: bool = False) -> Markup | str:
    """An exported line for the panel: all of it, or (when longer than LINE_SHOWN and not `full`)
    its start and end around a "… N more characters …" marker."""
    if full or len(line) <= LINE_SHOWN:
        return line
    hidden = len(line) - LINE_HEAD - LINE_TAIL
    return Markup(str(escape(line[:LINE_HEAD])) + _elided(hidden, i18n.current_language())
                  + str(escape(line[-LINE_TAIL:])))


def _elided(hidden: int, language: str) -> str:
    """The marker in place of a long text's middle, in the page's language."""
    said = i18n.translate(say("… {count:,} more characters …", count=hidden), language)
    return f'<span class="elided">{escape(said)}</span>'


def _mark(text: str) -> str:
    """Escaped text with each whitespace character replaced by its marker: one C-level replace per
    kind (a regex with a callback per match cost a tenth of a keystroke on a long prompt). The space
    goes first: the markers themselves hold spaces."""
    marked = str(escape(text))
    for char in _MARK_ORDER:
        if char in marked:
            marked = marked.replace(char, _MARKS[char])
    return marked


def csrf_token(request: Request) -> str:
    getter = request.scope.get("csrftoken")
    return getter() if callable(getter) else ""


def duration(seconds: float | None) -> str:
    """12 s, 3.4 min, 1.2 h; a dash for no data."""
    if seconds is None:
        return "—"
    if seconds < 90:
        said = say("{n:.0f} s", n=seconds)
    elif seconds < 5400:
        said = say("{n:.1f} min", n=seconds / 60)
    else:
        said = say("{n:.1f} h", n=seconds / 3600)
    return i18n.translate(said)


@pass_context
def url(context, name: str, /, **params: Any) -> str:
    """The path of the route named `name` (path parameters, then the query string): `url('example', project_id=1,
    example_id=2)`. Every link and form action in the templates is built this way."""
    return path_for(context["request"].app, name, **params)


templates.env.globals["url"] = url
templates.env.globals["current_language"] = i18n.current_language
templates.env.globals["LANGUAGES"] = LANGUAGES
templates.env.filters["tr"] = i18n.translate
templates.env.globals["duration"] = duration
templates.env.globals["kappa_words"] = interpretation
templates.env.filters["markdown"] = markdown
templates.env.filters["visible"] = visible
templates.env.filters["escape_controls"] = escape_controls
templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["HTMX_FILE"] = HTMX_FILE
templates.env.globals["profiles_for_kind"] = profiles_for
templates.env.globals["jsonl_line"] = jsonl_line
templates.env.globals["NOTE_LEVELS"] = NOTE_LEVELS
templates.env.globals["line_view"] = line_view
templates.env.globals["LINE_SHOWN"] = LINE_SHOWN
templates.env.globals["PART"] = (PART_HEAD, PART_TAIL)
templates.env.globals["part_findings"] = part_findings


def render(request: Request, name: str, context: dict[str, Any], *, block: str | None = None,
           status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A full page, or with `block` just that block (the htmx fragment). Always `Vary: HX-Request`."""
    ctx = {"request": request, "user": getattr(request.state, "user", None), **context}
    with i18n.speaking(language_of(request)):
        if block:
            response = templates.TemplateResponse(request, name, ctx, block_name=block, status_code=status_code)
        else:
            response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Accept-Language"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def language_of(request: Request) -> str:
    """The language this request is answered in: the signed-in user's setting, else the browser's."""
    user = getattr(request.state, "user", None)
    return i18n.language_for(getattr(user, "language", None), request.headers.get("accept-language"))


def go(request: Request, target: str) -> Response:
    """After a successful POST: HX-Location for htmx requests (no full reload), else 303 See Other."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Location": target})
    return RedirectResponse(target, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
