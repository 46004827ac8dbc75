"""`tunelab convert IN --to KEY --out OUT [--from KEY] [--kind KIND] [--model M] [--force]`: the command
line around `app.core.convert` (argument parsing, the files, the summary report).

The output is written to a temporary file beside OUT and renamed onto it when the conversion ends
(a conversion stopped by bad input, or one that writes no line, leaves OUT as it was). OUT is refused when it exists, unless
`--force`, and when it is IN itself. The summary goes to stdout, bad input to stderr.
Exit status: 0 every line written, 1 some lines refused (or the output breaks an error-level hard
rule of the target profile), 2 bad input (IN unreadable, OUT exists, an unknown profile, a line
that is not JSON: the message names the line).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import IO

from app.core import providers
from app.core.convert import BadInput, Conversion, Tally, convert_stream
from app.core.model_table import load_model_table
from app.core.project_settings import KINDS
from app.replacing import Replacing

MAX_SHOWN = 20


def add_convert_parser(commands: argparse._SubParsersAction, kind_type: Callable[[str], str]) -> None:
    keys = tuple(providers.PROFILES)
    convert = commands.add_parser(
        "convert", help="convert a JSONL file from one profile's shape to another's",
        description="Convert a JSONL file line by line from one export profile's shape to another's, with the "
                    "writer the app's export uses; reports what was merged, dropped or refused.",
    )
    convert.add_argument("input", metavar="IN", help="the .jsonl file to convert")
    convert.add_argument("--to", required=True, choices=keys, metavar="KEY", help="the target profile (`tunelab profiles`)")
    convert.add_argument("--out", required=True, metavar="OUT", help="the file to write (refused if it exists, unless --force)")
    convert.add_argument("--from", dest="origin", choices=keys, metavar="KEY",
                         help="the source profile (default: detected, as `tunelab check` detects it)")
    convert.add_argument("--kind", choices=KINDS, type=kind_type, metavar="classification|generation|chat|preference",
                         help="the task kind of a line whose shape does not say it (default: the source profile's)")
    convert.add_argument("--model", help="count the written lines' tokens for this model (and apply the target's "
                                         "token limits)")
    convert.add_argument("--force", action="store_true", help="replace OUT if it exists")


def convert_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    source, target = Path(args.input), Path(args.out)
    if target.exists() and not args.force:
        print(f"tunelab convert: {target} exists; pass --force to replace it", file=err)
        return 2
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        print(f"tunelab convert: {target} is the input file; write the output elsewhere", file=err)
        return 2
    model = None
    if args.model is not None:
        from app.tokenizer_files import TokenizerFilesError, activate
        try:
            activate()
        except TokenizerFilesError as exc:
            print(f"tunelab convert: {exc}", file=err)
            return 2
        model = load_model_table().get(args.model)
    try:
        stream = open(source, "rb", buffering=1 << 20)
    except OSError as exc:
        print(f"tunelab convert: cannot read {source}: {exc.strerror or exc}", file=err)
        return 2
    output = Replacing(target, "w+b")
    try:
        with stream, output as written:
            result = convert_stream(stream, written, args.to, origin=args.origin, kind=args.kind, model=model)
            output.keep = bool(result.written)  # nothing written: OUT is left as it was (an earlier file is not emptied)
    except BadInput as exc:
        print(f"tunelab convert: {source}: {exc}", file=err)
        return 2
    except OSError as exc:
        print(f"tunelab convert: cannot write {target}: {exc.strerror or exc}", file=err)
        return 2
    write_summary(result, source, target, args.model, out)
    return result.exit_code


def write_summary(result: Conversion, source: Path, target: Path, model: str | None, out: IO[str]) -> None:
    w = out.write
    how = "detected" + (f"; the same lines are read by {', '.join(result.also)}" if result.also else "") \
        if result.detected else "given with --from"
    w(f"tunelab convert {source} -> {target}\n")
    w(f"  from: {result.source} ({providers.PROFILES[result.source].title}; {how})\n")
    w(f"  to:   {result.target} ({providers.PROFILES[result.target].title})\n")
    tokens = f", {result.tokens:,} tokens for {model}" if result.tokens is not None else ""
    w(f"  {_plural(result.lines_read, 'line')} read, {result.written:,} written{tokens}, "
      f"{result.refused_lines:,} refused\n")
    if result.refused:
        w(f"\nRefused ({_plural(result.refused_lines, 'line')}, not written)\n")
        for t in sorted(result.refused.values(), key=lambda t: (-t.lines, t.code)):
            _tally_lines(t, w)
    for effect in ("merged", "dropped"):
        tallies = [t for t in result.notes.values() if t.kind == effect]
        if tallies:
            w(f"\n{effect.capitalize()} (written, {'moved or joined' if effect == 'merged' else 'without it'})\n")
            for t in sorted(tallies, key=lambda t: (-t.lines, t.code)):
                _tally_lines(t, w)
    if result.rules or result.file_findings:
        w(f"\nHard rules of {result.target}\n")
        for t in sorted(result.rules.values(), key=lambda t: (t.kind != "error", t.code)):
            w(f"  {t.kind:<8}")
            _tally_lines(t, w, indent="")
        for f in result.file_findings:
            w(f"  {f.level:<8}{f.code}: {f.message} {f.fix}\n")
    if not result.written:
        w(f"\nNothing written: {target} was {'left as it was' if target.exists() else 'not created'}.\n")
        return
    w(f"\n{'OK' if result.exit_code == 0 else 'Not clean'}: {result.written:,} written to {target}\n")


def _tally_lines(t: Tally, w: Callable[[str], object], indent: str = "  ") -> None:
    shown = ", ".join(map(str, t.first[:MAX_SHOWN])) + (f" and {t.lines - MAX_SHOWN:,} more" if t.lines > MAX_SHOWN else "")
    w(f"{indent}{t.code} ({_plural(t.lines, 'line')}): {shown}\n{indent}    line {t.first[0]}: {t.message}\n")


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
