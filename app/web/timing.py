"""Server-Timing: every response says how long the server took to produce it (`app;dur=3.1`, in ms).

The browser's developer tools show it beside the network time, and bench/lint_latency.py reads it to
tell the server's share of a keystroke from the client's and the network's. Measured from the moment
the request reaches the app to the moment its response headers leave it (the whole body, for every
response but a streamed export).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTimingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"server-timing", f"app;dur={took:.2f}".encode())]
            await send(message)

        await self.app(scope, receive, timed_send)
