"""The ledger's stored aggregates: versioned JSON that reads back exactly, and a row this version
cannot read is rebuilt from the examples (never interpreted)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.core.dataset import Contribution, DatasetStats, UnknownFormat
from app.core.dataset_findings import dataset_findings
from app.core.model_table import load_model_table
from app.core.project_settings import ExampleValues
from app.services import examples, health, recheck
from app.storage import ledger
from app.storage.db import session_scope
from app.storage.tables import Project
from tests.services.conftest import MODELS, build_team

MINI = load_model_table().get("gpt-4.1-mini")


def _stats() -> DatasetStats:
    stats = DatasetStats(with_index=False)
    texts = ["Good day ->", "Bad day ->", "Ünïcødé 🎉 ->", "Bad day ->"]
    for i, prompt in enumerate(texts):
        stats.add_contribution(Contribution(i, (prompt,), (f" label {i % 2}\n",), (10 + i,), (12 + i,),
                                            label=f" label {i % 2}", input_hash=f"in{i}", content_hash=f"c{i}"))
    stats.remove(Contribution(3, (texts[3],), (" label 1\n",), (13,), (15,), label=" label 1", input_hash="in3",
                              content_hash="c3"))
    return stats


def test_dataset_stats_read_back_from_their_json_exactly():
    stats = _stats()
    data = json.loads(json.dumps(stats.to_json()))  # what the JSON column stores
    assert data["v"] == 1
    back = DatasetStats.from_json(data)
    assert back.to_json() == stats.to_json()
    assert [f.as_dict() for f in dataset_findings(back, "cls", MINI)] == \
        [f.as_dict() for f in dataset_findings(stats, "cls", MINI)]
    assert (back.examples, back.records, back.needs_rebuild, back.distinct_completions) == (3, 3, True, 2)


@pytest.mark.parametrize("data", [{"v": 0}, {"v": 2, "examples": 1}, {"v": 1, "examples": "x"}, [1], None,
                                  {"blob": "gASVAAAAAAAAAA=="}])
def test_stats_of_another_format_are_refused(data):
    with pytest.raises(UnknownFormat):
        DatasetStats.from_json(data)


def test_stats_with_an_index_are_not_stored():
    with pytest.raises(ValueError, match="with_index=False"):
        DatasetStats().to_json()


@pytest.fixture
def team(engine):
    with Session(engine) as session:
        yield build_team(session)


def _examples(team, n: int) -> list[int]:
    return [examples.save(team.session, team.project, team.users["anna"],
                          ExampleValues({"text": f"tweet {i}"}, "positive"), MODELS, role="annotator").example.id
            for i in range(n)]


def _stored_format(session, project_id: int):
    row = session.execute(text("SELECT data FROM dataset_stats WHERE project_id = :p"), {"p": project_id}).first()
    return None if row is None else (row[0] if isinstance(row[0], dict) else json.loads(row[0]))["v"]


def test_a_row_of_another_version_is_rebuilt_from_the_examples(team, engine):
    session, project_id = team.session, team.project.id
    ids = _examples(team, 3)
    session.execute(text("UPDATE dataset_stats SET data = :d WHERE project_id = :p"),
                    {"d": json.dumps({"v": 99, "from": "a newer tunelab"}), "p": project_id})
    session.commit()
    project = session.get(Project, project_id)
    report = health.report(session, project, "owner", MODELS)  # the page still opens: figures are being rebuilt
    assert report.rechecking and report.stats.examples == 0

    current = examples.get_example(session, project, ids[0])
    examples.save(session, project, team.users["anna"], ExampleValues({"text": "tweet 0, edited"}, "negative"),
                  MODELS, ids[0], current.version, role="annotator")
    assert _stored_format(session, project_id) is None  # dropped, unread ...
    assert session.get(Project, project_id).recheck_cursor == 0  # ... and a re-check is due
    recheck.run(lambda: session_scope(engine), project_id, MODELS)
    session.rollback()  # end the read transaction: see what the re-check committed
    report = health.report(session, session.get(Project, project_id), "owner", MODELS)
    assert not report.rechecking and report.stats.examples == 3 and report.labels[:2] == [("positive", 2), ("negative", 1)]
    assert _stored_format(session, project_id) == 1


@pytest.mark.parametrize("stored", [{"v": 0}, {"v": "1"}, {"examples": 2}])
def test_a_start_up_rebuilds_rows_of_another_version(team, engine, stored):
    session, project_id = team.session, team.project.id
    _examples(team, 2)
    session.execute(text("UPDATE dataset_stats SET data = :d WHERE project_id = :p"),
                    {"d": json.dumps(stored), "p": project_id})
    session.commit()
    recheck.resume_all(lambda: session_scope(engine), MODELS)
    session.rollback()  # end the read transaction: see what the re-check committed
    assert ledger.dataset_stats(session, project_id).examples == 2
    assert session.get(Project, project_id).recheck_cursor is None
