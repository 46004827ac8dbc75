"""Error handlers: one clear page (HTML), fragment (htmx) or JSON body (API) per kind of error."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.services.errors import Forbidden, Invalid, NotFound, ServiceError, Stale
from app.web.deps import SignInRequired
from app.web.templating import is_htmx, render


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
    if _is_api(request):
        return JSONResponse({"error": "sign-in required: send 'Authorization: Bearer <token>'"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    if request.method not in ("GET", "HEAD"):
        return _page(request, 401, "Sign in first", "You are not signed in (or your sign-in ended): nothing was changed. "
                     "Sign in and try again.")
    return RedirectResponse(target, status_code=303)


async def service_error(request: Request, exc: ServiceError) -> Response:
    if _is_api(request):
        body: dict = {"error": str(exc)}
        if isinstance(exc, Invalid):
            body["errors"] = exc.errors
        if isinstance(exc, Stale):
            body["current_version"] = exc.current.version
        return JSONResponse(body, status_code=exc.status_code)
    titles = {NotFound: "Not found", Forbidden: "Not allowed", Stale: "Changed by someone else"}
    return _page(request, exc.status_code, titles.get(type(exc), "Cannot do that"), str(exc))


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if _is_api(request):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
    return _page(request, exc.status_code, title, str(exc.detail))


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    if _is_api(request):
        return JSONResponse({"error": "invalid request", "detail": problems}, status_code=422)
    return _page(request, 422, "Invalid request", problems)


def register(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
