"""Error handlers: one clear page (HTML), toast (htmx) or JSON body (API) per kind of error.

An htmx request that is refused (a review decision without its comment, a stale form, a forbidden
action) gets a toast on the page it came from, never a page in place of the form: the fragment
goes to `#toasts` (HX-Retarget, HX-Reswap, HX-Reselect), the URL stays as it is (HX-Push-Url:
false) and `HX-Toast` tells app.js to show it whatever its status, so what was typed stays put.

Every JSON error has one shape, `ErrorOut`, declared for every /api route (`API_ERRORS`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.wording import say
from app.services.errors import Forbidden, Gone, Invalid, NotFound, ServiceError, Stale
from app.web.deps import SignInRequired
from app.web.templating import is_htmx, render
from app.web.text_check import TextRejected
from app.web.urls import every_route, path_for

LOCATIONS = ("body", "query", "path", "header", "cookie")


class ErrorOut(BaseModel):
    """Every JSON error: a message, per-field messages where a field is at fault, the current version on 409."""

    error: str = Field(description="What went wrong, in a sentence.")
    errors: dict[str, str] | None = Field(None, description="Field (dotted path) -> what is wrong with it.")
    current_version: int | None = Field(None, description="On 409: the example's version now.")


_DESCRIPTIONS = {400: "Malformed request", 401: "Sign-in required", 403: "Not allowed (role or CSRF token)",
                 404: "No such project or example", 405: "Method not allowed",
                 409: "Changed by someone else", 410: "No longer available", 413: "Request body too large", 422: "Invalid input",
                 429: "Too many requests"}
API_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _DESCRIPTIONS.items()}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _json(status: int, message: str, errors: dict[str, str] | None = None, headers: dict[str, str] | None = None,
          **extra: Any) -> JSONResponse:
    body = ErrorOut(error=message, errors=errors or None, **extra).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, headers=headers)


TOAST_HEADERS = {"HX-Retarget": "#toasts", "HX-Reswap": "beforeend", "HX-Reselect": ".toast", "HX-Push-Url": "false",
                 "HX-Toast": "error"}


def _page(request: Request, status: int, title: str, message: str, errors: dict[str, str] | None = None) -> Response:
    if is_htmx(request):
        return render(request, "_toast.html", {"kind": "error", "title": title, "message": message,
                                               "errors": errors or {}}, status_code=status, headers=TOAST_HEADERS)
    return render(request, "error.html", {"title": title, "message": message, "errors": errors or {}},
                  status_code=status)


async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
    if _is_api(request):
        return _json(401, say("sign-in required: send 'Authorization: Bearer <token>'"), headers={"WWW-Authenticate": "Bearer"})
    target = path_for(request.app, "login_page") + "?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    if request.method not in ("GET", "HEAD"):
        return _page(request, 401, say("Sign in first"), say("You are not signed in (or your sign-in ended): nothing "
                                                        "was changed. Sign in and try again."))
    return RedirectResponse(target, status_code=303)


async def service_error(request: Request, exc: ServiceError) -> Response:
    if _is_api(request):
        errors = exc.errors if isinstance(exc, Invalid) else None
        version = exc.current.version if isinstance(exc, Stale) else None
        return _json(exc.status_code, str(exc), errors, current_version=version)
    titles = {NotFound: say("Not found"), Forbidden: say("Not allowed"), Stale: say("Changed by someone else"),
              Gone: say("Kept file not available")}
    return _page(request, exc.status_code, titles.get(type(exc), say("Cannot do that")), str(exc),
                 exc.errors if isinstance(exc, Invalid) else None)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    message = str(exc.detail)
    errors = exc.errors if isinstance(exc, TextRejected) else None
    if _is_api(request):
        return _json(exc.status_code, message, errors, headers=getattr(exc, "headers", None))
    title = {404: say("Not found"), 405: say("Method not allowed"), 413: say("Request too large"), 422: say("Invalid text")}
    return _page(request, exc.status_code, title.get(exc.status_code, say("Error")), message, errors)


def _field(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "body"
    loc = [str(p) for p in error["loc"]]
    if loc and loc[0] in LOCATIONS:
        loc = loc[1:]
    path = (error.get("ctx") or {}).get("path")
    if path:
        loc.append(str(path))
    return ".".join(loc) or "body"


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors: dict[str, str] = {}
    for e in exc.errors():
        errors.setdefault(_field(e), e["msg"].removeprefix("Value error, "))
    problems = "; ".join(f"{k}: {v}" for k, v in errors.items())
    if _is_api(request):
        return _json(422, say("invalid request: {problems}", problems=problems), errors)
    return _page(request, 422, say("Invalid request"), problems)


def declare_api_errors(app: FastAPI) -> None:
    """Every /api route declares ErrorOut for each error status; the HTML pages stay out of the schema."""
    for route in every_route(app.routes):
        if route.path.startswith("/api/"):
            route.responses = {**API_ERRORS, **route.responses}
        else:
            route.include_in_schema = False


def register(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
