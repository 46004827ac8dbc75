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

Format. Each line's format is detected by its keys (`file_format`); the file's format is the first
recognized line's, and a line of another format is `mixed-formats` and not checked further. A line
with none of the known keys is `missing-key`.

The same rules as the app. Every line that parses into an example is turned into the core's
`ProjectSettings` + `Example` + `Canonical`, rendered by the export profile (`PROFILES[...].build`, the
one token-counting path) and judged by the registered per-example rules. `input-empty` never fires
(empty prompts are legal in a file); `duplicate` and `conflict` come from the dataset index and are
reported on every copy. Per-line `separator-missing` / `stop-missing` are only raised when a
separator / stop is known (given, or shared by all lines); otherwise the dataset rules
`separator-inconsistent` / `stop-inconsistent` say it once.

Passes. Chat and preference files: one pass (after reading up to the first line with a known format). Legacy prompt/completion files: the per-line rules
depend on the separator, the stop sequence and the task kind, which the legacy tool inferred from
the whole file, so unless `--separator`, `--stop` (gen) and `--kind` are all given a cheap pre-pass
reads the file first (JSON parse + common suffixes + distinct completions, no tokenizer), then the
checking pass runs. A stream that cannot seek (a pipe) is first copied to a temporary file.
Inferred like the legacy tool: separator = the suffix every prompt shares; stop (gen only) = the
suffix every completion shares; kind = classification when distinct completions < examples / 3
(`--labels` alone means classification); every prompt empty = open-ended generation.

Memory stays flat in the number of lines: the dataset aggregates are bounded (`app.core.dataset`),
duplicates use a compact 24-bytes-per-line index, per-line codes are kept as (line, bit mask) pairs
only for lines with a finding (16 bytes each), and full findings are kept for the first
`KEEP_FINDINGS` only; per code, the text report needs only a count, the first 20 lines and one message.

Speed. The chat rules that read only a conversation's shape (roles, empty or not, weights, tool
calls; `SHAPE_RULES`) give the same findings for every line of the same shape, so their findings are
memoised per shape; every other rule runs on every line. tests/core/test_jsonl_check.py checks that
the memo gives exactly what `run_example_rules` gives. The usual chat line (every message exactly
{"role": str, "content": str}, its shape already memoised) takes a fast path that builds none of the
core's values: it counts the tokens as the openai-chat profile does and only checks that none of the
other chat rules (input-empty, too-long, uppercase-heavy, special-token) can fire; when one could,
the line takes the full path (`_Checker._plain_chat`). tests/core/test_jsonl_check.py checks that
both paths give the same report, and tests/cli/test_check_golden.py that the reports did not change.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from array import array
from pathlib import Path
from typing import IO, Any

from app.core import rules as _rules  # noqa: F401  (registers every rule)
from app.core.check_report import (  # noqa: F401  (CheckResult and write_json are part of this API)
    CODE_BIT,
    MAX_LINES_SHOWN,
    CheckResult,
    CodeSummary,
    write_json,
)
from app.core.dataset import DatasetStats, dataset_findings, estimate
from app.core.file_format import (
    CHAT,
    LEGACY,
    PREFERENCE,
    PROFILE_OF,
    TOP_KEYS,
    chat_example,
    chat_settings,
    check_chat,
    check_legacy,
    check_preference,
    finding,
    formats_of,
    legacy_example,
    legacy_settings,
    preference_example,
    preference_settings,
)
from app.core import tokens
from app.core.model_table import ModelInfo, ModelTable, load_model_table
from app.core.profiles import PROFILES
from app.core.records import Rendered
from app.core.rules.example_rules import input_empty, special_token, too_long, uppercase_heavy
from app.core.rules.helpers import heavy_uppercase, show
from app.core.rules.registry import EXAMPLE_CHECKS, LEVEL_RANK, ExampleContext, Finding
from app.core.project_settings import Label, ProjectSettings
from app.core.check_lines import BOM, Plan, chat_shape, json_kind, message_key, parse_quietly, survey  # noqa: F401

try:  # optional fast path; the codes never depend on it (see the module docstring)
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover
    _fast_loads = None

KEEP_FINDINGS = 10_000
MEMO_CAP = 4_096
SETTINGS_CAP = 1_000
DEFAULT_MODEL = "gpt-4.1-mini"
# Chat rules that read only the conversation's shape (see `chat_shape`); their findings are memoised.
SHAPE_RULES = frozenset({
    "chat-no-assistant", "chat-bad-role", "chat-function-role", "chat-empty-message", "chat-weight-invalid",
    "chat-last-not-assistant", "chat-roles-not-alternating", "chat-no-user", "chat-no-system",
})
FROM_INDEX = frozenset({"duplicate", "conflict"})  # judged from the dataset index, on every copy
# The only per-line (not shape) rules a chat line runs; `_Checker._plain_chat` knows when none of
# them can fire. Any other rule registered for chat turns that fast path off.
PLAIN_CHAT_CHECKS = frozenset({input_empty, too_long, uppercase_heavy, special_token})
COUNT_CACHE_CAP = 4_096  # token counts kept per checker: roles, system prompts, short texts (bounded memory)
SHORT_TEXT = 64  # texts up to this many characters are counted once per checker


# Entry points -------------------------------------------------------------------------------

def check_file(path: str | Path, **options: Any) -> CheckResult:
    """Check a file; OSError (missing, a directory, no permission) propagates to the caller."""
    with open(path, "rb", buffering=1 << 20) as stream:
        return check_stream(stream, **options)


def check_stream(stream: IO[bytes], *, model: str = DEFAULT_MODEL, separator: str | None = None,
                 stop: str | None = None, labels: list[str] | None = None, kind: str | None = None,
                 models: ModelTable | None = None) -> CheckResult:
    """Check a binary stream. `labels`: the class completions (" positive"); `kind`: "cls" or "gen"
    for prompt/completion files (inferred when None)."""
    if kind not in (None, "cls", "gen"):
        raise ValueError(f"kind must be cls or gen, not {kind!r}")
    if not stream.seekable():
        spool = tempfile.TemporaryFile()
        shutil.copyfileobj(stream, spool, 1 << 20)
        stream = spool
    stream.seek(0)
    plan = survey(stream, separator, stop, labels, kind)
    stream.seek(0)
    checker = _Checker(plan, model, (models or load_model_table()).get(model))
    number = 0
    for number, raw in enumerate(stream, 1):
        checker.feed(number, raw)
    return checker.finish(number)


# The checking pass ---------------------------------------------------------------------------

class _Checker:
    def __init__(self, plan: Plan, model_name: str, model: ModelInfo) -> None:
        self.plan, self.model_name, self.model = plan, model_name, model
        self.format = plan.format
        self.format_line = 0
        self.encoding, self.approximate = model.counting_encoding, model.approximate
        self.stats = DatasetStats(compact_index=True)
        self.pending_blank = 0
        self.memo: dict[tuple, list[Finding]] = {}
        self.summaries: dict[str, CodeSummary] = {}
        self.kept: list[tuple[int, Finding]] = []
        self.truncated = False
        self.level_counts = {"error": 0, "warning": 0, "info": 0}
        self.lines, self.masks = array("Q"), array("Q")
        kind = plan.kind or "chat"
        checks = [(spec, check) for spec, check in EXAMPLE_CHECKS if kind in spec.kinds and spec.code not in FROM_INDEX]
        memoise = kind == "chat"
        self.shape_checks = [check for spec, check in checks if memoise and spec.code in SHAPE_RULES]
        self.line_checks = [check for spec, check in checks if not (memoise and spec.code in SHAPE_RULES)]
        self.settings_cache: dict[str, ProjectSettings] = {}
        self.declared = tuple(Label(name=c.strip() or c, completion=c) for c in plan.labels)
        self.chat_settings = chat_settings(model_name)
        self.preference_settings = preference_settings(model_name)
        # The plain-chat fast path (see `_plain_chat`): input-empty cannot fire (no required field).
        self.plain_chat = (memoise and set(self.line_checks) <= PLAIN_CHAT_CHECKS
                           and not any(spec.required for spec in self.chat_settings.fields))
        self.encode = tokens.encoder(self.encoding)
        self.counts: dict[str, int] = {}
        self.gen_settings = legacy_settings("gen", model_name, plan.separator, plan.stop)

    # Per line ---------------------------------------------------------------------------------

    def feed(self, number: int, raw: bytes) -> None:
        found: list[Finding] = []
        if number == 1 and raw[:3] == BOM:
            found.append(finding("bom", "", "The file starts with a UTF-8 byte-order mark, which OpenAI and Together read "
                                            "as part of line 1: save the file as UTF-8 without BOM (only Azure wants one)."))
            raw = raw[3:]
        if not raw or raw.isspace():
            self._flush_blank()
            self.pending_blank = number
            if found:
                self._record(number, found)
            return
        if self.pending_blank:
            self._flush_blank()
        obj = self._parse(raw, found)
        if type(obj) is not dict:
            if obj is not _BAD:
                found.append(finding("line-not-object", "", f"The line is JSON {json_kind(obj)}, not an object: each line "
                                                            "must be one JSON object (one example)."))
            self._record(number, found)
            return
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
        except RecursionError:  # a value nested ~1,000 deep: too deep to serialise for counting
            found.append(_too_deep())
        if found:
            self._record(number, found)

    def _flush_blank(self) -> None:
        if self.pending_blank:
            self._record(self.pending_blank, [finding("line-not-json", "", "The line is empty: delete it (only an empty "
                                                                           "last line is ignored).")])
            self.pending_blank = 0

    def _parse(self, raw: bytes, found: list[Finding]) -> Any:
        if _fast_loads is not None:
            try:
                return _fast_loads(raw)
            except (ValueError, RecursionError):
                pass
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append(finding("not-utf8", "", f"The line is not valid UTF-8 (byte {exc.start + 1} is "
                                                 f"{raw[exc.start:exc.start + 1]!r}): save the file as UTF-8."))
            return _BAD
        try:
            return json.loads(text)
        except RecursionError:
            found.append(_too_deep())
            return _BAD
        except ValueError as exc:
            where = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            found.append(finding("line-not-json", "", f"The line is not valid JSON ({where}): fix it or delete it; "
                                                      "each line must be one complete JSON object."))
            return _BAD

    def _format(self, number: int, obj: dict[str, Any], found: list[Finding]) -> str | None:
        if self.format == CHAT and "messages" in obj and obj.keys() <= TOP_KEYS[CHAT]:
            fmt = CHAT
        else:
            formats = formats_of(obj)
            if not formats:
                keys = ", ".join(show(k) for k in list(obj)[:5]) or "no keys"
                found.append(finding("missing-key", "", f"The line has none of the keys of a known format ({keys}): write "
                                                        '"prompt" and "completion", or "messages", or "input", '
                                                        '"preferred_output" and "non_preferred_output".'))
                return None
            fmt = self.format if self.format in formats else formats[0]
        if fmt != self.format:  # the survey set the file's format from its first recognized line
            found.append(finding("mixed-formats", "", f"This line is in the {_TITLES[fmt]} format but the file is in the "
                                                      f"{_TITLES[self.format]} format (from line {self.format_line}): "
                                                      "keep one format per file."))
            return None
        if not self.format_line:
            self.format_line = number
        return fmt

    def _run(self, settings: ProjectSettings, example: Any, canonical: Any, profile: str) -> tuple[Rendered, ExampleContext]:
        chosen = PROFILES[profile]
        rendered = Rendered(profile, self.encoding, self.approximate, canonical, chosen.build(canonical, self.encoding))
        return rendered, ExampleContext(settings, example, rendered, self.model, chosen)

    def _chat(self, number: int, messages: list[dict[str, Any]], found: list[Finding]) -> None:
        if self.plain_chat and self._plain_chat(number, messages, found):
            return
        example, canonical = chat_example(messages)
        rendered, ctx = self._run(self.chat_settings, example, canonical, PROFILE_OF[CHAT])
        key = chat_shape("system" in example.fields, messages)
        shaped = self.memo.get(key) if key is not None else None
        if shaped is None:
            shaped = [f for check in self.shape_checks for f in check(ctx)]
            if key is not None and len(self.memo) < MEMO_CAP:
                self.memo[key] = shaped
        found += shaped
        for check in self.line_checks:
            found += check(ctx)
        keys = [message_key(m) for m in messages]
        last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None)
        input_hash = hash(tuple(keys if last is None else keys[:last]))
        self._add(number, rendered, input_hash=input_hash,
                  content_hash=hash((input_hash, keys[last] if last is not None else None)))

    def _plain_chat(self, number: int, messages: list[dict[str, Any]], found: list[Finding]) -> bool:
        """The usual chat line without building the core's values: every message exactly
        {"role": str, "content": str}, and none of the per-line chat rules can fire.

        What `_chat` would give, computed directly: the tokens of the openai-chat profile
        (`tokens.count_message` per message + reply priming), the memoised shape findings, the same
        hashes. The per-line rules (PLAIN_CHAT_CHECKS) read only the roles and contents here:
        input-empty needs a required field (chat has none), too-long needs more tokens than the
        model limit, uppercase-heavy a mostly-uppercase content (`heavy_uppercase`, the rule's own
        test, on every content), special-token a text with "<|". When one of them could fire, or
        the shape is not memoised yet, it returns False having changed nothing, and `_chat` runs
        the full path (which then gives the findings and fills the memo).
        """
        first = messages[0]
        shape: list[Any] = [len(first) == 2 and first.get("role") == "system"  # = "system" in example.fields
                            and type(first.get("content")) is str and bool(first["content"].strip())]
        for message in messages:
            if len(message) != 2:
                return False
            role, content = message.get("role"), message.get("content")
            if type(role) is not str or type(content) is not str or "<|" in content or "<|" in role:
                return False
            shape.append((role, content != "" and not content.isspace()))
        shaped = self.memo.get(tuple(shape))
        if shaped is None:
            return False
        for message in messages:
            if heavy_uppercase(message["content"]) is not None:
                return False
        counts, encode = self.counts, self.encode
        total = tokens.REPLY_PRIMING
        keys = []
        last = None
        for index, message in enumerate(messages):
            role, content = message["role"], message["content"]
            role_tokens = counts.get(role)
            if role_tokens is None:
                role_tokens = self._count(role)
            if len(content) <= SHORT_TEXT or (index == 0 and role == "system"):  # short or a system prompt: repeats
                content_tokens = counts.get(content)
                if content_tokens is None:
                    content_tokens = self._count(content)
            else:
                content_tokens = len(encode(content))
            total += tokens.TOKENS_PER_MESSAGE + role_tokens + content_tokens
            keys.append(frozenset(message.items()))
            if role == "assistant":
                last = index
        if total > self.model.limit:
            return False
        found += shaped
        input_hash = hash(tuple(keys if last is None else keys[:last]))
        self.stats.add(number, tokens=(total,), billed=(total,), input_hash=input_hash,
                       content_hash=hash((input_hash, keys[last] if last is not None else None)))
        return True

    def _count(self, text: str) -> int:
        """Tokens of a text that repeats (a role, a system prompt), kept for the next lines."""
        count = len(self.encode(text))
        if len(self.counts) < COUNT_CACHE_CAP and len(text) <= tokens.CACHED_CHARS:
            self.counts[text] = count
        return count

    def _legacy(self, number: int, prompt: str, completion: str, found: list[Finding]) -> None:
        plan = self.plan
        example, canonical = legacy_example(prompt, completion, plan.separator, plan.stop)
        settings = self._cls_settings(completion) if plan.kind == "cls" else self.gen_settings
        rendered, ctx = self._run(settings, example, canonical, PROFILE_OF[LEGACY])
        for check in self.line_checks:
            for f in check(ctx):
                # With no known separator / stop, the core says "this project has none" on every
                # line; for a file the dataset rules say it once.
                if (f.code == "separator-missing" and not plan.separator) or (f.code == "stop-missing" and not plan.stop):
                    continue
                found.append(f)
        content_hash = hash((prompt, completion))
        self._add(number, rendered, prompts=(prompt,), completions=(completion,),
                  label=completion if plan.kind == "cls" else None,
                  # An empty prompt (open-ended generation) is no shared input: duplicates only, no conflicts.
                  input_hash=hash(prompt) if prompt else content_hash, content_hash=content_hash)

    def _cls_settings(self, completion: str) -> ProjectSettings:
        """Labels for one completion: the declared ones (the matching label exported as the line has
        it, so label-multi-token counts the real text), or the completion itself when none are."""
        settings = self.settings_cache.get(completion)
        if settings is not None:
            return settings
        plan = self.plan
        if self.declared:
            matched = legacy_settings("cls", self.model_name, plan.separator, "", self.declared).label_for(completion)
            labels = tuple(Label(lab.name, completion) if lab is matched else lab for lab in self.declared)
        else:
            labels = (Label(name=completion.strip() or completion, completion=completion),)
        settings = legacy_settings("cls", self.model_name, plan.separator, "", labels)
        if len(self.settings_cache) < SETTINGS_CAP:
            self.settings_cache[completion] = settings
        return settings

    def _preference(self, number: int, messages: list[dict[str, Any]], preferred: Any, rejected: Any,
                    found: list[Finding]) -> None:
        example, canonical = preference_example(messages, preferred, rejected)
        rendered, ctx = self._run(self.preference_settings, example, canonical, PROFILE_OF[PREFERENCE])
        for check in self.line_checks:
            found += check(ctx)
        input_hash = hash(tuple(message_key(m) for m in messages))
        conversation = canonical.conversation
        self._add(number, rendered, input_hash=input_hash,
                  content_hash=hash((input_hash, conversation.preferred, conversation.non_preferred)))

    def _add(self, number: int, rendered: Rendered, **facts: Any) -> None:
        records = rendered.records
        self.stats.add(number, tokens=[r.tokens for r in records], billed=[r.billed_tokens for r in records], **facts)

    def _record(self, number: int, found: list[Finding]) -> None:
        mask = 0
        for f in found:
            bit = CODE_BIT[f.code]
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

    # The end ----------------------------------------------------------------------------------

    def finish(self, lines_read: int) -> CheckResult:
        # A blank last line is ignored (self.pending_blank is dropped).
        stats, plan = self.stats, self.plan
        groups = stats.groups()
        duplicates = self._from_groups("duplicate", groups.duplicates,
                                       "Line {line} has the same input and output as {others}: delete the copies (a "
                                       "duplicate counts twice in training and can leak into the validation split).")
        what = "completion" if self.format == LEGACY else "reply"
        conflicts = self._from_groups("conflict", groups.conflicts,
                                      f"Line {{line}} has the same input as {{others}}, but their {what}s differ: decide "
                                      f"which {what} is right and make them agree (contradicting examples are label noise).")
        self.kept.sort(key=lambda item: item[0])
        kind = plan.kind
        labels = plan.labels if kind == "cls" else ()
        found = dataset_findings(stats, kind or "chat", self.model, labels=labels, ref_noun="lines", groups=groups)
        for f in found:
            self.level_counts[f.level] += 1
        result = CheckResult(
            format=self.format, model=self.model_name, model_info=self.model, kind=kind if self.format else None,
            task=plan.task, separator=plan.separator if self.format == LEGACY else None,
            stop=plan.stop if self.format == LEGACY and kind == "gen" else None,
            separator_inferred=plan.separator_inferred, stop_inferred=plan.stop_inferred,
            kind_inferred=plan.kind_inferred, lines_read=lines_read, examples=stats.examples, tokens=stats.billed_tokens,
            summaries=self.summaries, dataset=found, estimate=estimate(stats, self.model),
            findings=self.kept, findings_truncated=self.truncated, level_counts=self.level_counts,
            lines_with_findings=0, _lines=self.lines, _masks=self.masks,
            _duplicates=duplicates, _conflicts=conflicts,
        )
        result.lines_with_findings = sum(1 for _ in result.line_codes())
        return result

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


_BAD = object()


def _too_deep() -> Finding:
    return finding("line-not-json", "", "The line nests arrays or objects too deeply to be read: no training example "
                                        "needs that; fix or delete the line.")
_TITLES = {LEGACY: "prompt/completion", CHAT: "chat (messages)", PREFERENCE: "preference (input / preferred_output / "
                                                                            "non_preferred_output)"}


