"""One URL table: every route has its own name, pages and redirects build URLs from names (no hand-built
"/projects/…" strings in app/web or the templates), and a URL's handler sits in the module its prefix names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.web.urls import path_for, route_table

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "app" / "web"
TEMPLATES = ROOT / "templates"
# The start of a URL the app serves: a string with one of these, written by hand, is a URL built by hand.
HAND_BUILT = re.compile(r"""["'`]/(projects|admin|account|api/v1|login|setup|logout)\b|(href|action|hx-get|hx-post)="/(?!static/)""")
ROUTE_DECORATORS = {"get", "post", "put", "delete", "patch", "api_route"}


def hand_built_in_template(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if HAND_BUILT.search(line)]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def hand_built_in_python(source: str) -> list[str]:
    """String literals that start a served URL, outside docstrings and the route declarations themselves."""
    tree = ast.parse(source)
    allowed = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ROUTE_DECORATORS:
            allowed.update(id(arg) for arg in node.args[:1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in allowed:
            if re.match(r"/(projects|admin|account|api/v1|login|setup|logout)\b", node.value):
                found.append(node.value)
    return found


def test_no_template_builds_a_url_by_hand():
    offenders = {str(p.relative_to(ROOT)): hand_built_in_template(p.read_text()) for p in TEMPLATES.rglob("*.html")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, offenders


def test_no_web_module_builds_a_url_by_hand():
    offenders = {str(p.relative_to(ROOT)): hand_built_in_python(p.read_text()) for p in WEB.rglob("*.py")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, offenders


def test_the_checks_see_a_hand_built_url():
    assert hand_built_in_template('<a href="/projects/{{ project.id }}/health">Health</a>')
    assert hand_built_in_template('<form action="/login">')
    assert not hand_built_in_template('<a href="{{ url(\'health\', project_id=project.id) }}">')
    assert not hand_built_in_template('<link rel="stylesheet" href="/static/css/app.css">')
    assert hand_built_in_python('def f(p):\n    return f"/projects/{p}/examples"\n') == ["/projects/"]  # f-strings too
    assert hand_built_in_python('def f(p):\n    return "/projects/" + str(p)\n') == ["/projects/"]
    assert hand_built_in_python('@router.get("/projects/{project_id}")\ndef f(): ...\n') == []
    assert hand_built_in_python('"""Serves /projects/{id}/x."""\n') == []


def test_every_route_has_its_own_name_and_every_twin_lives_beside_its_page(app):
    table = route_table(app)  # raises when two routes share a name
    assert len(table) > 60
    for name, route in table.items():
        if route.path.startswith("/api/"):
            assert name.startswith("api_"), f"{route.path} is named {name!r}: JSON routes are named api_<page>"
        page = table.get(name.removeprefix("api_"))
        if name.startswith("api_") and page is not None and "GET" in route.methods and "GET" in page.methods:
            assert route.endpoint.__module__ == page.endpoint.__module__, f"{name} lives apart from its page"


@pytest.mark.parametrize(("path", "module"), [
    ("/projects/{project_id}/examples/{example_id}/annotate", "app.web.pages.examples.annotate"),
    ("/projects/{project_id}/examples/{example_id}/review", "app.web.pages.examples.review"),
    ("/projects/{project_id}/examples/{example_id}", "app.web.pages.examples.editor"),
    ("/projects/{project_id}/members/{user_id}/remove", "app.web.pages.members"),
    ("/projects/{project_id}/health/keep", "app.web.pages.health"),
    ("/projects/{project_id}/next", "app.web.pages.queue"),
    ("/account/password", "app.web.pages.account"),
    ("/admin/users/{user_id}", "app.web.pages.admin"),
    ("/login", "app.web.pages.auth"),
    ("/api/v1/projects/{project_id}/members", "app.web.pages.members"),
])
def test_a_url_is_served_by_the_module_its_prefix_names(app, path: str, module: str):
    modules = {r.endpoint.__module__ for r in route_table(app).values() if r.path == path}
    assert modules == {module}


def test_url_fills_the_path_then_the_query_string(app):
    assert path_for(app, "example", project_id=3, example_id=9) == "/projects/3/examples/9"
    assert path_for(app, "queue", project_id=3, mode="review", saved=None) == "/projects/3/next?mode=review"
    assert path_for(app, "examples", project_id=3, done="2 approved, 0 skipped") == \
        "/projects/3/examples?done=2%20approved,%200%20skipped"
    assert path_for(app, "api_export_file", project_id=3, status=["draft", "approved"]) == \
        "/api/v1/projects/3/export.jsonl?status=draft&status=approved"
    assert path_for(app, "health", project_id=3, _anchor="groups") == "/projects/3/health#groups"
    assert path_for(app, "login_page", next="/projects/3?a=b&c") == "/login?next=/projects/3%3Fa%3Db%26c"


def test_pages_link_to_named_routes(web):
    project = web.create_project("sentiment", name="Tweets")
    page = web.get(f"/projects/{project}/examples").text
    assert f'href="/projects/{project}/health"' in page and f'action="/projects/{project}/bulk"' in page
    assert "http://" not in page.replace("http://www.w3.org", "")  # paths, never absolute URLs
