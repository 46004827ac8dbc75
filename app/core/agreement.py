"""Inter-rater agreement: Cohen's kappa (two raters), Fleiss' kappa (n raters), and helpers.

Pure stdlib. Arithmetic is done on integer counts with `fractions.Fraction` and converted to
`float` only at the end, so edge cases such as "expected agreement is exactly 1" are decided
exactly rather than by floating-point comparison.

Conventions shared by every function here:

* A label may be any hashable value (strings, ints, enums, ...). `None` means "not labelled"
  and is never counted as a label.
* A kappa is `None` when it is undefined because there is nothing to measure (no items).
* When the expected (chance) agreement is exactly 1 -- every rating falls in one and the same
  category, so the kappa formula would divide by zero -- the kappa is 1.0 if the observed
  agreement is 1 and 0.0 otherwise. (Expected agreement 1 forces observed agreement 1 for both
  statistics, so in practice this yields 1.0.)

Project-level helpers take ratings as `{item_id: {rater_id: label}}`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

Ratings = Mapping[Hashable, Mapping[Hashable, Hashable | None]]


def _kappa(observed: Fraction, expected: Fraction) -> float:
    """(p_o - p_e) / (1 - p_e), with the module's convention when p_e == 1."""
    if expected == 1:
        return 1.0 if observed == 1 else 0.0
    return float((observed - expected) / (1 - expected))


def _sorted_keys(keys: Iterable[Hashable]) -> list[Hashable]:
    """Sort ids naturally; fall back to (type name, repr) when they are not mutually comparable."""
    keys = list(keys)
    try:
        return sorted(keys)  # type: ignore[type-var]
    except TypeError:
        return sorted(keys, key=lambda k: (type(k).__name__, repr(k)))


# --------------------------------------------------------------------------- Cohen


@dataclass(frozen=True)
class CohenComponents:
    """The pieces of Cohen's kappa: item count, p_o, p_e and kappa."""

    items: int
    observed_agreement: float
    expected_agreement: float
    kappa: float


def cohen_components(pairs: Iterable[tuple[Hashable, Hashable]]) -> CohenComponents | None:
    """Cohen's kappa with its intermediate values, or None when no item was labelled by both.

    `pairs` holds one `(label_by_rater_a, label_by_rater_b)` tuple per item; tuples where either
    label is None (an item only one rater labelled) are skipped.
    """
    a_counts: Counter[Hashable] = Counter()
    b_counts: Counter[Hashable] = Counter()
    n = agree = 0
    for a, b in pairs:
        if a is None or b is None:
            continue
        n += 1
        agree += a == b
        a_counts[a] += 1
        b_counts[b] += 1
    if n == 0:
        return None
    observed = Fraction(agree, n)
    expected = Fraction(sum(count * b_counts[label] for label, count in a_counts.items()), n * n)
    return CohenComponents(n, float(observed), float(expected), _kappa(observed, expected))


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa for two raters over the items both labelled.

    kappa = (p_o - p_e) / (1 - p_e), where p_o is the share of items the raters labelled alike
    and p_e = sum over categories of (share rater A used it) * (share rater B used it).
    Returns None when no item was labelled by both (pairs with a None label are skipped).
    When p_e == 1 (both raters always use the same single category) returns 1.0 if p_o == 1,
    else 0.0.
    """
    components = cohen_components(pairs)
    return None if components is None else components.kappa


# --------------------------------------------------------------------------- Fleiss


@dataclass(frozen=True)
class FleissComponents:
    """The pieces of Fleiss' kappa, named as in Fleiss (1971).

    `item_agreement` is P_i per item (in input order), `category_proportions` is p_j per
    category, `p_bar` is the mean of P_i, `p_e` is the sum of p_j squared.
    """

    items: int
    raters_per_item: int
    item_agreement: tuple[float, ...]
    category_proportions: dict[Hashable, float]
    p_bar: float
    p_e: float
    kappa: float


def _item_counts(item: Mapping[Hashable, int] | Sequence[Hashable]) -> Counter[Hashable]:
    """One item's category -> count table, from a mapping of counts or a list of labels."""
    if isinstance(item, Mapping):
        counts: Counter[Hashable] = Counter()
        for category, count in item.items():
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError(f"category counts must be integers, got {count!r} for {category!r}")
            if count < 0:
                raise ValueError(f"category counts must not be negative, got {count} for {category!r}")
            if category is not None:
                counts[category] += count
        return counts
    if isinstance(item, (str, bytes)) or not isinstance(item, Sequence):
        raise TypeError(
            f"each item must be a mapping category->count or a list of labels, got {type(item).__name__}"
        )
    return Counter(label for label in item if label is not None)


def fleiss_components(
    items: Iterable[Mapping[Hashable, int] | Sequence[Hashable]],
) -> FleissComponents | None:
    """Fleiss' kappa with its intermediate values, or None when there are no items.

    See `fleiss_kappa` for the input format and the errors raised.
    """
    tables = [_item_counts(item) for item in items]
    if not tables:
        return None
    sizes = [sum(table.values()) for table in tables]
    n = sizes[0]
    if any(size != n for size in sizes):
        seen = sorted(set(sizes))
        raise ValueError(
            "Fleiss' kappa needs every item rated by the same number of raters; "
            f"got items with {', '.join(map(str, seen))} ratings"
        )
    if n < 2:
        raise ValueError(f"Fleiss' kappa needs at least 2 ratings per item, got {n}")

    big_n = len(tables)
    per_item = [Fraction(sum(c * c for c in table.values()) - n, n * (n - 1)) for table in tables]
    p_bar = sum(per_item, Fraction(0)) / big_n

    totals: Counter[Hashable] = Counter()
    for table in tables:
        totals.update(table)  # keeps categories whose count is 0 everywhere, so p_j = 0
    proportions = {category: Fraction(total, big_n * n) for category, total in totals.items()}
    p_e = sum((p * p for p in proportions.values()), Fraction(0))

    return FleissComponents(
        items=big_n,
        raters_per_item=n,
        item_agreement=tuple(float(p) for p in per_item),
        category_proportions={category: float(p) for category, p in proportions.items()},
        p_bar=float(p_bar),
        p_e=float(p_e),
        kappa=_kappa(p_bar, p_e),
    )


def fleiss_kappa(items: Iterable[Mapping[Hashable, int] | Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa for items each rated by the same number n >= 2 of raters.

    Each item is either a list/tuple of the labels its raters chose (`["pos", "pos", "neg"]`)
    or a mapping category -> number of raters who chose it (`{"pos": 2, "neg": 1}`); None
    labels / categories are ignored. kappa = (P_bar - P_e) / (1 - P_e) as in Fleiss (1971).

    Returns None when there are no items. When P_e == 1 (every rating is the same single
    category) returns 1.0 if P_bar == 1, else 0.0.

    Raises ValueError if items have different numbers of ratings, if n < 2, or if a count is
    negative; TypeError if an item is neither a mapping nor a (non-string) sequence.
    """
    components = fleiss_components(items)
    return None if components is None else components.kappa


# --------------------------------------------------------------------------- project helpers


@dataclass(frozen=True)
class PairAgreement:
    """Agreement between two raters over the items both labelled."""

    rater_a: Hashable
    rater_b: Hashable
    items: int
    observed_agreement: float
    kappa: float


def _labelled(ratings: Ratings) -> dict[Hashable, dict[Hashable, Hashable]]:
    """ratings with unlabelled (None) entries dropped, item order kept."""
    return {
        item: {rater: label for rater, label in by_rater.items() if label is not None}
        for item, by_rater in ratings.items()
    }


def pairwise_cohen(ratings: Ratings) -> list[PairAgreement]:
    """Cohen's kappa for every pair of raters who share at least one labelled item.

    `ratings` is `{item_id: {rater_id: label}}`. Within each result `rater_a < rater_b`, and the
    list is sorted by (rater_a, rater_b). Rater ids that cannot be compared with each other are
    ordered by (type name, repr).
    """
    labelled = _labelled(ratings)
    raters = _sorted_keys({rater for by_rater in labelled.values() for rater in by_rater})
    results = []
    for a, b in itertools.combinations(raters, 2):
        pairs = [(by_rater[a], by_rater[b]) for by_rater in labelled.values() if a in by_rater and b in by_rater]
        components = cohen_components(pairs)
        if components is not None:
            results.append(PairAgreement(a, b, components.items, components.observed_agreement, components.kappa))
    return results


def fleiss_for_project(ratings: Ratings, raters_per_item: int | None = None) -> tuple[float | None, int]:
    """Fleiss' kappa over a project's items; returns (kappa, number of items used).

    Fleiss' kappa needs the same number of ratings on every item, so only items with exactly
    `raters_per_item` labels are used. When it is not given, n is the most common number of
    labels among items that have at least 2 (ties go to the larger n); items with any other
    count are left out. Raters need not be the same people on every item. Returns (None, 0)
    when no item qualifies.
    """
    if raters_per_item is not None and raters_per_item < 2:
        raise ValueError(f"raters_per_item must be at least 2, got {raters_per_item}")
    label_lists = [list(by_rater.values()) for by_rater in _labelled(ratings).values()]
    if raters_per_item is None:
        sizes = Counter(len(labels) for labels in label_lists if len(labels) >= 2)
        if not sizes:
            return None, 0
        raters_per_item = max(sizes, key=lambda size: (sizes[size], size))
    used = [labels for labels in label_lists if len(labels) == raters_per_item]
    return fleiss_kappa(used), len(used)


def disagreements(ratings: Ratings) -> list[Hashable]:
    """Ids of items whose raters did not all choose the same label, in the mapping's item order.

    Unlabelled (None) entries are ignored, so an item with one label never counts as a
    disagreement.
    """
    return [item for item, by_rater in _labelled(ratings).items() if len(set(by_rater.values())) > 1]


# --------------------------------------------------------------------------- interpretation

_BANDS = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"), (1.0, "almost perfect"))


def interpretation(kappa: float | None) -> str:
    """Landis & Koch (1977) label for a kappa value.

    The published bands (0.00-0.20, 0.21-0.40, ...) are closed on the upper end here:
    kappa < 0 -> "poor"; 0 <= kappa <= 0.20 -> "slight"; 0.20 < kappa <= 0.40 -> "fair";
    0.40 < kappa <= 0.60 -> "moderate"; 0.60 < kappa <= 0.80 -> "substantial";
    0.80 < kappa <= 1 -> "almost perfect". kappa is rounded to 10 decimals first so float noise
    (0.4000000000000001) does not cross a boundary. None (undefined kappa) -> "undefined".
    Raises ValueError for NaN or a value above 1.
    """
    if kappa is None:
        return "undefined"
    if kappa != kappa:
        raise ValueError("kappa is NaN")
    value = round(kappa, 10)
    if value > 1:
        raise ValueError(f"kappa cannot exceed 1, got {kappa}")
    if value < 0:
        return "poor"
    return next(label for upper, label in _BANDS if value <= upper)
