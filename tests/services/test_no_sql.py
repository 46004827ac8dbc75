"""SQL lives only in app/storage: services compose storage calls and never build or run a query."""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "app" / "services"
ALLOWED_DB_NAMES = {"Session", "Engine"}  # types for signatures only
QUERY_CALLS = {"exec", "execute", "query", "scalar", "scalars"}  # session.add/delete are the unit of work, not queries


def sql_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("sqlalchemy", "sqlmodel"):
            found += [f"imports {alias.name} from {node.module}" for alias in node.names if alias.name not in ALLOWED_DB_NAMES]
        elif isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names if a.name.split(".")[0] in ("sqlalchemy", "sqlmodel")]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in QUERY_CALLS and isinstance(func.value, ast.Name) \
                    and func.value.id == "session":
                found.append(f"line {node.lineno}: session.{func.attr}(…)")
            elif isinstance(func, ast.Name) and func.id in ("select", "text"):
                found.append(f"line {node.lineno}: {func.id}(…)")
    return found


def test_services_run_no_sql_of_their_own():
    offenders = {f"{path.name}: {what}" for path in SERVICES.glob("*.py") for what in sql_in(path)}
    assert not offenders, f"move these queries into app/storage: {sorted(offenders)}"


def test_the_check_sees_a_query(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlmodel import Session, select\n\ndef f(session):\n    return session.exec(select(1))\n")
    assert sql_in(sample) == ["imports select from sqlmodel", "line 4: session.exec(…)", "line 4: select(…)"]
