"""The browser's side of a sign-in: the session cookie holds only the random session token.

`SessionCookieMiddleware` reads the cookie into the request's scope and writes it back only when a
route changed it (sign-in, setup, sign-out, a password change): the token is 256 random bits looked
up by its hash on the server, so the cookie needs no signature, and unchanged requests (every
keystroke of the live panel) neither verify nor re-sign one. `remember`, `session_token` and
`forget` are used by the sign-in, setup, sign-out and password routes (this is not a router).
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.accounts import SignedIn, SignInLimits

COOKIE = "tunelab_session"
_TOKEN = "tunelab.session_token"  # scope keys: the token the request came with, and what to send back
_SEND = "tunelab.session_send"


def remember(request: Request, signed_in: SignedIn) -> None:
    """Send a new sign-in's token in the session cookie, replacing whatever was there."""
    request.scope[_TOKEN] = signed_in.token
    request.scope[_SEND] = signed_in.token


def session_token(request: Request) -> str | None:
    token = request.scope.get(_TOKEN)
    return token if isinstance(token, str) and token else None


def forget(request: Request) -> str | None:
    """Empty the cookie; returns the token it held (for the service to delete its session)."""
    token = session_token(request)
    request.scope[_TOKEN] = None
    request.scope[_SEND] = ""
    return token


def limits(request: Request) -> SignInLimits:
    return SignInLimits.from_settings(request.app.state.settings)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


class SessionCookieMiddleware:
    def __init__(self, app: ASGIApp, max_age: int, secure: bool) -> None:
        self.app, self.max_age, self.secure = app, max_age, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"cookie"), None)
        scope[_TOKEN] = cookie_parser(header.decode("latin-1")).get(COOKIE) if header else None

        async def send_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and _SEND in scope:
                MutableHeaders(scope=message).append("set-cookie", self._cookie(scope[_SEND]))
            await send(message)

        await self.app(scope, receive, send_cookie)

    def _cookie(self, token: str) -> str:
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE] = token
        morsel = cookie[COOKIE]
        morsel["path"], morsel["httponly"], morsel["samesite"] = "/", True, "lax"
        morsel["max-age"] = self.max_age if token else 0
        if not token:
            morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
        if self.secure:
            morsel["secure"] = True
        return morsel.OutputString()
