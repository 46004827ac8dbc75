"""`tunelab check` in parts: one file cut at line ends, each part checked on its own, the parts'
results joined into exactly the report one pass over the whole file gives.

`plan_parts(path, ...)` reads the start of the file as a single pass would (its shape, its plan,
the first line judged in the file's format) and says whether it may be cut; `cut(path, parts)`
finds the cuts (byte offsets just after a line end) and the number of each part's first line;
`check_part(...)` runs the checking pass (`jsonl_check`'s) over one part and gives what it
gathered (`PartResult`: plain data, cheap to send between processes); `join_parts(...)` adds the
parts up in file order and ends the pass as a single pass does (duplicates and conflicts across
parts are found there, from the joined index; a forced profile's file rules read the file).

Only chat and preference files are cut (`Start.cuttable`): what a prompt/completion file gathers (common
prefix and suffix, capped ending and completion counters) depends on the order lines came in, so a
legacy file is checked in one pass. Running the parts in several processes is `app.check_jobs`'
business; this module only computes.

Why the join is exact: per-line findings depend on the line alone, on the file's shape and plan
and on the first line judged in the file's format (messages name it; each part is told it when it
comes before the part); what a part gathers is sums (counts, token counters, JSON objects), lists
in line order (findings, codes per line, the first lines per code), the append-only duplicate
index, whose groups are sorted, and the profile codes in the order they first fired (their bits
are renumbered in file order). A blank line ending a part that is not the last is reported as a
single pass reports it when the next line comes (a blank last line of the file is ignored).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

from app.core.check_lines import Plan, survey
from app.core.check_record import MASK_BITS
from app.core.check_report import LINE_CODES, MAX_LINES_SHOWN, CheckResult, CodeSummary
from app.core.check_shapes import Shape, find_shape
from app.core.dataset import DatasetStats
from app.core.file_format import CHAT, PREFERENCE
from app.core.jsonl_check import KEEP_FINDINGS, _Checker
from app.core.model_table import ModelTable, load_model_table
from app.core.rules.registry import LEVEL_RANK, Finding

READ_BLOCK = 1 << 20


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


@dataclass(frozen=True)
class Start:
    """What a single pass knows before it reads the lines, and the first line it judges in the file's
    format (0: none in the first part; such a file is not cut)."""

    shape: Shape | None
    plan: Plan
    first_judged: int

    @property
    def cuttable(self) -> bool:
        # A prompt/completion file's aggregates depend on line order; a file whose first part has no
        # line in its format (rare) would need the whole file read first.
        return self.plan.format in (CHAT, PREFERENCE) and self.first_judged > 0


def plan_parts(path: str | Path, first_part: Part, model: str, profile: str | None = None,
               separator: str | None = None, stop: str | None = None, labels: list[str] | None = None,
               kind: str | None = None, models: ModelTable | None = None) -> Start:
    """The shape, the plan and the first judged line, found as `jsonl_check.check_stream` finds them
    (`kind`: as `jsonl_check.checked_options` gives it). A prompt/completion file is not surveyed
    here (its pre-pass reads the whole file; the one pass that checks it does that)."""
    with open(path, "rb", buffering=READ_BLOCK) as stream:
        shape = find_shape(stream, profile)
        if shape is None or shape.format not in (CHAT, PREFERENCE):
            return Start(shape, Plan(shape.format if shape else None), 0)
        stream.seek(0)
        plan = survey(stream, shape.format, separator, stop, labels, kind)
    checker = _Checker(plan, model, (models or load_model_table()).get(model), shape)
    for number, raw in _lines(path, first_part):
        checker.feed(number, raw)
        if checker.format_line:
            break
    return Start(shape, plan, checker.format_line)


def _lines(path: str | Path, part: Part):
    """(number, bytes) of each line of a part."""
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
            yield number, raw


@dataclass
class PartResult:
    """What one part's pass gathered (`_Checker`'s running state), in line order."""

    lines_read: int
    format_line: int
    objects: int
    stats: DatasetStats
    summaries: dict[str, CodeSummary]
    kept: list[tuple[int, Finding]]
    truncated: bool
    level_counts: dict[str, int]
    extra_codes: list[str]
    lines: array = field(repr=False)
    masks: array = field(repr=False)


def check_part(path: str | Path, part: Part, start: Start, model: str, models: ModelTable | None = None) -> PartResult:
    """The checking pass over one part of the file."""
    checker = _Checker(start.plan, model, (models or load_model_table()).get(model), start.shape)
    if start.first_judged < part.first_number:  # judged before this part: its messages name that line
        checker.format_line = start.first_judged
    number = part.first_number - 1
    for number, raw in _lines(path, part):
        checker.feed(number, raw)
    if not part.last:
        checker._flush_blank()  # the next part has the next line: a single pass reports the blank one now
    return PartResult(number - part.first_number + 1, checker.format_line, checker.objects, checker.stats,
                      checker.summaries, checker.kept, checker.truncated, checker.level_counts, checker.extra_codes,
                      checker.lines, checker.masks)


def join_parts(path: str | Path, start: Start, model: str, results: list[PartResult],
               models: ModelTable | None = None) -> CheckResult:
    """The report of the whole file from its parts' results, in file order."""
    checker = _Checker(start.plan, model, (models or load_model_table()).get(model), start.shape)
    lines_read = 0
    for result in results:
        lines_read += result.lines_read
        checker.objects += result.objects
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
        checker.masks.extend(_renumbered(checker, result))
    with open(path, "rb", buffering=READ_BLOCK) as stream:
        return checker.finish(lines_read, stream)


_CATALOGUE_BITS = (1 << len(LINE_CODES)) - 1


def _renumbered(checker: _Checker, result: PartResult) -> array:
    """The part's code masks with its profile codes' bits as the whole file numbers them (in the
    order they first fired: a later part's new codes come after the earlier parts')."""
    bits = [checker._bit(code) for code in result.extra_codes]
    if all(bit == 1 << (len(LINE_CODES) + i) for i, bit in enumerate(bits)):
        return result.masks
    masks = array("Q")
    for mask in result.masks:
        extra = mask >> len(LINE_CODES)
        renumbered = mask & _CATALOGUE_BITS
        for i in range(MASK_BITS - len(LINE_CODES)):
            if extra >> i & 1:
                renumbered |= bits[i]
        masks.append(renumbered)
    return masks


def _joined(first: CodeSummary | None, then: CodeSummary) -> CodeSummary:
    if first is None:
        return then
    if LEVEL_RANK[then.level] > LEVEL_RANK[first.level]:
        first.level = then.level
    first.lines += then.lines
    first.first_lines += then.first_lines[:MAX_LINES_SHOWN - len(first.first_lines)]
    return first
