"""`split-leakage` between two files: `tunelab check TRAIN --validation VALIDATION` lists the lines
of the validation file whose input also appears in the training file.

A line's input is what the app compares for `duplicate` and `conflict`: the first 64 bits of its
identity's input hash (`app.core.evaluate.identity`, via the checker's own reading of the line).
Both files are read with the training file's plan (shape, separator, stop, kind), so one input is
one key in both; a line with nothing to compare (no user turn, no trained reply) is no input. The
training file's keys are held as one sorted array (8 bytes a line); the validation file streams.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.dataset_findings import DatasetFinding
from app.core.evaluate import Evaluation
from app.core.jsonl_check import DEFAULT_MODEL, _Checker, checked_options, find_shape, survey
from app.core.model_table import ModelTable, load_model_table
from app.core.wording import say

SHOWN = 20  # leaking lines named in the message


class _KeyChecker(_Checker):
    """The checker's per-line reading, keeping only each line's input key."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.keys: list[tuple[int, int]] = []

    def _add(self, number: int, evaluation: Evaluation, facts: dict[str, Any] | None = None) -> None:
        if evaluation.comparable:
            self.keys.append((number, int(evaluation.input_hash[:16], 16)))


@dataclass(frozen=True)
class Leak:
    line: int  # in the validation file
    train_line: int  # the first training line with the same input


@dataclass
class Leakage:
    validation_lines: int
    leaks: list[Leak] = field(default_factory=list)

    def finding(self) -> DatasetFinding | None:
        if not self.leaks:
            return None
        shown = ", ".join(str(leak.line) for leak in self.leaks[:SHOWN])
        if len(self.leaks) > SHOWN:
            shown = say("{ids} and {n} more", ids=shown, n=len(self.leaks) - SHOWN)
        return DatasetFinding(
            "split-leakage", "warning",
            say("{count:,} validation lines have an input that is also in the training file (validation lines "
                "{lines}): keep each input in one file, or validation scores will look better than the model is.",
                count=len(self.leaks), lines=shown),
            {"lines": [leak.line for leak in self.leaks], "train_lines": [leak.train_line for leak in self.leaks]})


def _read(path: Path, plan, shape, model: str, models: ModelTable) -> list[tuple[int, int]]:
    with open(path, "rb", buffering=1 << 20) as stream:
        checker = _KeyChecker(plan, model, models.get(model), shape)
        number = 0
        for number, raw in enumerate(stream, 1):
            checker.feed(number, raw)
    return checker.keys


def leakage(train: str | Path, validation: str | Path, *, model: str = DEFAULT_MODEL, separator: str | None = None,
            stop: str | None = None, labels: list[str] | None = None, kind: str | None = None,
            profile: str | None = None, models: ModelTable | None = None) -> Leakage:
    """The validation lines whose input is in the training file (OSError when a file cannot be read)."""
    kind = checked_options(profile, kind)
    models = models or load_model_table()
    with open(train, "rb", buffering=1 << 20) as stream:
        shape = find_shape(stream, profile)
        stream.seek(0)
        plan = survey(stream, shape.format if shape else None, separator, stop, labels, kind)
    pairs = sorted((key, line) for line, key in _read(Path(train), plan, shape, model, models))
    keys, lines = array("Q", (k for k, _ in pairs)), array("Q", (n for _, n in pairs))
    del pairs
    found = Leakage(0)
    with open(validation, "rb") as stream:
        found.validation_lines = sum(1 for _ in stream)
    for line, key in _read(Path(validation), plan, shape, model, models):
        at = bisect_left(keys, key)
        if at < len(keys) and keys[at] == key:
            found.leaks.append(Leak(line, lines[at]))
    return found
