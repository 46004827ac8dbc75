"""The export service: the preflight of a profile (what each example becomes, who may see it
listed) and the streamed file (prefix, examples left out and counted, the snapshot's SHA-256)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlmodel import Session, select

from app.core.project_settings import ExampleValues
from app.services import examples, export_writer, exports, members, projects
from app.storage.snapshots import SnapshotStore
from app.storage.tables import ExportSnapshot
from tests.services.conftest import MODELS, ROLES

REASONED = [{"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4", "reasoning": "Two and two make four."}]
PLAIN = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi, how can I help?"}]
TWO_USERS = [{"role": "user", "content": "First part"}, {"role": "user", "content": "second part"},
             {"role": "assistant", "content": "Answer"}]


def chat_project(team):
    owner = team.users["owner"]
    project = projects.create_project(team.session, owner, "Assistant", "chat")
    for username, role in ROLES.items():
        if role != "owner":
            members.set_member(team.session, project, owner, "owner", username, role)
    return project


def add(team, project, name: str, turns) -> int:
    saved = examples.save(team.session, project, team.users[name], ExampleValues({"system": ""}, turns), MODELS,
                          role=team.role(name))
    return saved.example.id


def preflight(team, project, profile: str, name: str = "owner"):
    request = exports.make_request(project, profile, statuses=["draft"])
    return exports.preflight(team.session, project, team.users[name], team.role(name), request, MODELS)


def store() -> SnapshotStore:
    """The test's snapshot store (tests/conftest.py points TUNELAB_SNAPSHOT_DIR at a fresh directory)."""
    return SnapshotStore(Path(os.environ["TUNELAB_SNAPSHOT_DIR"]))


def download(engine, team, project, profile: str) -> tuple[bytes, ExportSnapshot]:
    request = exports.start(team.session, project, team.users["owner"], profile, statuses=["draft"])
    body = b"".join(export_writer.stream_jsonl(engine, project, team.users["owner"], request, MODELS, store()))
    with Session(engine) as fresh:  # the snapshot is written by the stream's own session
        snapshot = fresh.exec(select(ExportSnapshot).order_by(ExportSnapshot.id.desc())).first()
    return body, snapshot


def test_openai_chat_preflight_lists_the_dropped_reasoning_text(team):
    project = chat_project(team)
    reasoned = add(team, project, "owner", REASONED)
    add(team, project, "owner", PLAIN)
    checked = preflight(team, project, "openai-chat")
    assert [a.example_id for a in checked.affected] == [reasoned]
    (affected,) = checked.affected
    assert affected.outcome == "written"
    assert [(n.code, n.effect) for n in affected.notes] == [("carry-reasoning", "dropped")]
    assert checked.counts["carry-reasoning"] == 1 and checked.written == 2 and checked.refused == 0


def test_fireworks_carries_the_reasoning_so_nothing_is_listed(team):
    project = chat_project(team)
    add(team, project, "owner", REASONED)
    checked = preflight(team, project, "fireworks-chat")
    assert checked.affected == [] and "carry-reasoning" not in checked.counts


def test_a_refused_example_is_listed_then_left_out_of_the_file_and_counted(engine, team):
    project = chat_project(team)
    add(team, project, "owner", PLAIN)
    refused = add(team, project, "owner", TWO_USERS)
    checked = preflight(team, project, "llamafactory-alpaca")
    assert [(a.example_id, a.outcome) for a in checked.affected] == [(refused, "refused")]
    assert (checked.written, checked.refused, checked.rows) == (1, 1, 1)
    body, snapshot = download(engine, team, project, "llamafactory-alpaca")
    assert body.count(b"\n") == 1 and b"First part" not in body and b"Hi, how can I help?" in body
    assert (snapshot.examples, snapshot.skipped, snapshot.filters["refused"]) == (1, 1, 1)


def test_the_azure_file_starts_with_the_bom_and_its_snapshot_hashes_those_bytes(engine, team):
    project = chat_project(team)
    add(team, project, "owner", PLAIN)
    body, snapshot = download(engine, team, project, "azure-openai-chat")
    assert body.startswith(b"\xef\xbb\xbf{\"messages\"")
    assert snapshot.sha256 == hashlib.sha256(body).hexdigest() and snapshot.profile == "azure-openai-chat"
    plain, _ = download(engine, team, project, "openai-chat")
    assert body == b"\xef\xbb\xbf" + plain  # the same lines, byte for byte, after the mark


def test_file_rules_run_over_the_whole_file(team):
    project = chat_project(team)
    add(team, project, "owner", PLAIN)
    checked = preflight(team, project, "openai-chat")
    assert "openai-min-examples" in {f.code for f in checked.file_findings} and checked.file_errors


def test_an_annotator_sees_only_their_own_examples_listed_and_the_others_counted(team):
    project = chat_project(team)
    mine = add(team, project, "anna", REASONED)
    add(team, project, "bob", REASONED)
    checked = preflight(team, project, "openai-chat", name="anna")
    assert [a.example_id for a in checked.affected] == [mine] and checked.hidden == 1
    assert checked.counts["carry-reasoning"] == 2
    assert len(preflight(team, project, "openai-chat").affected) == 2  # the owner sees both
