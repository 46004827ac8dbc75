"""Request plumbing: CSP and other headers, the early body-size check, plain error replies, the request cap."""

from __future__ import annotations

import asyncio
import json
import re
from html import escape

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.wording import say
from app.web import i18n

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ConcurrencyLimitMiddleware:
    """At most `limit` requests inside the app at once; the rest wait here, holding nothing.

    A sync route takes a database connection on its first query and keeps it until the response;
    without this cap, a burst larger than the connection pool leaves every worker thread waiting
    for a connection that requests queued for a thread are holding.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await self.app(scope, receive, send)


def _page(title: str, message: str, language: str) -> bytes:
    title, message = i18n.translate(title, language), i18n.translate(message, language)
    return (f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title>"
            f"<h1>{escape(title)}</h1><p>{escape(message)}</p>").encode()


def _browser_language(scope: Scope) -> str:
    """The browser's language (no user is known before the app runs)."""
    header = next((v for k, v in scope["headers"] if k == b"accept-language"), b"")
    return i18n.from_accept_language(header.decode("latin-1"))


async def send_error(scope: Scope, send: Send, status: int, api_message: str, page: tuple[str, str],
                     errors: dict[str, str] | None = None) -> None:
    """A JSON error (the API's error model) under /api/, a small HTML page (title, message) elsewhere.

    For answers sent before the app runs (middleware); the app's own errors go through errors.py.
    The page speaks the browser's language (Accept-Language); the JSON error stays English.
    """
    if scope["path"].startswith("/api/"):
        error = {"error": api_message} | ({"errors": errors} if errors else {})
        body, kind = json.dumps(error).encode(), b"application/json"
    else:
        body, kind = _page(*page, _browser_language(scope)), b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def too_large_message(limit: int) -> str:
    return say("The request body is larger than this server accepts ({limit:,} bytes, TUNELAB_MAX_BODY_BYTES): "
               "nothing was saved. Send less at once (split a large paste into several).", limit=limit)


class BodyTooLarge(HTTPException):
    """Raised out of `receive` once a body passes the limit: the app's error handlers answer 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


class BodyLimitMiddleware:
    """Request bodies of at most `limit` bytes, enforced while streaming, in constant memory.

    A Content-Length over the limit gets 413 at once, before any route runs or a byte is read; a
    chunked body is counted as it arrives and the read that passes the limit raises BodyTooLarge (the
    handlers in errors.py answer 413 in the API's error model or as a page; nothing has run yet,
    since every route reads its whole body before it acts).
    """

    def __init__(self, app: ASGIApp, limit: int, uploads: re.Pattern[str] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.uploads = uploads  # paths whose route streams the body to disk under its own limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.uploads is not None and self.uploads.fullmatch(scope["path"]):
            await self.app(scope, receive, send)  # a file upload: its route streams it to disk under its own limit
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            status = 413 if length.isdigit() else 400
            message = too_large_message(self.limit) if status == 413 else say("Invalid Content-Length header.")
            title = say("Request too large") if status == 413 else say("Bad request")
            await send_error(scope, send, status, message, (title, message))
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # read outside the app's handlers (middleware): answer here
            if started:
                raise
            await send_error(scope, send, 413, str(exc.detail), (say("Request too large"), str(exc.detail)))
