"""The tunelab command line (`tunelab ...` or `python -m app ...`).

    tunelab check FILE.jsonl [--model gpt-4.1-mini] [--format text|json] [--separator TEXT]
                             [--stop TEXT] [--labels " a, b"] [--kind classification|generation]
                             [--profile KEY] [--validation VALIDATION.jsonl]

The file's shape is detected (`app.core.check_shapes`) and reported as its profile key; `--profile`
forces one. Exit status: 0 no error-level finding, 1 errors found, 2 the file (or the tokenizer
files) cannot be read. `--format json` prints one JSON object (a contract, see
`app.core.jsonl_check.write_json`). `--validation` also lists the validation file's lines whose input
is in FILE (`split-leakage`, a warning: `app.core.leakage`), in the text and the JSON report.

    tunelab convert IN --to KEY --out OUT [--from KEY] [--kind KIND] [--model M] [--force]

Converts a file from one profile's shape to another's (`app.convert`). Exit status: 0 every line
written, 1 some lines refused (or the output breaks a hard rule of KEY), 2 bad input.

    tunelab profiles [--kind KIND] [--format text|json]

Lists the export profiles (the keys `?profile=` and the export page take), grouped by provider,
with the task kinds each writes and the models or training stacks it is for. Exit status 0.

    tunelab backup PATH [--force]

Copies the SQLite database of TUNELAB_DATABASE_URL to PATH while the server runs (app.storage.backup).
Exit status: 0 written, 1 the copy failed its integrity check (PATH untouched), 2 bad input (PATH
exists without --force, no database, or PostgreSQL: the message gives the pg_dump commands).

    tunelab migrate | serve | users create NAME | export --project NAME --profile KEY --out PATH

The operations commands, in `app.cli_ops`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO

from app.core.dataset_findings import dollars
from app.cli_import import add_import_parser
from app.cli_ops import add_ops_parsers, run_ops
from app.convert import add_convert_parser, convert_command
from app.core import providers
from app.core.check_report import code_summary
from app.core.profiles import by_provider
from app.check_jobs import check_file
from app.core.jsonl_check import CheckResult, write_json
from app.core.leakage import leakage
from app.core.rules.helpers import show
from app.core.project_settings import KINDS, kind_named
from app.core.rules.registry import LEVEL_RANK
from app.core.text import unescape_controls
from app.tokenizer_files import TokenizerFilesError, activate

MAX_LINES_SHOWN = 20
KIND_CHOICES = ("classification", "generation")  # `--kind`; "cls" and "gen" are read as these


def _kind(text: str) -> str:
    """`--kind` as the kind it names: "cls" -> "classification" (an unknown name is left for argparse
    to refuse with the list of choices)."""
    try:
        return kind_named(text)
    except ValueError:
        return text
# Core messages speak to the app's form; in a file report these parts say what to do in the file.
FILE_WORDING = (
    ("Turn on the leading space in the project settings.", "Start every completion with a space."),
    ("Start the label's completion with a space in the project settings (\" positive\").",
     "Start every completion with a space (\" positive\")."),
    ("(the form adds it for you; check imported text)", "(set it with --stop)"),
    ("Check the prompt template.", "Set the separator with --separator."),
    ("is not a label of this project", "is not one of the labels given with --labels"),
    ("pick one of them or add it in the project settings", "fix the completion or add it to --labels"),
    (" in the project settings", ""),
)


def _jobs(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return int(text)


def file_wording(message: str) -> str:
    for old, new in FILE_WORDING:
        message = message.replace(old, new)
    return message


def parse_labels(text: str | None) -> list[str] | None:
    """`" positive, negative"` -> [" positive", " negative"]: each comma-separated item is a completion
    exactly as written (the space after a comma is its leading space); `\\n` escapes are read."""
    if text is None:
        return None
    return [unescape_controls(item) for item in text.split(",") if item != ""]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tunelab", description="tunelab command line")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check", help="check a JSONL fine-tuning file (prompt/completion, chat or preference)",
        description="Check a JSONL fine-tuning file line by line and as a dataset, with the rules of the app.",
    )
    check.add_argument("file", help="the .jsonl file to check")
    check.add_argument("--model", default="gpt-4.1-mini", help="target model: token limit, encoding, price (default gpt-4.1-mini)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="report format (default text)")
    check.add_argument("--separator", help="prompt separator for prompt/completion files, \\n escapes allowed "
                                           "(default: the suffix every prompt shares)")
    check.add_argument("--stop", help="stop sequence for generation files, \\n escapes allowed "
                                      "(default: the suffix every completion shares)")
    check.add_argument("--labels", help='comma-separated class completions, e.g. " positive, negative" '
                                        "(enables label-unknown; implies --kind cls)")
    check.add_argument("--kind", choices=KIND_CHOICES, type=_kind, metavar="classification|generation",
                       help="task kind of a prompt/completion file; cls and gen (RULES.md's short names) are "
                            "accepted too (default: inferred, classification when distinct completions < examples / 3)")
    check.add_argument("--profile", choices=tuple(providers.PROFILES), metavar="KEY",
                       help="the export profile whose shape and hard rules apply (default: detected; see "
                            "`tunelab profiles`)")
    check.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                       help="processes for a big chat or preference file (default: the CPUs, at most 4; 1: one pass). "
                            "The report is the same")
    check.add_argument("--validation", metavar="VALIDATION.jsonl",
                       help="the validation file that goes with FILE: its lines whose input is also in FILE are "
                            "reported (split-leakage)")
    add_convert_parser(commands, _kind)
    profiles = commands.add_parser(
        "profiles", help="list the export profiles by provider",
        description="List the export profiles (their keys), grouped by provider, with the task kinds each "
                    "writes and what it is for.",
    )
    profiles.add_argument("--kind", choices=KINDS, type=_kind, metavar="classification|generation|chat|preference",
                          help="only the profiles that write this task kind")
    profiles.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    backup = commands.add_parser(
        "backup", help="copy the SQLite database to PATH, safely while the server runs",
        description="Copy the database of TUNELAB_DATABASE_URL to PATH with SQLite's online backup API "
                    "(consistent while the server runs and writes), then check the copy's integrity. "
                    "For PostgreSQL it prints the pg_dump / pg_restore commands instead.",
    )
    backup.add_argument("path", help="the backup file to write (refused if it exists, unless --force)")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    add_ops_parsers(commands)
    add_import_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "backup":
        return backup_command(args, sys.stdout, sys.stderr)
    if args.command in ("migrate", "serve", "users", "export", "import"):
        return run_ops(args, sys.stdin, sys.stdout, sys.stderr)
    try:
        if args.command == "convert":
            return convert_command(args, sys.stdout, sys.stderr)
        if args.command == "profiles":
            return profiles_command(args, sys.stdout)
        return check_command(args, sys.stdout, sys.stderr)
    except BrokenPipeError:  # `tunelab check big.jsonl | head`
        sys.stdout = None  # type: ignore[assignment]  (nothing more to flush)
        return 1


def profiles_command(args: argparse.Namespace, out: IO[str]) -> int:
    groups = by_provider(args.kind)
    if args.format == "json":
        json.dump([{"key": p.key, "title": p.title, "provider": provider, "kinds": list(p.kinds), "targets": p.targets,
                    "note": p.note} for provider, group in groups.items() for p in group], out, ensure_ascii=False)
        out.write("\n")
        return 0
    for provider, group in groups.items():
        out.write(f"{provider}\n")
        for p in group:
            out.write(f"  {p.key:<28} {p.title} ({', '.join(p.kinds)})\n    for {p.targets}\n")
    return 0


def check_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    try:
        activate()
    except TokenizerFilesError as exc:
        print(f"tunelab: {exc}", file=err)
        return 2
    path = Path(args.file)
    try:
        result = check_file(
            path, jobs=args.jobs, model=args.model, kind=args.kind, labels=parse_labels(args.labels),
            separator=None if args.separator is None else unescape_controls(args.separator),
            stop=None if args.stop is None else unescape_controls(args.stop), profile=args.profile,
        )
    except OSError as exc:
        print(f"tunelab: cannot read {path}: {exc.strerror or exc}", file=err)
        return 2
    leaks = None
    if args.validation is not None:
        try:
            leaks = leakage(path, args.validation, model=args.model, kind=args.kind, labels=parse_labels(args.labels),
                            separator=None if args.separator is None else unescape_controls(args.separator),
                            stop=None if args.stop is None else unescape_controls(args.stop), profile=args.profile)
        except OSError as exc:
            print(f"tunelab: --validation: cannot read {args.validation}: {exc.strerror or exc}", file=err)
            return 2
        if (found := leaks.finding()) is not None:
            result.dataset.append(found)
            result.level_counts[found.level] += 1
    if args.format == "json":
        write_json(result, out, validation=None if leaks is None else validation_json(args.validation, leaks))
    else:
        write_text(result, path, out)
        if leaks is not None:
            write_leakage(args.validation, leaks, out)
    return result.exit_code


def validation_json(path: str, leaks) -> dict:
    return {"file": str(path), "lines": leaks.validation_lines,
            "leaks": [{"line": leak.line, "train_line": leak.train_line} for leak in leaks.leaks]}


def write_leakage(path: str, leaks, out: IO[str]) -> None:
    """The validation file's part of the text report: its leaking lines, each with the training line."""
    out.write(f"\nValidation file {path}: {_plural(leaks.validation_lines, 'line')}\n")
    if not leaks.leaks:
        out.write("No validation line has an input that is in the training file (split-leakage: none).\n")
        return
    out.write(f"warning split-leakage ({_plural(len(leaks.leaks), 'line')}): "
              f"{_lines_text([leak.line for leak in leaks.leaks], len(leaks.leaks))}\n")
    out.write(f"        {code_summary('split-leakage')}\n")
    for leak in leaks.leaks[:MAX_LINES_SHOWN]:
        out.write(f"        validation line {leak.line}: its input is line {leak.train_line} of the training file\n")


def backup_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from app.config import DEV_SECRET, Settings
    from app.storage import backup as backup_store  # SQLAlchemy only for this command, not for `check`

    # Only the URL is read here (as the app reads it); no secret key is needed to make a copy.
    url = Settings(dev_mode=True, secret_key=DEV_SECRET).database_url
    try:
        report = backup_store.backup(url, Path(args.path), force=args.force)
    except backup_store.BackupError as exc:
        print(f"tunelab backup: {exc}", file=err)
        return 2
    except backup_store.IntegrityFailed as exc:
        print(f"tunelab backup: the copy failed PRAGMA integrity_check ({exc}); nothing was written to "
              f"{args.path}. Check the live database with `sqlite3 DB 'PRAGMA integrity_check'`.", file=err)
        return 1
    out.write(f"backed up {report.source} to {report.target}: {_size(report.size_bytes)}, "
              f"{_plural(report.tables, 'table')}, {_plural(report.total_rows, 'row')}; integrity check ok\n")
    width = max((len(name) for name in report.rows), default=0)
    for name, count in report.rows.items():
        out.write(f"  {name:<{width}}  {count:>10,}\n")
    return 0


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GB"  # pragma: no cover


# Text report ----------------------------------------------------------------------------------

def _lines_text(first: list[int], total: int) -> str:
    shown = ", ".join(map(str, first[:MAX_LINES_SHOWN]))
    return shown + (f" and {total - len(first[:MAX_LINES_SHOWN]):,} more" if total > MAX_LINES_SHOWN else "")


def write_text(result: CheckResult, path: Path, out: IO[str]) -> None:
    """The linter-style report: a header per code (level, lines, first 20 line numbers, the rule, one
    sample message), the dataset findings, the estimate and a summary line."""
    info = result.model_info
    w = out.write
    profile = providers.PROFILES.get(result.format or "")
    title = f"{result.format} ({profile.title})" if profile is not None else "no known format"
    w(f"tunelab check {path}\n")
    w(f"  format: {title}; {_plural(result.lines_read, 'line')}, {_plural(result.examples, 'example')}, "
      f"{_plural(result.tokens, 'token')} "
      f"({info.counting_encoding}{', approximate' if info.approximate else ''})\n")
    price = f"${info.price_per_million:,.2f} per 1M training tokens" if info.price_per_million is not None else "no known price"
    row = f" (table row {info.name})" if info.name != result.model else ""
    if profile is not None:
        how = "given with --profile" if result.forced else "detected; force another with --profile"
        also = f"; the same lines are read by {', '.join(result.also)}" if result.also else ""
        w(f"  profile: {how}{also}\n")
    w(f"  model: {result.model}{row}: {info.limit:,} tokens per example, {price}; {info.availability}\n")
    if result.judged == "legacy":
        task = result.kind or "generation"
        if result.task == "open":
            task += " (open-ended: every prompt is empty)"
        w(f"  kind: {task} ({'inferred; set it with --kind' if result.kind_inferred else 'given'})\n")
        if result.separator:
            how = "the suffix every prompt shares" if result.separator_inferred else "given"
            w(f"  separator: {show(result.separator)} ({how})\n")
        else:
            w("  separator: none (no suffix is shared by every prompt; set one with --separator)\n")
        if result.kind == "generation":
            if result.stop:
                how = "the suffix every completion shares" if result.stop_inferred else "given"
                w(f"  stop: {show(result.stop)} ({how})\n")
            else:
                w("  stop: none (no suffix is shared by every completion; set one with --stop)\n")
    elif result.judged in ("chat", "preference"):
        w('  messages are named as in the app: "System prompt" (a leading system message), then turn 1, turn 2, ...\n')
    w("\n")
    if not result.summaries:
        w("No line has a finding.\n")
    summaries = sorted(result.summaries.values(),
                       key=lambda s: (-LEVEL_RANK[s.level], s.first_lines[0] if s.first_lines else 0, s.code))
    for s in summaries:
        noun = "line" if s.lines == 1 else "lines"
        w(f"{s.level:<8}{s.code} ({s.lines:,} {noun}): {_lines_text(s.first_lines, s.lines)}\n")
        w(f"        {code_summary(s.code)}\n")
        if s.message:
            w(f"        line {s.line}: {file_wording(s.message)}\n")
    if result.dataset:
        w("\nDataset\n")
        for f in sorted(result.dataset, key=lambda f: -LEVEL_RANK[f.level]):
            w(f"{f.level:<8}{f.code}: {f.message}\n")
    w("\n")
    est = result.estimate
    if est is None:
        w("Estimate: no examples, no estimate.\n")
    else:
        charged = est["billed_tokens"] * est["epochs"]
        cost = f", about {dollars(est['cost_usd'])}" if est["cost_usd"] is not None else " (no training price known)"
        epochs = _plural(est["epochs"], "epoch")
        w(f"Estimate: {est['billed_tokens']:,} billed tokens × {epochs} = {charged:,} training tokens{cost}\n")
    counts = result.level_counts
    w(f"{_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}, {_plural(counts['info'], 'info')} "
      f"in {_plural(result.lines_with_findings, 'line')}\n")


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
