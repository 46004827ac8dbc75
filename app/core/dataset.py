"""Per-dataset aggregates (health page, export preflight, `tunelab check`).

`DatasetStats` is a running accumulator: the app keeps one per project and calls `add()` when an
example is saved (and `remove()` before it changes or is deleted); `tunelab check` feeds it line by
line. `dataset_findings(stats, kind, model)` (app.core.dataset_findings) turns it into findings,
`estimate(stats, model)` into the training estimate, `stats.groups()` into duplicate / conflict / split-leakage evidence.

What each example contributes (`add()`): its reference (an id, or a 1-based line number), the
exported prompt and completion of each prompt/completion row (cls/gen), the tokens of each exported
record (limit-relevant and billed), its label (cls), its input and content hashes and its split.

Cost and removal. Every aggregate is updated in O(1) per example (the common prefix/suffix in time
proportional to the characters they lose), and only bounded or needed data is kept:
- decremented exactly by `remove()`: examples, records, rows, token sums, the per-value token
  counters (they make the estimate exact for any model limit, and hold at most one entry per distinct
  token count), counts per label, the completion-hash counter (distinct completions, capped at
  `DISTINCT_CAP`), the ending counters (capped) and the duplicate / conflict index;
- NOT decrementable: the common prompt / completion prefix and suffix and the "all identical" flags
  only ever shrink. `remove()` sets `needs_rebuild`; until the app rebuilds (`from_iterable` over
  the project's cached contributions, e.g. lazily when the health page
  is next opened after deletes), the prefix/suffix rules run on the stale values and their data
  says `"stale": True`. Nothing here rescans the examples on a page view.
Everything is plain data (Counters, arrays, strings); completion hashes are stable across processes
(blake2b), the index keys are whatever the caller passes (the app's SHA-256 hashes; `tunelab check`
uses the per-process `hash()` in the append-only `CompactIndex`). The app keeps duplicates in its
hash counters and builds its stats with `with_index=False`; `to_json()` / `from_json()` turn such
stats into versioned JSON (`{"v": STATS_FORMAT, ...}`) and back, and `from_json` refuses any other
version (`UnknownFormat`: the caller rebuilds from the examples).

The rules over these aggregates and the training estimate are in `app.core.dataset_findings`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from app.core.aggregates import (  # noqa: F401  (Groups, the indexes and the helpers are part of this API)
    CompactIndex,
    DictIndex,
    Groups,
    TextAggregate,
    common_prefix,
    common_suffix,
    int_counter_from_json,
    int_counter_to_json,
    stable_hash,
)
from app.core.records import Rendered

PROVIDER_MIN_EXAMPLES = 10
RECOMMENDED = {"chat": 50, "preference": 50, "classification": 100, "generation": 100}
CLASS_MIN = 100
IMBALANCE_RATIO = 10
GENERATION_MIN = 500
SEPARATOR_MAX = 10
STOP_MAX = 10
PROMPT_PREFIX_MAX = 12
COMPLETION_PREFIX_MIN = 5
CLASSIFICATION_THRESHOLD = 3  # classification when distinct completions < rows / 3
DISTINCT_CAP = 50_000  # beyond this many distinct completions the task is generation anyway
MAX_REFS_SHOWN = 20

TARGET_EPOCHS, MIN_TARGET_EXAMPLES, MAX_TARGET_EXAMPLES = 3, 100, 25_000
MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS = 1, 25
STATS_FORMAT = 1  # the "v" of DatasetStats.to_json(); bump it when the JSON changes


class UnknownFormat(ValueError):
    """Stored stats of another format version (or not stats at all): rebuild them from the examples."""


# The accumulator ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Contribution:
    """What one example adds to the dataset (the arguments of `DatasetStats.add`)."""

    ref: Any
    prompts: tuple[str, ...] = ()
    completions: tuple[str, ...] = ()
    tokens: tuple[int, ...] = ()
    billed: tuple[int, ...] = ()
    label: str | None = None
    input_hash: Hashable = None
    content_hash: Hashable = None
    split: str | None = None

    @classmethod
    def of(cls, rendered: Rendered, ref: Any, input_hash: Hashable = None, content_hash: Hashable = None,
           label: str | None = None, split: str | None = None) -> Contribution:
        """From a render (an `Evaluation`'s `rendered`, `input_hash`, `content_hash`)."""
        rows = rendered.canonical.rows
        return cls(ref, tuple(r.prompt for r in rows), tuple(r.completion for r in rows),
                   tuple(r.tokens for r in rendered.records), tuple(r.billed_tokens for r in rendered.records),
                   label, input_hash, content_hash, split)


class DatasetStats:
    """Running per-dataset aggregates; see the module docstring for what `remove()` can undo."""

    def __init__(self, *, compact_index: bool = False, with_index: bool = True) -> None:
        self.examples = 0
        self.records = 0
        self.tokens = 0  # Σ record tokens (what counts toward the per-example limit)
        self.billed_tokens = 0  # Σ record billed tokens, before the per-example cap
        self.token_values: Counter[int] = Counter()  # record tokens -> how many records
        self.billed_values: Counter[int] = Counter()  # record billed tokens -> how many records
        self.labels: Counter[str] = Counter()
        self.completion_hashes: Counter[int] = Counter()
        self.distinct_saturated = False
        self.prompts = TextAggregate()
        self.completions = TextAggregate()
        self.index: DictIndex | CompactIndex | None = (
            (CompactIndex() if compact_index else DictIndex()) if with_index else None)
        self.needs_rebuild = False

    def to_json(self) -> dict[str, Any]:
        """The stats as versioned JSON data; only stats without an index (`with_index=False`)."""
        if self.index is not None:
            raise ValueError("the duplicate index is not stored: build the stats with with_index=False")
        return {"v": STATS_FORMAT, "examples": self.examples, "records": self.records, "tokens": self.tokens,
                "billed_tokens": self.billed_tokens, "token_values": sorted(self.token_values.items()),
                "billed_values": sorted(self.billed_values.items()), "labels": dict(self.labels),
                "completion_hashes": int_counter_to_json(self.completion_hashes),
                "distinct_saturated": self.distinct_saturated, "prompts": self.prompts.to_json(),
                "completions": self.completions.to_json(), "needs_rebuild": self.needs_rebuild}

    @classmethod
    def from_json(cls, data: Any) -> DatasetStats:
        """Stats from `to_json()` data; UnknownFormat for any other version or shape."""
        if not isinstance(data, dict) or data.get("v") != STATS_FORMAT:
            raise UnknownFormat(f"dataset stats of format {data.get('v') if isinstance(data, dict) else None!r}, "
                                f"this version reads {STATS_FORMAT}")
        try:
            stats = cls(with_index=False)
            stats.examples, stats.records = int(data["examples"]), int(data["records"])
            stats.tokens, stats.billed_tokens = int(data["tokens"]), int(data["billed_tokens"])
            stats.token_values = Counter({int(k): int(n) for k, n in data["token_values"]})
            stats.billed_values = Counter({int(k): int(n) for k, n in data["billed_values"]})
            stats.labels = Counter({str(k): int(n) for k, n in data["labels"].items()})
            stats.completion_hashes = int_counter_from_json(data["completion_hashes"])
            stats.distinct_saturated, stats.needs_rebuild = bool(data["distinct_saturated"]), bool(data["needs_rebuild"])
            stats.prompts = TextAggregate.from_json(data["prompts"])
            stats.completions = TextAggregate.from_json(data["completions"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UnknownFormat(f"dataset stats of format {STATS_FORMAT} that do not read back: {exc!r}") from exc
        return stats

    @classmethod
    def from_iterable(cls, contributions: Iterable[Contribution], *, compact_index: bool = False) -> DatasetStats:
        stats = cls(compact_index=compact_index)
        for c in contributions:
            stats.add(c.ref, prompts=c.prompts, completions=c.completions, tokens=c.tokens, billed=c.billed,
                      label=c.label, input_hash=c.input_hash, content_hash=c.content_hash, split=c.split)
        return stats

    def add(self, ref: Any, *, prompts: Iterable[str] = (), completions: Iterable[str] = (),
            tokens: Iterable[int] = (), billed: Iterable[int] = (), label: str | None = None,
            input_hash: Hashable = None, content_hash: Hashable = None, split: str | None = None) -> None:
        self.examples += 1
        for count in tokens:
            self.records += 1
            self.tokens += count
            self.token_values[count] += 1
        for count in billed:
            self.billed_tokens += count
            self.billed_values[count] += 1
        for prompt in prompts:
            self.prompts.add(prompt)
        for completion in completions:
            self.completions.add(completion)
            key = stable_hash(completion)
            if key in self.completion_hashes or len(self.completion_hashes) < DISTINCT_CAP:
                self.completion_hashes[key] += 1
            else:
                self.distinct_saturated = True
        if label is not None:
            self.labels[label] += 1
        if input_hash is not None and self.index is not None:
            self.index.add(input_hash, content_hash, ref, split)

    def add_contribution(self, c: Contribution) -> None:
        self.add(c.ref, prompts=c.prompts, completions=c.completions, tokens=c.tokens, billed=c.billed,
                 label=c.label, input_hash=c.input_hash, content_hash=c.content_hash, split=c.split)

    def absorb(self, other: DatasetStats) -> None:
        """Add the stats of a later part of the same file (`app.core.check_parts`): the sums, the
        token counters and the duplicate index. Only stats without prompt/completion texts: their
        common prefix/suffix and capped counters depend on the order the texts came in."""
        if other.prompts.count or other.completions.count or self.prompts.count or self.completions.count:
            raise ValueError("stats with prompt/completion texts cannot be joined: check the file in one pass")
        if type(self.index) is not type(other.index):
            raise ValueError("stats with different duplicate indexes cannot be joined")
        self.examples += other.examples
        self.records += other.records
        self.tokens += other.tokens
        self.billed_tokens += other.billed_tokens
        self.token_values.update(other.token_values)
        self.billed_values.update(other.billed_values)
        self.labels.update(other.labels)
        if self.index is not None:
            self.index.absorb(other.index)

    def remove(self, c: Contribution) -> None:
        """Undo `add` of the same contribution; prefix/suffix aggregates then need a rebuild."""
        self.examples -= 1
        for count in c.tokens:
            self.records -= 1
            self.tokens -= count
            _decrement(self.token_values, count)
        for count in c.billed:
            self.billed_tokens -= count
            _decrement(self.billed_values, count)
        for prompt in c.prompts:
            self.prompts.remove(prompt)
        for completion in c.completions:
            self.completions.remove(completion)
            _decrement(self.completion_hashes, stable_hash(completion))
        if c.label is not None:
            _decrement(self.labels, c.label)
        if c.input_hash is not None and self.index is not None:
            self.index.remove(c.input_hash, c.content_hash, c.ref)
        self.needs_rebuild = self.examples > 0


    # Derived values ------------------------------------------------------------------------

    @property
    def rows(self) -> int:
        """Prompt/completion rows added (cls/gen)."""
        return self.completions.count

    @property
    def distinct_completions(self) -> int:
        return len(self.completion_hashes)

    @property
    def open_ended(self) -> bool:
        """Every prompt is empty: open-ended generation (no separator, no prompt rules)."""
        return self.prompts.count > 0 and self.prompts.empty == self.prompts.count

    def inferred_task(self) -> str | None:
        """"open", "classification" or "generation" like the legacy validator (None without rows)."""
        if not self.rows:
            return None
        if self.open_ended:
            return "open"
        if not self.distinct_saturated and self.distinct_completions * CLASSIFICATION_THRESHOLD < self.rows:
            return "classification"
        return "generation"

    def billed_capped(self, limit: int) -> int:
        """Σ min(limit, billed tokens of each record): what a provider bills per epoch."""
        return sum(min(value, limit) * n for value, n in self.billed_values.items())

    def over_limit(self, limit: int) -> int:
        return sum(n for value, n in self.token_values.items() if value > limit)

    def histogram(self) -> list[tuple[int, int, int]]:
        """(low, high, records) for power-of-two token buckets: 0-1, 2-3, 4-7, ..."""
        buckets: Counter[int] = Counter()
        for value, n in self.token_values.items():
            buckets[value.bit_length()] += n
        return [((1 << b) >> 1, (1 << b) - 1, buckets[b]) for b in sorted(buckets)]

    def groups(self) -> Groups:
        return self.index.groups() if self.index is not None else Groups()


def _decrement(counter: Counter[Any], key: Any) -> None:
    if counter.get(key, 0) > 1:
        counter[key] -= 1
    else:
        counter.pop(key, None)
