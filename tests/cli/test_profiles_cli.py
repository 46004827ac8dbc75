"""`tunelab profiles`: the export profile keys a user can pass, by provider, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

from app.core.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "app", "profiles", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_every_profile_key_is_listed_under_its_provider():
    status, out, _ = run()
    assert status == 0
    for profile in PROFILES.values():
        assert f"  {profile.key} " in out
    lines = out.splitlines()
    assert lines.index("Together AI") < next(i for i, line in enumerate(lines) if "together-preference" in line)
    assert "mistral-finetune" in out.split("Mistral\n", 1)[1]


def test_kind_filters_to_the_profiles_that_write_it_and_json_says_the_same():
    status, out, _ = run("--kind", "pref", "--format", "json")
    assert status == 0
    listed = json.loads(out)
    assert {p["key"] for p in listed} == {p.key for p in PROFILES.values() if "preference" in p.kinds}
    assert "openai-legacy" not in {p["key"] for p in listed}
    assert all("preference" in p["kinds"] and p["provider"] and p["targets"] for p in listed)


def test_an_unknown_kind_is_refused_with_the_choices():
    status, _, err = run("--kind", "poetry")
    assert status == 2 and "chat" in err and "preference" in err
