"""Bounded running aggregates behind the dataset rules: common prefix/suffix of a stream of strings,
and the duplicate / conflict / split-leakage index (a dict for the app, flat arrays for big files).

`app.core.dataset.DatasetStats` combines them; see its docstring for what can be undone.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

ENDING_LENGTHS = 12  # ending counters track the last 1..12 characters (a hint when no suffix is shared)
ENDING_CAP = 256  # distinct endings kept per length
_MASK64 = (1 << 64) - 1


# Text aggregates ----------------------------------------------------------------------------

def common_prefix(a: str, b: str) -> str:
    if b.startswith(a):
        return a
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # longest k with a[:k] == b[:k]
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return a[:lo]


def common_suffix(a: str, b: str) -> str:
    if b.endswith(a):
        return a
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return a[len(a) - lo:]


class TextAggregate:
    """Common prefix/suffix, "all identical" and capped ending counts of a stream of strings."""

    __slots__ = ("count", "first", "all_same", "prefix", "suffix", "endings", "empty")

    def __init__(self) -> None:
        self.count = 0
        self.empty = 0
        self.first = self.prefix = self.suffix = ""
        self.all_same = True
        self.endings: list[Counter[str]] = [Counter() for _ in range(ENDING_LENGTHS)]

    def add(self, text: str) -> None:
        if self.count == 0:
            self.first = self.prefix = self.suffix = text
            self.all_same = True
        else:
            if self.all_same and text != self.first:
                self.all_same = False
            if not text.startswith(self.prefix):
                self.prefix = common_prefix(self.prefix, text)
            if not text.endswith(self.suffix):
                self.suffix = common_suffix(self.suffix, text)
        self.count += 1
        if not text:
            self.empty += 1
            return
        size = len(text)
        for length, counter in enumerate(self.endings, 1):
            if length > size:
                break
            key = text[-length:]
            if key in counter or len(counter) < ENDING_CAP:
                counter[key] += 1

    def remove(self, text: str) -> None:
        """Counts go down exactly; prefix, suffix and all_same cannot grow back (the caller rebuilds)."""
        self.count -= 1
        self.empty -= not text
        for length, counter in enumerate(self.endings, 1):
            key = text[-length:] if len(text) >= length else None
            if key and counter.get(key):
                counter[key] -= 1
                if not counter[key]:
                    del counter[key]
        if self.count == 0:
            self.__init__()

    def most_common_ending(self) -> tuple[str, int] | None:
        """The longest ending (≤ 12 chars) shared by at least half of the strings, with its count."""
        for counter in reversed(self.endings):
            if counter:
                key, n = counter.most_common(1)[0]
                if n * 2 >= self.count:
                    return key, n
        return None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (strings, numbers, lists, dicts); `from_json` reads it back."""
        return {"count": self.count, "empty": self.empty, "first": self.first, "all_same": self.all_same,
                "prefix": self.prefix, "suffix": self.suffix, "endings": [dict(c) for c in self.endings]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TextAggregate:
        text = cls()
        text.count, text.empty, text.first = int(data["count"]), int(data["empty"]), str(data["first"])
        text.all_same, text.prefix, text.suffix = bool(data["all_same"]), str(data["prefix"]), str(data["suffix"])
        endings = data["endings"]
        if len(endings) != ENDING_LENGTHS:
            raise ValueError(f"{len(endings)} ending counters, expected {ENDING_LENGTHS}")
        text.endings = [Counter({str(k): int(n) for k, n in counter.items()}) for counter in endings]
        return text


def int_counter_to_json(counter: Counter[int]) -> dict[str, str]:
    """A Counter of unsigned 64-bit keys (stable hashes) as two little-endian base64 arrays, keys
    (8 bytes each) and counts (4 bytes): a fraction of the size and time of a JSON list for the
    50,000 completion hashes a big generation project holds."""
    keys, counts = array("Q", counter.keys()), array("I", counter.values())
    if sys.byteorder == "big":  # stored little-endian, whatever machine wrote it
        keys.byteswap()
        counts.byteswap()
    return {"keys": base64.b64encode(keys.tobytes()).decode("ascii"),
            "counts": base64.b64encode(counts.tobytes()).decode("ascii")}


def int_counter_from_json(data: dict[str, str]) -> Counter[int]:
    keys, counts = array("Q"), array("I")
    keys.frombytes(base64.b64decode(data["keys"]))
    counts.frombytes(base64.b64decode(data["counts"]))
    if sys.byteorder == "big":
        keys.byteswap()
        counts.byteswap()
    if len(keys) != len(counts):
        raise ValueError("int counter: keys and counts differ in length")
    counter: Counter[int] = Counter()
    dict.update(counter, zip(keys.tolist(), counts.tolist()))
    return counter


# Duplicate / conflict / leakage index ------------------------------------------------------

@dataclass(frozen=True)
class Groups:
    """Evidence for the per-example `duplicate` and `conflict` codes and for `split-leakage`."""

    duplicates: tuple[tuple[Any, ...], ...] = ()  # refs with the same input and output
    conflicts: tuple[tuple[Any, ...], ...] = ()  # refs with the same input and ≥ 2 different outputs
    leaks: tuple[tuple[Any, ...], ...] = ()  # refs of the same example found in train and validation


class DictIndex:
    """input hash -> content hash -> [(ref, split)]: O(1) add and remove; any hashable hashes and refs.

    `groups()` only visits inputs that were seen more than once (kept in a set as they appear).
    """

    def __init__(self) -> None:
        self._by_input: dict[Hashable, dict[Hashable, list[tuple[Any, str | None]]]] = {}
        self._repeated: set[Hashable] = set()

    def __len__(self) -> int:
        return sum(len(refs) for contents in self._by_input.values() for refs in contents.values())

    def add(self, input_hash: Hashable, content_hash: Hashable, ref: Any, split: str | None = None) -> None:
        contents = self._by_input.get(input_hash)
        if contents is None:
            self._by_input[input_hash] = {content_hash: [(ref, split)]}
            return
        contents.setdefault(content_hash, []).append((ref, split))
        self._repeated.add(input_hash)

    def remove(self, input_hash: Hashable, content_hash: Hashable, ref: Any) -> None:
        contents = self._by_input.get(input_hash, {})
        refs = contents.get(content_hash, [])
        for i, (r, _) in enumerate(refs):
            if r == ref:
                del refs[i]
                break
        if not refs:
            contents.pop(content_hash, None)
        if not contents:
            self._by_input.pop(input_hash, None)
        if sum(map(len, contents.values())) < 2:
            self._repeated.discard(input_hash)


    def groups(self) -> Groups:
        duplicates, conflicts, leaks = [], [], []
        for input_hash in self._repeated:
            contents = self._by_input[input_hash]
            for refs in contents.values():
                if len(refs) > 1:
                    duplicates.append(_sorted_refs(r for r, _ in refs))
                    if {"train", "validation"} <= {s for _, s in refs}:
                        leaks.append(_sorted_refs(r for r, _ in refs))
            if len(contents) > 1:
                conflicts.append(_sorted_refs(r for refs in contents.values() for r, _ in refs))
        return Groups(_sorted_groups(duplicates), _sorted_groups(conflicts), _sorted_groups(leaks))


class CompactIndex:
    """The same evidence for big files: 64-bit integer hashes and integer refs in flat arrays.

    24 bytes per example (1M lines: 24 MB, against ~130 MB for a dict), split into 256 buckets by the
    input hash so `groups()` only ever builds a dict of one bucket. No remove(), no splits.
    """

    BUCKETS = 256

    def __init__(self) -> None:
        self._inputs = [array("Q") for _ in range(self.BUCKETS)]
        self._contents = [array("Q") for _ in range(self.BUCKETS)]
        self._refs = [array("Q") for _ in range(self.BUCKETS)]

    def __len__(self) -> int:
        return sum(map(len, self._refs))

    def add(self, input_hash: int, content_hash: int, ref: int, split: str | None = None) -> None:
        input_hash &= _MASK64
        bucket = input_hash & 0xFF
        self._inputs[bucket].append(input_hash)
        self._contents[bucket].append(content_hash & _MASK64)
        self._refs[bucket].append(ref)

    def remove(self, input_hash: Any, content_hash: Any, ref: Any) -> None:
        raise NotImplementedError("CompactIndex is append-only (tunelab check); use DictIndex in the app")

    def absorb(self, other: CompactIndex) -> None:
        """Append `other`'s entries (a later part of the same file: `app.core.check_parts`)."""
        for mine, theirs in ((self._inputs, other._inputs), (self._contents, other._contents), (self._refs, other._refs)):
            for bucket, values in zip(mine, theirs):
                bucket.extend(values)


    def groups(self) -> Groups:
        duplicates, conflicts = [], []
        for inputs, contents, refs in zip(self._inputs, self._contents, self._refs):
            first: dict[int, int] = {}
            repeated: dict[int, list[int]] = {}
            for position, input_hash in enumerate(inputs):
                seen = first.setdefault(input_hash, position)
                if seen != position:
                    repeated.setdefault(input_hash, [seen]).append(position)
            for positions in repeated.values():
                by_content: dict[int, list[int]] = {}
                for position in positions:
                    by_content.setdefault(contents[position], []).append(refs[position])
                duplicates += [tuple(sorted(r)) for r in by_content.values() if len(r) > 1]
                if len(by_content) > 1:
                    conflicts.append(tuple(sorted(refs[p] for p in positions)))
        return Groups(tuple(sorted(duplicates)), tuple(sorted(conflicts)))


def _sorted_refs(refs: Iterable[Any]) -> tuple[Any, ...]:
    items = list(refs)
    try:
        return tuple(sorted(items))
    except TypeError:  # refs of mixed types
        return tuple(sorted(items, key=str))


def _sorted_groups(groups: list[tuple[Any, ...]]) -> tuple[tuple[Any, ...], ...]:
    try:
        return tuple(sorted(groups))
    except TypeError:
        return tuple(sorted(groups, key=lambda g: [str(r) for r in g]))


def stable_hash(text: str) -> int:
    """64-bit hash of a text that is the same in every process (the stats are stored and read back)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")
