"""`tunelab check` in parts: one file cut at line ends, each part checked on its own, the parts'
results joined into exactly the report one pass over the whole file gives.

`cut(path, parts)` finds the cuts (byte offsets just after a line end) and the number of each
part's first line; `check_part(...)` runs the checking pass (`jsonl_check`'s) over one part and
gives what it gathered (`PartResult`: plain data, cheap to send between processes);
`join_parts(...)` adds the parts up in file order and ends the pass as a single pass does
(duplicates and conflicts across parts are found there, from the joined index).

Only chat and preference files are cut (`can_cut`): what a prompt/completion file gathers (common
prefix and suffix, capped ending and completion counters) depends on the order lines came in, so a
legacy file is checked in one pass. Running the parts in several processes is `app.check_jobs`'
business; this module only computes.

Why the join is exact: per-line findings depend on the line alone and on the file's format and
first recognized line (the survey's, given to every part); what a part gathers is sums (counts,
token counters), lists in line order (findings, codes per line, the first lines per code) or the
append-only duplicate index, whose groups are sorted. A blank line ending a part that is not the
last is reported as a single pass reports it when the next line comes (a blank last line of the
file is ignored, as always).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

from app.core.check_lines import Plan, parse_quietly
from app.core.check_report import MAX_LINES_SHOWN, CheckResult, CodeSummary
from app.core.dataset import DatasetStats
from app.core.file_format import CHAT, PREFERENCE, formats_of
from app.core.jsonl_check import KEEP_FINDINGS, _Checker
from app.core.model_table import ModelTable, load_model_table
from app.core.rules.registry import LEVEL_RANK, Finding

READ_BLOCK = 1 << 20


def can_cut(plan: Plan) -> bool:
    """Whether a file of this plan may be checked in parts (chat and preference files)."""
    return plan.format in (CHAT, PREFERENCE)


def first_recognized_line(path: str | Path) -> int:
    """The number of the first line whose format is known (0: none): the line the survey took the
    file's format from, which messages about lines in another format name."""
    with open(path, "rb", buffering=READ_BLOCK) as stream:
        for number, raw in enumerate(stream, 1):
            obj = parse_quietly(raw, number == 1)
            if type(obj) is dict and formats_of(obj):
                return number
    return 0


@dataclass(frozen=True)
class Part:
    start: int  # byte offset of the part's first line
    end: int  # byte offset just past its last line end (the file's size for the last part)
    first_number: int  # the 1-based number of its first line
    last: bool


def cut(path: str | Path, parts: int) -> list[Part]:
    """At most `parts` parts of about equal size, each beginning at a line's start (fewer when the
    file has fewer lines than parts)."""
    size = Path(path).stat().st_size
    wanted = [size * i // parts for i in range(1, parts)]
    starts, numbers = [0], [1]
    with open(path, "rb", buffering=0) as stream:
        position, newlines = 0, 0
        for target in wanted:
            if target <= starts[-1]:
                continue
            while position < target:  # count the line ends before the target
                block = stream.read(min(READ_BLOCK, target - position))
                if not block:
                    break
                newlines += block.count(b"\n")
                position += len(block)
            while True:  # then move on to just past the next line end
                block = stream.read(READ_BLOCK)
                if not block:
                    position = size
                    break
                found = block.find(b"\n")
                if found >= 0:
                    newlines += 1
                    position += found + 1
                    stream.seek(position)
                    break
                position += len(block)
            if position >= size:
                break
            starts.append(position)
            numbers.append(newlines + 1)
    ends = starts[1:] + [size]
    return [Part(s, e, n, i == len(starts) - 1) for i, (s, e, n) in enumerate(zip(starts, ends, numbers))]


@dataclass
class PartResult:
    """What one part's pass gathered (`_Checker`'s running state), in line order."""

    lines_read: int
    format_line: int
    stats: DatasetStats
    summaries: dict[str, CodeSummary]
    kept: list[tuple[int, Finding]]
    truncated: bool
    level_counts: dict[str, int]
    lines: array = field(repr=False)
    masks: array = field(repr=False)


def check_part(path: str | Path, part: Part, plan: Plan, model: str, format_line: int,
               models: ModelTable | None = None) -> PartResult:
    """The checking pass over one part of the file (`format_line`: `first_recognized_line`)."""
    checker = _Checker(plan, model, (models or load_model_table()).get(model))
    checker.format_line = format_line
    number = part.first_number - 1
    with open(path, "rb", buffering=READ_BLOCK) as stream:
        stream.seek(part.start)
        remaining = part.end - part.start
        while remaining > 0:
            raw = stream.readline(remaining)
            if not raw:
                break
            remaining -= len(raw)
            number += 1
            checker.feed(number, raw)
    if not part.last:
        checker._flush_blank()  # the next part has the next line: a single pass reports the blank one now
    return PartResult(number - part.first_number + 1, checker.format_line, checker.stats, checker.summaries,
                      checker.kept, checker.truncated, checker.level_counts, checker.lines, checker.masks)


def join_parts(plan: Plan, model: str, results: list[PartResult], models: ModelTable | None = None) -> CheckResult:
    """The report of the whole file from its parts' results, in file order."""
    checker = _Checker(plan, model, (models or load_model_table()).get(model))
    lines_read = 0
    for result in results:
        lines_read += result.lines_read
        if not checker.format_line:
            checker.format_line = result.format_line
        checker.stats.absorb(result.stats)
        for code, summary in result.summaries.items():
            checker.summaries[code] = _joined(checker.summaries.get(code), summary)
        room = KEEP_FINDINGS - len(checker.kept)
        checker.truncated = checker.truncated or result.truncated or len(result.kept) > room
        checker.kept += result.kept[:max(room, 0)]
        for level, count in result.level_counts.items():
            checker.level_counts[level] += count
        checker.lines.extend(result.lines)
        checker.masks.extend(result.masks)
    return checker.finish(lines_read)


def _joined(first: CodeSummary | None, then: CodeSummary) -> CodeSummary:
    if first is None:
        return then
    if LEVEL_RANK[then.level] > LEVEL_RANK[first.level]:
        first.level = then.level
    first.lines += then.lines
    first.first_lines += then.first_lines[:MAX_LINES_SHOWN - len(first.first_lines)]
    return first

