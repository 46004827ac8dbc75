"""URLs from route names, never from strings: `url_for(request, "example", project_id=1, example_id=2)`.

Path parameters fill the named route; every other keyword becomes the query string (None is left
out, a list repeats its key); `_anchor` adds a `#fragment`. Templates call the same function as the
Jinja global `url(name, **params)`. The result is a path ("/projects/1/…"), never an absolute URL.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute


def every_route(routes) -> list[APIRoute]:
    """The APIRoutes, through FastAPI's included routers (the routers' own route objects)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (included := getattr(route, "original_router", None)) is not None:
            found.extend(every_route(included.routes))
    return found


def route_table(app: FastAPI) -> dict[str, APIRoute]:
    """name -> route, built once per app; two routes with one name are refused (the name must say which)."""
    table = getattr(app.state, "route_table", None)
    if table is None:
        table = {}
        for route in every_route(app.routes):
            if route.name in table:
                raise RuntimeError(f"two routes are named {route.name!r}: {table[route.name].path} and {route.path}")
            table[route.name] = route
        app.state.route_table = table
    return table


def path_for(app: FastAPI, name: str, /, _anchor: str = "", **params: Any) -> str:
    route = route_table(app)[name]
    path_params = {key: params.pop(key) for key in route.param_convertors}
    path = route.url_path_for(name, **path_params)
    pairs = [(key, item) for key, value in params.items() if value is not None
             for item in (value if isinstance(value, (list, tuple)) else [value])]
    query = urlencode(pairs, quote_via=quote, safe="/,:")  # a space is %20, as a browser writes it
    return str(path) + (f"?{query}" if query else "") + (f"#{_anchor}" if _anchor else "")


def url_for(request: Request, name: str, /, **params: Any) -> str:
    return path_for(request.app, name, **params)


def twin_name(name: str) -> str:
    """The JSON twin of the page named `name` is named `api_<name>` (under /api/v1)."""
    return f"api_{name}"


def operation_id(route: APIRoute) -> str:
    """OpenAPI operationId: the handler's function name, path and method (FastAPI's scheme before routes
    were named), so generated API clients keep their method names."""
    return f"{re.sub(r'[^0-9a-zA-Z_]', '_', route.endpoint.__name__ + route.path_format)}_{sorted(route.methods)[0].lower()}"
