"""`tunelab export`: the same bytes as the HTTP download of the same project, profile and states (the
snapshot recorded, with the acting user), examples left out counted (exit 1), an existing file kept,
and bad input (unknown project, user, state, a profile that cannot write the project) exit 2."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import cli
from app.config import Settings
from app.main import create_app
from app.services import members, projects
from app.storage.tables import AuditEvent, ExportSnapshot
from tests.services.conftest import build_team
from tests.services.test_exports import PLAIN, REASONED, TWO_USERS, add, chat_project
from tests.cli.terminal import on_terminal
from tests.web.conftest import sign_in


@pytest.fixture
def team(engine):
    with Session(engine) as session:
        yield build_team(session)


@pytest.fixture
def export(database_url, monkeypatch, capsys):
    """`export(*args)`: the command in-process on the test's database: (exit status, stdout, stderr)."""
    monkeypatch.setenv("TUNELAB_DATABASE_URL", database_url)

    def run(*args: str):
        status = cli.main(["export", *args])
        said = capsys.readouterr()
        return status, said.out, said.err
    return run


def http_download(database_url: str, project_id: int, query: str) -> bytes:
    app = create_app(Settings(database_url=database_url, secret_key="test-secret-key-not-for-production"))
    with TestClient(app):
        owner = sign_in(app, "owner")
        response = owner.get(f"/projects/{project_id}/export.jsonl?{query}")
        assert response.status_code == 200, response.text
        return response.content


def snapshots(engine) -> list[ExportSnapshot]:
    with Session(engine) as session:
        return list(session.exec(select(ExportSnapshot).order_by(ExportSnapshot.id)))


@pytest.mark.parametrize("profile", ["openai-chat", "azure-openai-chat"])  # Azure's file starts with a BOM
def test_the_file_is_the_http_download_byte_for_byte(team, engine, database_url, export, tmp_path, profile):
    project = chat_project(team)
    for turns in (PLAIN, REASONED, [{"role": "user", "content": "Sawasdee สวัสดี 你好"},
                                    {"role": "assistant", "content": "ครับ — 好的"}]):
        add(team, project, "owner", turns)
    (tmp_path / "exports").mkdir()
    out = tmp_path / "exports" / "assistant.jsonl"
    status, said, err = export("--project", "Assistant", "--profile", profile, "--states", "draft", "--out", str(out))
    assert (status, err) == (0, "")
    body = out.read_bytes()
    assert body == http_download(database_url, project.id, f"profile={profile}&status=draft")
    assert body.count(b"\n") == 3 and "สวัสดี".encode() in body
    assert body.startswith(b"\xef\xbb\xbf") == (profile == "azure-openai-chat")
    cli_snapshot, http_snapshot = snapshots(engine)
    assert cli_snapshot.sha256 == http_snapshot.sha256 == hashlib.sha256(body).hexdigest()
    assert (cli_snapshot.rows, cli_snapshot.examples, cli_snapshot.created_by) == (3, 3, team.users["owner"].id)
    assert said == (f"wrote {out}: 3 lines from 3 of 3 examples of project 'Assistant' (#{project.id}), profile "
                    f"{profile}, states draft; sha256 {cli_snapshot.sha256}; snapshot {cli_snapshot.id}; as 'owner'\n")
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left beside it
    with Session(engine) as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.project_id, e.user_id, e.detail["profile"]) for e in audited] == [(project.id, team.users["owner"].id,
                                                                                 profile)] * 2


def test_examples_left_out_are_counted_and_exit_1(team, engine, export, tmp_path):
    project = chat_project(team)
    add(team, project, "owner", PLAIN)
    add(team, project, "owner", TWO_USERS)  # two user turns in a row: Alpaca's shape cannot carry it
    out = tmp_path / "alpaca.jsonl"
    status, said, err = export("--project", f"#{project.id}", "--profile", "llamafactory-alpaca", "--states", "all",
                               "--out", str(out))
    assert status == 1
    assert "1 lines from 1 of 2 examples" in said
    assert err == ("tunelab export: 1 examples left out: 1 the profile's shape cannot carry (refused), 0 with "
                   "error-level findings (write them with --include-errors); the export page's preflight lists each\n")
    assert out.read_bytes().count(b"\n") == 1 and b"First part" not in out.read_bytes()
    (snapshot,) = snapshots(engine)
    assert (snapshot.skipped, snapshot.filters["refused"], snapshot.filters["statuses"]) == (1, 1, [
        "draft", "submitted", "approved", "changes_requested", "rejected"])


def test_an_existing_file_is_kept_unless_forced(team, engine, export, tmp_path):
    project = chat_project(team)
    add(team, project, "owner", PLAIN)
    out = tmp_path / "kept.jsonl"
    out.write_text("my earlier export\n")
    args = ("--project", "Assistant", "--profile", "openai-chat", "--states", "draft", "--out", str(out))
    assert export(*args) == (2, "", f"tunelab export: --out: {out} exists; pass --force to replace it.\n")
    assert out.read_text() == "my earlier export\n" and snapshots(engine) == []
    assert export(*args, "--force")[0] == 0
    assert b"Hi, how can I help?" in out.read_bytes() and len(snapshots(engine)) == 1


def test_the_acting_user_is_named_with_as_and_must_be_allowed_to_export(team, engine, export, tmp_path):
    project = chat_project(team)
    add(team, project, "owner", PLAIN)
    members.set_member(team.session, project, team.users["owner"], "owner", "rex", "owner")
    out = tmp_path / "out.jsonl"
    base = ("--project", "Assistant", "--profile", "openai-chat", "--states", "draft", "--out", str(out))
    status, _, err = export(*base, "--as", "anna")  # an annotator of the project
    assert status == 2
    assert err == ("tunelab export: --as: 'anna' may not export project 'Assistant' (only its owners and admins may): "
                   "name another user with --as.\n")
    assert export(*base, "--as", "nobody")[2] == "tunelab export: --as: There is no active user 'nobody'.\n"
    status, said, _ = export(*base, "--as", "rex")
    assert status == 0 and said.endswith("as 'rex'\n")
    assert [s.created_by for s in snapshots(engine)] == [team.users["rex"].id]


def test_bad_input_is_exit_2_naming_the_option(team, engine, export, tmp_path):
    chat_project(team)
    projects.create_project(team.session, team.users["owner"], "Twins", "chat")
    projects.create_project(team.session, team.users["owner"], "Twins", "chat")
    out = str(tmp_path / "out.jsonl")
    cases = {
        ("--project", "Nope", "--profile", "openai-chat"):
            "--project: There is no project named 'Nope' (name it exactly, or by #id).",
        ("--project", "#999", "--profile", "openai-chat"): "--project: There is no project #999.",
        ("--project", "Twins", "--profile", "openai-chat"): "--project: 2 projects are named 'Twins'",
        ("--project", "Assistant", "--profile", "openai-legacy"):
            "--profile: Profile 'openai-legacy' cannot write a chat project; use openai-chat,",
        ("--project", "Assistant", "--profile", "openai-chat", "--states", "approved,done"):
            "--states: 'done': use states from draft, submitted, approved, changes_requested, rejected, or all",
    }
    for args, message in cases.items():
        status, said, err = export(*args, "--out", out)
        assert (status, said) == (2, ""), args
        assert err.startswith(f"tunelab export: {message}"), err
    assert snapshots(engine) == [] and not (tmp_path / "out.jsonl").exists()
    with pytest.raises(SystemExit) as exited:  # argparse's own refusal, with the list of keys
        export("--project", "Assistant", "--profile", "no-such-profile", "--out", out)
    assert exited.value.code == 2


def test_on_a_terminal_a_progress_line_shows_examples_lines_and_rate(team, database_url, tmp_path):
    project = chat_project(team)
    for _ in range(3):
        add(team, project, "owner", PLAIN)
    out = tmp_path / "out.jsonl"
    status, output = on_terminal(database_url, ["export", "--project", "Assistant", "--profile", "openai-chat",
                                                "--states", "draft", "--out", str(out)])
    assert status == 0, output
    assert re.search(r"\r3 / 3 examples, 3 lines, [\d,]+/s\r?\n", output), output
    assert f"wrote {out}: 3 lines" in output


def test_a_database_that_is_not_migrated_is_bad_input(empty_database_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TUNELAB_DATABASE_URL", empty_database_url)
    out = tmp_path / "out.jsonl"
    assert cli.main(["export", "--project", "Assistant", "--profile", "openai-chat", "--out", str(out)]) == 2
    said = capsys.readouterr().err
    assert said.startswith("tunelab export: the database ") and "cannot be used (" in said
    assert said.endswith("is TUNELAB_DATABASE_URL right, and the database migrated (`tunelab migrate`)?\n")
    assert "Traceback" not in said and not out.exists()


def sentiment_examples(team, n_positive: int = 18, n_negative: int = 6) -> None:
    from app.core.project_settings import ExampleValues
    from app.services import examples
    from tests.services.conftest import MODELS

    for i in range(n_positive + n_negative):
        label = "positive" if i < n_positive else "negative"
        examples.save(team.session, team.project, team.users["owner"], ExampleValues({"text": f"tweet {i}"}, label),
                      MODELS)


def test_a_split_writes_two_files_beside_each_other_or_one_zip(team, engine, database_url, export, tmp_path):
    import io
    import zipfile

    sentiment_examples(team)
    args = ("--project", "Tweets", "--profile", "openai-legacy", "--states", "draft", "--split", "0.25", "--seed", "42")
    tmp_path = tmp_path / "exports"  # beside the test's database: a directory of the files only
    tmp_path.mkdir()
    out = tmp_path / "out.jsonl"
    status, said, err = export(*args, "--out", str(out))
    assert (status, err) == (0, "")
    validation = tmp_path / "out.validation.jsonl"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "out.validation.jsonl"]
    train_lines, validation_lines = out.read_text().splitlines(), validation.read_text().splitlines()
    assert (len(train_lines), len(validation_lines)) == (17, 7)  # round(0.25 × 18) = 5 and round(0.25 × 6) = 2
    (snapshot,) = snapshots(engine)
    assert snapshot.split == {"ratio": 0.25, "seed": 42}
    assert [f["sha256"] for f in snapshot.files] == [hashlib.sha256(out.read_bytes()).hexdigest(),
                                                     hashlib.sha256(validation.read_bytes()).hexdigest()]
    assert f"wrote {out} and {validation}: 24 lines from 24 of 24 examples" in said
    assert "split 0.25 seed 42: train.jsonl 17 examples" in said and "validation.jsonl 7 examples" in said
    prompts = lambda lines: {json.loads(line)["prompt"] for line in lines}  # noqa: E731
    assert not prompts(train_lines) & prompts(validation_lines)
    assert sum(json.loads(line)["completion"] == " negative" for line in validation_lines) == 2  # round(0.25 × 6)

    zipped = tmp_path / "both.zip"
    assert export(*args, "--out", str(zipped))[0] == 0
    with zipfile.ZipFile(io.BytesIO(zipped.read_bytes())) as archive:
        assert archive.namelist() == ["train.jsonl", "validation.jsonl"]
        assert archive.read("train.jsonl") == out.read_bytes()  # the same split on every run
        assert archive.read("validation.jsonl") == validation.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize(("extra", "message"), [
    (("--split", "0"), "--split: The split ratio '0' is not between 0 and 1 (exclusive)"),
    (("--split", "1"), "--split: The split ratio '1' is not between 0 and 1 (exclusive)"),
    (("--split", "-1"), "--split: The split ratio '-1' is not between 0 and 1 (exclusive)"),
    (("--split", "abc"), "--split: The split ratio 'abc' is not a number"),
    (("--split", "0.1", "--seed", "x"), "--seed: The seed 'x' is not a whole number"),
    (("--split", "0.1", "--seed", "1.5"), "--seed: The seed '1.5' is not a whole number"),
    (("--split", "0.1", "--seed", "9" * 30), "--seed: The seed " + "9" * 30 + " is too large"),
    (("--seed", "42"), "--seed: A seed is for a split: give the validation share too"),
    ((), "--out: "),
])
def test_a_bad_split_is_exit_2_and_writes_nothing(team, engine, export, tmp_path, extra, message):
    sentiment_examples(team, 2, 1)
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    out = tmp_path / ("out.zip" if not extra else "out.jsonl")
    status, said, err = export("--project", "Tweets", "--profile", "openai-legacy", "--states", "draft", *extra,
                               "--out", str(out))
    assert (status, said) == (2, "")
    assert err.startswith(f"tunelab export: {message}"), err
    assert snapshots(engine) == [] and list(tmp_path.iterdir()) == []
