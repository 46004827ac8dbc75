"""Only the ledger writes a counter: no other module of app/ calls a counter writer, builds a counter
row or runs an INSERT / UPDATE / DELETE on a counter table (reads are fine)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
LEDGER = APP / "storage" / "ledger.py"
TABLES = APP / "storage" / "tables.py"
COUNTER_TABLES = {"StateCount", "LevelCount", "MemberStat", "WorkTimeBucket", "HashCount", "CodeCount",
                  "ExampleCode", "DatasetStatsRow"}
WRITERS = {"upsert_add", "_upsert_add", "bump_state", "move_state", "bump_level", "move_level", "bump_member",
           "add_work_time", "count_hashes", "_count_hashes", "move_codes", "_move_codes", "save_stats", "_save_stats",
           "clear_project", "recount_levels", "record_change", "add_many", "_rebuild_later"}
WRITE_CALLS = {"insert", "update", "delete", "add", "add_all", "merge", "bulk_save_objects"}


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def counter_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, (ast.Name, ast.Attribute)) and _name(node) in WRITERS:
            found.append(f"line {node.lineno}: {_name(node)}")
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            mentioned = {_name(n) for n in ast.walk(node)} & COUNTER_TABLES
            if called in COUNTER_TABLES:
                found.append(f"line {node.lineno}: builds a {called} row")
            elif called in WRITE_CALLS and mentioned:
                found.append(f"line {node.lineno}: {called}(…) on {', '.join(sorted(mentioned))}")
    return found


def test_no_module_but_the_ledger_writes_a_counter():
    offenders = {f"{path.relative_to(APP)}: {what}" for path in APP.rglob("*.py") if path not in (LEDGER, TABLES)
                 for what in counter_writes(path)}
    assert not offenders, f"counters are written by app/storage/ledger.py only: {sorted(offenders)}"


def test_the_check_sees_a_counter_write(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(session, n):\n    counters.bump_state(session, 1, 'draft', n)\n"
                      "    session.add(StateCount(project_id=1, status='draft', n=n))\n"
                      "    session.execute(HashCount.__table__.delete())\n"
                      "    return session.exec(select(StateCount))\n")
    assert sorted(counter_writes(sample)) == ["line 2: bump_state", "line 3: add(…) on StateCount",
                                              "line 3: builds a StateCount row", "line 4: delete(…) on HashCount"]


def test_the_ledger_itself_is_seen_writing():
    assert counter_writes(LEDGER), "the check must recognise the ledger's own writes"
