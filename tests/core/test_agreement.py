"""app.core.agreement against published worked examples and hand-computed project cases."""

import pytest

from app.core.agreement import (
    PairAgreement,
    cohen_components,
    cohen_kappa,
    disagreements,
    fleiss_components,
    fleiss_for_project,
    fleiss_kappa,
    interpretation,
    pairwise_cohen,
)


def pairs_from_table(table, labels=("yes", "no")):
    """Expand a 2-D contingency table (rows: rater A, columns: rater B) into label pairs."""
    return [(labels[i], labels[j]) for i, row in enumerate(table) for j, count in enumerate(row) for _ in range(count)]


# --------------------------------------------------------------------------- Cohen

# Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, both readers say Yes 20,
# A yes / B no 5, A no / B yes 10, both No 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4.
COHEN_WIKIPEDIA = [[20, 5], [10, 15]]


def test_cohen_wikipedia_worked_example():
    components = cohen_components(pairs_from_table(COHEN_WIKIPEDIA))
    assert components.items == 50
    assert components.observed_agreement == pytest.approx(0.7, abs=1e-12)
    assert components.expected_agreement == pytest.approx(0.5, abs=1e-12)
    assert components.kappa == pytest.approx(0.4, abs=1e-12)
    assert cohen_kappa(pairs_from_table(COHEN_WIKIPEDIA)) == pytest.approx(0.4, abs=1e-12)


# Wikipedia, "Cohen's kappa", section "Same percentages but different numbers": two tables
# with the same 60% observed agreement, published kappas 0.1304 and 0.2593 (4 decimals).
@pytest.mark.parametrize(
    ("table", "expected_kappa"),
    [([[45, 15], [25, 15]], 0.1304), ([[25, 35], [5, 35]], 0.2593)],
)
def test_cohen_same_agreement_different_kappa(table, expected_kappa):
    components = cohen_components(pairs_from_table(table))
    assert components.observed_agreement == pytest.approx(0.60, abs=1e-12)
    assert components.kappa == pytest.approx(expected_kappa, abs=5e-5)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param([("a", "a"), ("b", "b"), ("c", "c")], 1.0, id="perfect"),
        pytest.param([("cat", "dog"), ("dog", "cat")] * 5, -1.0, id="systematic-disagreement"),
        pytest.param([("x", "x")] * 4, 1.0, id="single-shared-category-p_e-is-1"),
        pytest.param([("x", "x"), ("y", None), (None, "z"), ("y", "y")], 1.0, id="skips-unlabelled"),
        pytest.param([((1, "a"), (1, "a")), (frozenset({2}), (1, "a"))], 0.0, id="any-hashable-labels"),
    ],
)
def test_cohen_edge_cases(pairs, expected):
    assert cohen_kappa(pairs) == pytest.approx(expected, abs=1e-12)


def test_cohen_systematic_disagreement_is_negative():
    assert cohen_kappa([("yes", "no"), ("no", "yes"), ("yes", "yes"), ("no", "yes")]) < 0


@pytest.mark.parametrize("pairs", [[], [("a", None), (None, "b")]])
def test_cohen_undefined_without_shared_items(pairs):
    assert cohen_kappa(pairs) is None
    assert cohen_components(pairs) is None


# --------------------------------------------------------------------------- Fleiss

# Fleiss (1971) data as reproduced in Wikipedia, "Fleiss' kappa", worked example: 10 subjects,
# 14 raters, 5 categories. Published (3 decimals): P_i per row, p_j per category,
# P_bar = 0.378, P_e = 0.213, kappa = 0.210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]
FLEISS_P_I = [1.000, 0.253, 0.308, 0.440, 0.330, 0.462, 0.242, 0.176, 0.286, 0.286]
FLEISS_P_J = [0.143, 0.200, 0.279, 0.150, 0.229]  # column totals 20, 28, 39, 21, 32 of 140
THREE_DECIMALS = 5e-4


def as_mappings(table):
    return [{category: count for category, count in enumerate(row, start=1)} for row in table]


def as_label_lists(table):
    return [[f"cat{category}" for category, count in enumerate(row, start=1) for _ in range(count)] for row in table]


def test_fleiss_wikipedia_intermediate_values():
    components = fleiss_components(as_mappings(FLEISS_TABLE))
    assert components.items == 10
    assert components.raters_per_item == 14
    assert list(components.item_agreement) == pytest.approx(FLEISS_P_I, abs=THREE_DECIMALS)
    assert [components.category_proportions[c] for c in range(1, 6)] == pytest.approx(FLEISS_P_J, abs=THREE_DECIMALS)
    assert components.p_bar == pytest.approx(0.378, abs=THREE_DECIMALS)
    assert components.p_e == pytest.approx(0.213, abs=THREE_DECIMALS)
    assert components.kappa == pytest.approx(0.210, abs=THREE_DECIMALS)


@pytest.mark.parametrize("convert", [as_mappings, as_label_lists], ids=["count-mappings", "label-lists"])
def test_fleiss_wikipedia_kappa_from_either_input_form(convert):
    assert fleiss_kappa(convert(FLEISS_TABLE)) == pytest.approx(0.210, abs=THREE_DECIMALS)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([["a", "a", "a"], ["b", "b", "b"], ["c", "c", "c"]], 1.0, id="perfect"),
        pytest.param([["x", "x"], ["x", "x"]], 1.0, id="single-category-p_e-is-1"),
        # Every item split 1/1 over two equally used categories: P_bar = 0, P_e = 0.5.
        pytest.param([["yes", "no"], ["no", "yes"], ["yes", "no"]], -1.0, id="systematic-disagreement"),
        # Cohen's table [[20, 5], [10, 15]] read as 2-rater Fleiss items (Scott's pi): P_bar = 0.7,
        # p_yes = 0.55, P_e = 0.505, kappa = 0.195 / 0.495.
        pytest.param(
            [list(pair) for pair in pairs_from_table(COHEN_WIKIPEDIA)], 0.195 / 0.495, id="two-raters-scotts-pi"
        ),
        pytest.param([{"pos": 2, "neg": 0, "skip": 0}, {"pos": 2}], 1.0, id="zero-count-categories"),
    ],
)
def test_fleiss_edge_cases(items, expected):
    assert fleiss_kappa(items) == pytest.approx(expected, abs=1e-12)


def test_fleiss_empty_is_undefined():
    assert fleiss_kappa([]) is None
    assert fleiss_components([]) is None


@pytest.mark.parametrize(
    "items",
    [
        pytest.param([["a", "a", "b"], ["a", "b"]], id="label-lists"),
        pytest.param([{"a": 2, "b": 1}, {"a": 1, "b": 2}, {"a": 4}], id="count-mappings"),
    ],
)
def test_fleiss_unequal_rating_counts_raise(items):
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa(items)


@pytest.mark.parametrize(
    ("items", "error", "message"),
    [
        ([["a"], ["b"]], ValueError, "at least 2"),
        ([{"a": -1, "b": 3}], ValueError, "negative"),
        ([{"a": 1.5}], TypeError, "integers"),
        (["ab", "ba"], TypeError, "mapping category->count or a list of labels"),
    ],
)
def test_fleiss_rejects_bad_input(items, error, message):
    with pytest.raises(error, match=message):
        fleiss_kappa(items)


# --------------------------------------------------------------------------- project helpers

# Hand-computed:
#   ann-bob over q1-q4: p_o = 3/4, p_e = (2*1 + 2*3)/16 = 1/2 -> kappa = 0.5
#   ann-cy and bob-cy over q1, q2, q4: p_o = 2/3, p_e = 4/9 -> kappa = 0.4
#   Fleiss over the 3-rating items q1, q2, q4: P_bar = 7/9, P_e = 41/81 -> kappa = 22/40 = 0.55
RATINGS = {
    "q1": {"ann": "pos", "bob": "pos", "cy": "pos"},
    "q2": {"ann": "neg", "bob": "neg", "cy": "pos"},
    "q3": {"ann": "pos", "bob": "neg", "cy": None},
    "q4": {"cy": "neg", "ann": "neg", "bob": "neg"},
    "q5": {"ann": "pos"},
}


def test_pairwise_cohen():
    result = pairwise_cohen(RATINGS)
    assert [(r.rater_a, r.rater_b, r.items) for r in result] == [("ann", "bob", 4), ("ann", "cy", 3), ("bob", "cy", 3)]
    assert [r.observed_agreement for r in result] == pytest.approx([0.75, 2 / 3, 2 / 3])
    assert [r.kappa for r in result] == pytest.approx([0.5, 0.4, 0.4])
    assert all(isinstance(r, PairAgreement) for r in result)


def test_pairwise_cohen_skips_raters_with_no_shared_item_and_orders_mixed_ids():
    ratings = {"a": {2: "x", 1: "x"}, "b": {"zoe": "y", 1: "y"}}
    result = pairwise_cohen(ratings)
    # 1-2 share item a, 1-zoe share item b, 2-zoe share nothing; ints sort before strs by type name.
    assert [(r.rater_a, r.rater_b, r.items, r.kappa) for r in result] == [(1, 2, 1, 1.0), (1, "zoe", 1, 1.0)]
    assert pairwise_cohen({}) == []


@pytest.mark.parametrize(
    ("raters_per_item", "expected_kappa", "expected_items"),
    [
        pytest.param(None, 0.55, 3, id="most-common-count"),
        pytest.param(3, 0.55, 3, id="explicit-3"),
        pytest.param(2, -1.0, 1, id="explicit-2-uses-q3-only"),
        pytest.param(4, None, 0, id="no-item-has-4"),
    ],
)
def test_fleiss_for_project(raters_per_item, expected_kappa, expected_items):
    kappa, items_used = fleiss_for_project(RATINGS, raters_per_item)
    assert items_used == expected_items
    if expected_kappa is None:
        assert kappa is None
    else:
        assert kappa == pytest.approx(expected_kappa)


def test_fleiss_for_project_ties_go_to_more_raters_and_single_ratings_are_ignored():
    ratings = {
        1: {"a": "x", "b": "x"},
        2: {"a": "x", "b": "y"},
        3: {"a": "x", "b": "x", "c": "x"},
        4: {"a": "y", "b": "y", "c": "y"},
        5: {"a": "x"},
        6: {"a": "y"},
        7: {"b": "y"},
    }
    assert fleiss_for_project(ratings) == (1.0, 2)
    assert fleiss_for_project({1: {"a": "x"}, 2: {}}) == (None, 0)
    with pytest.raises(ValueError, match="at least 2"):
        fleiss_for_project(ratings, raters_per_item=1)


def test_disagreements():
    assert disagreements(RATINGS) == ["q2", "q3"]
    assert disagreements({"b": {"x": 1, "y": 2}, "a": {"x": 1, "y": 1}, "c": {"x": 3}}) == ["b"]
    assert disagreements({}) == []


# --------------------------------------------------------------------------- interpretation


# Landis & Koch (1977), "The measurement of observer agreement for categorical data", Table 1.
@pytest.mark.parametrize(
    ("kappa", "label"),
    [
        (-1.0, "poor"),
        (-0.0001, "poor"),
        (0.0, "slight"),
        (0.20, "slight"),
        (0.2001, "fair"),
        (0.40, "fair"),
        (0.1 + 0.2 + 0.1, "fair"),  # 0.4000000000000001 stays "fair"
        (0.41, "moderate"),
        (0.60, "moderate"),
        (0.61, "substantial"),
        (0.80, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
        (None, "undefined"),
    ],
)
def test_interpretation_bands(kappa, label):
    assert interpretation(kappa) == label


@pytest.mark.parametrize("kappa", [1.01, float("nan")])
def test_interpretation_rejects_impossible_values(kappa):
    with pytest.raises(ValueError):
        interpretation(kappa)


def test_interpretation_of_published_examples():
    assert interpretation(fleiss_kappa(as_mappings(FLEISS_TABLE))) == "fair"  # 0.210
    assert interpretation(cohen_kappa(pairs_from_table(COHEN_WIKIPEDIA))) == "fair"  # 0.4
