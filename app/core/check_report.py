"""What `tunelab check` returns: `CheckResult` (per-line codes as compact (line, bit mask) pairs,
per-code summaries for the text report, the dataset findings and the estimate) and `write_json`,
the `--format json` contract, streamed so a million lines never build one big object.

`format` is the key of the export profile whose shape the file is in (`tunelab profiles`), `also`
the other profiles whose readers take the same lines; the profile's hard-rule codes (line rules in
`line_codes()`, file rules among the dataset findings) are reported like the catalogue's.
"""

from __future__ import annotations

import heapq
import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from app.core.dataset_findings import DatasetFinding
from app.core.model_table import ModelInfo
from app.core.rules.registry import RULES, Finding

MAX_LINES_SHOWN = 20
LINE_CODES = tuple(sorted(code for code, spec in RULES.items() if spec.scope in ("example", "file")))
CODE_BIT = {code: 1 << i for i, code in enumerate(LINE_CODES)}
STATIC_MASK = (1 << len(LINE_CODES)) - 1


@dataclass
class CodeSummary:
    """One per-line code over the file: worst level, lines with it, the first lines, a sample message."""

    code: str
    level: str
    lines: int = 0
    first_lines: list[int] = field(default_factory=list)
    line: int = 0  # the line of the sample message
    message: str = ""


@dataclass
class CheckResult:
    format: str | None  # the profile key ("openai-chat", "llamafactory-alpaca", ...); None: no known shape
    model: str  # the name asked for
    model_info: ModelInfo
    kind: str | None  # the kind the rules ran for: classification, generation, chat, preference
    task: str | None  # the legacy tool's inference (classification, generation, open) for prompt/completion files
    separator: str | None
    stop: str | None
    separator_inferred: bool
    stop_inferred: bool
    kind_inferred: bool
    lines_read: int
    examples: int
    tokens: int  # every counted token (both replies of a pair), before the per-example cap
    summaries: dict[str, CodeSummary]
    dataset: list[DatasetFinding]
    estimate: dict[str, Any] | None
    findings: list[tuple[int, Finding]]  # the first KEEP_FINDINGS per-line findings, by line
    findings_truncated: bool
    level_counts: dict[str, int]  # (line, code) pairs and dataset findings per level
    lines_with_findings: int
    also: tuple[str, ...] = ()  # the other profiles that read the same lines
    forced: bool = False  # the profile was given (`--profile`), not detected
    judged: str | None = None  # the OpenAI lines it was judged as: "chat", "legacy" or "preference"
    extra_codes: list[str] = field(default_factory=list)  # profile codes, bits len(LINE_CODES) + index
    _lines: array = field(repr=False, default_factory=lambda: array("Q"))
    _masks: array = field(repr=False, default_factory=lambda: array("Q"))
    _duplicates: list[int] = field(repr=False, default_factory=list)
    _conflicts: list[int] = field(repr=False, default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.level_counts["error"] else 0

    @property
    def dataset_codes(self) -> list[str]:
        """Every dataset code that fired (infos included), in catalogue order."""
        fired = {f.code for f in self.dataset}
        return [code for code in RULES if code in fired] + list(dict.fromkeys(
            f.code for f in self.dataset if f.code not in RULES))

    def line_codes(self) -> Iterator[tuple[int, list[str]]]:
        """(line, sorted codes) for every line with a finding of any level, in line order."""
        dup, conf = CODE_BIT["duplicate"], CODE_BIT["conflict"]
        merged = heapq.merge(zip(self._lines, self._masks), ((n, dup) for n in self._duplicates),
                             ((n, conf) for n in self._conflicts))
        current, mask = 0, 0
        for line, bits in merged:
            if line != current:
                if mask:
                    yield current, _codes(mask) if mask <= STATIC_MASK else self._codes(mask)
                current, mask = line, 0
            mask |= bits
        if mask:
            yield current, _codes(mask) if mask <= STATIC_MASK else self._codes(mask)

    def _codes(self, mask: int) -> list[str]:
        codes = _codes(mask & STATIC_MASK)
        if mask > STATIC_MASK:
            codes += sorted(c for i, c in enumerate(self.extra_codes, len(LINE_CODES)) if mask & (1 << i))
        return codes


_DECODED: dict[int, list[str]] = {}


def code_summary(code: str) -> str:
    """The one-line summary of a code: the catalogue's, or for a profile's hard rule where it is listed."""
    spec = RULES.get(code)
    return spec.summary if spec is not None else "A hard rule of the profile (see docs/provider-rules.md)."


def _codes(mask: int) -> list[str]:
    codes = _DECODED.get(mask)
    if codes is None:
        codes = _DECODED[mask] = [code for code in LINE_CODES if mask & CODE_BIT[code]]
    return list(codes)


# JSON report (the `tunelab check --format json` contract) ---------------------------------------

def write_json(result: CheckResult, out: IO[str], validation: dict | None = None) -> None:
    """Stream the report: exactly what json.dumps of the whole object would print, never built whole.
    `validation` (`tunelab check --validation`): {"file", "lines", "leaks": [{"line", "train_line"}]},
    written last."""
    head = {"format": result.format or "unknown", "also": list(result.also), "model": result.model,
            "examples": result.examples, "tokens": result.tokens}
    out.write(json.dumps(head)[:-1] + ', "lines": [')
    first = True
    for line, codes in result.line_codes():
        out.write(('{"line": %d, "codes": %s}' if first else ', {"line": %d, "codes": %s}') % (line, json.dumps(codes)))
        first = False
    out.write('], "dataset": ' + json.dumps(result.dataset_codes) + ', "estimate": ' + json.dumps(result.estimate)
              + ("" if validation is None else ', "validation": ' + json.dumps(validation)) + "}\n")
