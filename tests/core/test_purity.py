"""app/core stays pure: no web framework, ORM, template engine or other app layer imports."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "app" / "core"
FORBIDDEN = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "jinja2", "jinja2_fragments", "alembic",
             "psycopg", "uvicorn", "app.web", "app.storage", "app.services")


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_core_imports_no_web_or_database_library():
    offenders = {
        f"{path.relative_to(CORE)}: {name}"
        for path in CORE.rglob("*.py")
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert not offenders, f"app/core must stay pure, but imports {sorted(offenders)}"


def test_the_purity_check_sees_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlalchemy import select\nimport fastapi.routing\n")
    assert imported_modules(sample) == ["sqlalchemy", "fastapi.routing"]
