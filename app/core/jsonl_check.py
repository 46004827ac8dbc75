"""`tunelab check`: a streaming checker for JSONL fine-tuning files made anywhere (the successor of
OpenAI's retired `prepare_data`). `check_file(path)` / `check_stream(binary)` -> `CheckResult`.

Reading. The file is read as bytes, line by line (never whole); line numbers are 1-based and a bad
line never stops the check. A UTF-8 BOM at the start is `bom` (line 1 is then checked without it).
Blank lines (empty or only whitespace): the last line of the file, when blank, is ignored (an
editor's empty last line); every other blank line is `line-not-json` (providers parse each line as
JSON, and an empty string is not JSON), so a file ending in two blank lines reports the first.
Parsing follows `json.loads` (orjson is used as a fast path when installed; a line it rejects is
re-read with `json`, so the codes never depend on it: NaN or a lone surrogate escape is read as
`json` reads it); a line nested too deeply to read is `line-not-json`, never a crash.

Shape. The file's export profile is detected from its first lines, or given (`profile`), see
`app.core.check_shapes`: `format` is its key. OpenAI-shaped lines (chat, prompt/completion,
preference) are checked as below; a line of another profile is read by its reader and judged as
its OpenAI equivalent; the profile's hard rules run on top. Each OpenAI line's format is detected
by its keys (`file_format`); the file's format is the first recognized line's, and a line of
another format is `mixed-formats` and not checked further. A line
with none of the known keys is `missing-key` (and `unrecognized-key` for each key it has). Lines
are judged like examples typed in the app (see "One identity and one count" below): `input-empty`
never fires (empty prompts are legal in a file); `duplicate` and `conflict` come from the dataset
index and are reported on every copy; per-line `separator-missing` / `stop-missing` only when a
separator / stop is known (given, or shared by all lines), else the dataset rules say it once.

Passes. Chat and preference files: one pass. Legacy prompt/completion files: the per-line rules
depend on the separator, the stop and the task kind, which the legacy tool inferred from the whole
file, so unless `--separator`, `--stop` (generation) and `--kind` are all given a cheap pre-pass
(JSON parse, common suffixes, distinct completions; no tokenizer) reads the file first; a pipe is
first copied to a temporary file. Inferred like the legacy tool: separator = the suffix every prompt
shares; stop (gen only) = the suffix every completion shares; kind = classification when distinct
completions < examples / 3 (`--labels` alone means classification); every prompt empty = open-ended
generation.

Memory stays flat in the number of lines: the dataset aggregates are bounded (`app.core.dataset`),
duplicates use a compact 24-bytes-per-line index, per-line codes are kept as (line, bit mask) pairs
only for lines with a finding (16 bytes each), and full findings are kept for the first
`KEEP_FINDINGS` only; per code, the text report needs only a count, the first 20 lines and one message.

One identity and one count. Each line is judged by `app.core.evaluate.evaluate_form`, the call
behind the app's `evaluate()`: the export profile's records are the token count, `identity()` (the
SHA-256 of the canonical input / content keys, `render.chat_keys` for conversations) says which
lines are the same input or the same example, and the registered rules give the findings. Lines
with nothing to compare (RULES.md, "How rules combine": no user turn or no trained assistant turn)
stay out of the duplicate / conflict index; an empty prompt is no shared input (duplicates only).

Speed: a memo in front of the rules. The chat rules that read only a conversation's shape
(`SHAPE_RULES`) are memoised per shape (`check_lines.chat_shape`); a conversation of plain {"role",
"content"} pairs with no "<|", no mostly uppercase text and no tool turn needs only `too-long` of
the others. The usual line, exactly {"messages": [plain pairs]}, is validated and keyed in one walk
(`check_lines.plain_conversation`); tests/core/test_jsonl_check.py checks it equals `evaluate_form`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from app.core import rules as _rules  # noqa: F401  (registers every rule)
from app.core import providers
from app.core.check_record import KEEP_FINDINGS, Recorder  # noqa: F401  (KEEP_FINDINGS: part of this API)
from app.core.check_report import CODE_BIT, CheckResult, write_json  # noqa: F401  (part of this API)
from app.core.check_shapes import ProfileChecks, Shape, find_shape
from app.core.dataset import DatasetStats
from app.core.dataset_findings import dataset_findings, estimate
from app.core.file_format import (
    CHAT, LEGACY, PREFERENCE, PROFILE_OF, TOP_KEYS, chat_example, chat_settings, check_chat, check_legacy,
    check_preference, check_unknown, finding, formats_of, legacy_example, legacy_settings, preference_example,
    preference_settings,
)
from app.core.evaluate import Evaluation, evaluate_form
from app.core.model_table import ModelInfo, ModelTable, load_model_table
from app.core.rules.example_rules import input_empty, special_token, too_long, uppercase_heavy
from app.core.providers.openai import tool_call_ids
from app.core.rules.tool_rules import TOOL_CHECKS
from app.core.rules.registry import EXAMPLE_CHECKS, RULES, ExampleCheck, Finding
from app.core.project_settings import Label, ProjectSettings, kind_named
from app.core.check_lines import (  # noqa: F401  (parse_quietly is part of this API)
    BOM, NOT_READ, Plan, chat_shape, json_kind, parse_line, parse_quietly, plain_conversation, plain_shape, survey,
    too_deep,
)

MEMO_CAP = 4_096
SETTINGS_CAP = 1_000
DEFAULT_MODEL = "gpt-4.1-mini"
# Chat rules that read only the conversation's shape (see `chat_shape`); their findings are memoised.
SHAPE_RULES = frozenset({
    "chat-no-assistant", "chat-bad-role", "chat-function-role", "chat-empty-message", "chat-weight-invalid",
    "chat-last-not-assistant", "chat-roles-not-alternating", "chat-no-user", "chat-no-system",
})
FROM_INDEX = frozenset({"duplicate", "conflict"})  # judged from the dataset index, on every copy
# The per-line (not shape) rules a chat line runs, and what a plain line needs of them (`check_lines.plain_shape`):
# input-empty cannot fire (no required field), uppercase-heavy and special-token need a mostly uppercase
# text or "<|", the tool- rules a call or a tool turn (never plain). Any other rule turns the shortcut off.
PLAIN_CHAT_CHECKS = frozenset({input_empty, too_long, uppercase_heavy, special_token, *TOOL_CHECKS})
PLAIN_CHECKS: tuple[ExampleCheck, ...] = (too_long,)
CHAT_PROFILE = PROFILE_OF[CHAT]
PLAIN_SAFE_RULES = frozenset({tool_call_ids})  # profile line rules that cannot fire on a plain chat line


# Entry points -------------------------------------------------------------------------------

def check_file(path: str | Path, **options: Any) -> CheckResult:
    """Check a file; OSError (missing, a directory, no permission) propagates to the caller."""
    with open(path, "rb", buffering=1 << 20) as stream:
        return check_stream(stream, **options)


def check_stream(stream: IO[bytes], *, model: str = DEFAULT_MODEL, separator: str | None = None,
                 stop: str | None = None, labels: list[str] | None = None, kind: str | None = None,
                 models: ModelTable | None = None, profile: str | None = None) -> CheckResult:
    """Check a binary stream. `labels`: the class completions (" positive"); `kind`: "classification" or
    "generation" (or RULES.md's "cls" / "gen") for prompt/completion files (inferred when None);
    `profile`: the export profile whose shape and hard rules apply (detected when None)."""
    kind = checked_options(profile, kind)
    if not stream.seekable():
        spool = tempfile.TemporaryFile()
        shutil.copyfileobj(stream, spool, 1 << 20)
        stream = spool
    stream.seek(0)
    shape = find_shape(stream, profile)
    stream.seek(0)
    plan = survey(stream, shape.format if shape else None, separator, stop, labels, kind)
    stream.seek(0)
    checker = _Checker(plan, model, (models or load_model_table()).get(model), shape)
    number = 0
    for number, raw in enumerate(stream, 1):
        checker.feed(number, raw)
    return checker.finish(number, stream)


def checked_options(profile: str | None, kind: str | None) -> str | None:
    """ValueError for an unknown profile or a kind no prompt/completion file has; the kind's full name."""
    if profile is not None and profile not in providers.PROFILES:
        raise ValueError(f"no export profile {profile!r}: see `tunelab profiles`")
    if kind is not None and kind_named(kind) not in ("classification", "generation"):
        raise ValueError(f"kind must be classification or generation (cls or gen), not {kind!r}")
    return kind_named(kind) if kind is not None else None


# The checking pass ---------------------------------------------------------------------------

class _Checker(Recorder, ProfileChecks):
    def __init__(self, plan: Plan, model_name: str, model: ModelInfo, shape: Shape | None = None) -> None:
        super().__init__()
        self.plan, self.model_name, self.model = plan, model_name, model
        self.shape = shape
        self.profile = providers.PROFILES[shape.profile] if shape is not None else None
        self.reads = shape is not None and not shape.native  # lines are read by the profile's reader
        self.objects = 0  # lines that are JSON objects (what the profile's file rules count)
        self.format = plan.format
        self.format_line = 0
        self.encoding, self.approximate = model.counting_encoding, model.approximate
        self.stats = DatasetStats(compact_index=True)
        self.pending_blank = 0
        self.memo: dict[tuple, list[Finding]] = {}
        kind = plan.kind or "chat"
        checks = [(spec, check) for spec, check in EXAMPLE_CHECKS if kind in spec.task_kinds and spec.code not in FROM_INDEX]
        memoise = kind == "chat"
        self.shape_checks = [check for spec, check in checks if memoise and spec.code in SHAPE_RULES]
        self.line_checks = [check for spec, check in checks if not (memoise and spec.code in SHAPE_RULES)]
        self.checks = [check for _, check in checks]
        self.settings_cache: dict[str, ProjectSettings] = {}
        self.declared = tuple(Label(name=c.strip() or c, completion=c) for c in plan.labels)
        self.chat_settings = chat_settings(model_name)
        self.preference_settings = preference_settings(model_name)
        # The plain-chat shortcut (see `check_lines.plain_shape`): input-empty cannot fire (no required field).
        self.plain_chat = (memoise and set(self.line_checks) <= PLAIN_CHAT_CHECKS and not self.reads
                           and not any(spec.required for spec in self.chat_settings.fields)
                           and (self.profile is None or set(self.profile.line_rules) <= PLAIN_SAFE_RULES))
        self.line_rules = self.profile.line_rules if self.profile is not None else ()
        self.gen_settings = legacy_settings("generation", model_name, plan.separator, plan.stop)
        self.cls_settings = (legacy_settings("classification", model_name, plan.separator, "", self.declared)
                             if self.declared else None)

    # Per line ---------------------------------------------------------------------------------

    def feed(self, number: int, raw: bytes) -> None:
        found: list[Finding] = []
        if number == 1 and raw[:3] == BOM:
            if not (self.profile is not None and self.profile.file_prefix == "\ufeff"):  # Azure wants it
                found.append(finding("bom", "", "The file starts with a UTF-8 byte-order mark, which OpenAI and Together "
                                                "read as part of line 1: save the file as UTF-8 without BOM (only Azure "
                                                "wants one)."))
            raw = raw[3:]
        if not raw or raw.isspace():
            self._flush_blank()
            self.pending_blank = number
            if found:
                self._record(number, found)
            return
        if self.pending_blank:
            self._flush_blank()
        obj = parse_line(raw, found)
        if type(obj) is dict:
            self.objects += 1
        if self.plain_chat and type(obj) is dict and (plain := plain_conversation(obj, raw)) is not None:
            # The usual line of a chat file, exactly {"messages": [plain messages]}: a chat line
            # (`_format`) with no structural finding (`check_chat`), judged as it is; without a
            # backslash in the line, no text needs JSON escaping (`render.chat_keys`).
            if not self.format_line:
                self.format_line = number
            self._chat(number, obj["messages"], found, plain, raw.find(b"\\") < 0)
            if found:
                self._record(number, found)
            return
        if type(obj) is not dict:
            if obj is not NOT_READ:
                found.append(finding("line-not-object", "", f"The line is JSON {json_kind(obj)}, not an object: each line "
                                                            "must be one JSON object (one example)."))
            self._record(number, found)
            return
        source, example = obj, None
        if self.reads:
            read = self._read(number, obj, found)
            if read is None:
                self._record(number, found)
                return
            example, obj = read
        fmt = self._format(number, obj, found)
        try:
            if fmt == CHAT:
                messages = check_chat(obj, found)
                if messages is not None:
                    self._chat(number, messages, found)
            elif fmt == LEGACY:
                pair = check_legacy(obj, found)
                if pair is not None:
                    self._legacy(number, pair[0], pair[1], found)
            elif fmt == PREFERENCE:
                parsed = check_preference(obj, found)
                if parsed is not None:
                    self._preference(number, *parsed, found)
            if fmt is not None and self.line_rules:
                self._rules(source, example, found)
        except RecursionError:  # a value nested ~1,000 deep: too deep to serialise for counting
            found.append(too_deep())
        if found:
            self._record(number, found)

    def _flush_blank(self) -> None:
        if self.pending_blank:
            self._record(self.pending_blank, [finding("line-not-json", "", "The line is empty: delete it (only an empty "
                                                                           "last line is ignored).")])
            self.pending_blank = 0

    def _format(self, number: int, obj: dict[str, Any], found: list[Finding]) -> str | None:
        if self.format == CHAT and "messages" in obj and obj.keys() <= TOP_KEYS[CHAT]:
            fmt = CHAT
        else:
            formats = formats_of(obj)
            if not formats:
                check_unknown(obj, found)
                return None
            fmt = self.format if self.format in formats else formats[0]
        if fmt != self.format and self.reads:  # the profile's reader took it, as another task kind
            found.append(finding("mixed-formats", "", f"This line is a {_NOUNS[fmt]} but the file's lines are "
                                                      f"{_NOUNS[self.format]}s (from line {self.format_line}): keep one "
                                                      "task kind per file."))
            return None
        if fmt != self.format:  # the survey set the file's format from its first recognized line
            found.append(finding("mixed-formats", "", f"This line is in the {_TITLES[fmt]} format but the file is in the "
                                                      f"{_TITLES[self.format]} format (from line {self.format_line}): "
                                                      "keep one format per file."))
            return None
        if not self.format_line:
            self.format_line = number
        return fmt

    def _chat(self, number: int, messages: list[dict[str, Any]], found: list[Finding], plain: tuple | None = None,
              plain_text: bool = False) -> None:
        """`plain`: the line's `plain_conversation` key, when the caller has it; `plain_text`: see
        `render.chat_keys`."""
        example, form = chat_example(messages, plain_text)
        if plain is None and self.plain_chat:
            plain = plain_shape("system" in example.fields, messages)
        key = plain if plain is not None else chat_shape("system" in example.fields, messages)
        shaped = self.memo.get(key) if key is not None else None
        if shaped is None:
            evaluation = evaluate_form(self.chat_settings, example, form, CHAT_PROFILE, self.model, checks=self.checks)
            shaped = [f for f in evaluation.findings if f.code in SHAPE_RULES]
            if key is not None and len(self.memo) < MEMO_CAP:
                self.memo[key] = shaped
            found += shaped
            found += [f for f in evaluation.findings if f.code not in SHAPE_RULES]
        else:
            checks = PLAIN_CHECKS if plain is not None else self.line_checks
            evaluation = evaluate_form(self.chat_settings, example, form, CHAT_PROFILE, self.model, checks=checks)
            found += shaped
            found += evaluation.findings
        self._add(number, evaluation)

    def _legacy(self, number: int, prompt: str, completion: str, found: list[Finding]) -> None:
        plan = self.plan
        example, form = legacy_example(prompt, completion, plan.separator, plan.stop)
        settings = self._cls_settings(completion) if plan.kind == "classification" else self.gen_settings
        evaluation = evaluate_form(settings, example, form, PROFILE_OF[LEGACY], self.model, checks=self.checks)
        for f in evaluation.findings:
            # With no known separator / stop, the core says "this project has none" on every
            # line; for a file the dataset rules say it once.
            if (f.code == "separator-missing" and not plan.separator) or (f.code == "stop-missing" and not plan.stop):
                continue
            found.append(f)
        self._add(number, evaluation, {"prompts": (prompt,), "completions": (completion,),
                                       "label": completion if plan.kind == "classification" else None})

    def _cls_settings(self, completion: str) -> ProjectSettings:
        """The declared labels (`--labels`), or when none are given the completion itself as the one
        label (every completion of an inferred classification file is a label)."""
        if self.cls_settings is not None:
            return self.cls_settings
        settings = self.settings_cache.get(completion)
        if settings is None:
            labels = (Label(name=completion.strip() or completion, completion=completion),)
            settings = legacy_settings("classification", self.model_name, self.plan.separator, "", labels)
            if len(self.settings_cache) < SETTINGS_CAP:
                self.settings_cache[completion] = settings
        return settings

    def _preference(self, number: int, messages: list[dict[str, Any]], preferred: Any, rejected: Any,
                    found: list[Finding]) -> None:
        example, form = preference_example(messages, preferred, rejected)
        evaluation = evaluate_form(self.preference_settings, example, form, PROFILE_OF[PREFERENCE], self.model,
                                   checks=self.checks)
        found += evaluation.findings
        self._add(number, evaluation)

    def _add(self, number: int, evaluation: Evaluation, facts: dict[str, Any] | None = None) -> None:
        """The line's tokens and identity into the dataset aggregates (`facts`: more of
        `DatasetStats.add`'s arguments). The compact index keeps the first 64 bits of each SHA-256;
        a line with nothing to compare stays out of it."""
        records = evaluation.rendered.records
        if len(records) == 1:
            record = records[0]
            counted, billed = (record.tokens,), (record.billed_tokens,)
        else:
            counted, billed = tuple(r.tokens for r in records), tuple(r.billed_tokens for r in records)
        if evaluation.comparable:
            input_hash, content_hash = int(evaluation.input_hash[:16], 16), int(evaluation.content_hash[:16], 16)
        else:
            input_hash = content_hash = None
        if facts is None:
            self.stats.add(number, tokens=counted, billed=billed, input_hash=input_hash, content_hash=content_hash)
        else:
            self.stats.add(number, tokens=counted, billed=billed, input_hash=input_hash, content_hash=content_hash, **facts)

    # The end ----------------------------------------------------------------------------------

    def finish(self, lines_read: int, stream: IO[bytes] | None = None) -> CheckResult:
        # A blank last line is ignored (self.pending_blank is dropped).
        stats, plan = self.stats, self.plan
        groups = stats.groups()
        duplicates = self._from_groups("duplicate", groups.duplicates,
                                       "Line {line} has the same input and output as {others}: delete the copies (a "
                                       "duplicate counts twice in training and can leak into the validation split).")
        what, whats = ("completion", "completions") if self.format == LEGACY else ("reply", "replies")
        # Conflicts only for the kinds the rule is for: two preference pairs for one prompt are usual.
        conflicts = self._from_groups("conflict", groups.conflicts if (plan.kind or "chat") in RULES["conflict"].task_kinds else (),
                                      f"Line {{line}} has the same input as {{others}}, but their {whats} differ: decide "
                                      f"which {what} is right and make them agree (contradicting examples are label noise).")
        self.kept.sort(key=lambda item: item[0])
        kind = plan.kind
        labels = plan.labels if kind == "classification" else ()
        found = dataset_findings(stats, kind or "chat", self.model, labels=labels, ref_noun="lines", groups=groups)
        if self.shape is not None and self.shape.forced and stream is not None and self.objects:
            found = self._file_rules(stream, found)
        for f in found:
            self.level_counts[f.level] += 1
        shape = self.shape
        result = CheckResult(
            format=shape.profile if shape is not None else None, model=self.model_name, model_info=self.model, kind=kind if self.format else None,
            task=plan.task, separator=plan.separator if self.format == LEGACY else None,
            stop=plan.stop if self.format == LEGACY and kind == "generation" else None,
            separator_inferred=plan.separator_inferred, stop_inferred=plan.stop_inferred,
            kind_inferred=plan.kind_inferred, lines_read=lines_read, examples=stats.examples, tokens=stats.billed_tokens,
            summaries=self.summaries, dataset=found, estimate=estimate(stats, self.model),
            findings=self.kept, findings_truncated=self.truncated, level_counts=self.level_counts,
            lines_with_findings=0, _lines=self.lines, _masks=self.masks,
            _duplicates=duplicates, _conflicts=conflicts, also=shape.also if shape is not None else (),
            forced=shape is not None and shape.forced, extra_codes=self.extra_codes, judged=self.format,
        )
        result.lines_with_findings = sum(1 for _ in result.line_codes())
        return result


_TITLES = {LEGACY: "prompt/completion", CHAT: "chat (messages)", PREFERENCE: "preference (input / preferred_output / "
                                                                            "non_preferred_output)"}
_NOUNS = {CHAT: "conversation", PREFERENCE: "preference pair"}
