"""CSRF protection: the double-submit pattern with a signed token, streaming the request body.

The cookie `csrftoken` holds `<random>.<HMAC-SHA256(secret key, random)>`; every unsafe request
(anything but GET, HEAD, OPTIONS, TRACE; /login and /setup included, with or without cookies) must
carry the same value as header `x-csrftoken` (htmx, scripts with a session) or as form field
`csrftoken` (plain forms). Requests with `Authorization: Bearer …` skip the check: they carry no
ambient credentials a third-party page could use.

For url-encoded and multipart bodies the middleware reads only until it has seen the `csrftoken`
field (the templates put it first), at most LOOK_AHEAD bytes, then replays what it read and passes the
rest of the body through untouched: the body is never held whole.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.wording import say
from app.web.security import send_error as _send_error

COOKIE = "csrftoken"
FIELD = b"csrftoken"
HEADER = b"x-csrftoken"
LOOK_AHEAD = 64 * 1024
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
FORM_EXPIRED = (say("This form has expired"),
                say("The security token of the page did not match (it expires when you sign in again or clear "
                    "cookies). Go back, reload the page and send it again; nothing was saved."))
API_MESSAGE = say("CSRF token missing or wrong: send the 'csrftoken' cookie's value as header 'x-csrftoken', "
                  "or authenticate with 'Authorization: Bearer <token>'")


class Signer:
    """Makes and checks `<random>.<signature>` tokens with the app's secret key."""

    def __init__(self, secret: str) -> None:
        self.key = hashlib.sha256(b"tunelab-csrf:" + secret.encode()).digest()

    def _sign(self, nonce: str) -> str:
        mac = hmac.new(self.key, nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def new(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign(nonce)}"

    def valid(self, token: str | None) -> bool:
        if not token or token.count(".") != 1:
            return False
        nonce, signature = token.split(".")
        return hmac.compare_digest(signature.encode(), self._sign(nonce).encode())


def _cookie(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == COOKIE:
                    return val
    return None


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> bytes | None:
    return next((value for name, value in headers if name == wanted), None)


class _UrlencodedScan:
    """Finds the `csrftoken` field among the complete `name=value` pairs seen so far."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, chunk: bytes, last: bool) -> str | None:
        self.buffer += chunk
        pairs = self.buffer.split(b"&")
        complete = pairs if last else pairs[:-1]
        for pair in complete:
            name, _, value = pair.partition(b"=")
            if unquote_to_bytes(name.replace(b"+", b" ")) == FIELD:
                return unquote_to_bytes(value.replace(b"+", b" ")).decode("latin-1")
        self.buffer = b"" if last else pairs[-1]
        return None


class _MultipartScan:
    """Finds the `csrftoken` part with python-multipart's streaming parser."""

    def __init__(self, boundary: bytes) -> None:
        self.found: str | None = None
        self.header_field = b""
        self.header_value = b""
        self.is_token = False
        self.value = b""
        self.parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._begin, "on_header_field": self._field, "on_header_value": self._value,
            "on_header_end": self._header_end, "on_part_data": self._data, "on_part_end": self._end,
        })

    def _begin(self) -> None:
        self.is_token, self.value, self.header_field, self.header_value = False, b"", b"", b""

    def _field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        if self.header_field.lower() == b"content-disposition":
            _, options = parse_options_header(self.header_value)
            self.is_token = options.get(b"name") == FIELD
        self.header_field, self.header_value = b"", b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.is_token and len(self.value) <= LOOK_AHEAD:
            self.value += data[start:end]

    def _end(self) -> None:
        if self.is_token and self.found is None:
            self.found = self.value.decode("latin-1")

    def feed(self, chunk: bytes, last: bool) -> str | None:
        if chunk:
            self.parser.write(chunk)
        return self.found


def _scanner(content_type: bytes | None) -> _UrlencodedScan | _MultipartScan | None:
    kind, options = parse_options_header(content_type or b"")
    if kind == b"application/x-www-form-urlencoded":
        return _UrlencodedScan()
    if kind == b"multipart/form-data" and options.get(b"boundary"):
        return _MultipartScan(options[b"boundary"])
    return None


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, secret_key: str, cookie_secure: bool = False) -> None:
        self.app = app
        self.signer = Signer(secret_key)
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        cookie = _cookie(headers)
        token = cookie if self.signer.valid(cookie) else None
        issued: list[str] = []

        def get_token() -> str:
            if token:
                return token
            if not issued:
                issued.append(self.signer.new())
            return issued[0]

        scope["csrftoken"] = get_token
        send = self._setting_cookie(send, issued)
        authorization = (_header(headers, b"authorization") or b"").decode("latin-1")
        if scope["method"] in SAFE_METHODS or authorization.lower().startswith("bearer "):
            await self.app(scope, receive, send)
            return
        if token is None:
            await self._refuse(scope, send)
            return
        sent = _header(headers, HEADER)
        if sent is not None:
            if hmac.compare_digest(sent, token.encode()):
                await self.app(scope, receive, send)
            else:
                await self._refuse(scope, send)
            return
        scanner = _scanner(_header(headers, b"content-type"))
        if scanner is None:
            await self._refuse(scope, send)
            return
        try:
            found, read, more = await self._look_ahead(scanner, receive)
        except HTTPException as exc:  # the body limit passed while looking ahead
            await _send_error(scope, send, exc.status_code, str(exc.detail), (say("Request too large"), str(exc.detail)))
            return
        except Exception:  # noqa: BLE001 - a malformed body carries no usable token
            found, read, more = None, b"", False
        if found is None or not hmac.compare_digest(found.encode("latin-1"), token.encode()):
            await self._refuse(scope, send)
            return
        await self.app(scope, _replay(read, more, receive), send)

    @staticmethod
    async def _look_ahead(scanner, receive: Receive) -> tuple[str | None, bytes, bool]:
        """Reads messages until the token is found or LOOK_AHEAD bytes passed: (token, bytes read, more)."""
        read = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None, read, False
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            read += chunk
            found = scanner.feed(chunk, not more)
            if found is not None or not more or len(read) > LOOK_AHEAD:
                return found, read, more

    def _setting_cookie(self, send: Send, issued: list[str]) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and issued:
                cookie = f"{COOKIE}={issued[0]}; Path=/; SameSite=Lax; HttpOnly"
                if self.cookie_secure:
                    cookie += "; Secure"
                message["headers"] = list(message.get("headers", [])) + [(b"set-cookie", cookie.encode())]
            await send(message)
        return wrapped

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await _send_error(scope, send, 403, API_MESSAGE, FORM_EXPIRED)


def _replay(read: bytes, more: bool, receive: Receive) -> Callable:
    replayed = False

    async def wrapped() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": read, "more_body": more}
        return await receive()

    return wrapped
