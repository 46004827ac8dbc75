"""Kept snapshots: every export's files are kept and download again byte for byte (same SHA-256 as
recorded) after the examples were edited or deleted; a missing or changed kept file is refused
(Gone), never served; another project's snapshot is not found; a split export keeps both files
and its rule report; a background export can be cancelled and then leaves nothing."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlmodel import Session, select

from app.core.project_settings import ExampleValues
from app.core.split import Split
from app.services import examples, export_jobs, export_writer, exports, snapshots
from app.services.errors import Gone, Invalid, NotFound
from app.storage.snapshots import SnapshotStore
from app.storage.tables import ExportSnapshot
from tests.services.conftest import MODELS


@pytest.fixture
def store(snapshot_dir) -> SnapshotStore:
    return SnapshotStore(snapshot_dir)


def add(team, text: str, label: str = "positive", project=None) -> int:
    return examples.save(team.session, project or team.project, team.users["owner"], ExampleValues({"text": text}, label),
                         MODELS).example.id


def export(engine, team, store, split: Split | None = None, project=None) -> tuple[bytes, export_writer.Tally]:
    project = project or team.project
    request = exports.start(team.session, project, team.users["owner"], "openai-legacy", statuses=["draft"],
                            split=split)
    tally = export_writer.Tally()
    body = b"".join(c.data for c in export_writer.write(engine, project, team.users["owner"], request, MODELS, store,
                                                        tally))
    team.session.commit()  # the test's long-lived session: end the read it began while the export ran
    return body, tally


def all_snapshots(engine) -> list[ExportSnapshot]:
    with Session(engine) as session:
        return list(session.exec(select(ExportSnapshot).order_by(ExportSnapshot.id)))


def kept_files(store: SnapshotStore) -> list[str]:
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file()
                  and p.parent.name != "jobs")


def test_a_snapshot_downloads_the_same_bytes_after_examples_are_edited_and_deleted(engine, team, store):
    ids = [add(team, f"tweet {i}", "positive" if i % 2 else "negative") for i in range(5)]
    body, tally = export(engine, team, store)
    (snapshot,) = all_snapshots(engine)
    assert snapshot.sha256 == hashlib.sha256(body).hexdigest() == snapshot.files[0]["sha256"]
    assert snapshot.files[0]["name"] == "tweets.openai-legacy.jsonl" and snapshot.files[0]["examples"] == 5

    current = examples.get_example(team.session, team.project, ids[0])
    examples.save(team.session, team.project, team.users["owner"], ExampleValues({"text": "changed"}, "negative"),
                  MODELS, ids[0], current.version)
    examples.delete(team.session, team.project, team.users["owner"], ids[1], MODELS)
    again, _ = export(engine, team, store)
    assert again != body and b"changed" in again  # the examples did change

    kept = snapshots.kept_file(team.session, store, team.project, snapshot.id, "all")
    assert kept.path.read_bytes() == body
    assert hashlib.sha256(kept.path.read_bytes()).hexdigest() == snapshot.sha256 == kept.sha256
    assert kept.download_name == "tweets.openai-legacy.jsonl"
    listed = snapshots.snapshots_page(team.session, team.project).snapshots
    assert [s.id for s in listed] == [snapshot.id + 1, snapshot.id] and listed[1].kept
    assert listed[1].files[0].sha256 == snapshot.sha256 and listed[1].statuses == ["draft"]


def test_a_changed_or_missing_kept_file_is_refused_not_served(engine, team, store):
    add(team, "tweet")
    export(engine, team, store)
    (snapshot,) = all_snapshots(engine)
    path = store.directory(team.project.id, snapshot.store_key) / snapshot.files[0]["name"]
    path.write_bytes(path.read_bytes().replace(b"tweet", b"twEet"))
    with pytest.raises(Gone, match="has changed since the export"):
        snapshots.kept_file(team.session, store, team.project, snapshot.id, "all")
    path.unlink()
    with pytest.raises(Gone, match="is missing from the snapshot store"):
        snapshots.kept_file(team.session, store, team.project, snapshot.id, "all")


def test_another_projects_snapshot_is_not_found(engine, team, store):
    add(team, "tweet")
    export(engine, team, store)
    (snapshot,) = all_snapshots(engine)
    other = team.new_project("Other")
    with pytest.raises(NotFound):
        snapshots.snapshot(team.session, other, snapshot.id)
    with pytest.raises(NotFound):
        snapshots.kept_file(team.session, store, other, snapshot.id, "all")
    with pytest.raises(NotFound, match="has no 'train' file"):
        snapshots.kept_file(team.session, store, team.project, snapshot.id, "train")


def test_a_split_keeps_two_files_stratified_with_no_input_on_both_sides(engine, team, store):
    for i in range(30):
        add(team, f"good {i}", "positive")
    for i in range(10):
        add(team, f"bad {i}", "negative")
    checked = exports.preflight(team.session, team.project, team.users["owner"], "owner",
                                exports.make_request(team.project, "openai-legacy", statuses=["draft"],
                                                     split=Split(0.2, 42)), MODELS)
    assert {n: s.examples for n, s in checked.sides.items()} == {"train": 32, "validation": 8}
    assert checked.leakage == 0 and "split-leakage" not in checked.counts
    _, tally = export(engine, team, store, Split(0.2, 42))
    (snapshot,) = all_snapshots(engine)
    assert snapshot.split == {"ratio": 0.2, "seed": 42}
    assert [(f["role"], f["name"], f["examples"]) for f in snapshot.files] == [
        ("train", "train.jsonl", 32), ("validation", "validation.jsonl", 8)]
    sides = {}
    for f in snapshot.files:
        kept = snapshots.kept_file(team.session, store, team.project, snapshot.id, f["role"])
        sides[f["role"]] = [json.loads(line) for line in kept.path.read_text().splitlines()]
        assert kept.download_name == f"tweets.openai-legacy.{f['role']}.jsonl"
    assert sum(line["completion"] == " negative" for line in sides["validation"]) == 2  # round(0.2 × 10)
    assert not {line["prompt"] for line in sides["train"]} & {line["prompt"] for line in sides["validation"]}
    # OpenAI asks for 10 examples a file: the validation file's 8 are reported, per file.
    assert snapshot.files[1]["file_findings"][0]["code"] == "openai-min-examples"
    assert snapshot.rule_report["openai-min-examples"] == 1 and snapshot.files[0]["file_findings"] == []
    zipped = snapshots.kept_zip(team.session, store, team.project, snapshot.id)
    again = snapshots.kept_zip(team.session, store, team.project, snapshot.id)
    assert zipped.path.read_bytes() == again.path.read_bytes() and zipped.download_name == "tweets.openai-legacy.zip"
    with zipfile.ZipFile(io.BytesIO(zipped.path.read_bytes())) as archive:
        assert archive.namelist() == ["train.jsonl", "validation.jsonl"]
        assert archive.read("validation.jsonl").decode().count("\n") == 8
    # The same split on a second run.
    export(engine, team, store, Split(0.2, 42))
    second = all_snapshots(engine)[1]
    assert [f["sha256"] for f in second.files] == [f["sha256"] for f in snapshot.files]


def test_an_export_stopped_early_leaves_no_file_and_no_snapshot(engine, team, store):
    add(team, "tweet")
    request = exports.start(team.session, team.project, team.users["owner"], "openai-legacy", statuses=["draft"])
    writer = export_writer.write(engine, team.project, team.users["owner"], request, MODELS, store)
    assert next(chunk for chunk in writer if chunk.data).data  # the file's only chunk, written beside its final name
    writer.close()
    assert all_snapshots(engine) == [] and kept_files(store) == []


def test_a_cancelled_job_leaves_nothing_and_a_finished_one_its_snapshot(engine, team, store):
    for i in range(3):
        add(team, f"tweet {i}")
    job = export_jobs.start(team.session, engine, store, team.project, team.users["owner"], MODELS, "openai-legacy",
                            statuses=["draft"])
    assert export_jobs.status(store, team.project, job.state["job"]).state == "running"
    assert export_jobs.cancel(store, team.project, job.state["job"]).cancelling
    job.run()
    cancelled = export_jobs.status(store, team.project, job.state["job"])
    assert cancelled.state == "cancelled" and cancelled.snapshot_id is None
    assert all_snapshots(engine) == [] and kept_files(store) == []

    job = export_jobs.start(team.session, engine, store, team.project, team.users["owner"], MODELS, "openai-legacy",
                            statuses=["draft"], split="0.5", seed="7")
    job.run()
    team.session.commit()  # end the read the job's thread began on the test's session objects
    done = export_jobs.status(store, team.project, job.state["job"])
    assert (done.state, done.done, done.total, done.percent) == ("done", 3, 3, 100)
    (snapshot,) = all_snapshots(engine)
    assert done.snapshot_id == snapshot.id and snapshot.split == {"ratio": 0.5, "seed": 7}
    with pytest.raises(NotFound):
        export_jobs.status(store, team.new_project("Other"), job.state["job"])


@pytest.mark.parametrize(("split", "seed", "field"), [("0", "", "split"), ("1", "1", "split"), ("-1", "", "split"),
                                                      ("abc", "", "split"), ("0.1", "x", "seed"),
                                                      ("0.1", "9" * 40, "seed"), ("", "42", "seed")])
def test_a_bad_split_is_refused_naming_what(split, seed, field):
    with pytest.raises(Invalid) as refused:
        exports.split_of(split, seed)
    assert list(refused.value.errors) == [field]
