"""Request plumbing: CSP and other headers, the CSRF failure page, and the in-flight request cap."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


async def csrf_failed(scope: Scope, send: Send, message_id) -> None:
    body = (
        "<!doctype html><meta charset=utf-8><title>Form expired</title>"
        "<h1>This form has expired</h1><p>The security token of the page did not match "
        "(it expires when you sign in again or clear cookies). Go back, reload the page and "
        "send it again; nothing was saved.</p>"
    ).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/html; charset=utf-8")] + HEADERS})
    await send({"type": "http.response.body", "body": body})
