"""A settings change re-checks every example in short batches that a stopped server resumes,
and the project's counts end up exactly as if every example had been saved under the new settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
from sqlalchemy import func, select
from sqlmodel import Session

from app.core.evaluate import evaluate
from app.core.model_table import load_model_table
from app.core.project_settings import ExampleValues as Values
from app.core.project_settings import ProjectSettings
from app.services import accounts, examples, health, projects, recheck
from app.storage.db import make_engine, session_scope
from app.storage.tables import Example, ExampleCode, HashCount, LevelCount, Project, User
from tests.conftest import REPO_ROOT, _free_port, _stop, _wait_until_healthy
from tests.web.conftest import PASSWORD, TOKEN_RE

MODELS = load_model_table()


def _project_with_examples(engine, n: int) -> int:
    with Session(engine, expire_on_commit=False) as session:
        admin = accounts.create_first_admin(session, "admin", PASSWORD).user
        project = projects.create_project(session, admin, "Tweets", "sentiment")
        for i in range(n):
            text = f"tweet number {i % (n // 2 or 1)}"  # every text twice: duplicates to count
            examples.save(session, project, admin, Values({"text": text}, "positive" if i % 3 else "negative"), MODELS)
        return project.id


def assert_counted_as_if_saved_now(engine, project_id: int) -> None:
    """Every example's cached figures and the project's counters match a fresh evaluation."""
    with Session(engine) as session:
        project = session.get(Project, project_id)
        settings = ProjectSettings.from_dict(project.settings)
        rows = list(session.exec(select(Example).where(Example.project_id == project_id)).scalars())
        levels: dict[str, int] = {}
        for example in rows:
            fresh = evaluate(settings, Values(example.fields, example.output), project.export_profile, models=MODELS)
            assert example.checked_version == project.version
            assert (example.token_count, example.input_hash) == (fresh.rendered.tokens, fresh.input_hash)
            levels[example.worst_level] = levels.get(example.worst_level, 0) + 1
        stored = {level: n for level, n in session.exec(
            select(LevelCount.level, LevelCount.n).where(LevelCount.project_id == project_id)).all() if n}
        assert stored == levels
        hashed = session.exec(select(func.sum(HashCount.n)).where(HashCount.project_id == project_id,
                                                                  HashCount.kind == "content")).scalar()
        assert hashed == len(rows)
        report = health.report(session, project, "owner", MODELS)
        assert report.stats.examples == len(rows) and not report.rechecking
        coded = session.exec(select(func.count()).select_from(ExampleCode).where(
            ExampleCode.project_id == project_id, ExampleCode.code == "duplicate")).scalar()
        assert coded == sum(1 for e in rows if "duplicate" in e.codes)


def _change_separator(session: Session, project_id: int, separator: str) -> None:
    project = session.get(Project, project_id)
    admin = session.get(User, project.created_by)
    current = projects.settings_of(project)
    form = projects.SettingsForm(name=project.name, target_model=current.target_model, separator=separator,
                                 stop=current.stop, leading_space=True, guidelines="", export_profile=project.export_profile,
                                 prompt_style=current.prompt_style,
                                 labels=[(l.name, l.completion, l.hotkey) for l in current.labels])
    projects.update_settings(session, project, admin, form, MODELS)


def test_a_recheck_stopped_half_way_is_finished_by_the_next_start(database_url: str):
    engine = make_engine(database_url)
    project_id = _project_with_examples(engine, 1_200)
    with Session(engine, expire_on_commit=False) as session:
        _change_separator(session, project_id, "\n\n###\n\n")
    with session_scope(engine) as session:
        assert recheck.run_batch(session, project_id, MODELS, batch=500)  # one batch, then the server "dies"
    with Session(engine) as session:
        project = session.get(Project, project_id)
        assert project.recheck_cursor is not None and health.report(session, project, "owner", MODELS).rechecking
        # a save while the re-check runs is counted once, with the new settings
        admin = session.get(User, project.created_by)
        last = session.exec(select(Example).where(Example.project_id == project_id).order_by(Example.id.desc())).scalars().first()
        examples.save(session, project, admin, Values({"text": "edited during the re-check"}, "positive"), MODELS,
                      last.id, last.version)
    recheck.resume_all(lambda: session_scope(engine), MODELS)
    assert_counted_as_if_saved_now(engine, project_id)
    engine.dispose()


def test_a_server_killed_during_a_settings_recheck_repairs_it_on_restart(database_url: str, tmp_path):
    engine = make_engine(database_url)
    project_id = _project_with_examples(engine, 4_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_") or k == "TUNELAB_TOKENIZER_DIR"}
    env.update(TUNELAB_DATABASE_URL=database_url, TUNELAB_SECRET_KEY="a-test-secret-key-for-the-kill-test")

    def start() -> tuple[subprocess.Popen, str]:
        port = _free_port()
        out = open(tmp_path / f"uvicorn-{port}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host",
                                 "127.0.0.1", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
        _wait_until_healthy(proc, f"http://127.0.0.1:{port}", tmp_path)
        return proc, f"http://127.0.0.1:{port}"

    proc, base = start()
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = TOKEN_RE.search(client.get("/login").text).group(1)
    assert client.post("/login", data={"csrftoken": token, "username": "admin", "password": PASSWORD}).status_code == 303
    with Session(engine) as session:
        project = session.get(Project, project_id)
        labels = projects.settings_of(project).labels
    form = {"csrftoken": token, "name": "Tweets", "target_model": "gpt-4.1-mini", "export_profile": "openai-legacy",
            "separator": "\\n\\n###\\n\\n", "stop": "", "leading_space": "yes", "guidelines": "",
            "prompt_style": "template", "label.name": [l.name for l in labels],
            "label.completion": [l.completion for l in labels], "label.hotkey": [l.hotkey for l in labels]}
    saved = client.post(f"/projects/{project_id}/settings", data=form)
    assert saved.status_code == 200 and "checked again" in saved.text
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with Session(engine) as session:
        project = session.get(Project, project_id)
        assert project.recheck_cursor is not None, "the re-check finished before the kill: make the project bigger"
        assert ProjectSettings.from_dict(project.settings).separator == "\n\n###\n\n"
    proc, base = start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if session.get(Project, project_id).recheck_cursor is None:
                    break
            time.sleep(0.2)
        assert_counted_as_if_saved_now(engine, project_id)
    finally:
        _stop(proc)
        engine.dispose()
