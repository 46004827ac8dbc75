"""`tunelab import`: a file into a project by name or #id, `--create` with the preset that fits the
file (or the one asked for), the review state, `--valid-only`, CSV columns, the exit codes (0 all
imported, 1 lines refused, 2 bad input) and nothing left behind when it fails."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from app import cli
from app.storage.tables import Example, Project
from tests.services.conftest import build_team


@pytest.fixture
def team(engine):
    with Session(engine) as session:
        yield build_team(session)


@pytest.fixture
def run_import(database_url, monkeypatch, capsys):
    monkeypatch.setenv("TUNELAB_DATABASE_URL", database_url)

    def run(*args: str):
        status = cli.main(["import", *args])
        said = capsys.readouterr()
        return status, said.out, said.err
    return run


def examples_of(engine, name: str) -> list[Example]:
    with Session(engine) as session:
        project = session.exec(select(Project).where(Project.name == name)).first()
        if project is None:
            return []
        return session.exec(select(Example).where(Example.project_id == project.id).order_by(Example.id)).all()


CHAT = ['{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}',
        '{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}']


def test_create_picks_the_preset_of_the_files_shape_and_sets_the_state(engine, team, tmp_path, run_import):
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(CHAT) + "\n")
    status, out, err = run_import(str(path), "--project", "Assistant", "--create", "--state", "approved")
    assert status == 0, err
    assert "imported 2 of 2 lines" in out and "created, preset chat" in out
    rows = examples_of(engine, "Assistant")
    assert [e.status for e in rows] == ["approved", "approved"]
    assert rows[1].output == [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]


def test_a_bad_line_fails_with_its_number_and_field_and_creates_nothing(engine, team, tmp_path, run_import):
    path = tmp_path / "chats.jsonl"
    path.write_text(CHAT[0] + "\n" + '{"messages": [{"role": "user", "content": "Hi"}' + "\n")
    status, out, err = run_import(str(path), "--project", "New one", "--create")
    assert status == 1
    assert f"{path}:2: line: The line is not valid JSON" in err
    assert "nothing imported into a new project 'New one' (not created)" in err
    assert examples_of(engine, "New one") == []
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Project).where(Project.name == "New one")).one() == 0


def test_valid_only_imports_the_rest_and_exits_1(engine, team, tmp_path, run_import):
    path = tmp_path / "tweets.jsonl"
    path.write_text('{"prompt": "Good ->", "completion": " positive"}\n{"prompt": "Meh ->", "completion": " meh"}\n')
    status, out, err = run_import(str(path), "--project", "Tweets", "--valid-only")
    assert status == 1
    assert "imported 1 of 2 lines" in out and ":2: output: 'meh' is not one of this project's labels" in err
    assert [e.fields for e in examples_of(engine, "Tweets")] == [{"text": "Good"}]


def test_csv_columns_by_name(engine, team, tmp_path, run_import):
    path = tmp_path / "tweets.tsv"
    path.write_text("Tweet\tVerdict\nLovely\tpositive\n")
    status, out, err = run_import(str(path), "--project", f"#{team.project.id}", "--column", "text=Tweet",
                                  "--column", "output=Verdict")
    assert status == 0, err
    assert [(e.fields, e.output) for e in examples_of(engine, "Tweets")] == [({"text": "Lovely"}, "positive")]


@pytest.mark.parametrize(("args", "said"), [
    (["missing.jsonl", "--project", "Tweets"], "FILE: missing.jsonl is not a file"),
    (["{file}", "--project", "Nope"], "--project: There is no project named 'Nope'"),
    (["{file}", "--project", "Tweets", "--state", "done"], "--state: Unknown state 'done'"),
    (["{file}", "--project", "Tweets", "--create"], "--project: A project named 'Tweets' exists already"),
    (["{file}", "--project", "Tweets", "--preset", "chat"], "--preset: --preset is for a new project"),
    (["{file}", "--project", "Tweets", "--column", "text"], "--column: 'text': write TARGET=COLUMN"),
])
def test_bad_input_exits_2_and_says_what(engine, team, tmp_path, run_import, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "t.jsonl"
    path.write_text('{"prompt": "Good ->", "completion": " positive"}\n')
    status, out, err = run_import(*[a.replace("{file}", str(path)) for a in args])
    assert status == 2
    assert said in err
    assert examples_of(engine, "Tweets") == []
