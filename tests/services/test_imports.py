"""The import service: every profile's export imports back into a new project and exports the same
bytes; a bad line leaves the database exactly as before and is named with its field; valid-only
imports the rest; the chosen review state, the counters and the preview."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from app.core.presets import PRESETS_BY_KEY
from app.core.project_settings import ExampleValues
from app.services import accounts, examples, export_writer, exports, import_workers, imports, projects
from app.services.errors import Forbidden, Invalid
from app.storage import counters
from app.storage import health as storage_health
from app.storage.tables import AuditEvent, Example
from tests.services.conftest import MODELS, PASSWORD, Team
from tests.services.test_exports import store
from tests.services.test_ledger_property import assert_counters_match_a_recount

CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
SAMPLES: dict[str, list[ExampleValues]] = {
    "sentiment": [ExampleValues({"text": "I love this phone"}, "positive"),
                  ExampleValues({"text": "屏幕太暗了，很失望"}, "negative"),
                  ExampleValues({"text": "ร้านนี้บริการดีมาก \"quoted\"\nsecond line"}, "positive")],
    "ad_supported": [ExampleValues({"company": "Acme", "product": "Rockets", "ad": " Fly to the moon!"}, "yes"),
                     ExampleValues({"company": "Initech", "product": "TPS", "ad": "Supported: maybe"}, "no")],
    "email_triage": [ExampleValues({"subject": "Invoice", "from": "a@b.c", "to": "s@x.y", "date": "2026-11-30",
                                    "content": "I was charged twice."}, "Billing")],
    "ad_from_wikipedia": [ExampleValues({"name": "Widget", "description": "A small gadget.\n\nIt whirs."},
                                        "Buy the Widget today")],
    "entity_extraction": [ExampleValues({"text": "Ada Lovelace met Babbage in London."},
                                        ["Ada Lovelace", "Babbage", "London"])],
    "support_chatbot": [ExampleValues({"summary": "Customer cannot log in", "specific_information": "Account locked",
                                       "turns": [["Customer", "I cannot log in"], ["Agent", "Let me check"],
                                                 ["Customer", "Thanks"], ["Agent", "It is unlocked now"]]}, None)],
    "product_description": [ExampleValues({"attributes": [["color", "red"], ["size", "large"]]},
                                          "A large red thing.")],
    "chat": [ExampleValues({"system": "You are terse."},
                           [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]),
             ExampleValues({"system": ""},
                           [{"role": "user", "content": "2+2?"},
                            {"role": "assistant", "content": "4", "reasoning_content": "Two and two."},
                            {"role": "user", "content": "And 3+3?"}, {"role": "assistant", "content": "6"}])],
    "preference": [ExampleValues({"system": "Be kind.", "turns": [["user", "Tell me a joke"]]},
                                 {"preferred": "Why did the chicken cross the road?", "non_preferred": "No."}),
                   ExampleValues({"system": "", "turns": [["user", "Summarise: cats sleep a lot"]]},
                                 {"preferred": "Cats sleep most of the day.", "non_preferred": "Dogs bark."})],
    "custom": [ExampleValues({"input": "Translate: bonjour"}, "hello")],
}


@pytest.fixture
def team(engine) -> Team:
    """Only the owner (an import is an owner's; the other accounts would cost a password hash each)."""
    with Session(engine) as session:
        owner = accounts.create_first_admin(session, "owner", PASSWORD).user
        yield Team(session, None, {"owner": owner})  # type: ignore[arg-type]


def make_project(team, preset: str, name: str):
    return projects.create_project(team.session, team.users["owner"], name, preset)


def export_bytes(engine, team, project, profile: str) -> bytes:
    request = exports.start(team.session, project, team.users["owner"], profile, statuses=list(exports.STATUSES))
    body = b"".join(export_writer.stream_jsonl(engine, project, team.users["owner"], request, MODELS, store()))
    team.session.commit()  # end the team session's read: the stream wrote the snapshot meanwhile
    return body


def import_file(engine, team, project, path: Path, **ask) -> imports.Outcome:
    team.session.commit()
    return imports.run(engine, MODELS, project.id, team.users["owner"], imports.ImportAsk(path=path, **ask))


def example_count(engine, project_id: int) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Example).where(Example.project_id == project_id)).one()


@pytest.mark.parametrize("preset", sorted(SAMPLES))
def test_export_import_export_gives_the_same_bytes(engine, team, tmp_path, preset):
    """For every profile that writes the preset's kind: the export imported into a new project exports the same bytes."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the round trip's bytes come from the same code on both databases; PostgreSQL's import path "
                    "(COPY) is tested by the other tests here")
    source = make_project(team, preset, "Source")
    for values in SAMPLES[preset]:
        examples.save(team.session, source, team.users["owner"], values, MODELS)
    for profile in exports.usable_profiles(PRESETS_BY_KEY[preset].settings.kind):
        first = export_bytes(engine, team, source, profile)
        assert first.strip(), f"the samples export with {profile}"
        path = tmp_path / f"{profile}.jsonl"
        path.write_bytes(first)
        # A messages shape holds a preference pair's chosen reply only: its file is a chat project's.
        first_line = json.loads(first.decode("utf-8-sig").splitlines()[0])
        pairs_kept = preset != "preference" or exports.PROFILES[profile].read(first_line, "preference").rejected is not None
        target = make_project(team, preset if pairs_kept else "chat", f"Target {profile}")
        outcome = import_file(engine, team, target, path, profile=profile)
        assert outcome.status == "done" and outcome.error_count == 0, (profile, outcome.errors)
        team.session.refresh(target)
        assert export_bytes(engine, team, target, profile) == first, profile


def write_lines(path: Path, lines: list[str], newline: str = "\n", final: bool = True, bom: bool = False) -> Path:
    body = newline.join(lines) + (newline if final else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    return path


def sentiment_line(n: int, label: str = "positive") -> str:
    return f'{{"prompt": "Tweet number {n} ->", "completion": " {label}"}}'


def test_a_bad_line_37_of_1000_leaves_the_database_as_it_was_and_is_named(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets 2")
    examples.save(team.session, project, team.users["owner"], ExampleValues({"text": "kept"}, "positive"), MODELS)
    before = example_count(engine, project.id)
    lines = [sentiment_line(n) for n in range(1, 1001)]
    lines[36] = sentiment_line(37, "neutral")
    outcome = import_file(engine, team, project, write_lines(tmp_path / "tweets.jsonl", lines))
    assert outcome.status == "failed" and outcome.imported == 0
    assert [(e.line, e.field) for e in outcome.errors] == [(37, "output")]
    assert "'neutral' is not one of this project's labels" in outcome.errors[0].message
    assert example_count(engine, project.id) == before
    with Session(engine) as session:
        assert counters.state_counts(session, project.id).get("submitted", 0) == 0
        assert not session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()


def test_valid_only_imports_the_rest_and_reports_each_bad_line(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets 3")
    lines = [sentiment_line(n) for n in range(1, 11)]
    lines[2] = '{"prompt": "broken'
    lines[5] = '{"prompt": "Tweet ->", "completion": " neutral"}'
    outcome = import_file(engine, team, project, write_lines(tmp_path / "t.jsonl", lines), valid_only=True)
    assert outcome.status == "done" and outcome.imported == 8
    assert [(e.line, e.field) for e in outcome.errors] == [(3, "line"), (6, "output")]
    assert "not valid JSON" in outcome.errors[0].message
    assert example_count(engine, project.id) == 8


def test_more_than_100_errors_shows_100_and_counts_the_rest(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets 4")
    lines = [sentiment_line(n, "neutral") for n in range(1, 251)]
    outcome = import_file(engine, team, project, write_lines(tmp_path / "t.jsonl", lines))
    assert len(outcome.errors) == 100 and outcome.error_count == 250
    assert outcome.errors[-1].line == 100


@pytest.mark.parametrize("shape", ["bom", "crlf", "no-final-newline", "blank-lines"])
def test_files_as_users_have_them_import_as_meant(engine, team, tmp_path, shape):
    project = make_project(team, "sentiment", "Tweets 5")
    lines = [sentiment_line(1), '{"prompt": "屏幕太暗了 ->", "completion": " negative"}',
             '{"prompt": "ร้านนี้บริการดีมาก ->", "completion": " positive"}']
    if shape == "blank-lines":
        lines = ["", lines[0], "   ", "", lines[1], lines[2], ""]
    path = write_lines(tmp_path / "t.jsonl", lines, newline="\r\n" if shape == "crlf" else "\n",
                       final=shape != "no-final-newline", bom=shape == "bom")
    outcome = import_file(engine, team, project, path)
    assert outcome.status == "done" and outcome.imported == 3, outcome.errors
    with Session(engine) as session:
        texts = sorted(e.fields["text"] for e in session.exec(select(Example).where(Example.project_id == project.id)))
    assert texts == sorted(["Tweet number 1", "屏幕太暗了", "ร้านนี้บริการดีมาก"])


def test_null_optional_keys_are_read_as_absent(engine, team, tmp_path):
    project = make_project(team, "chat", "Chats")
    line = ('{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi", "name": null},'
            ' {"role": "assistant", "content": "Hello", "weight": null}]}')
    outcome = import_file(engine, team, project, write_lines(tmp_path / "c.jsonl", [line]))
    assert outcome.status == "done" and outcome.imported == 1, outcome.errors
    with Session(engine) as session:
        example = session.exec(select(Example).where(Example.project_id == project.id)).one()
    assert example.fields == {"system": "Be brief."}
    assert example.output == [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]


def test_nul_and_lone_surrogates_are_refused_with_their_field(engine, team, tmp_path):
    project = make_project(team, "chat", "Chats 2")
    lines = ['{"messages": [{"role": "user", "content": "a\\u0000b"}, {"role": "assistant", "content": "x"}]}',
             '{"messages": [{"role": "user", "content": "ok"}, {"role": "assistant", "content": "\\ud800"}]}']
    outcome = import_file(engine, team, project, write_lines(tmp_path / "c.jsonl", lines), valid_only=True)
    assert outcome.imported == 0
    assert [(e.line, e.field) for e in outcome.errors] == [(1, "messages.0.content"), (2, "messages.1.content")]
    assert "NUL" in outcome.errors[0].message and "surrogate" in outcome.errors[1].message


def test_the_chosen_state_and_the_counters(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets 6")
    lines = [sentiment_line(n) for n in range(1, 6)] + [sentiment_line(1)]  # a duplicate of line 1
    outcome = import_file(engine, team, project, write_lines(tmp_path / "t.jsonl", lines), state="approved")
    assert outcome.imported == 6
    with Session(engine) as session:
        assert counters.state_counts(session, project.id) == {"approved": 6}
        rows = session.exec(select(Example).where(Example.project_id == project.id).order_by(Example.id)).all()
        assert {e.reviewed_by for e in rows} == {team.users["owner"].id}
        assert_counters_match_a_recount(session, project.id, Counter())
        assert storage_health.duplicate_hashes(session, project.id, 10) == [rows[0].content_hash]


def test_a_prompt_that_does_not_match_the_template_is_kept_whole(engine, team, tmp_path):
    project = make_project(team, "ad_supported", "Ads")
    line = '{"prompt": "Acme sells rockets\\nSupported:", "completion": " yes"}'
    path = write_lines(tmp_path / "ads.jsonl", [line])
    shown = imports.preview(team.session, project, "owner", imports.ImportAsk(path=path), MODELS)
    assert shown.raw_prompts == 1 and shown.raw_field == "ad"
    assert shown.rows[0].values.fields == {"company": "", "product": "", "ad": "Acme sells rockets"}
    assert shown.kind.shape.profile == "openai-legacy"


def test_csv_columns_map_into_the_fields(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets 7")
    path = tmp_path / "tweets.csv"
    path.write_bytes('Tweet,Sentiment\r\n"Great, really\r\ngreat",positive\r\nMeh,negative\r\n'.encode())
    outcome = import_file(engine, team, project, path, filename="tweets.csv",
                          mapping={"text": "Tweet", "output": "Sentiment"})
    assert outcome.status == "done" and outcome.imported == 2, outcome.errors
    with Session(engine) as session:
        rows = session.exec(select(Example).where(Example.project_id == project.id).order_by(Example.id)).all()
    assert [(e.fields["text"], e.output) for e in rows] == [("Great, really\ngreat", "positive"), ("Meh", "negative")]


def test_only_an_owner_may_import_and_bad_asks_are_refused(engine, team, tmp_path):
    project = make_project(team, "sentiment", "Tweets 8")
    path = write_lines(tmp_path / "t.jsonl", [sentiment_line(1)])
    with pytest.raises(Forbidden):
        imports.preview(team.session, project, "annotator", imports.ImportAsk(path=path), MODELS)
    with pytest.raises(Invalid) as raised:
        imports.preview(team.session, project, "owner", imports.ImportAsk(path=path, state="done"), MODELS)
    assert "state" in raised.value.errors
    empty = write_lines(tmp_path / "e.jsonl", ['{"x": 1}'])
    with pytest.raises(Invalid) as raised:
        imports.preview(team.session, project, "owner", imports.ImportAsk(path=empty), MODELS)
    assert "No line of the file is in a shape" in raised.value.errors["file"]


def test_postgresql_plans_the_ledger_lookups_for_the_rows_the_import_added(engine, team, tmp_path):
    """Without statistics of its own rows, PostgreSQL read every hash_count row of a kind for each
    batch's lookup (200k examples did not finish in 20 minutes): the import analyzes as it grows."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no planner statistics to refresh")
    project = make_project(team, "sentiment", "Tweets 9")
    outcome = import_file(engine, team, project, write_lines(tmp_path / "many.jsonl",
                                                              [sentiment_line(n) for n in range(1, 2501)]))
    assert outcome.status == "done"
    with Session(engine) as session:
        known = dict(session.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('example', 'hash_count')")).all())
    assert known["example"] >= 1000 and known["hash_count"] >= 1000, known


def chat_line(n: int) -> str:
    return json.dumps({"messages": [{"role": "user", "content": f"Question {n}: 我的订单 {n % 7}?"},
                                    {"role": "assistant", "content": f"Answer {n}."}]}, ensure_ascii=False)


def test_worker_processes_read_the_file_as_one_process_does(engine, team, tmp_path, monkeypatch):
    """A big file's lines are read, mapped and evaluated in worker processes, a chunk of raw lines
    each: the errors (line numbers across the chunks), the rows and their counters are those of
    the same file imported in one process."""
    lines = [chat_line(n) for n in range(1, 3601)]
    lines[499] = ""  # blank lines keep the numbering
    lines[1233] = '{"messages": [broken'
    lines[2221] = json.dumps({"messages": [{"role": "user", "content": "a\u0000b"}, {"role": "assistant", "content": "x"}]})
    lines[3000] = json.dumps({"messages": "not a list"})
    path = write_lines(tmp_path / "chats.jsonl", lines, newline="\r\n", bom=True)
    outcomes, rows = [], []
    for jobs in (1, 2):
        monkeypatch.setattr(import_workers, "PARALLEL_MIN_LINES", 0 if jobs > 1 else 10**9)
        project = make_project(team, "chat", f"Chats {jobs}")
        team.session.commit()
        outcome = imports.run(engine, MODELS, project.id, team.users["owner"],
                              imports.ImportAsk(path=path, valid_only=True), jobs=jobs)
        team.session.commit()
        outcomes.append((outcome.status, outcome.imported, outcome.lines, outcome.error_count,
                         [(e.line, e.field, e.message) for e in outcome.errors]))
        with Session(engine) as session:
            rows.append(session.exec(select(Example.fields, Example.output, Example.token_count, Example.codes,
                                            Example.content_hash, Example.near_hash)
                                     .where(Example.project_id == project.id).order_by(Example.id)).all())
            assert_counters_match_a_recount(session, project.id, Counter())
    assert outcomes[0] == outcomes[1]
    assert [(line, field) for line, field, _ in outcomes[1][4]] == [(1234, "line"), (2222, "messages.0.content"),
                                                                    (3001, "line")]
    assert outcomes[1][1] == 3596 and rows[0] == rows[1] and len(rows[1]) == 3596
