"""What every provider profile is made of: notes, findings, rules and the `Profile` itself.

- A writer turns a neutral example into the exact JSON object of each line, plus `Note`s for what
  the shape could not carry: effect "merged" (kept, but moved or joined), "dropped" (lost) or
  "refused" (the example cannot be written in this shape; no line is written).
- A reader turns a line back into a neutral example, or raises `ShapeError` when the line is not
  this shape; detection is "which readers accept this line".
- Hard rules are checked before a download: line rules see the neutral example and the written
  line, file rules see every line of the file. They return `Finding`s (code, level, message, fix);
  an "error" refuses the download. Codes are kebab-case, prefixed by the provider, and listed in
  docs/provider-rules.md; notes use the `carry-` codes listed there too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from app.core.providers.neutral import Example, TextPair
from app.core.wording import say

NOTE_LEVELS = {"merged": "info", "dropped": "warning", "refused": "error"}


class ShapeError(ValueError):
    """The line is not in the shape this reader reads (the message says what is off)."""


class Note(NamedTuple):
    code: str
    effect: str  # "merged" | "dropped" | "refused"
    message: str  # names the turn or field and says what happens to it


class Finding(NamedTuple):
    code: str
    level: str  # "error" refuses the download; "warning", "info"
    message: str
    fix: str


class Written(NamedTuple):
    lines: tuple[dict[str, Any], ...]
    notes: tuple[Note, ...] = ()

    @property
    def refused(self) -> bool:
        return any(n.effect == "refused" for n in self.notes)


class RuleContext(NamedTuple):
    """What some rules need besides the lines: the file's role and a token count for a line."""

    split: str = "training"  # "training" or "validation"
    count_tokens: Callable[[dict[str, Any]], int] | None = None  # tokens of one line; None skips token rules


NO_CONTEXT = RuleContext()


class Checked(NamedTuple):
    written: Written
    findings: tuple[Finding, ...]

    @property
    def refused(self) -> bool:
        return any(f.level == "error" for f in self.findings)


LineRule = Callable[[Example, dict[str, Any], RuleContext], Iterable[Finding]]
FileRule = Callable[[Sequence[dict[str, Any]], RuleContext], Iterable[Finding]]
Writer = Callable[[Example], Written]
Reader = Callable[[dict[str, Any], str], Example]


@dataclass(frozen=True)
class Profile:
    key: str
    title: str
    provider: str  # the export page groups by it
    targets: str  # the models or training stacks the shape is for
    kinds: tuple[str, ...]
    text_pairs: bool  # writes prompt/completion text (separator, leading space and stop are exported)
    writer: Writer
    reader: Reader
    default_kind: str  # what a line read back is, unless the caller knows better
    line_rules: tuple[LineRule, ...] = ()
    file_rules: tuple[FileRule, ...] = ()
    file_prefix: str = ""  # written before the first line (Azure's UTF-8 byte-order mark)
    note: str = ""

    def write(self, example: Example) -> Written:
        if example.kind not in self.kinds:
            return refused("carry-kind", say("{title} writes {kinds} examples, not {kind}: pick another profile.",
                                             title=self.title, kinds=", ".join(self.kinds), kind=example.kind))
        return self.writer(example)

    def read(self, line: dict[str, Any], kind: str | None = None) -> Example:
        if not isinstance(line, dict):
            raise ShapeError(say("a line is a JSON object"))
        return self.reader(line, kind or self.default_kind)

    def matches(self, line: Any) -> bool:
        try:
            self.read(line)
        except ShapeError:
            return False
        return True

    def check(self, example: Example, context: RuleContext = NO_CONTEXT) -> Checked:
        """Write the example and run the hard rules on it: what the export preflight shows."""
        written = self.write(example)
        findings = [Finding(n.code, NOTE_LEVELS[n.effect], n.message, _note_fix(n)) for n in written.notes]
        for line in written.lines:
            for rule in self.line_rules:
                findings.extend(rule(example, line, context))
        return Checked(written, tuple(findings))

    def check_file(self, lines: Sequence[dict[str, Any]], context: RuleContext = NO_CONTEXT) -> tuple[Finding, ...]:
        return tuple(f for rule in self.file_rules for f in rule(lines, context))

    def file_bytes(self, lines: Iterable[dict[str, Any]]) -> bytes:
        """The exported file: the prefix, then one JSON object per line (UTF-8, newline-terminated)."""
        body = "".join(json_line(line) + "\n" for line in lines)
        return (self.file_prefix + body).encode("utf-8")


def _note_fix(note: Note) -> str:
    if note.effect == "refused":
        return say("Change the example or export it with a profile whose shape carries it.")
    if note.effect == "dropped":
        return say("Export with a profile that carries it, or accept that it is not trained on.")
    return say("Nothing to do unless the joined text reads wrong.")


def json_line(line: dict[str, Any]) -> str:
    """The exact text of one exported line (without the newline), as `profiles.jsonl_line` writes it."""
    return json.dumps(line, ensure_ascii=False)


def refused(code: str, message: str) -> Written:
    return Written((), (Note(code, "refused", message),))


def written(lines: Iterable[dict[str, Any]], notes: Iterable[Note]) -> Written:
    """Lines and notes, or no line at all when a note refuses the example."""
    notes = tuple(notes)
    if any(n.effect == "refused" for n in notes):
        return Written((), notes)
    return Written(tuple(lines), notes)


def file_size(lines: Sequence[dict[str, Any]], prefix: str = "") -> int:
    return len(prefix.encode("utf-8")) + sum(len(json_line(line).encode("utf-8")) + 1 for line in lines)


def count_rule(code: str, provider: str, low: int, high: int | None = None) -> FileRule:
    """A file rule: the file holds between `low` and `high` examples."""
    def rule(lines: Sequence[dict[str, Any]], context: RuleContext) -> Iterator[Finding]:
        n = len(lines)
        if n < low:
            if n == 1:
                message = say("The file has {count:,} example; {provider} needs at least {low:,}.",
                              count=n, provider=provider, low=low)
            else:
                message = say("The file has {count:,} examples; {provider} needs at least {low:,}.",
                              count=n, provider=provider, low=low)
            if low - n == 1:
                fix = say("Add at least {count:,} more example.", count=low - n)
            else:
                fix = say("Add at least {count:,} more examples.", count=low - n)
            yield Finding(code, "error", message, fix)
        elif high is not None and n > high:
            yield Finding(code, "error", say("The file has {count:,} examples; {provider} accepts at most {high:,}.",
                                             count=n, provider=provider, high=high),
                          say("Split it into files of at most {high:,} examples.", high=high))
    return rule


def size_rule(code: str, provider: str, training: int, validation: int | None = None,
              level: str = "error", prefix: str = "") -> FileRule:
    """A file rule: the file is at most `training` bytes (or `validation` bytes for a validation file).
    Its `judge_size(size, context)` judges a file already on disk by its own size (`tunelab check`)."""
    def judge_size(size: int, context: RuleContext) -> Iterator[Finding]:
        limit = validation if context.split == "validation" and validation is not None else training
        if size > limit:
            values = {"size": size, "provider": provider, "limit": limit}
            if context.split == "validation":
                message = say("The validation file is {size:,} bytes; {provider} accepts at most {limit:,} bytes.",
                              **values)
            elif context.split == "training":
                message = say("The training file is {size:,} bytes; {provider} accepts at most {limit:,} bytes.",
                              **values)
            else:
                message = say("The {split} file is {size:,} bytes; {provider} accepts at most {limit:,} bytes.",
                              split=context.split, **values)
            yield Finding(code, level, message, say("Split it into smaller files."))

    def rule(lines: Sequence[dict[str, Any]], context: RuleContext) -> Iterator[Finding]:
        return judge_size(file_size(lines, prefix), context)
    rule.judge_size = judge_size  # type: ignore[attr-defined]
    return rule


def prefix_rule(code: str, provider: str, prefix: str, what: str) -> FileRule:
    """A file rule: the file starts with `prefix` (Azure's byte-order mark). A file this profile
    writes always does (its `file_prefix`), so over written lines it finds nothing; its
    `judge_start(first_bytes, context)` judges a file already on disk (`tunelab check --profile`)."""
    wanted = prefix.encode("utf-8")

    def judge_start(start: bytes, context: RuleContext) -> Iterator[Finding]:
        if not start.startswith(wanted):
            yield Finding(code, "error", say("The file does not start with {what}; {provider} requires it.",
                                             what=what, provider=provider),
                          say("Save the file as UTF-8 with {what} (the app's export writes it).", what=what))

    def rule(lines: Sequence[dict[str, Any]], context: RuleContext) -> Iterator[Finding]:
        return iter(())
    rule.judge_start = judge_start  # type: ignore[attr-defined]
    return rule


def last_turn_rule(code: str, provider: str, level: str = "error") -> LineRule:
    """A line rule: the conversation ends with an assistant turn (nothing to learn otherwise)."""
    def rule(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
        turns = example.conversation()
        if not turns or turns[-1].role != "assistant":
            if turns:
                message = say("The conversation ends with {role}, not an assistant turn; {provider} rejects it.",
                              role=turns[-1].role, provider=provider)
            else:
                message = say("The conversation ends with nothing, not an assistant turn; {provider} rejects it.",
                              provider=provider)
            yield Finding(code, level, message, say("End the conversation with the assistant reply."))
    return rule


def note_tool_settings(example: Example, shape: str, notes: list[Note], tools: bool = False,
                       parallel: bool = False) -> None:
    """Note the project's tool definitions (and its parallel_tool_calls setting) when the shape does
    not write them (`tools`, `parallel`: whether it does)."""
    if example.tools and not tools:
        said = (say("The project's tool definition is not written: {shape} has no tools.", shape=shape)
                if len(example.tools) == 1 else
                say("The project's {count} tool definitions are not written: {shape} has no tools.",
                    count=len(example.tools), shape=shape))
        notes.append(Note("carry-tools", "dropped", said))
    if example.tools and example.parallel_tool_calls is not None and not parallel:
        notes.append(Note("carry-parallel-tool-calls", "dropped", say("The parallel_tool_calls setting is not "
                                                                      "written: {shape} has no such field.",
                                                                      shape=shape)))


def note_rejected(example: Example, shape: str, notes: list[Note]) -> None:
    """A messages shape given a preference pair trains on the preferred reply: say the other is not written."""
    if example.rejected is not None:
        notes.append(Note("carry-preference", "dropped", say("The non-preferred reply is not written: {shape} trains "
                                                             "on the preferred reply only.", shape=shape)))


def write_pairs(example: Example, shape: str) -> Written:
    """{"prompt", "completion"} lines, one per exported pair (a support chat gives one per agent turn)."""
    if not example.pairs:
        return refused("carry-prompt-completion", say("The example has no prompt/completion text (it is a {kind} "
                                                      "example); {shape} writes only those.",
                                                      kind=example.kind, shape=shape))
    notes: list[Note] = []
    note_tool_settings(example, shape, notes)
    return Written(tuple({"prompt": p.prompt, "completion": p.completion} for p in example.pairs), tuple(notes))


def read_pair(line: dict[str, Any], kind: str) -> Example:
    if set(line) != {"prompt", "completion"}:
        raise ShapeError(say("a prompt/completion line has exactly `prompt` and `completion`"))
    if not isinstance(line["prompt"], str) or not isinstance(line["completion"], str):
        raise ShapeError(say("`prompt` and `completion` are text"))
    return Example(kind, pairs=(TextPair(line["prompt"], line["completion"]),))
