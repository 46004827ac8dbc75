"""Which export profile's shape a JSONL file is in, for `tunelab check` (`find_shape`), and how a line
of any shape is judged by the one evaluate path (`equivalent`).

Detection. The first line that some profile's reader takes gives the candidates
(`providers.detect`); the next `SURVEY_LINES` lines narrow them (a line that no candidate reads, or
that would leave none, changes nothing: it is reported when checked). Identical lines are read by
several providers (a plain {"messages": [...]} line is OpenAI's, Azure's, Together's, Fireworks',
TRL's, Axolotl's and Mistral's): the default is the OpenAI profile among the candidates
(`openai-chat`, `openai-legacy`, `openai-preference`, in that order), else the first candidate in
`tunelab profiles` order; the others are reported as `also`. `--profile KEY` forces one. When no
reader takes any line, the OpenAI format of the first line with one of its keys is assumed (so a
broken OpenAI file is reported as one), and a file with neither is of no known shape.

Judging. A profile whose lines are exactly an OpenAI format (`NATIVE`: OpenAI and Azure chat, the
four prompt/completion profiles, OpenAI preference) is checked as those lines are, structural
checks included. Any other profile's line is read by its reader into the neutral example, which is
written as the equivalent OpenAI line (`equivalent`: chat messages, or a preference pair) and judged
as that line: the same rules, token counts and identities as a line typed in the app. The
profile's own hard line rules run on top, on each line as it is in the file (a plain chat line
needs none of OpenAI's or Azure's: no tool calls); where one checks what a catalogue code checks,
`evaluate.OVERLAPS` decides as in the app. Its file rules run under `--profile` only
(docs/provider-rules.md, "Overlaps"), at the end: a size rule on the file's own size, the others
over `FileLines` (the file re-read from its stream when a rule walks the lines); a provider code
replaces the catalogue's dataset code it overlaps (`too-few-examples`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import IO, Any, NamedTuple

from app.core import providers
from app.core.check_lines import parse_quietly, too_deep
from app.core.check_record import from_rule
from app.core.dataset_findings import DatasetFinding
from app.core.file_format import CHAT, LEGACY, PREFERENCE, PROFILE_OF, finding, formats_of
from app.core.providers import openai
from app.core.providers.base import Finding as RuleFinding
from app.core.providers.base import RuleContext, ShapeError
from app.core.evaluate import OVERLAPS
from app.core.rules.registry import LEVEL_RANK, Finding
from app.core.wording import say

SURVEY_LINES = 100
# A provider file rule that checks what a catalogue code checks (docs/provider-rules.md, "overlaps"):
# under --profile the provider's finding is shown instead of the catalogue's dataset code.
FILE_OVERLAPS = {
    "openai-min-examples": "too-few-examples", "azure-min-examples": "too-few-examples",
    "together-min-examples": "too-few-examples", "fireworks-example-count": "too-few-examples",
    "together-extra-key": "unrecognized-key", "together-mixed-formats": "mixed-formats",
}
FILE_CONTEXT = RuleContext()  # a training file; token limits are the model's (too-long), not re-counted here
PREFERRED = ("openai-chat", "openai-legacy", "openai-preference")
NATIVE = {
    "openai-chat": CHAT, "azure-openai-chat": CHAT, "openai-preference": PREFERENCE,
    "openai-legacy": LEGACY, "together-instruction": LEGACY, "bedrock-prompt-completion": LEGACY,
    "trl-prompt-completion": LEGACY,
}


class Shape(NamedTuple):
    profile: str  # the profile key (what `format` reports)
    format: str  # CHAT, LEGACY or PREFERENCE: the OpenAI lines it is judged as
    also: tuple[str, ...] = ()  # the other profiles whose readers take the same lines
    forced: bool = False

    @property
    def native(self) -> bool:
        return self.profile in NATIVE


def choose(candidates: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The default profile among those that read the same lines, and the others."""
    chosen = next((key for key in PREFERRED if key in candidates), candidates[0])
    return chosen, tuple(key for key in candidates if key != chosen)


def judged_format(profile: str, line: dict[str, Any] | None) -> str:
    """How a profile's lines are judged: its OpenAI format, or that of the line's equivalent."""
    native = NATIVE.get(profile)
    if native is not None:
        return native
    if line is not None:
        try:
            return equivalent(providers.PROFILES[profile].read(line))[0]
        except ShapeError:
            pass
    return PREFERENCE if providers.PROFILES[profile].kinds == ("preference",) else CHAT


def find_shape(stream: IO[bytes], forced: str | None = None) -> Shape | None:
    """The file's shape from its first lines (the stream is read from where it is)."""
    candidates: list[str] = []
    first: dict[str, Any] | None = None
    fallback: str | None = None
    after = 0  # lines read since the first one with candidates (or with an OpenAI format's keys)
    for number, raw in enumerate(stream, 1):
        if after > SURVEY_LINES:
            break
        if candidates or fallback:
            after += 1
        obj = parse_quietly(raw, number == 1)
        if type(obj) is not dict:
            continue
        if forced is not None:
            if providers.PROFILES[forced].matches(obj):
                return Shape(forced, judged_format(forced, obj), forced=True)
            continue
        found = providers.detect(obj)
        if not candidates:
            if found:
                candidates, first, after = found, obj, 0
            elif fallback is None and (formats := formats_of(obj)):
                fallback = formats[0]
            continue
        narrowed = [key for key in candidates if key in found]
        if narrowed:
            candidates = narrowed
    if forced is not None:
        return Shape(forced, judged_format(forced, None), forced=True)
    if candidates:
        key, also = choose(candidates)
        return Shape(key, judged_format(key, first), also)
    if fallback is not None:
        return Shape(PROFILE_OF[fallback], fallback)
    return None


def equivalent(example: providers.Example) -> tuple[str, dict[str, Any]]:
    """The OpenAI line (its format, the line) that says what this example says: a preference pair as
    OpenAI DPO, anything else as OpenAI chat messages (what a shape holds beyond them, reasoning
    text, is not judged by the catalogue's rules). ShapeError when OpenAI cannot write it."""
    if example.chosen is not None and example.rejected is not None:
        pair = openai.write_preference(example)
        if pair.lines:
            return PREFERENCE, pair.lines[0]
    chat = openai.write_chat(example._replace(rejected=None))
    if not chat.lines:  # a role OpenAI has no name for (no reader gives one)
        raise ShapeError(next(n.message for n in chat.notes if n.effect == "refused"))
    return CHAT, chat.lines[0]


class FileLines(Sequence):
    """A file's JSON-object lines for the profile's file rules: the length is known from the checking
    pass; the lines are read again from the stream only when a rule walks them (flat memory)."""

    def __init__(self, stream: IO[bytes], count: int) -> None:
        self.stream, self.count = stream, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self.stream.seek(0)
        for number, raw in enumerate(self.stream, 1):
            obj = parse_quietly(raw, number == 1)
            if type(obj) is dict:
                yield obj

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        return next(islice(iter(self), index, None))


class ProfileChecks:
    """The checker's part that speaks the file's profile (`jsonl_check._Checker` mixes it in): reading
    a line with the profile's reader, its hard line rules, and its file rules at the end."""

    profile: providers.Profile
    line_rules: tuple
    format_line: int
    objects: int

    def _read(self, number: int, obj: dict[str, Any],
              found: list[Finding]) -> tuple[providers.Example, dict[str, Any]] | None:
        """The line read by the file's profile and its OpenAI equivalent, or None with the finding
        that it is not in the profile's shape."""
        try:
            example = self.profile.read(obj)
            return example, equivalent(example)[1]
        except ShapeError as exc:
            found.append(finding("mixed-formats", "", _not_in_shape(self.profile.title, self.format_line, str(exc),
                                                                    ", ".join(providers.detect(obj)[:3]))))
            return None
        except RecursionError:
            found.append(too_deep())
            return None

    def _rules(self, line: dict[str, Any], example: providers.Example | None, found: list[Finding]) -> None:
        """The profile's hard line rules on the line as it is in the file; where one checks what a
        catalogue code checks (`evaluate.OVERLAPS`), the stricter level wins, at the same level the
        catalogue's code (as in the app's evaluate)."""
        if example is None:
            try:
                example = self.profile.read(line)
            except ShapeError:  # the structural findings say what is off
                return
        for rule in self.line_rules:
            for f in rule(example, line, FILE_CONTEXT):
                same = [g for g in found if g.code == OVERLAPS.get(f.code)]
                if same and LEVEL_RANK[f.level] <= max(LEVEL_RANK[g.level] for g in same):
                    continue
                if same:
                    found[:] = [g for g in found if g.code != same[0].code]
                found.append(from_rule(f))

    def _file_rules(self, stream: IO[bytes], dataset: list[DatasetFinding]) -> list[DatasetFinding]:
        """The dataset findings with the profile's file-rule findings; a provider code replaces the
        catalogue's dataset code it overlaps (`FILE_OVERLAPS`, docs/provider-rules.md)."""
        extra = [DatasetFinding(f.code, f.level, f"{f.message} {f.fix}")
                 for f in file_findings(self.profile, stream, self.objects)]
        replaced = {FILE_OVERLAPS.get(f.code) for f in extra}
        return [f for f in dataset if f.code not in replaced] + extra


def _not_in_shape(title: str, first: int, error: str, others: str) -> str:
    """The mixed-formats finding of a line the file's profile does not read (`first`: the line the
    file's shape was taken from, 0 when unknown; `others`: the profiles that read the line)."""
    if first and others:
        return say("This line is not in the {title} shape of the file (from line {line_n}): {error}; it reads as "
                   "{others}. Keep one shape per file.", title=title, line_n=first, error=error, others=others)
    if first:
        return say("This line is not in the {title} shape of the file (from line {line_n}): {error}. Keep one shape "
                   "per file.", title=title, line_n=first, error=error)
    if others:
        return say("This line is not in the {title} shape of the file: {error}; it reads as {others}. Keep one shape "
                   "per file.", title=title, error=error, others=others)
    return say("This line is not in the {title} shape of the file: {error}. Keep one shape per file.", title=title,
               error=error)


def file_findings(profile: providers.Profile, stream: IO[bytes], count: int,
                  context: RuleContext = FILE_CONTEXT) -> list[RuleFinding]:
    """A profile's file rules over a file on disk (`count`: its JSON-object lines): a size rule
    judges the file's own size (`base.size_rule`'s `judge_size`), a prefix rule its first bytes
    (`base.prefix_rule`'s `judge_start`), the others walk its lines. One
    finding per code (a rule that names each bad line gives the first and the count: flat memory)."""
    stream.seek(0)
    start = stream.read(8)
    stream.seek(0, 2)
    size, lines = stream.tell(), FileLines(stream, count)
    first: dict[str, RuleFinding] = {}
    counts: dict[str, int] = {}
    for rule in profile.file_rules:
        judge_size, judge_start = getattr(rule, "judge_size", None), getattr(rule, "judge_start", None)
        found = (judge_size(size, context) if judge_size is not None
                 else judge_start(start, context) if judge_start is not None else rule(lines, context))
        for f in found:
            first.setdefault(f.code, f)
            counts[f.code] = counts.get(f.code, 0) + 1
    return [f if counts[code] == 1 else f._replace(message=say("{message} ({count:,} findings of this code; the first "
                                                               "is shown.)", message=f.message, count=counts[code]))
            for code, f in first.items()]
