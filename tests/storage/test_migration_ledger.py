"""Migration 0006: a database at 0005 holding a pickled `dataset_stats` row (one that would run code
if anything unpickled it) upgrades without unpickling it; the member counts are recounted from the
rows; the next start-up's re-check rebuilds the aggregates as JSON, equal to the ones the app kept."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlmodel import Session

from app.core.project_settings import ExampleValues
from app.services import agreement, dashboard, health, queue, recheck, review
from app.storage import ledger
from app.storage.db import make_engine, session_scope
from app.storage.tables import Project
from tests.services.conftest import MODELS, build_team


class Tripwire:
    """Unpickling this creates a file: proof that something unpickled the row."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _team_with_work(session: Session) -> tuple[int, dict]:
    team = build_team(session)
    project, anna, bob, rita = team.project, team.users["anna"], team.users["bob"], team.users["rita"]
    ids = []
    for i, label in enumerate(["positive", "negative", "positive"]):
        saved = review.save_and_submit(session, project, anna, ExampleValues({"text": f"tweet {i}"}, label), MODELS,
                                       role="annotator")
        ids.append(saved.example.id)
    review.decide(session, project, rita, "reviewer", ids[0], "approve", seen_version=1)
    review.decide(session, project, rita, "reviewer", ids[1], "reject", seen_version=1)
    queue.request_double_labels(session, project, team.users["owner"], "owner", ids, ways=2)
    agreement.annotate(session, project, bob, "annotator", ids[2], "negative")
    board = dashboard.dashboard(session, project, "owner")
    return project.id, {m.user_id: (m.written, m.reviewed, m.approved, m.rejected, m.labelled) for m in board.members}


def test_0006_drops_the_pickle_unread_recounts_members_and_rebuilds_json(
        empty_database_url: str, alembic_config: Callable[[str], Config], tmp_path: Path):
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "head")
    engine = make_engine(empty_database_url)
    tripwire = tmp_path / "unpickled"
    try:
        with Session(engine) as session:
            project_id, members = _team_with_work(session)
            kept = ledger.dataset_stats(session, project_id).to_json()
        command.downgrade(cfg, "0005")
        with engine.begin() as conn:  # a 0005 database as the old app left it: a pickle, event counts
            conn.execute(text("INSERT INTO dataset_stats (project_id, blob, version, updated_at) "
                              "VALUES (:p, :blob, 7, CURRENT_TIMESTAMP)"),
                         {"p": project_id, "blob": pickle.dumps(Tripwire(tripwire))})
            conn.execute(text("UPDATE project SET recheck_cursor = NULL"))
            conn.execute(text("UPDATE member_stat SET approved = approved + 1, reviewed = reviewed + 1"))
            conn.execute(text("INSERT INTO export_snapshot (project_id, profile, filters, rows, examples, skipped, "
                              "sha256, complete, created_at) VALUES (:p, 'openai-legacy', '{}', 3, 3, 0, '', true, "
                              "CURRENT_TIMESTAMP)"), {"p": project_id})

        command.upgrade(cfg, "head")

        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM dataset_stats")).scalar_one() == 0
            assert conn.execute(text("SELECT recheck_cursor FROM project")).scalar_one() == 0
            recounted = {row[0]: tuple(row[1:]) for row in conn.execute(text(
                "SELECT user_id, written, reviewed, approved, rejected, labelled FROM member_stat"))}
            assert conn.execute(text("SELECT rows FROM export_snapshot")).scalar_one() == 3
        assert "complete" not in {c["name"] for c in inspect(engine).get_columns("export_snapshot")}
        assert {u: c for u, c in recounted.items() if any(c)} == {u: c for u, c in members.items() if any(c)}

        recheck.resume_all(lambda: session_scope(engine), MODELS)  # what the next start-up does
        with Session(engine) as session:
            project = session.get(Project, project_id)
            report = health.report(session, project, "owner", MODELS)
            assert not report.rechecking and report.stats.examples == 3
            rebuilt = ledger.dataset_stats(session, project_id).to_json()
        assert rebuilt == kept
        assert not tripwire.exists(), "the pickled row was unpickled"
    finally:
        engine.dispose()
    assert not tripwire.exists()


def test_the_tripwire_works(tmp_path: Path):
    pickle.loads(pickle.dumps(Tripwire(tmp_path / "unpickled")))
    assert (tmp_path / "unpickled").exists()
