"""Restoring an earlier revision (app.services.history.restore_revision), on both databases: a new
revision through the normal save (counters, search text, review state like an edit), a stale
version refused with nothing saved, and the same permissions as an edit."""

from __future__ import annotations

from collections import Counter

import pytest

from app.core.project_settings import ExampleValues
from app.services import examples, history, review
from app.services.errors import Forbidden, Invalid, NotFound, Stale
from tests.services.conftest import MODELS
from tests.services.test_ledger_property import assert_counters_match_a_recount
from tests.services.test_search import found


def edited_twice(team, who: str = "anna"):
    s, p, user, role = team.session, team.project, team.users[who], team.role(who)
    example = examples.save(s, p, user, ExampleValues({"text": "the first words"}, "positive"), MODELS, role=role).example
    examples.save(s, p, user, ExampleValues({"text": "the second words"}, "negative"), MODELS, example.id, 1, role=role)
    return examples.get_example(s, p, example.id)


def test_an_earlier_revision_comes_back_as_a_new_revision(team):
    example = edited_twice(team)
    saved = history.restore_revision(team.session, team.project, team.users["anna"], "annotator", example.id, 1, 2,
                                     MODELS)
    assert saved.example.version == 3
    assert (saved.example.fields, saved.example.output, saved.example.label) == ({"text": "the first words"},
                                                                                 "positive", "positive")
    revisions = history.revisions(team.session, saved.example)
    assert [r.version for r in revisions] == [3, 2, 1] and revisions[0].who == "anna"
    assert found(team, "first") == [example.id] and found(team, "second") == []
    assert_counters_match_a_recount(team.session, team.project.id, Counter())


def test_restoring_on_an_approved_example_sends_it_back_to_review_like_an_edit(team):
    example = edited_twice(team, "owner")
    review.submit(team.session, team.project, team.users["owner"], "owner", example.id, MODELS)
    review.decide(team.session, team.project, team.users["rita"], "reviewer", example.id, "approve", "", 2)
    saved = history.restore_revision(team.session, team.project, team.users["rita"], "reviewer", example.id, 1, 2,
                                     MODELS)
    assert saved.example.status == "submitted" and saved.example.version == 3
    assert_counters_match_a_recount(team.session, team.project.id, Counter())


def test_a_stale_version_is_refused_and_nothing_is_saved(team):
    example = edited_twice(team)
    with pytest.raises(Stale, match="changed since you opened it .*version 2 now, you saw 1"):
        history.restore_revision(team.session, team.project, team.users["anna"], "annotator", example.id, 1, 1, MODELS)
    team.session.rollback()
    assert examples.get_example(team.session, team.project, example.id).version == 2
    with pytest.raises(Invalid):  # no version sent
        history.restore_revision(team.session, team.project, team.users["anna"], "annotator", example.id, 1, None,
                                 MODELS)
    with pytest.raises(Invalid):  # the current one
        history.restore_revision(team.session, team.project, team.users["anna"], "annotator", example.id, 2, 2, MODELS)
    with pytest.raises(NotFound):
        history.restore_revision(team.session, team.project, team.users["anna"], "annotator", example.id, 9, 2, MODELS)


def test_only_who_may_edit_may_restore_a_revision(team):
    example = edited_twice(team)
    with pytest.raises(Forbidden):  # another annotator's example
        history.restore_revision(team.session, team.project, team.users["bob"], "annotator", example.id, 1, 2, MODELS)
    with pytest.raises(Forbidden):  # a viewer
        history.restore_revision(team.session, team.project, team.users["owner"], "viewer", example.id, 1, 2, MODELS)
    team.session.rollback()
    assert examples.get_example(team.session, team.project, example.id).version == 2
