"""Text checked once at the boundary: valid UTF-8, no lone surrogates, no NUL.

`TextCheckMiddleware` checks query strings before anything runs, and url-encoded, multipart and
JSON bodies while the app reads them (streaming, a few bytes of state per field): a bad field raises
`TextRejected` (422 naming the field) out of the app's body read, so no handler runs and nothing is
stored. JSON strings may also spell a lone surrogate or NUL as an escape (`"\\ud800"`): the API's
models check their parsed values with `problems()` (app/web/bodies.py).
"""

from __future__ import annotations

import codecs
from urllib.parse import unquote_to_bytes

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.text import NOT_UTF8, NUL, SURROGATE, problem, problems  # noqa: F401 (the one check, shared)
from app.web.security import send_error

class TextRejected(HTTPException):
    """422: `errors` maps each bad field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(422, "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _decoded(raw: bytes) -> str | None:
    """The text of percent-decoded bytes, or None when they are not UTF-8 or hold NUL."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def query_problems(query: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in query.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        name_text = _decoded(unquote_to_bytes(name.replace(b"+", b" ")))
        label = name_text if name_text is not None else "query"
        if name_text is None:
            found[label] = NOT_UTF8 + " or contains NUL"
            continue
        raw = unquote_to_bytes(value.replace(b"+", b" "))
        if b"\x00" in raw:
            found[label] = NUL
        elif _decoded(raw) is None:
            found[label] = NOT_UTF8
    return found


class _Field:
    """One field's name and value, decoded incrementally (strict UTF-8) as its bytes arrive."""

    def __init__(self) -> None:
        self.name = b""
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.error: str | None = None

    def feed(self, data: bytes, final: bool = False) -> None:
        if self.error:
            return
        if b"\x00" in data:
            self.error = NUL
            return
        try:
            self.decoder.decode(data, final)
        except UnicodeDecodeError:
            self.error = NOT_UTF8

    def label(self) -> str:
        try:
            return self.name.decode("utf-8") or "field"
        except UnicodeDecodeError:
            return "field"


class _UrlencodedCheck:
    """A streaming `name=value&…` decoder (percent escapes may straddle chunks)."""

    def __init__(self) -> None:
        self.field = _Field()
        self.in_value = False
        self.pending = b""  # an unfinished %XX escape
        self.errors: dict[str, str] = {}
        self.fed = False

    def _emit(self, raw: bytes) -> None:
        data = unquote_to_bytes(raw.replace(b"+", b" "))
        if self.in_value:
            self.field.feed(data)
        else:
            self.field.name += data

    def _end_field(self) -> None:
        if self.in_value or self.field.name:
            self.field.feed(b"", final=True)
            if self.field.error or _decoded(self.field.name) is None:
                self.errors[self.field.label()] = self.field.error or NOT_UTF8
        self.field, self.in_value = _Field(), False

    def feed(self, chunk: bytes, last: bool) -> None:
        if last and not self.fed and _decoded(unquote_to_bytes(chunk.replace(b"+", b" "))) is not None:
            # A body that arrives in one piece (the live panel's, on every pause in typing) and is
            # good as a whole has no bad field: the names and values are cut at "&" and "=", which
            # are ASCII and never part of an escape, so each piece of valid UTF-8 without NUL is
            # too. Only a bad body is split field by field, to name the fields.
            return
        self.fed = True
        data, self.pending = self.pending + chunk, b""
        if not last:  # keep an escape cut by the chunk's end for the next chunk
            cut = data.rfind(b"%", max(0, len(data) - 2))
            if cut != -1:
                data, self.pending = data[:cut], data[cut:]
        for n, part in enumerate(data.split(b"&")):
            if n:
                self._end_field()
            if not self.in_value and b"=" in part:
                name, _, value = part.partition(b"=")
                self._emit(name)
                self.in_value = True
                self._emit(value)
            else:
                self._emit(part)
        if last:
            self._end_field()


class _MultipartCheck:
    def __init__(self, boundary: bytes) -> None:
        self.field = _Field()
        self.header_field = b""
        self.header_value = b""
        self.errors: dict[str, str] = {}
        self.parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._begin, "on_header_field": self._hfield, "on_header_value": self._hvalue,
            "on_header_end": self._hend, "on_part_data": self._data, "on_part_end": self._end,
        })

    def _begin(self) -> None:
        self.field = _Field()

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _hend(self) -> None:
        if self.header_field.lower() == b"content-disposition":
            _, options = parse_options_header(self.header_value)
            self.field.name = options.get(b"name", b"")
        self.header_field = self.header_value = b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        self.field.feed(data[start:end])

    def _end(self) -> None:
        self.field.feed(b"", final=True)
        if self.field.error or _decoded(self.field.name) is None:
            self.errors[self.field.label()] = self.field.error or NOT_UTF8

    def feed(self, chunk: bytes, last: bool) -> None:
        if chunk:
            self.parser.write(chunk)


class _JsonCheck:
    """Raw JSON must be UTF-8 (escapes are checked after parsing, by the models)."""

    def __init__(self) -> None:
        self.field = _Field()
        self.field.name = b"body"
        self.errors: dict[str, str] = {}

    def feed(self, chunk: bytes, last: bool) -> None:
        self.field.feed(chunk, final=last)
        if self.field.error:
            self.errors["body"] = self.field.error


def _checker(content_type: bytes | None):
    kind, options = parse_options_header(content_type or b"")
    if kind == b"application/x-www-form-urlencoded":
        return _UrlencodedCheck()
    if kind == b"multipart/form-data" and options.get(b"boundary"):
        return _MultipartCheck(options[b"boundary"])
    if kind == b"application/json" or kind.endswith(b"+json"):
        return _JsonCheck()
    return None


class TextCheckMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bad = query_problems(scope.get("query_string", b""))
        if bad:
            message = "; ".join(f"{k}: {v}" for k, v in bad.items())
            await send_error(scope, send, 422, message, ("Invalid request", message), errors=bad)
            return
        checker = _checker(next((v for k, v in scope["headers"] if k == b"content-type"), None))
        if checker is None:
            await self.app(scope, receive, send)
            return

        async def checked() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                try:
                    checker.feed(message.get("body", b""), not message.get("more_body", False))
                except Exception:  # noqa: BLE001 - a malformed body: the app's own parser says so
                    return message
                if checker.errors:
                    raise TextRejected(checker.errors)
            return message

        await self.app(scope, checked, send)
