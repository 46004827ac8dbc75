"""How `tunelab check` keeps its findings in flat memory: `Recorder`, the part of the checker that
records each line's codes as (line, bit mask) pairs, one `CodeSummary` per code (worst level, line
count, the first 20 lines, one sample message), the first `KEEP_FINDINGS` findings in full, and
the duplicate / conflict groups of the dataset index on every copy.

The catalogue's per-line codes have fixed bits (`check_report.CODE_BIT`); the hard-rule codes of
the file's profile (`app.core.providers`, e.g. `together-role-order`) take the free bits of the
64-bit mask in the order they first fire (a profile's line rules have far fewer codes than that).
"""

from __future__ import annotations

from array import array
from typing import Any

from app.core.check_report import CODE_BIT, MAX_LINES_SHOWN, CodeSummary, LINE_CODES
from app.core.file_format import finding
from app.core.providers.base import Finding as RuleFinding
from app.core.rules.registry import LEVEL_RANK, Finding

KEEP_FINDINGS = 10_000
MASK_BITS = 64


def from_rule(f: RuleFinding) -> Finding:
    """A profile's hard-rule finding as a line finding: its code and level, the message and the fix."""
    return Finding(f.code, f.level, "", f"{f.message} {f.fix}")


class Recorder:
    def __init__(self) -> None:
        self.summaries: dict[str, CodeSummary] = {}
        self.kept: list[tuple[int, Finding]] = []
        self.truncated = False
        self.level_counts = {"error": 0, "warning": 0, "info": 0}
        self.lines, self.masks = array("Q"), array("Q")
        self.extra_codes: list[str] = []  # the profile's codes, bit len(LINE_CODES) + index
        self.extra_bits: dict[str, int] = {}

    def _bit(self, code: str) -> int:
        """The bit of a profile code (the catalogue's are in CODE_BIT)."""
        bit = self.extra_bits.get(code)
        if bit is None:
            index = len(LINE_CODES) + len(self.extra_codes)
            if index >= MASK_BITS:
                raise RuntimeError(f"more than {MASK_BITS - len(LINE_CODES)} profile codes fired in one file")
            bit = self.extra_bits[code] = 1 << index
            self.extra_codes.append(code)
        return bit

    def _record(self, number: int, found: list[Finding]) -> None:
        mask = 0
        for f in found:
            bit = CODE_BIT.get(f.code) or self._bit(f.code)
            if mask & bit:
                continue
            mask |= bit
            self._summarise(f, number)
        self.lines.append(number)
        self.masks.append(mask)
        room = KEEP_FINDINGS - len(self.kept)
        if room < len(found):
            self.truncated = True
        self.kept += [(number, f) for f in found[:max(room, 0)]]

    def _summarise(self, f: Finding, number: int) -> None:
        summary = self.summaries.get(f.code)
        if summary is None:
            summary = self.summaries[f.code] = CodeSummary(f.code, f.level, line=number, message=f.message)
        elif LEVEL_RANK[f.level] > LEVEL_RANK[summary.level]:
            summary.level = f.level
        summary.lines += 1
        if len(summary.first_lines) < MAX_LINES_SHOWN:
            summary.first_lines.append(number)
        self.level_counts[f.level] += 1

    def _from_groups(self, code: str, groups: tuple[tuple[Any, ...], ...], template: str) -> list[int]:
        """Every line of every group gets `code`; messages are built only for the findings kept."""
        if not groups:
            return []

        def message(line: int, group: tuple[Any, ...]) -> Finding:
            others = [n for n in group if n != line]
            shown = ", ".join(map(str, others[:MAX_LINES_SHOWN])) + (
                f" and {len(others) - MAX_LINES_SHOWN} more" if len(others) > MAX_LINES_SHOWN else "")
            return finding(code, "", template.format(line=line, others=("line " if len(others) == 1 else "lines ") + shown))

        for group in groups:
            for line in group:
                if len(self.kept) >= KEEP_FINDINGS:
                    self.truncated = True
                    break
                self.kept.append((line, message(line, group)))
        lines = sorted({line for group in groups for line in group})
        sample = message(groups[0][0], groups[0])  # groups are sorted: groups[0][0] is the first line
        for line in lines:
            self._summarise(sample, line)
        return lines
