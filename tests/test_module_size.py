"""No module of the app grows past 400 lines (issue #9: small modules a newcomer can read)."""

from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
MAX_LINES = 400


def test_no_module_of_the_app_is_over_400_lines():
    sizes = {path.relative_to(APP.parent).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for path in APP.rglob("*.py")}
    assert len(sizes) > 50, "the app's modules were found"
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
