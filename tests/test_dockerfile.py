"""The Dockerfile's promises, checked statically (no container engine runs here): a slim multi-stage
build that bakes the npm assets and the checked tokenizer files, installs the pinned package, runs as
a non-root user with the database in a volume, migrates on start, has a health check, and bakes no
secret; the entrypoint script is run for real where it does not need the image."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (KEYWORD, arguments)

    def args(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARGs and the stages of a Dockerfile (continuation lines joined, comments dropped)."""
    logical, current = [], ""
    for line in text.splitlines():
        if not current and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip():
            logical.append(current.strip())
        current = ""
    global_args, stages = {}, []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", rest.strip(), re.I)
            stages.append(Stage(match.group(1), match.group(2)))
        elif stages:
            stages[-1].instructions.append((keyword, rest.strip()))
        elif keyword == "ARG":
            name, _, value = rest.partition("=")
            global_args[name.strip()] = value.strip()
    return global_args, stages


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse((ROOT / "Dockerfile").read_text())


def base_image(stage: Stage, global_args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], stage.base)


def test_every_stage_is_the_slim_python_3_11_image_and_the_build_is_multi_stage(dockerfile):
    global_args, stages = dockerfile
    assert len(stages) >= 2, "a build stage and a runtime stage"
    assert all(base_image(stage, global_args) == "python:3.11-slim" for stage in stages)
    runtime = stages[-1]
    runtime_runs = " ".join(runtime.args("RUN"))
    assert "npm" not in runtime_runs and "apt-get install" not in runtime_runs, "node/npm stay in the build stage"


def test_the_build_stage_installs_the_pinned_npm_assets_and_builds_and_checks_the_tokenizer_files(dockerfile):
    _, stages = dockerfile
    build = " ".join(" ".join(stage.args("RUN")) for stage in stages[:-1])
    assert "npm ci" in build, "npm ci installs exactly package-lock.json"
    assert "node_modules/htmx.org/dist/htmx.min.js" in build and "static/vendor/htmx-" in build
    assert "python -m app.tokenizer_files build" in build and "python -m app.tokenizer_files check" in build


def test_the_runtime_stage_bakes_static_vendor_and_the_tokenizer_cache(dockerfile):
    _, stages = dockerfile
    builder, runtime = stages[0].name, stages[-1]
    copies = runtime.args("COPY")
    assert f"--from={builder} /app/static/vendor /app/static/vendor" in copies
    assert f"--from={builder} /app/.cache/tiktoken /app/.cache/tiktoken" in copies
    assert f"--from={builder} /app/.cache/open-tokenizers /app/.cache/open-tokenizers" in copies
    assert "python -m app.tokenizer_files check" in " ".join(runtime.args("RUN")), "the baked files are checked"


def test_the_package_is_installed_with_exactly_its_pinned_dependencies(dockerfile):
    _, stages = dockerfile
    build = " ".join(" ".join(stage.args("RUN")) for stage in stages[:-1])
    assert "['project']['dependencies']" in build and "pip install -r /tmp/requirements.txt" in build
    assert re.search(r"pip install --no-deps --editable \.", build), "the package itself, no unpinned extras"
    text = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)^\]", text, re.M | re.S).group(1)
    assert all(re.fullmatch(r'"[\w\[\].-]+==[\w.]+",', line.strip()) for line in deps.strip().splitlines()), \
        "every runtime dependency is pinned exactly"


def test_it_runs_as_a_non_root_user_that_owns_only_the_data_volume(dockerfile):
    _, stages = dockerfile
    runtime = stages[-1]
    users = runtime.args("USER")
    assert users and users[-1] not in ("root", "0", "0:0") and not users[-1].startswith("0:")
    assert re.search(r"useradd --system --uid (\d+)", " ".join(runtime.args("RUN")))
    assert "chown tunelab:tunelab /data" in " ".join(runtime.args("RUN"))


def test_the_database_lives_in_the_data_volume(dockerfile):
    _, stages = dockerfile
    runtime = stages[-1]
    assert "/data" in runtime.args("VOLUME")
    assert "TUNELAB_DATABASE_URL=sqlite:////data/tunelab.db" in " ".join(runtime.args("ENV"))


def test_the_healthcheck_asks_healthz_with_python_not_curl(dockerfile):
    _, stages = dockerfile
    checks = stages[-1].args("HEALTHCHECK")
    assert len(checks) == 1
    assert "urllib.request.urlopen('http://127.0.0.1:8000/healthz'" in checks[0]
    assert "curl" not in checks[0] and "wget" not in checks[0]


def test_it_migrates_on_start_then_execs_uvicorn(dockerfile):
    _, stages = dockerfile
    runtime = stages[-1]
    assert runtime.args("ENTRYPOINT") == ['["tunelab-entrypoint"]']
    assert "--chmod=755 docker/entrypoint.sh /usr/local/bin/tunelab-entrypoint" in runtime.args("COPY")
    assert runtime.args("CMD")[-1].startswith('["uvicorn", "--factory", "app.main:create_app"')
    script = ENTRYPOINT.read_text()
    migrate, serve = script.index("alembic upgrade head"), script.index('exec "$@"')
    assert migrate < serve, "migrations run before the server starts"
    assert "set -eu" in script, "a failed migration stops the start"


def test_no_secret_is_baked_into_the_image(dockerfile):
    _, stages = dockerfile
    text = (ROOT / "Dockerfile").read_text()
    for stage in stages:
        for keyword in ("ENV", "ARG", "LABEL"):
            assert not any("SECRET" in args.upper() or "PASSWORD" in args.upper() for args in stage.args(keyword))
    assert not re.search(r"^\s*COPY\s.*(secret|\.env\b|\.key\b)", text, re.M | re.I)


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build_context():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for path in ("data", ".venv", "node_modules", ".git", ".cache", "static/vendor", ".env"):
        assert path in ignored, path
    for needed in ("docker", "app", "migrations", "templates", "static", "README.md", "pyproject.toml"):
        assert needed not in ignored, f"{needed} is needed by the build"


def _entrypoint(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    return subprocess.run(["sh", str(ENTRYPOINT), *args], env={**base, **env}, capture_output=True, text=True,
                          timeout=30)


def test_the_entrypoint_refuses_to_start_the_server_without_a_secret_key():
    result = _entrypoint("uvicorn", "--factory", "app.main:create_app")
    assert result.returncode == 64
    assert "TUNELAB_SECRET_KEY is not set" in result.stderr
    assert "migrating" not in result.stderr, "nothing touches the database before the check"


def test_the_entrypoint_runs_other_commands_as_given_without_migrating():
    result = _entrypoint("echo", "tunelab backup would run here")
    assert result.returncode == 0
    assert result.stdout == "tunelab backup would run here\n" and "migrating" not in result.stderr
