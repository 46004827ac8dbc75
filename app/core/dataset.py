"""Per-dataset aggregates and the per-dataset rules of RULES.md (health page, export preflight, `tunelab check`).

`DatasetStats` is a running accumulator: the app keeps one per project and calls `add()` when an
example is saved (and `remove()` before it changes or is deleted); `tunelab check` feeds it line by
line. `dataset_findings(stats, kind, model)` turns it into findings, `estimate(stats, model)` into
the training estimate, `stats.groups()` into duplicate / conflict / split-leakage evidence.

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

Readings of RULES.md that could go two ways (each message says it, tests pin it):
- too-few-examples (error) and few-examples (info) both fire below the provider minimum: each
  condition holds, and the second tells how many to aim for;
- counts that a provider sees (too-few-examples, few-examples, generation-too-small, the estimate)
  count exported records (lines), so a support conversation exporting three rows counts three;
- the prefix / suffix / "all identical" rules need at least two rows (one row is trivially
  "identical to itself"); they are skipped for open-ended generation (every prompt empty), as the
  legacy validator skipped them;
- completion-common-prefix ignores one leading whitespace character: the leading space is the
  completion's required format (the legacy tool kept it when it removed the prefix), so `" yes"` /
  `" no"` share nothing, while `" Answer: yes"` / `" Answer: no"` share `"Answer: "` (8 chars);
- class-imbalance compares classes that have examples; a declared label with none is class-too-small
  (count 0);
- split-leakage is the same example (same input and output) in train and validation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
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
from app.core.model_table import ModelInfo
from app.core.records import Rendered
from app.core.rules.helpers import show
from app.core.project_settings import KIND_ABBREVIATIONS, kind_named
from app.core.rules.registry import RULES

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


# Estimate -----------------------------------------------------------------------------------

def default_epochs(n: int) -> int | None:
    """OpenAI's `auto` epochs as the cookbook estimates it (None without examples)."""
    if n <= 0:
        return None
    if n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n)
    if n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n)
    return TARGET_EPOCHS


def estimate(stats: DatasetStats, model: ModelInfo) -> dict[str, Any] | None:
    """{"billed_tokens", "epochs", "cost_usd"}: billed tokens per epoch (each record capped at the
    model limit), default epochs, and billed × epochs × the training price (None: no price). None
    when there is no example."""
    epochs = default_epochs(stats.records)
    if epochs is None:
        return None
    billed = stats.billed_capped(model.limit)
    price = model.price_per_million
    cost = None if price is None else round(billed * epochs * price / 1_000_000, 4)
    return {"billed_tokens": billed, "epochs": epochs, "cost_usd": cost}


def dollars(amount: float) -> str:
    return f"${amount:,.4f}" if 0 < amount < 0.01 else f"${amount:,.2f}"


# Findings -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DatasetFinding:
    code: str
    level: str
    message: str  # what is wrong and what to do
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "message": self.message, "data": self.data}


def _refs_text(refs: tuple[Any, ...], noun: str) -> str:
    shown = ", ".join(str(r) for r in refs[:MAX_REFS_SHOWN])
    more = len(refs) - MAX_REFS_SHOWN
    return f"{noun} {shown}" + (f" and {more} more" if more > 0 else "")


def dataset_findings(stats: DatasetStats, kind: str, model: ModelInfo, provider_min: int = PROVIDER_MIN_EXAMPLES,
                     labels: Iterable[str] = (), ref_noun: str = "examples",
                     groups: Groups | None = None) -> list[DatasetFinding]:
    """Every per-dataset rule of RULES.md for `kind` (a project kind, or its RULES.md abbreviation), in
    catalogue order.

    `labels`: the declared label values, in the form passed to `add(label=...)`; a declared label
    with no example is a class of 0. `ref_noun` names refs in messages ("examples" or "lines").
    `groups`: `stats.groups()` if the caller already has it. After `remove()` (`needs_rebuild`) the
    prefix/suffix rules run on the stale values and their data says `"stale": True`.
    """
    found: list[DatasetFinding] = []
    kind = kind_named(kind)

    def add(code: str, message: str, **data: Any) -> None:
        if code in _TEXT_CODES and stats.needs_rebuild:
            data["stale"] = True
        if kind in RULES[code].task_kinds:
            found.append(DatasetFinding(code, RULES[code].level, message, data))

    n = stats.records
    recommended = RECOMMENDED.get(kind, 100)
    if n < provider_min:
        add("too-few-examples",
            f"The dataset has {n:,} examples; the target provider needs at least {provider_min} (OpenAI and Azure: 10, "
            f"Fireworks: 3, Together: 1). Add at least {provider_min - n:,} more (aim for {recommended}).",
            examples=n, minimum=provider_min)
    if n < recommended:
        add("few-examples",
            f"The dataset has {n:,} examples, fewer than the {recommended} recommended to start with: add more "
            "(quality tends to grow with every doubling of good examples).",
            examples=n, recommended=recommended)
    _class_findings(stats, add, list(labels))
    if n < GENERATION_MIN:
        add("generation-too-small",
            f"The dataset has {n:,} generation examples; aim for at least {GENERATION_MIN} (the legacy guide's "
            "advice) before judging the fine-tuned model.", examples=n, threshold=GENERATION_MIN)
    _text_findings(stats, add)
    leaks = (groups if groups is not None else stats.groups()).leaks
    if leaks:
        refs = tuple(r for group in leaks for r in group)
        add("split-leakage",
            f"{len(leaks):,} examples are in both the train and the validation split ({_refs_text(refs, ref_noun)}): "
            "keep each example in one split, or validation scores will look better than the model is.",
            groups=[list(g) for g in leaks])
    _task_type(stats, kind, add)
    result = estimate(stats, model)
    if result is not None:
        charged = result["billed_tokens"] * result["epochs"]
        price = model.price_per_million
        cost = (f"about {dollars(result['cost_usd'])} at ${price:,.2f} per 1M training tokens" if price is not None
                else f"no training price is known for {model.name}")
        capped = stats.billed_tokens - result["billed_tokens"]
        cap_note = f" ({capped:,} over-limit tokens not billed)" if capped else ""
        add("estimate",
            f"{n:,} examples, {stats.billed_tokens:,} tokens, {result['billed_tokens']:,} billed per epoch{cap_note} "
            f"× {result['epochs']} epoch{'s' if result['epochs'] != 1 else ''} (the default for {n:,} examples) = {charged:,} training tokens: {cost} "
            f"({model.name}). Validation examples are not billed.",
            examples=n, tokens=stats.billed_tokens, billed_tokens=result["billed_tokens"], epochs=result["epochs"],
            charged_tokens=charged, cost_usd=result["cost_usd"], model=model.name)
    if n:
        add("gen-hyperparameters",
            "Generation: OpenAI's legacy guide reports that a lower learning rate multiplier and only 1–2 epochs "
            "often work better than the defaults; try them after a first run with the defaults.")
    return found


def _class_findings(stats: DatasetStats, add: Any, declared: list[str]) -> None:
    counts = Counter({label: 0 for label in declared})
    counts.update(stats.labels)
    for label, count in sorted(counts.items(), key=lambda item: (item[1], item[0])):
        if count < CLASS_MIN:
            add("class-too-small",
                f"The class {show(label)} has {count:,} examples, fewer than {CLASS_MIN}: add "
                f"{CLASS_MIN - count:,} more (aim for at least {CLASS_MIN} per class).",
                label=label, count=count, threshold=CLASS_MIN)
    used = {label: count for label, count in counts.items() if count}
    if len(used) >= 2:
        (big, most), (small, least) = max(used.items(), key=lambda i: i[1]), min(used.items(), key=lambda i: i[1])
        if most > IMBALANCE_RATIO * least:
            add("class-imbalance",
                f"The largest class {show(big)} has {most:,} examples, over {IMBALANCE_RATIO}× the smallest "
                f"{show(small)} ({least:,}): add examples of the small classes, or check that the imbalance is the "
                "one you expect at inference.",
                largest={"label": big, "count": most}, smallest={"label": small, "count": least}, ratio=IMBALANCE_RATIO)
    variants: dict[str, list[str]] = {}
    for label in counts:
        variants.setdefault(label.strip().casefold(), []).append(label)
    for group in variants.values():
        if len(group) > 1:
            shown = ", ".join(f"{show(g)} ({counts[g]:,})" for g in sorted(group))
            add("labels-case-variants",
                f"The labels {shown} differ only by case or surrounding space: the model sees them as different "
                "classes. Use one spelling (with one leading space) for all of them.",
                labels=sorted(group), counts={g: counts[g] for g in sorted(group)})


_TEXT_CODES = frozenset({"prompts-all-identical", "completions-all-identical", "separator-inconsistent", "separator-long",
                         "stop-long", "prompt-common-prefix", "completion-common-prefix", "stop-inconsistent"})


def _text_findings(stats: DatasetStats, add: Any) -> None:
    prompts, completions = stats.prompts, stats.completions
    if prompts.count < 2:
        return
    if not stats.open_ended:
        if prompts.all_same:
            add("prompts-all-identical",
                f"All {prompts.count:,} prompts are identical ({show(prompts.first[:60])}): make each prompt hold its "
                "own input, or leave every prompt empty for open-ended generation.", prompt=prompts.first[:200])
        elif not prompts.suffix:
            hint = prompts.most_common_ending()
            common = (f" ({hint[1]:,} of {prompts.count:,} end with {show(hint[0])})" if hint else "")
            add("separator-inconsistent",
                f"The prompts do not all end with the same separator{common}: end every prompt with one fixed "
                'separator that occurs nowhere else (e.g. "\\n\\n###\\n\\n" or " ->"), so the model knows where '
                "the completion starts.", most_common_ending=hint[0] if hint else None,
                count=hint[1] if hint else 0, rows=prompts.count)
        elif len(prompts.suffix) > SEPARATOR_MAX:
            add("separator-long",
                f"Every prompt ends with {show(prompts.suffix)} ({len(prompts.suffix)} characters, over "
                f"{SEPARATOR_MAX}): a short separator such as " + '"\\n\\n###\\n\\n" or " ->" works as well and '
                "costs fewer tokens.", suffix=prompts.suffix, threshold=SEPARATOR_MAX)
        if not prompts.all_same and len(prompts.prefix) > PROMPT_PREFIX_MAX:
            add("prompt-common-prefix",
                f"Every prompt starts with {show(prompts.prefix[:80])} ({len(prompts.prefix)} characters): "
                "fine-tuning does not need instructions or few-shot examples in the prompt; keep only the input.",
                prefix=prompts.prefix, threshold=PROMPT_PREFIX_MAX)
    if completions.all_same:
        add("completions-all-identical",
            f"All {completions.count:,} completions are identical ({show(completions.first[:60])}): the model would "
            "just repeat it. Write each example's own output.", completion=completions.first[:200])
        return
    prefix = completions.prefix
    shared = prefix[1:] if prefix[:1].isspace() else prefix  # the leading space is the format, not content
    if len(shared) >= COMPLETION_PREFIX_MIN:
        add("completion-common-prefix",
            f"Every completion starts with {show(shared[:80])} ({len(shared)} characters after the leading space): "
            "put only the output in the completion and move shared text into the prompt.",
            prefix=prefix, threshold=COMPLETION_PREFIX_MIN)
    if not completions.suffix:
        hint = completions.most_common_ending()
        common = f" ({hint[1]:,} of {completions.count:,} end with {show(hint[0])})" if hint else ""
        add("stop-inconsistent",
            f"The completions do not all end with the same stop sequence{common}: end every completion with one "
            'fixed stop sequence that occurs nowhere else (e.g. " END" or "\\n") and pass it as stop at inference.',
            most_common_ending=hint[0] if hint else None, count=hint[1] if hint else 0, rows=completions.count)
    elif len(completions.suffix) > STOP_MAX:
        add("stop-long",
            f"Every completion ends with {show(completions.suffix)} ({len(completions.suffix)} characters, over "
            f'{STOP_MAX}): use a short stop sequence such as " END".', suffix=completions.suffix, threshold=STOP_MAX)


TASK_NAMES = {"classification": "classification", "generation": "conditional generation", "open": "open-ended generation"}


def _task_type(stats: DatasetStats, kind: str, add: Any) -> None:
    inferred = stats.inferred_task()
    if inferred is None:
        return
    rows, distinct = stats.rows, stats.distinct_completions
    if inferred == "open":
        why = "every prompt is empty"
    elif stats.distinct_saturated:
        why = f"over {DISTINCT_CAP:,} distinct completions"
    else:
        relation = "fewer than" if inferred == "classification" else "at least"
        why = f"{distinct:,} distinct completions for {rows:,} examples, {relation} {rows:,} / {CLASSIFICATION_THRESHOLD}"
    applied = "classification" if kind == "classification" else "generation"
    mismatch = (f"; the {TASK_NAMES[applied]} rules were applied"
                if (inferred == "classification") != (applied == "classification") else "")
    # The data keeps RULES.md's short names ("cls", "gen", "open"): it is published as it was.
    add("task-type", f"The data looks like {TASK_NAMES[inferred]} ({why}){mismatch}.",
        inferred=KIND_ABBREVIATIONS.get(inferred, inferred), distinct_completions=distinct, examples=rows,
        applied=KIND_ABBREVIATIONS[applied])

