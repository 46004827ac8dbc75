"""`tunelab import FILE --project NAME|#ID`: the browser's import (`services.imports.run`) from the
command line, on `TUNELAB_DATABASE_URL`.

`--create` makes the project first (with `--preset KEY`, else the preset that fits the file's
shape); `--state` is the review state the examples get; `--valid-only` imports the valid lines
and reports the others; `--column TARGET=COLUMN` maps a CSV/TSV column (repeatable; unmapped
targets are guessed from the header). Exit codes: 0 every line imported; 1 lines were refused
(nothing imported, or with --valid-only the rest imported); 2 bad input. A progress line is drawn
on a terminal.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import IO

from app.core import providers
from app.core.import_lines import FORMATS
from app.core.presets import PRESETS_BY_KEY

SHOWN_ON_TERMINAL = 20


def add_import_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("import", help="import a JSONL (any profile's shape) or CSV/TSV file into a project")
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.add_argument("--project", required=True, metavar="NAME|#ID", help="the project's exact name, or #id")
    parser.add_argument("--create", action="store_true", help="create the project NAME first")
    parser.add_argument("--preset", choices=tuple(PRESETS_BY_KEY), metavar="KEY",
                        help="the new project's preset (default: the one that fits the file's shape)")
    parser.add_argument("--state", default="submitted", metavar="STATE",
                        help="the review state of the imported examples (default submitted)")
    parser.add_argument("--valid-only", action="store_true", help="import the valid lines, report the others")
    parser.add_argument("--format", choices=FORMATS, help="the file's format (default: from its name and first bytes)")
    parser.add_argument("--profile", choices=tuple(providers.PROFILES), metavar="KEY",
                        help="a JSONL file's shape (default: detected, as `tunelab check` does)")
    parser.add_argument("--column", action="append", default=[], metavar="TARGET=COLUMN",
                        help="a CSV/TSV column for a field (text=Tweet, output=Label; repeatable)")
    parser.add_argument("--as", dest="as_user", metavar="USER", help="act as this user (default: the first admin)")


class ProgressLine:
    """`12,000 / 50,000 lines, 11,800 imported, 9,500/s, 4 s left` on stderr, at most 10 times a second."""

    def __init__(self, err: IO[str]) -> None:
        self.err, self.shown = err, 0.0

    def __call__(self, progress, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.shown < 0.1:
            return
        self.shown = now
        left = progress.seconds_left
        self.err.write(f"\r{progress.done:,} / {progress.total:,} lines, {progress.imported:,} imported, "
                       f"{progress.rate:,.0f}/s" + (f", {left:,.0f} s left" if left is not None else "")
                       + ("\n" if final else ""))
        self.err.flush()


def _mapping(columns: list[str]) -> dict[str, str]:
    from app.services.errors import Invalid

    mapping = {}
    for item in columns:
        target, equals, column = item.partition("=")
        if not equals or not target.strip() or not column.strip():
            raise Invalid({"column": f"{item!r}: write TARGET=COLUMN, e.g. text=Tweet."})
        mapping[target.strip()] = column.strip()
    return mapping


def import_command(args: argparse.Namespace, stdin: IO[str], out: IO[str], err: IO[str]) -> int:
    from sqlmodel import Session

    from app.cli_settings import counting_settings
    from app.core.model_table import load_model_table
    from app.services import export_file, imports
    from app.services.errors import Invalid
    from app.storage.db import make_engine

    settings = counting_settings(err, "import")
    if settings is None:
        return 2
    if not args.file.is_file():
        raise Invalid({"file": f"{args.file} is not a file."})
    if args.preset and not args.create:
        raise Invalid({"preset": "--preset is for a new project: add --create."})
    ask = imports.ImportAsk(path=args.file, filename=args.file.name, format=args.format or "",
                            profile=args.profile or "", mapping=_mapping(args.column), state=args.state,
                            valid_only=args.valid_only)
    imports.check_ask(ask)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = export_file.acting_user(session, args.as_user)
            project, new = imports.target_project(session, user, args.project, ask, args.create, args.preset)
        line = ProgressLine(err) if err.isatty() else None
        progress = imports.Progress(on_batch=line)
        done = imports.run(engine, load_model_table(settings.models_file), project.id if project else None, user,
                           ask, progress, create=new)
    finally:
        engine.dispose()
    if line is not None:
        line(progress, final=True)
    if done.status == "failed" and new is not None:
        where = f"a new project {new.name!r} (not created)"
    else:
        project = done.project
        where = f"project {project.name!r} (#{project.id}{', created' if new else ''}, preset {project.preset})"
    for error in done.errors[:SHOWN_ON_TERMINAL]:
        print(f"{args.file}:{error.line}: {error.field}: {error.message}", file=err)
    if done.error_count > SHOWN_ON_TERMINAL:
        print(f"… and {done.error_count - SHOWN_ON_TERMINAL:,} more lines with errors", file=err)
    if done.raw_prompts:
        print(f"tunelab import: {done.raw_prompts:,} prompts did not match the project's template: each was kept "
              "whole in one field", file=err)
    if done.status == "failed":
        print(f"tunelab import: nothing imported into {where}: {done.error_count:,} of {done.lines:,} lines have "
              "errors (fix them, or pass --valid-only to import the others)", file=err)
        return 1
    out.write(f"imported {done.imported:,} of {done.lines:,} lines of {args.file} into {where} as "
              f"{args.state}; as {user.username!r}\n")
    return 1 if done.error_count else 0
