"""One responder for every page: its data object (built by one service call) as the HTML template, or
as JSON when the request came through the page's /api/v1 twin.

A page handler is registered on both URLs (the twin is named `api_<page name>` and declares the
object's model as its response model); `respond()` looks at the route that matched. The HTML page
carries `Link: <twin>; rel="alternate"; type="application/json"`, so a script finds the data of
any page it can see.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from app.web.templating import render
from app.web.urls import path_for, route_table, twin_name


def is_twin(request: Request) -> bool:
    """True when the JSON twin (/api/v1/…) matched, not the page."""
    return request.url.path.startswith("/api/")


def alternate_link(request: Request) -> str | None:
    """The Link header value naming this page's JSON twin (same path and query values), if it has one."""
    if request.method not in ("GET", "HEAD"):
        return None  # a form's answer (a page re-shown with errors) names no twin
    route = request.scope.get("route")
    twin = twin_name(getattr(route, "name", "") or "")
    if twin not in route_table(request.app):
        return None
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    target = path_for(request.app, twin, **request.path_params, **query)
    return f'<{target}>; rel="alternate"; type="application/json"'


def respond(request: Request, page: BaseModel | list, template: str, *, status_code: int = 200,
            block: str | None = None, **context: Any) -> Any:
    """The twin gets `page` itself (FastAPI serialises it with the route's response model); the page
    gets `template` rendered with `page` and the page-only `context` (forms, errors, notices)."""
    if is_twin(request):
        return page
    link = alternate_link(request)
    return render(request, template, {"page": page, **context}, block=block, status_code=status_code,
                  headers={"Link": link} if link else None)

