"""The README stays true: both commands first, every setting listed."""

from pathlib import Path

from app.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    head = README[:400]
    assert "make run" in head and "make test" in head


def test_every_setting_is_documented():
    missing = [name for name in Settings.model_fields if f"TUNELAB_{name.upper()}" not in README]
    assert not missing, f"settings missing from the README: {missing}"
