"""`tunelab convert`: a JSONL file from one export profile's shape to another's, one line at a time
(`convert_stream`; the input is never held whole, nor the output).

Each line is read by the source profile's reader into the neutral example
(`app.core.providers.neutral`) and written by the target profile's writer, the one the app's
export uses (`profiles.render_profile`), with the writer's notes (merged / dropped / refused) and
the target's hard line rules; the target's file rules run over the written file at the end
(`check_shapes.file_findings`). The source is `--from KEY`, or detected as `tunelab check` detects
it (`check_shapes.find_shape`). The output starts with the target's file prefix (Azure's BOM).

Between prompt/completion and messages shapes: a line that is a prompt/completion pair only,
written by a messages profile, becomes a user turn (the prompt as it is) and an assistant turn (the
completion as it is); a conversation of exactly one user and one assistant turn, written by a
prompt/completion profile, becomes that pair. Both are noted `carry-prompt-completion` (merged), and
a round trip gives the same line back. Anything else such a profile cannot write its writer refuses.

Bad input (`BadInput`, with the line number): a line that is not UTF-8, not JSON or not a JSON
object, or a file with no line in a known shape. Blank lines are skipped. A line the source
profile's reader does not take is refused (`source-shape`), like a line the target cannot write.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from app.core import profiles, providers
from app.core.check_lines import BOM
from app.core.check_shapes import file_findings, find_shape
from app.core.model_table import ModelInfo
from app.core.providers.base import Finding, Note, RuleContext, ShapeError, json_line
from app.core.providers.neutral import TextPair, Turn
from app.core.wording import say

FIRST_LINES = 20  # line numbers kept per code
TEXT_KINDS = ("classification", "generation")


class BadInput(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(say("line {line_n}: {message}", line_n=line, message=message) if line is not None else message)
        self.line = line


@dataclass
class Tally:
    """One note or rule code over the file: its effect or level, how many lines, the first ones, a sample."""

    code: str
    kind: str  # a note's effect (merged, dropped) or a rule finding's level (error, warning, info)
    lines: int = 0
    first: list[int] = field(default_factory=list)
    message: str = ""


@dataclass
class Conversion:
    source: str
    target: str
    detected: bool  # the source was detected, not given with --from
    also: tuple[str, ...] = ()  # other profiles that read the source lines
    lines_read: int = 0  # lines that are JSON objects
    written: int = 0
    refused: dict[str, Tally] = field(default_factory=dict)  # lines not written, by the reason's code
    refused_lines: int = 0
    notes: dict[str, Tally] = field(default_factory=dict)  # merged / dropped, by code
    rules: dict[str, Tally] = field(default_factory=dict)  # the target's line-rule findings, by code
    file_findings: list[Finding] = field(default_factory=list)
    tokens: int | None = None  # of every written line, for the model given

    @property
    def exit_code(self) -> int:
        """1 when a line was refused or the output breaks an error-level hard rule of the target."""
        errors = any(t.kind == "error" for t in self.rules.values()) or any(
            f.level == "error" for f in self.file_findings)
        return 1 if self.refused_lines or errors else 0


def _tally(table: dict[str, Tally], code: str, kind: str, number: int, message: str) -> None:
    tally = table.get(code)
    if tally is None:
        tally = table[code] = Tally(code, kind, message=message)
    if tally.first and tally.first[-1] == number:
        return
    tally.lines += 1
    if len(tally.first) < FIRST_LINES:
        tally.first.append(number)


def bridge(example: providers.Example, target: providers.Profile) -> tuple[providers.Example, tuple[Note, ...]]:
    """A prompt/completion pair as two turns for a messages profile, or one user and one assistant
    turn as a pair for a prompt/completion profile (see the module docstring)."""
    if target.text_pairs and not example.pairs and example.chosen is None:
        turns = example.turns
        if len(turns) == 2 and [t.role for t in turns] == ["user", "assistant"] \
                and turns[1] == Turn("assistant", turns[1].content) and turns[0] == Turn("user", turns[0].content):
            kind = example.kind if example.kind in TEXT_KINDS else "generation"
            return example._replace(kind=kind, pairs=(TextPair(turns[0].content, turns[1].content),)), (
                Note("carry-prompt-completion", "merged", say("The user and assistant turns become the prompt and the "
                     "completion as they are (no separator, leading space or stop is added).")),)
    elif not target.text_pairs and len(example.pairs) == 1 and not example.turns:
        pair = example.pairs[0]
        return example._replace(turns=(Turn("user", pair.prompt), Turn("assistant", pair.completion))), (
            Note("carry-prompt-completion", "merged", say("The prompt and the completion become a user and an "
                 "assistant turn as they are (separator, leading space and stop included).")),)
    return example, ()


def _parse(raw: bytes, number: int) -> dict[str, Any]:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadInput(say("not valid UTF-8 (byte {index}); save the file as UTF-8", index=exc.start + 1), number) from None
    except json.JSONDecodeError as exc:
        raise BadInput(say("not valid JSON ({reason} at column {index})", reason=exc.msg, index=exc.colno), number) from None
    except (ValueError, RecursionError):
        raise BadInput(say("not valid JSON (nested too deeply to read)"), number) from None
    if type(obj) is not dict:
        raise BadInput(say("a JSON value that is not an object; each line must be one JSON object (one example)"), number)
    return obj


def convert_stream(source: IO[bytes], out: IO[bytes], target: str, *, origin: str | None = None,
                   kind: str | None = None, model: ModelInfo | None = None) -> Conversion:
    """Convert `source` (binary) into `out` (binary, readable and seekable: the file rules read it
    back). `origin`: the source profile (detected when None); `kind`: the task kind the reader
    gives a line whose shape does not say it; `model`: counts the written lines' tokens (and feeds
    the target's token rules)."""
    if not source.seekable():
        spool = tempfile.TemporaryFile()
        shutil.copyfileobj(source, spool, 1 << 20)
        source = spool
    for key in (target, origin):
        if key is not None and key not in providers.PROFILES:
            raise BadInput(say("no export profile {key!r}; `tunelab profiles` lists them", key=key))
    source.seek(0)
    shape = find_shape(source, origin)
    if shape is None:
        raise BadInput(say("no line is in a known shape; name the source profile with --from"))
    src, dst = providers.PROFILES[shape.profile], providers.PROFILES[target]
    result = Conversion(src.key, dst.key, not shape.forced, shape.also, tokens=0 if model is not None else None)
    source.seek(0)
    out.write(dst.file_prefix.encode("utf-8"))
    for number, raw in enumerate(source, 1):
        if number == 1 and raw[:3] == BOM:
            raw = raw[3:]
        if not raw.strip():
            continue
        obj = _parse(raw, number)
        result.lines_read += 1
        try:
            example = src.read(obj, kind)
        except ShapeError as exc:
            _refuse(result, number, "source-shape", say("not in the {title} shape: {error}", title=src.title, error=exc))
            continue
        except RecursionError:
            raise BadInput(say("nested too deeply to read"), number) from None
        _write(result, number, example, dst, out, model)
    out.flush()
    result.file_findings = file_findings(dst, out, result.written)
    out.seek(0, 2)
    return result


def _refuse(result: Conversion, number: int, code: str, message: str) -> None:
    result.refused_lines += 1
    _tally(result.refused, code, "refused", number, message)


def _write(result: Conversion, number: int, example: providers.Example, dst: providers.Profile, out: IO[bytes],
           model: ModelInfo | None) -> None:
    example, bridged = bridge(example, dst)
    written = dst.write(example)
    notes = bridged + written.notes
    refusal = next((n for n in notes if n.effect == "refused"), None)
    if refusal is not None:
        _refuse(result, number, refusal.code, refusal.message)
        return
    for note in notes:
        _tally(result.notes, note.code, note.effect, number, note.message)
    context = RuleContext()
    if model is not None:
        context = RuleContext(count_tokens=lambda line: profiles.count_line(dst.key, example, line, model, notes))
    for line in written.lines:
        for rule in dst.line_rules:
            for f in rule(example, line, context):
                _tally(result.rules, f.code, f.level, number, f"{f.message} {f.fix}")
        if model is not None:
            result.tokens += context.count_tokens(line)
        out.write((json_line(line) + "\n").encode("utf-8"))
        result.written += 1
