"""Full-text search over a project's examples, on both databases: words and prefixes in inputs and
outputs, Chinese and Thai, with the list's filters and visibility, and the index in step with every
save, edit, delete and import (the triggers of migration 0010 on SQLite)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.core.project_settings import ExampleValues
from app.services import examples, imports, review
from app.storage import examples as examples_storage
from tests.services.conftest import MODELS

TWEETS = ["I was charged twice for my refund", "The parcel is late again", "我的订单还没有到",
          "ร้านนี้บริการดีมาก", "Refunds take a week, thanks"]


def save(team, who: str, tweet: str, label: str = "positive") -> int:
    return examples.save(team.session, team.project, team.users[who], ExampleValues({"text": tweet}, label), MODELS,
                         role=team.role(who)).example.id


def found(team, q: str, who: str = "owner", **filters) -> list[int]:
    return [e.id for e in examples.list_examples(team.session, team.project, user=team.users[who], role=team.role(who),
                                                 search=q, **filters)]


def test_words_prefixes_and_unspaced_scripts_are_found_newest_first(team):
    ids = [save(team, "owner", tweet) for tweet in TWEETS]
    assert found(team, "refund") == [ids[4], ids[0]]  # "refund" is a prefix of "Refunds" too
    assert found(team, "REFUN") == [ids[4], ids[0]]
    assert found(team, "charged twice") == [ids[0]] and found(team, "twice charged") == []
    assert found(team, "订单") == [ids[2]] and found(team, "订 单") == [ids[2]] and found(team, "单订") == []
    assert found(team, "บริการ") == [ids[3]]
    assert found(team, "negative") == [] and found(team, "positive") == ids[::-1]  # the output is searched too
    assert found(team, "!!!") == []


def test_search_keeps_the_filters_visibility_and_pages(team):
    mine = [save(team, "anna", f"late parcel number {n}") for n in range(3)]
    others = [save(team, "bob", f"late parcel from bob {n}") for n in range(2)]
    review.submit(team.session, team.project, team.users["anna"], "annotator", mine[0], MODELS)
    assert found(team, "late parcel", "anna") == mine[::-1]  # an annotator sees only their own
    assert found(team, "late parcel", "owner", status="submitted") == [mine[0]]
    everything = found(team, "late parcel")
    assert everything == (mine + others)[::-1]
    assert found(team, "late parcel", limit=2) == everything[:2]
    assert found(team, "late parcel", before_id=everything[1], limit=2) == everything[2:4]


def test_the_index_follows_edits_deletes_and_other_projects(team):
    first = save(team, "owner", "the screen is broken")
    examples.save(team.session, team.project, team.users["owner"], ExampleValues({"text": "the battery is dead"},
                                                                                 "negative"), MODELS, first, 1)
    assert found(team, "screen") == [] and found(team, "battery") == [first]
    other = team.new_project("Other tweets")
    examples.save(team.session, other, team.users["owner"], ExampleValues({"text": "battery fine"}, "positive"), MODELS)
    assert found(team, "battery") == [first]
    examples.delete(team.session, team.project, team.users["owner"], first, MODELS)
    assert found(team, "battery") == []
    with Session(team.session.get_bind()) as session:  # the stored terms are what a save writes
        assert session.execute(text("SELECT count(*) FROM example WHERE search_text IS NULL")).scalar_one() == 0


def test_imported_examples_are_searchable(engine, team, tmp_path):
    path = tmp_path / "tweets.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"{t} ->", "completion": " positive"}, ensure_ascii=False) + "\n"
                            for t in TWEETS), encoding="utf-8")
    team.session.commit()
    outcome = imports.run(engine, MODELS, team.project.id, team.users["owner"], imports.ImportAsk(path=path))
    team.session.commit()
    assert outcome.imported == len(TWEETS)
    assert len(found(team, "refund")) == 2 and len(found(team, "订单")) == 1


@pytest.mark.parametrize("sparse", [1, 8])
def test_hits_far_apart_are_found_in_order_across_the_index_reads(team, monkeypatch, sparse):
    """The index is read a part at a time (SQLite: FTS5 hits in chunks; PostgreSQL: windows of ids,
    then, where hits are sparse, the rest of the index's hits): hits far apart, among misses and
    another project's examples, still come newest first, page after page, and a word only the
    oldest example holds is found."""
    monkeypatch.setattr(examples_storage, "SEARCH_CHUNK", 2)
    monkeypatch.setattr(examples_storage, "SEARCH_WINDOW", 2)
    monkeypatch.setattr(examples_storage, "SPARSE", sparse)
    other = team.new_project("Other tweets")
    oldest = save(team, "owner", "plughwort in the oldest one")
    hits = []
    for n in range(24):
        if n % 5 == 0:
            hits.append(save(team, "owner", f"parcel number {n} is late"))
        else:
            save(team, "owner", f"nothing to see {n}")
        examples.save(team.session, other, team.users["owner"], ExampleValues({"text": f"parcel {n}"}, "positive"),
                      MODELS)
    assert found(team, "plughwort") == [oldest]
    assert found(team, "parcel") == hits[::-1]
    first = found(team, "parcel", limit=2)
    assert first == hits[::-1][:2]
    assert found(team, "parcel", before_id=first[-1], limit=3) == hits[::-1][2:5]
    assert found(team, "parcel", before_id=hits[0]) == []
