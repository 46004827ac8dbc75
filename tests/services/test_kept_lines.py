"""Kept export lines: an import keeps each example's export, the next export streams it, and what
it streams is byte for byte what a fresh render gives; an edit (by any path), a settings change or
another profile renders again; an export that cannot take SQLite's write lock at once still
finishes, keeping nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from app.core.project_settings import ExampleValues
from app.services import examples, exports, kept_lines, projects
from app.services.parsed_settings import settings_of
from app.storage import export_lines
from app.storage.tables import Example, ExportLine
from tests.services.conftest import MODELS
from tests.services.test_imports import SAMPLES, export_bytes, import_file, make_project, team, write_lines  # noqa: F401

MARK = '{"prompt": "kept, not rendered ->", "completion": " positive"}\n'


def kept_rows(engine, project_id: int, profile: str | None = None) -> list[ExportLine]:
    with Session(engine) as session:
        query = select(ExportLine).where(ExportLine.project_id == project_id)
        if profile:
            query = query.where(ExportLine.profile == profile)
        return list(session.exec(query.order_by(ExportLine.example_id)))


def forget_kept(engine) -> None:
    with Session(engine) as session:
        session.execute(text("DELETE FROM export_line"))
        session.commit()


def mark_kept(engine, example_id: int, lines: str = MARK) -> None:
    """Change what is kept for an example (the same stamp and source): the next export shows it
    only if it streams the kept lines."""
    with Session(engine) as session:
        session.execute(text("UPDATE export_line SET lines = :lines WHERE example_id = :id"),
                        {"lines": lines, "id": example_id})
        session.commit()


def imported(engine, team, project, path, **ask) -> None:
    assert import_file(engine, team, project, path, **ask).status == "done"
    team.session.commit()  # the user's lazy refresh in the import began a read of the team session: end it
    team.session.refresh(project)


def sentiment_file(tmp_path, n: int = 30):
    return write_lines(tmp_path / "tweets.jsonl",
                       [f'{{"prompt": "Tweet {i} ->", "completion": " {"positive" if i % 3 else "negative"}"}}'
                        for i in range(1, n + 1)])


@pytest.mark.parametrize("preset", sorted(SAMPLES))
def test_an_imported_project_exports_from_kept_lines_the_bytes_a_fresh_render_gives(engine, team, tmp_path, preset):
    source = make_project(team, preset, "Source")
    for values in SAMPLES[preset]:
        examples.save(team.session, source, team.users["owner"], values, MODELS)
    profile = source.export_profile
    path = tmp_path / "source.jsonl"
    path.write_bytes(export_bytes(engine, team, source, profile))
    target = make_project(team, preset, "Target")
    imported(engine, team, target, path, profile=profile)
    assert len(kept_rows(engine, target.id, profile)) == len(SAMPLES[preset])
    from_kept = export_bytes(engine, team, target, profile)
    forget_kept(engine)
    assert export_bytes(engine, team, target, profile) == from_kept == path.read_bytes()


def test_the_second_export_streams_what_is_kept(engine, team, tmp_path):
    project = team.project = make_project(team, "sentiment", "Tweets")
    imported(engine, team, project, sentiment_file(tmp_path), state="approved")
    first = export_bytes(engine, team, project, "openai-legacy")
    mark_kept(engine, kept_rows(engine, project.id)[4].example_id)
    second = export_bytes(engine, team, project, "openai-legacy")
    assert second.splitlines()[4] == MARK.strip().encode() and len(second.splitlines()) == len(first.splitlines())


def test_an_edit_by_any_path_or_a_settings_change_renders_again(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets")
    imported(engine, team, project, sentiment_file(tmp_path), state="approved")
    first_id, second_id, third_id = (row.example_id for row in kept_rows(engine, project.id)[:3])
    for example_id in (first_id, second_id, third_id):
        mark_kept(engine, example_id)
    # 1. an edit through the service (the example goes back to review: export every state)
    example = team.session.get(Example, first_id)
    examples.save(team.session, project, team.users["owner"], ExampleValues({"text": "Edited tweet"}, "negative"),
                  MODELS, example_id=first_id, expected_version=example.version)
    # 2. a change by another path: straight into the table
    with Session(engine) as session:
        session.execute(text("UPDATE example SET output = :o WHERE id = :id"), {"o": '"negative"', "id": second_id})
        session.commit()
    assert {row.example_id for row in kept_rows(engine, project.id)} & {first_id, second_id} == set()  # the trigger
    body = export_bytes(engine, team, project, "openai-legacy").decode()
    assert {"prompt": "Edited tweet ->", "completion": " negative"} in [json.loads(line) for line in body.splitlines()]
    assert body.count("kept, not rendered") == 1  # the third, untouched, still streams what is kept
    # What was rendered again is kept now, from the new fields and output.
    rows = {row.example_id: row for row in kept_rows(engine, project.id)}
    assert "Edited tweet" in rows[first_id].lines and " negative" in rows[second_id].lines
    # 3. new settings (another separator): nothing kept is current
    team.session.refresh(project)
    before = kept_lines.stamp(project)
    form = projects.SettingsForm(name=project.name, target_model=project.settings["target_model"], separator=" =>",
                                 stop=project.settings["stop"], leading_space=True, guidelines="",
                                 export_profile=project.export_profile,
                                 labels=[(label["name"], label["completion"], label.get("hotkey", ""))
                                         for label in project.settings["labels"]])
    projects.update_settings(team.session, project, team.users["owner"], form, MODELS)
    assert kept_lines.stamp(project) != before
    body = export_bytes(engine, team, project, "openai-legacy").decode()
    assert "kept, not rendered" not in body and body.count(" =>") == 30


def test_each_profile_is_kept_on_its_own(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets")
    imported(engine, team, project, sentiment_file(tmp_path, 5), state="approved")
    assert {row.profile for row in kept_rows(engine, project.id)} == {project.export_profile}
    other = next(p for p in exports.usable_profiles("classification") if p != project.export_profile)
    first = export_bytes(engine, team, project, other)
    assert len(kept_rows(engine, project.id, other)) == 5  # kept by the export that rendered them
    assert export_bytes(engine, team, project, other) == first


def test_lines_rendered_from_an_older_version_are_not_kept(engine, team, tmp_path):
    """An export renders an example, someone edits it, then the export keeps what it rendered: nothing
    is kept (the edit's trigger ran before the row could go in; the version check stops it)."""
    project = make_project(team, "sentiment", "Tweets")
    imported(engine, team, project, sentiment_file(tmp_path, 2), state="draft")
    forget_kept(engine)
    edited, untouched = team.session.exec(select(Example).where(Example.project_id == project.id)
                                          .order_by(Example.id)).all()
    stale = export_lines.Kept(edited.id, edited.version, "written", "[]", MARK)  # rendered, then:
    examples.save(team.session, project, team.users["owner"], ExampleValues({"text": "Changed"}, "positive"),
                  MODELS, example_id=edited.id, expected_version=edited.version)
    current = export_lines.Kept(untouched.id, untouched.version, "written", "[]", MARK)
    team.session.commit()
    assert export_lines.keep_now(engine, project.export_profile, kept_lines.stamp(project), [stale, current])
    assert [row.example_id for row in kept_rows(engine, project.id)] == [untouched.id]


def test_deleting_an_example_deletes_what_was_kept_of_it(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets")
    imported(engine, team, project, sentiment_file(tmp_path, 3), state="draft")
    gone = kept_rows(engine, project.id)[0].example_id
    examples.delete(team.session, project, team.users["owner"], gone, MODELS)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ExportLine)
                            .where(ExportLine.example_id == gone)).one() == 0


HOLD_LOCK = """
import sys, time
from app.storage.db import make_engine, session_scope
from sqlalchemy import text
engine = make_engine(sys.argv[1])
with session_scope(engine) as session:
    session.execute(text("UPDATE project SET updated_at = updated_at"))
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_an_export_while_another_process_writes_finishes_and_keeps_nothing(engine, team, tmp_path):
    """`tunelab import` holds SQLite's write lock for minutes: an export meanwhile must not wait for it."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    project = make_project(team, "sentiment", "Tweets")
    imported(engine, team, project, sentiment_file(tmp_path, 12), state="approved")
    forget_kept(engine)
    team.session.commit()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(engine.url), "120"], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        body = export_bytes_without_snapshot(engine, team, project)
        assert holder.poll() is None and time.monotonic() - started < 120, "the export waited for the lock"
        assert body.count(b"\n") == 12
        assert kept_rows(engine, project.id) == []
    finally:
        holder.kill()
        holder.wait()


def export_bytes_without_snapshot(engine, team, project) -> bytes:
    """The stream of kept/rendered lines alone (the snapshot row at the end is a write that waits)."""
    with Session(engine) as session:
        return b"".join(row[3].encode() for rows in kept_lines.judged_batches(
            engine, session, project, settings_of(project), exports.STATUSES, "openai-legacy", MODELS) for row in rows)
