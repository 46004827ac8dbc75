"""The train/validation split of an export: by ratio and seed, decided by a hash of each example's
input, so the same input never lands on both sides and the split is the same on every run.

Each example's key is the first 64 bits of sha256("<seed>:<input_hash>") (`split_key`). Two passes:
the first feeds every example's group (its label for classification, one group otherwise) and
input hash to a `Planner`, which keeps only an array of 64-bit keys per group (never the examples);
`plan()` then sorts each group's keys and takes the round(ratio × n) smallest as validation (a
cut-off key per group: ties at the cut-off, copies of one input, go to validation together). An
input found under several labels belongs to the first of them by name (its "home"): it is judged
by that group's cut-off wherever it appears, so it still lands on one side only. The second pass
asks `SplitPlan.side(group, input_hash)` for each example it writes.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from itertools import repeat
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

MAX_SEED = 2**63 - 1  # stored in a signed 64-bit column
TRAIN, VALIDATION = "train", "validation"
SIDES = (TRAIN, VALIDATION)


@dataclass(frozen=True)
class Split:
    ratio: float  # the share of each group that goes to validation, 0 < ratio < 1
    seed: int  # 0 .. MAX_SEED

    def as_dict(self) -> dict[str, float | int]:
        return {"ratio": self.ratio, "seed": self.seed}


def parse_ratio(text: str | float) -> float:
    """The ratio as given ("0.1", "10%" is refused): ValueError saying what is wrong."""
    try:
        ratio = float(str(text).strip()) if not isinstance(text, bool) else math.nan
    except ValueError:
        raise ValueError(f"{text!r} is not a number: give the validation share as a number between 0 and 1 "
                         "(exclusive), e.g. 0.1") from None
    if not math.isfinite(ratio) or not 0 < ratio < 1:
        raise ValueError(f"{text!r} is not between 0 and 1 (exclusive): give the validation share, e.g. 0.1 for "
                         "10% of the examples")
    return ratio


def parse_seed(text: str | int) -> int:
    """The seed as given ("42"): a whole number from 0 to MAX_SEED, else ValueError."""
    raw = str(text).strip()
    if isinstance(text, bool) or not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"{text!r} is not a whole number: give a seed from 0 to {MAX_SEED:,} (e.g. 42)")
    if len(raw) > 19 or int(raw) > MAX_SEED:
        raise ValueError(f"{raw[:30]}{'…' if len(raw) > 30 else ''} is too large: give a seed from 0 to "
                         f"{MAX_SEED:,}")
    return int(raw)


def make_split(ratio: str | float, seed: str | int) -> Split:
    return Split(parse_ratio(ratio), parse_seed(seed))


def split_key(seed: int, input_hash: str) -> int:
    """The example's place in the split: 64 bits of sha256("<seed>:<input_hash>")."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{input_hash}".encode()).digest()[:8], "big")


def group_of(kind: str, label: str | None) -> str:
    """Classification is stratified by label; the other kinds are one group."""
    return (label or "") if kind == "classification" else ""


def validation_count(ratio: float, n: int) -> int:
    """round(ratio × n), halves rounded up (0.5 → 1), so that a small group still gets its share."""
    return math.floor(ratio * n + 0.5)


@dataclass(frozen=True)
class SplitPlan:
    split: Split
    cutoffs: dict[str, int]  # group -> a key at or below it is validation (-1: none)
    homes: dict[int, str] = field(default_factory=dict)  # key -> its group, for inputs under several labels
    expected: dict[str, tuple[int, int]] = field(default_factory=dict)  # group -> (train, validation) examples

    def side(self, group: str, input_hash: str) -> str:
        key = split_key(self.split.seed, input_hash)
        home = self.homes.get(key, group)
        return VALIDATION if key <= self.cutoffs.get(home, -1) else TRAIN

    def totals(self) -> tuple[int, int]:
        """(train, validation) examples the plan expects over every group."""
        return (sum(t for t, _ in self.expected.values()), sum(v for _, v in self.expected.values()))


class Planner:
    """The first pass: `add(group, input_hash)` per example, then `plan()`."""

    def __init__(self, split: Split) -> None:
        self.split = split
        self.keys: dict[str, array] = {}

    def add(self, group: str, input_hash: str) -> None:
        keys = self.keys.get(group)
        if keys is None:
            keys = self.keys[group] = array("Q")
        keys.append(split_key(self.split.seed, input_hash))

    def plan(self) -> SplitPlan:
        ordered = {group: sorted(self.keys[group]) for group in sorted(self.keys)}
        homes = _homes(ordered)
        if homes:  # an input under several labels counts in its home group only
            moved: dict[str, list[int]] = {}
            for group, keys in ordered.items():
                kept = [k for k in keys if homes.get(k, group) == group]
                moved.setdefault(group, []).extend(kept)
                for k in keys:
                    if homes.get(k, group) != group:
                        moved.setdefault(homes[k], []).append(k)
            ordered = {group: sorted(keys) for group, keys in moved.items()}
        cutoffs, expected = {}, {}
        for group, keys in ordered.items():
            wanted = validation_count(self.split.ratio, len(keys))
            cutoffs[group] = keys[wanted - 1] if wanted else -1
            validation = bisect_right(keys, cutoffs[group]) if wanted else 0
            expected[group] = (len(keys) - validation, validation)
        return SplitPlan(self.split, cutoffs, homes, expected)


def _homes(ordered: dict[str, list[int]]) -> dict[int, str]:
    """Keys found in more than one group -> the first such group by name (a merge of sorted lists)."""
    if len(ordered) < 2:
        return {}
    homes: dict[int, str] = {}
    previous_key, previous_group = None, None
    for key, group in heapq.merge(*(zip(keys, repeat(g)) for g, keys in ordered.items())):
        if key == previous_key and group != previous_group and key not in homes:
            homes[key] = previous_group  # the merge yields (key, group) in order: the first group by name
        if key != previous_key:
            previous_key, previous_group = key, group
    return homes
