"""A route module never imports another route module: shared web code lives beside the routes."""

import ast
from pathlib import Path

ROUTES = Path(__file__).resolve().parents[2] / "app" / "web" / "pages"


def route_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app.web.pages"):
            names.append(node.module)
    return names


def test_routes_import_no_other_route():
    offenders = {f"{p.name}: {m}" for p in ROUTES.rglob("*.py") if p.name != "__init__.py" for m in route_imports(p)}
    assert not offenders, sorted(offenders)


def test_the_check_sees_a_route_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from app.web.pages.export import download\n")
    assert route_imports(sample) == ["app.web.pages.export"]
