"""The browser's side of a sign-in: the session cookie holds only the random session token.

Used by the sign-in, setup, sign-out and password routes (not a router itself).
"""

from __future__ import annotations

from fastapi import Request

from app.services.accounts import SignedIn, SignInLimits

SESSION_KEY = "sid"


def remember(request: Request, signed_in: SignedIn) -> None:
    """Put a new sign-in's token in the (signed) session cookie, replacing whatever was there."""
    request.session.clear()
    request.session[SESSION_KEY] = signed_in.token


def session_token(request: Request) -> str | None:
    if "session" not in request.scope:
        return None
    token = request.session.get(SESSION_KEY)
    return token if isinstance(token, str) else None


def forget(request: Request) -> str | None:
    """Empty the cookie; returns the token it held (for the service to delete its session)."""
    token = session_token(request)
    request.session.clear()
    return token


def limits(request: Request) -> SignInLimits:
    return SignInLimits.from_settings(request.app.state.settings)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
