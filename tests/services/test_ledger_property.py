"""Must hold: after any sequence of changes by several members, every counter and aggregate equals a
recount from the example and annotation rows (hypothesis drives the same service calls the pages
make; refused actions are part of the mix and must leave the counts right too).

Work time is the one event counter: the test keeps its own tally of the events (a first save, or
the first label of an item, with its seconds) and compares the buckets with it.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from app.core.aggregates import int_counter_from_json
from app.core.dataset import Contribution, DatasetStats
from app.core.evaluate import evaluate
from app.core.project_settings import ExampleValues, ProjectSettings
from app.services import agreement, dashboard, examples, imports, items, queue, recheck, review
from app.services.errors import Forbidden, Invalid, NotFound, Stale
from app.storage import ledger
from app.storage.counters import time_bucket
from app.storage.tables import (Annotation, CodeCount, Example, ExampleCode, HashCount, LevelCount, MemberStat,
                                Project, StateCount, WorkTimeBucket)
from tests.services.conftest import MODELS, ROLES, Team

NAMES = sorted(ROLES)
TEXTS = ["good day", "Good day!", "bad day", "what a film", "What a film", "meh", "the worst service",
         "a fine coffee"]
LABELS = ["positive", "negative"]
REFUSED = (Invalid, Forbidden, NotFound, Stale)

member = st.sampled_from(NAMES)
target = st.integers(min_value=0, max_value=40)  # an index into the project's examples (modulo their number)
create = st.tuples(st.just("create"), member, st.sampled_from(TEXTS), st.sampled_from(LABELS),
                  st.one_of(st.none(), st.integers(min_value=0, max_value=600)))
operation = st.one_of(
    create, create,
    st.tuples(st.just("edit"), member, target, st.sampled_from(TEXTS), st.sampled_from(LABELS)),
    st.tuples(st.just("submit"), member, target), st.tuples(st.just("submit"), member, target),
    st.tuples(st.just("decide"), member, target, st.sampled_from(sorted(review.DECISIONS))),
    st.tuples(st.just("bulk"), member, st.lists(target, max_size=4), st.sampled_from(["approve", "reject"])),
    st.tuples(st.just("double"), st.lists(target, min_size=1, max_size=4), st.integers(min_value=2, max_value=3)),
    st.tuples(st.just("label"), member, target, st.sampled_from(LABELS)),
    st.tuples(st.just("adjudicate"), member, target, st.sampled_from(LABELS)),
    st.tuples(st.just("delete"), member, target),
    st.tuples(st.just("items"), st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3)),
    st.tuples(st.just("label_item"), member, st.sampled_from(LABELS), st.integers(min_value=0, max_value=600)),
    st.tuples(st.just("recheck"),),
    st.tuples(st.just("import"), st.lists(st.tuples(st.sampled_from(TEXTS), st.sampled_from(LABELS + ["neutral"])),
                                          min_size=1, max_size=4),
              st.sampled_from(["draft", "submitted", "approved", "rejected"]), st.booleans()),
)


class Run:
    """One random sequence on a fresh project of the team; `work` is the test's own tally of work-time events."""

    def __init__(self, team: Team, project: Project) -> None:
        self.team, self.session, self.project_id = team, team.session, project.id
        self.work: Counter[tuple[int, int]] = Counter()

    @property
    def project(self) -> Project:
        return self.session.get(Project, self.project_id)

    def pick(self, index: int, *statuses: str) -> Example | None:
        """The project's example at `index` (modulo), among those in `statuses` if any are (else any)."""
        rows = self.session.exec(select(Example).where(Example.project_id == self.project_id)
                                 .order_by(Example.id)).all()
        rows = [e for e in rows if e.status in statuses] or rows
        return rows[index % len(rows)] if rows else None

    def do(self, op: tuple) -> None:
        try:
            self._do(*op)
            event(f"{op[0]}: done")
        except REFUSED as refused:
            self.session.rollback()
            event(f"{op[0]}: refused ({type(refused).__name__})")

    def _do(self, kind: str, *args) -> None:
        s, p, users, role = self.session, self.project, self.team.users, self.team.role
        if kind == "create":
            name, text, label, seconds = args
            examples.save(s, p, users[name], ExampleValues({"text": text}, label), MODELS, role=role(name),
                          work_seconds=seconds)
            if seconds is not None:
                self.work[users[name].id, time_bucket(seconds)] += 1
        elif kind == "edit":
            name, index, text, label = args
            if (example := self.pick(index)) is not None:
                self._save(name, example, text, label, None)
        elif kind == "submit":
            name, index = args
            if (example := self.pick(index, "draft", "changes_requested")) is not None:
                review.submit(s, p, users[name], role(name), example.id, MODELS)
        elif kind == "decide":
            name, index, action = args
            if (example := self.pick(index, "submitted")) is not None:
                review.decide(s, p, users[name], role(name), example.id, action, "please fix", example.version)
        elif kind == "bulk":
            name, indexes, action = args
            ids = [e.id for e in (self.pick(i, "submitted") for i in indexes) if e is not None]
            if ids:
                review.bulk_decide(s, p, users[name], role(name), ids, action)
        elif kind == "double":
            indexes, ways = args
            ids = [e.id for e in map(self.pick, indexes) if e is not None]
            if ids:
                queue.request_double_labels(s, p, users["owner"], "owner", ids, ways)
        elif kind == "label":
            name, index, label = args
            if (example := self.pick(index)) is not None:
                agreement.annotate(s, p, users[name], role(name), example.id, label)
        elif kind == "adjudicate":
            name, index, label = args
            if (example := self.pick(index)) is not None:
                agreement.adjudicate(s, p, users[name], role(name), example.id, label, MODELS)
        elif kind == "delete":
            name, index = args
            if (example := self.pick(index)) is not None:
                examples.delete(s, p, users[name], example.id, MODELS, example.version, role=role(name))
        elif kind == "items":
            items.add_items(s, p, users["owner"], "owner", "\n".join(args[0]), MODELS)
        elif kind == "label_item":
            name, label, seconds = args
            what, example_id = queue.next_for_annotator(s, p, users[name], role(name))
            example = s.get(Example, example_id) if example_id else None
            if what == "edit" and example is not None and example.needs_output:
                self._save(name, example, example.fields["text"], label, seconds)
        elif kind == "import":
            lines, state, valid_only = args
            body = "".join(json.dumps({"prompt": f"{t} ->", "completion": f" {label}"}) + "\n" for t, label in lines)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "import.jsonl"
                path.write_text(body, encoding="utf-8")
                s.commit()  # the import is its own transaction
                imports.run(s.get_bind(), MODELS, self.project_id, users["owner"],
                            imports.ImportAsk(path=path, state=state, valid_only=valid_only))
                s.commit()  # the user passed in was read in this session meanwhile: end that read
        elif kind == "recheck":
            recheck.recompute(s, p, "owner")
            while recheck.run_batch(s, self.project_id, MODELS, batch=3):
                pass

    def _save(self, name: str, example: Example, text: str, label: str, seconds: int | None) -> None:
        user, was_item = self.team.users[name], example.needs_output
        examples.save(self.session, self.project, user, ExampleValues({"text": text}, label), MODELS, example.id,
                      example.version, role=self.team.role(name), work_seconds=seconds)
        if was_item and seconds is not None:
            self.work[user.id, time_bucket(seconds)] += 1


def _nonzero(rows) -> dict:
    return {key: n for key, n in rows if n}


def assert_counters_match_a_recount(session: Session, project_id: int, work: Counter) -> None:
    session.expire_all()
    project = session.get(Project, project_id)
    rows = session.exec(select(Example).where(Example.project_id == project_id).order_by(Example.id)).all()
    notes = session.exec(select(Annotation).where(Annotation.project_id == project_id)).all()

    def stored(model, *key):
        found = session.exec(select(model).where(model.project_id == project_id)).all()
        return _nonzero((tuple(getattr(r, k) for k in key), r.n) for r in found)

    assert stored(StateCount, "status") == _nonzero(Counter((e.status,) for e in rows).items())
    assert stored(LevelCount, "level") == _nonzero(Counter((e.worst_level,) for e in rows).items())

    expected_members: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for e in rows:
        if e.created_by is not None:
            expected_members[e.created_by]["written"] += 1
            if e.status in ledger.DECIDED:
                expected_members[e.created_by][e.status] += 1
        if e.reviewed_by is not None and e.status in ledger.DECIDED:
            expected_members[e.reviewed_by]["reviewed"] += 1
    for note in notes:
        expected_members[note.user_id]["labelled"] += 1
    stats_rows = session.exec(select(MemberStat).where(MemberStat.project_id == project_id)).all()
    got_members = {r.user_id: {f: getattr(r, f) for f in ledger.MEMBER_FIELDS if getattr(r, f)} for r in stats_rows}
    assert {u: c for u, c in got_members.items() if c} == {u: dict(+c) for u, c in expected_members.items() if +c}

    buckets = session.exec(select(WorkTimeBucket).where(WorkTimeBucket.project_id == project_id)).all()
    assert _nonzero(((b.user_id, b.bucket), b.n) for b in buckets) == dict(work)

    counted = [e for e in rows if ledger.in_dataset(project, e)]
    if project.recheck_cursor is None:
        assert len(counted) == sum(1 for e in rows if not e.needs_output), "every labelled example is in the dataset"
    hashes = session.exec(select(HashCount).where(HashCount.project_id == project_id)).all()
    assert all(h.distinct_outputs == 0 for h in hashes if h.n == 0)
    got_hashes = {(h.kind, h.hash): (h.n, h.distinct_outputs) for h in hashes if h.n}
    expected_hashes: dict[tuple[str, str], tuple[int, int]] = {}
    for kind, key, distinct_of in (("content", "content_hash", None), ("input", "input_hash", "content_hash"),
                                   ("near", "near_hash", "input_hash")):
        groups: defaultdict[str, list[Example]] = defaultdict(list)
        for e in counted:
            if getattr(e, key):
                groups[getattr(e, key)].append(e)
        for value, members in groups.items():
            distinct = len({getattr(e, distinct_of) for e in members}) if distinct_of else 0
            expected_hashes[kind, value] = (len(members), distinct)
    assert got_hashes == expected_hashes

    assert stored(CodeCount, "code") == _nonzero(Counter((c,) for e in counted for c in set(e.codes)).items())
    example_codes = session.exec(select(ExampleCode).where(ExampleCode.project_id == project_id)).all()
    assert {(c.example_id, c.code) for c in example_codes} == {(e.id, c) for e in counted for c in e.codes}

    settings_ = ProjectSettings.from_dict(project.settings)
    fresh = DatasetStats(with_index=False)
    for e in counted:
        ev = evaluate(settings_, ExampleValues(e.fields, e.output), project.export_profile, models=MODELS)
        fresh.add_contribution(Contribution.of(ev.rendered, e.id, e.input_hash, e.content_hash, label=e.label))
    kept = ledger.dataset_stats(session, project_id)
    assert kept is not None
    got, want = kept.to_json(), fresh.to_json()
    for text in ("prompts", "completions"):  # what remove() cannot undo is only checked while nothing was removed
        for part in (got[text], want[text]):
            if kept.needs_rebuild or not part["all_same"]:
                part["first"] = None
            if kept.needs_rebuild:
                part.update(prefix=None, suffix=None, all_same=None)
    got["needs_rebuild"] = want["needs_rebuild"] = None
    for side in (got, want):  # the same counter, whatever order its keys were added in
        side["completion_hashes"] = int_counter_from_json(side["completion_hashes"])
    assert got == want


EVERY_KIND = [  # one scripted sequence that is always run: every kind of change, on the same examples
    ("create", "anna", "good day", "positive", 30), ("create", "anna", "Good day!", "negative", 90),  # e1, e2
    ("create", "bob", "bad day", "negative", None), ("items", ["meh", "what a film"]),  # e3; items e4, e5
    ("label_item", "bob", "positive", 12),  # bob labels e4
    ("submit", "anna", 0), ("submit", "anna", 0), ("submit", "bob", 0), ("submit", "bob", 0),  # e1 … e4
    ("decide", "rita", 0, "approve"), ("decide", "rex", 0, "request_changes"),  # e1 approved, e2 sent back
    ("bulk", "rita", [0, 1], "approve"), ("double", [0, 1, 2], 3),  # e3, e4 approved; e1-e3 to label
    ("label", "bob", 0, "negative"), ("label", "rita", 0, "negative"), ("adjudicate", "rex", 0, "negative"),
    ("edit", "anna", 1, "good day", "positive"), ("recheck",), ("label", "anna", 2, "positive"),
    ("delete", "owner", 2), ("delete", "anna", 1),  # e3 with anna's label, then anna's e2
    ("label_item", "anna", "negative", 5),  # e5
]


@example(operations=EVERY_KIND)
@settings(max_examples=35, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=4, max_size=24))
def test_every_counter_equals_a_recount_after_any_sequence(team: Team, operations: list[tuple]):
    run = Run(team, team.new_project())
    for op in operations:
        run.do(op)
    assert_counters_match_a_recount(team.session, run.project_id, run.work)


def test_the_scripted_sequence_makes_every_kind_of_change(team: Team):
    """EVERY_KIND is not refused anywhere (so it really covers every path), and counts right."""
    run = Run(team, team.new_project())
    for op in EVERY_KIND:
        run._do(*op)
    assert_counters_match_a_recount(team.session, run.project_id, run.work)
    board = {m.name: m for m in dashboard.dashboard(team.session, run.project, "owner").members}
    assert (board["bob"].labelled, board["rita"].labelled, board["anna"].labelled) == (1, 1, 0)
    assert (board["anna"].written, board["anna"].approved, board["bob"].written, board["bob"].approved) == (2, 1, 1, 1)
    assert (board["rita"].reviewed, board["rex"].reviewed) == (1, 1)
