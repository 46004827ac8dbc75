"""The split: the same input never on both sides, the same split on every run, round(r × n) per
label, an input under two labels on one side only, and clear errors for a bad ratio or seed."""

from __future__ import annotations

import hashlib

import pytest

from app.core.split import (MAX_SEED, TRAIN, VALIDATION, Planner, Split, make_split, parse_ratio, parse_seed,
                            split_key)


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def plan_of(examples, split=Split(0.2, 42)):
    planner = Planner(split)
    for group, text in examples:
        planner.add(group, h(text))
    return planner.plan()


def sides(examples, split=Split(0.2, 42)):
    plan = plan_of(examples, split)
    return [plan.side(group, h(text)) for group, text in examples]


def test_each_label_gets_round_r_times_n_in_validation():
    examples = [("positive", f"p{i}") for i in range(37)] + [("negative", f"n{i}") for i in range(13)]
    got = sides(examples, Split(0.1, 7))
    assert got[:37].count(VALIDATION) == 4 and got[37:].count(VALIDATION) == 1  # round(3.7), round(1.3)
    assert plan_of(examples, Split(0.1, 7)).totals() == (45, 5)


def test_the_same_split_on_every_run_and_another_with_another_seed():
    examples = [("", f"text {i}") for i in range(200)]
    assert sides(examples) == sides(list(examples))
    assert sides(examples, Split(0.2, 43)) != sides(examples)
    assert sides(examples).count(VALIDATION) == 40


def test_copies_of_one_input_land_on_one_side():
    examples = [("", f"text {i % 10}") for i in range(100)]  # ten inputs, ten copies each
    got = sides(examples, Split(0.5, 1))
    by_input = {}
    for (_, text), side in zip(examples, got):
        by_input.setdefault(text, set()).add(side)
    assert all(len(s) == 1 for s in by_input.values())
    assert got.count(VALIDATION) % 10 == 0


def test_an_input_under_two_labels_lands_on_one_side_only():
    for seed in range(30):
        examples = [("positive", f"p{i}") for i in range(5)] + [("negative", f"n{i}") for i in range(5)]
        examples += [("positive", "both"), ("negative", "both")]
        got = sides(examples, Split(0.3, seed))
        assert got[-1] == got[-2], seed


def test_a_small_group_and_an_empty_planner():
    assert sides([("", "only one")], Split(0.4, 1)) == [TRAIN]  # round(0.4) = 0
    assert sides([("", "only one")], Split(0.5, 1)) == [VALIDATION]  # halves round up
    assert Planner(Split(0.1, 1)).plan().totals() == (0, 0)


def test_the_key_is_sha256_of_seed_and_input_hash():
    digest = hashlib.sha256(b"42:" + h("x").encode()).digest()
    assert split_key(42, h("x")) == int.from_bytes(digest[:8], "big")


@pytest.mark.parametrize("ratio", ["0", "1", "-1", "1.5", "abc", "", "nan", "inf", "10%"])
def test_a_bad_ratio_is_refused_with_what_to_give(ratio):
    with pytest.raises(ValueError, match="between 0 and 1|not a number"):
        parse_ratio(ratio)


@pytest.mark.parametrize("seed", ["abc", "-1", "1.5", "", " ", "４２"])
def test_a_seed_that_is_no_whole_number_is_refused(seed):
    with pytest.raises(ValueError, match="not a whole number"):
        parse_seed(seed)


def test_a_huge_seed_is_refused_and_the_largest_is_taken():
    with pytest.raises(ValueError, match="too large"):
        parse_seed("9" * 400)
    with pytest.raises(ValueError, match="too large"):
        parse_seed(str(MAX_SEED + 1))
    assert make_split("0.25", str(MAX_SEED)) == Split(0.25, MAX_SEED)
    assert make_split(" 0.1 ", " 42 ").as_dict() == {"ratio": 0.1, "seed": 42}
