"""The set-up files agree with each other: what setup installs is never committed, is pinned, and is
what the app and the image use."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def read(name: str) -> str:
    return (ROOT / name).read_text()


def make(*args: str) -> subprocess.CompletedProcess:
    """Run make in the project, unaffected by a `make test` that may be running these tests."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args],
                          capture_output=True, text=True, check=True, env=env)


def git(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


def htmx_version() -> str:
    return json.loads(read("package.json"))["dependencies"]["htmx.org"]


def test_npm_packages_are_pinned_exactly_and_locked():
    pinned = json.loads(read("package.json"))["dependencies"]
    locked = json.loads(read("package-lock.json"))["packages"]
    for name, version in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly, not {version!r}"
        assert locked[f"node_modules/{name}"]["version"] == version, name


def test_setup_copied_the_pinned_htmx_where_the_templates_link_it():
    vendored = ROOT / "static" / "vendor" / f"htmx-{htmx_version()}.min.js"
    assert vendored.read_bytes() == (ROOT / "node_modules/htmx.org/dist/htmx.min.js").read_bytes()
    installed = json.loads((ROOT / "node_modules/htmx.org/package.json").read_text())["version"]
    assert installed == htmx_version()


@pytest.mark.parametrize(
    "path", ["node_modules/htmx.org/package.json", "static/vendor/x.js", ".cache/tiktoken/x", ".venv/x", "data/tunelab.db"]
)
def test_installed_and_local_files_are_git_ignored(path: str):
    assert git("check-ignore", "-q", "--no-index", path).returncode == 0, f"{path} must be git-ignored"


@pytest.mark.parametrize("path", ["app/data/models.json", "migrations/env.py", "alembic.ini", "static/css/app.css"])
def test_project_files_are_not_git_ignored(path: str):
    result = git("check-ignore", "-v", "--no-index", path)
    assert result.returncode == 1, f"{path} is git-ignored by {result.stdout.strip()}: anchor that pattern to the repository root (e.g. /data/)"


def test_no_third_party_file_is_committed():
    tracked = git("ls-files").stdout.splitlines()
    assert not [p for p in tracked if p.startswith(("node_modules/", "static/vendor/", ".cache/", ".venv/"))]


def test_ci_entry_point_is_an_executable_bash_script_that_runs_make_test():
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert text.rstrip().endswith("exec make test")


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_make_help_is_the_default_goal_and_lists_the_targets():
    result = make("-s")
    for target in ("setup", "migrate", "run", "chromium", "test", "bench", "clean"):
        assert re.search(rf"^  {target}\s", result.stdout, re.M), f"`make` does not list {target}"


def test_docker_image_carries_what_the_app_needs_and_no_secret():
    dockerfile = read("Dockerfile")
    for source in ("alembic.ini", "migrations/", "templates/", "static/", "app/"):
        assert re.search(rf"^COPY {re.escape(source)} ", dockerfile, re.M), source
        assert (ROOT / source).exists(), source
    assert "COPY --from=builder /app/.cache/tiktoken /app/.cache/tiktoken" in dockerfile
    assert "COPY --from=builder /app/static/vendor /app/static/vendor" in dockerfile
    assert "TUNELAB_DATABASE_URL=sqlite:////data/tunelab.db" in dockerfile
    assert "http://127.0.0.1:8000/healthz" in dockerfile
    assert not re.search(r"^\s*(ENV|ARG)\b.*TUNELAB_SECRET_KEY", dockerfile, re.M), "never bake the secret in"
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    ignored = read(".dockerignore").split()
    for path in (".venv/", "node_modules/", "data/", ".cache/", ".git/", "tests/"):
        assert path in ignored, path
