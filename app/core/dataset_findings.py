"""The per-dataset rules of RULES.md and the training estimate, over `DatasetStats` (app.core.dataset).

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.aggregates import Groups
from app.core.dataset import (
    CLASS_MIN,
    CLASSIFICATION_THRESHOLD,
    COMPLETION_PREFIX_MIN,
    DISTINCT_CAP,
    GENERATION_MIN,
    IMBALANCE_RATIO,
    MAX_DEFAULT_EPOCHS,
    MAX_REFS_SHOWN,
    MAX_TARGET_EXAMPLES,
    MIN_DEFAULT_EPOCHS,
    MIN_TARGET_EXAMPLES,
    PROMPT_PREFIX_MAX,
    PROVIDER_MIN_EXAMPLES,
    RECOMMENDED,
    SEPARATOR_MAX,
    STOP_MAX,
    TARGET_EPOCHS,
    DatasetStats,
)
from app.core.model_table import ModelInfo
from app.core.project_settings import KIND_ABBREVIATIONS, kind_named
from app.core.rules.helpers import show
from app.core.rules.registry import RULES
from app.core.wording import say

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
    if more > 0:
        shown = say("{ids} and {n} more", ids=shown, n=more)
    return say("lines {refs}", refs=shown) if noun == "lines" else say("examples {refs}", refs=shown)


def dataset_findings(stats: DatasetStats, kind: str, model: ModelInfo, provider_min: int = PROVIDER_MIN_EXAMPLES,
                     labels: Iterable[str] = (), ref_noun: str = "examples",
                     groups: Groups | None = None, declared_kind: bool = False) -> list[DatasetFinding]:
    """Every per-dataset rule of RULES.md for `kind` (a project kind, or its RULES.md abbreviation), in
    catalogue order.

    `labels`: the declared label values, in the form passed to `add(label=...)`; a declared label
    with no example is a class of 0. `ref_noun` names refs in messages ("examples" or "lines").
    `groups`: `stats.groups()` if the caller already has it. `declared_kind`: `kind` is a project's own
    task type (the app), not one inferred from a file: `task-type` then names it first. After `remove()` (`needs_rebuild`) the
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
            say("The dataset has {n:,} examples; the target provider needs at least {minimum:d} (OpenAI and Azure: "
                "10, Fireworks: 3, Together: 1). Add at least {missing:,} more (aim for {recommended:d}).",
                n=n, minimum=provider_min, missing=provider_min - n, recommended=recommended),
            examples=n, minimum=provider_min)
    if n < recommended:
        add("few-examples",
            say("The dataset has {n:,} examples, fewer than the {recommended:d} recommended to start with: add more "
                "(quality tends to grow with every doubling of good examples).", n=n, recommended=recommended),
            examples=n, recommended=recommended)
    _class_findings(stats, add, list(labels))
    if n < GENERATION_MIN:
        add("generation-too-small",
            say("The dataset has {n:,} generation examples; aim for at least {minimum:d} (the legacy guide's "
                "advice) before judging the fine-tuned model.", n=n, minimum=GENERATION_MIN), examples=n, threshold=GENERATION_MIN)
    _text_findings(stats, add)
    leaks = (groups if groups is not None else stats.groups()).leaks
    if leaks:
        refs = tuple(r for group in leaks for r in group)
        add("split-leakage",
            say("{count:,} examples are in both the train and the validation split ({refs}): keep each example in "
                "one split, or validation scores will look better than the model is.",
                count=len(leaks), refs=_refs_text(refs, ref_noun)),
            groups=[list(g) for g in leaks])
    _task_type(stats, kind, add, declared_kind)
    result = estimate(stats, model)
    if result is not None:
        charged = result["billed_tokens"] * result["epochs"]
        price = model.price_per_million
        cost = (say("about {amount} at {price} per 1M training tokens", amount=dollars(result["cost_usd"]),
                    price=f"${price:,.2f}") if price is not None
                else say("no training price is known for {model}", model=model.name))
        capped = stats.billed_tokens - result["billed_tokens"]
        billed = (say("{billed:,} billed per epoch ({capped:,} over-limit tokens not billed)",
                      billed=result["billed_tokens"], capped=capped) if capped
                  else say("{billed:,} billed per epoch", billed=result["billed_tokens"]))
        epochs = (say("{epochs:d} epoch", epochs=result["epochs"]) if result["epochs"] == 1
                  else say("{epochs:d} epochs", epochs=result["epochs"]))
        add("estimate",
            say("{n:,} examples, {tokens:,} tokens, {billed} × {epochs} (the default for {n:,} examples) = "
                "{charged:,} training tokens: {cost} ({model}). Validation examples are not billed.",
                n=n, tokens=stats.billed_tokens, billed=billed, epochs=epochs, charged=charged, cost=cost,
                model=model.name),
            examples=n, tokens=stats.billed_tokens, billed_tokens=result["billed_tokens"], epochs=result["epochs"],
            charged_tokens=charged, cost_usd=result["cost_usd"], model=model.name)
    if n:
        add("gen-hyperparameters",
            say("Generation: OpenAI's legacy guide reports that a lower learning rate multiplier and only 1–2 epochs "
                "often work better than the defaults; try them after a first run with the defaults."))
    return found


def _class_findings(stats: DatasetStats, add: Any, declared: list[str]) -> None:
    counts = Counter({label: 0 for label in declared})
    counts.update(stats.labels)
    for label, count in sorted(counts.items(), key=lambda item: (item[1], item[0])):
        if count < CLASS_MIN:
            add("class-too-small",
                say("The class {label} has {count:,} examples, fewer than {minimum:d}: add {missing:,} more (aim for "
                    "at least {minimum:d} per class).", label=show(label), count=count, minimum=CLASS_MIN,
                    missing=CLASS_MIN - count),
                label=label, count=count, threshold=CLASS_MIN)
    used = {label: count for label, count in counts.items() if count}
    if len(used) >= 2:
        (big, most), (small, least) = max(used.items(), key=lambda i: i[1]), min(used.items(), key=lambda i: i[1])
        if most > IMBALANCE_RATIO * least:
            add("class-imbalance",
                say("The largest class {big} has {most:,} examples, over {ratio:d}× the smallest {small} ({least:,}): "
                    "add examples of the small classes, or check that the imbalance is the one you expect at "
                    "inference.", big=show(big), most=most, ratio=IMBALANCE_RATIO, small=show(small), least=least),
                largest={"label": big, "count": most}, smallest={"label": small, "count": least}, ratio=IMBALANCE_RATIO)
    variants: dict[str, list[str]] = {}
    for label in counts:
        variants.setdefault(label.strip().casefold(), []).append(label)
    for group in variants.values():
        if len(group) > 1:
            shown = ", ".join(f"{show(g)} ({counts[g]:,})" for g in sorted(group))
            add("labels-case-variants",
                say("The labels {labels} differ only by case or surrounding space: the model sees them as different "
                    "classes. Use one spelling (with one leading space) for all of them.", labels=shown),
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
                say("All {count:,} prompts are identical ({prompt}): make each prompt hold its own input, or leave "
                    "every prompt empty for open-ended generation.", count=prompts.count, prompt=show(prompts.first[:60])), prompt=prompts.first[:200])
        elif not prompts.suffix:
            hint = prompts.most_common_ending()
            if hint:
                message = say('The prompts do not all end with the same separator ({count:,} of {total:,} end with '
                              '{ending}): end every prompt with one fixed separator that occurs nowhere else (e.g. '
                              '"\\n\\n###\\n\\n" or " ->"), so the model knows where the completion starts.',
                              count=hint[1], total=prompts.count, ending=show(hint[0]))
            else:
                message = say('The prompts do not all end with the same separator: end every prompt with one fixed '
                              'separator that occurs nowhere else (e.g. "\\n\\n###\\n\\n" or " ->"), so the model '
                              'knows where the completion starts.')
            add("separator-inconsistent", message, most_common_ending=hint[0] if hint else None,
                count=hint[1] if hint else 0, rows=prompts.count)
        elif len(prompts.suffix) > SEPARATOR_MAX:
            add("separator-long",
                say('Every prompt ends with {suffix} ({size:,} characters, over {limit:d}): a short separator such as '
                    '"\\n\\n###\\n\\n" or " ->" works as well and costs fewer tokens.',
                    suffix=show(prompts.suffix), size=len(prompts.suffix), limit=SEPARATOR_MAX), suffix=prompts.suffix, threshold=SEPARATOR_MAX)
        if not prompts.all_same and len(prompts.prefix) > PROMPT_PREFIX_MAX:
            add("prompt-common-prefix",
                say("Every prompt starts with {prefix} ({size:,} characters): fine-tuning does not need instructions "
                    "or few-shot examples in the prompt; keep only the input.",
                    prefix=show(prompts.prefix[:80]), size=len(prompts.prefix)),
                prefix=prompts.prefix, threshold=PROMPT_PREFIX_MAX)
    if completions.all_same:
        add("completions-all-identical",
            say("All {count:,} completions are identical ({completion}): the model would just repeat it. Write "
                "each example's own output.", count=completions.count, completion=show(completions.first[:60])), completion=completions.first[:200])
        return
    prefix = completions.prefix
    shared = prefix[1:] if prefix[:1].isspace() else prefix  # the leading space is the format, not content
    if len(shared) >= COMPLETION_PREFIX_MIN:
        add("completion-common-prefix",
            say("Every completion starts with {prefix} ({size:,} characters after the leading space): put only the "
                "output in the completion and move shared text into the prompt.", prefix=show(shared[:80]),
                size=len(shared)),
            prefix=prefix, threshold=COMPLETION_PREFIX_MIN)
    if not completions.suffix:
        hint = completions.most_common_ending()
        if hint:
            message = say('The completions do not all end with the same stop sequence ({count:,} of {total:,} end '
                          'with {ending}): end every completion with one fixed stop sequence that occurs nowhere else '
                          '(e.g. " END" or "\\n") and pass it as stop at inference.',
                          count=hint[1], total=completions.count, ending=show(hint[0]))
        else:
            message = say('The completions do not all end with the same stop sequence: end every completion with one '
                          'fixed stop sequence that occurs nowhere else (e.g. " END" or "\\n") and pass it as stop at '
                          'inference.')
        add("stop-inconsistent", message,
            most_common_ending=hint[0] if hint else None, count=hint[1] if hint else 0, rows=completions.count)
    elif len(completions.suffix) > STOP_MAX:
        add("stop-long",
            say('Every completion ends with {suffix} ({size:,} characters, over {limit:d}): use a short stop '
                'sequence such as " END".', suffix=show(completions.suffix), size=len(completions.suffix),
                limit=STOP_MAX), suffix=completions.suffix, threshold=STOP_MAX)


TASK_NAMES = {"classification": say("classification"), "generation": say("conditional generation"),
              "open": say("open-ended generation")}


def _task_type(stats: DatasetStats, kind: str, add: Any, declared: bool = False) -> None:
    inferred = stats.inferred_task()
    if inferred is None:
        return
    rows, distinct = stats.rows, stats.distinct_completions
    if inferred == "open":
        why = say("every prompt is empty")
    elif stats.distinct_saturated:
        why = say("over {cap:,} distinct completions", cap=DISTINCT_CAP)
    elif inferred == "classification":
        why = say("{distinct:,} distinct completions for {rows:,} examples, fewer than {rows:,} / {threshold:d}",
                  distinct=distinct, rows=rows, threshold=CLASSIFICATION_THRESHOLD)
    else:
        why = say("{distinct:,} distinct completions for {rows:,} examples, at least {rows:,} / {threshold:d}",
                  distinct=distinct, rows=rows, threshold=CLASSIFICATION_THRESHOLD)
    applied = "classification" if kind == "classification" else "generation"
    mismatch = (inferred == "classification") != (applied == "classification")
    looks, task = TASK_NAMES[inferred], TASK_NAMES[applied]
    if declared and mismatch:  # a project's own kind decides its rules, whatever its counts say so far
        message = say("This is a {task} project: its task type decides the rules. Its completions alone would look "
                      "like {looks} ({why}).", task=task, looks=looks, why=why)
    elif declared:
        message = say("This is a {task} project: its task type decides the rules. The data agrees ({why}).",
                      task=task, why=why)
    elif mismatch:
        message = say("The data looks like {looks} ({why}); the {task} rules were applied.", looks=looks, why=why,
                      task=task)
    else:
        message = say("The data looks like {looks} ({why}).", looks=looks, why=why)
    # The data keeps RULES.md's short names ("cls", "gen", "open"): it is published as it was.
    add("task-type", message,
        inferred=KIND_ABBREVIATIONS.get(inferred, inferred), distinct_completions=distinct, examples=rows,
        applied=KIND_ABBREVIATIONS[applied])

