"""The operations commands of `tunelab` (all on TUNELAB_DATABASE_URL, read as the app reads it):

    tunelab migrate
    tunelab serve [--host H] [--port P] [--workers N]
    tunelab users create NAME [--admin] [--password-stdin]
    tunelab export --project NAME|#ID --profile KEY --out PATH [--states S,S|all] [--include-errors]
                   [--split R [--seed S]] [--force] [--as USER]

Each parses its arguments, calls one service and prints the result. Exit status: 0 done, 1 (export)
examples were left out, 2 bad input (the message names the option and the problem).
"""

from __future__ import annotations

import argparse
import getpass
import time
from pathlib import Path
from typing import IO

from app.cli_settings import counting_settings
from app.core import providers

OPTIONS = {"project": "--project", "profile": "--profile", "statuses": "--states", "out": "--out", "as": "--as",
           "username": "NAME", "password": "password", "admin": "--admin", "file": "FILE", "state": "--state",
           "mapping": "--column", "column": "--column", "preset": "--preset", "format": "--format", "split": "--split",
           "seed": "--seed"}


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port from 1 to 65535")
    return int(text)


def _workers(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of worker processes from 1 to 64")
    return int(text)


def add_ops_parsers(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("migrate", help="create or upgrade the database schema (alembic upgrade head)",
                        description="Run the migrations (alembic upgrade head) on TUNELAB_DATABASE_URL.")
    serve = commands.add_parser("serve", help="run the web app with uvicorn",
                                description="Serve the app (uvicorn with app.main:create_app) with the TUNELAB_ "
                                            "settings; refused when they are invalid (e.g. no secret key).")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=_workers, default=1, help="worker processes (default 1)")
    users = commands.add_parser("users", help="manage accounts").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create an account (as the admin page does)",
                              description="Create an account with the admin page's rules. The password is asked "
                                          "twice on a terminal, or read from stdin with --password-stdin.")
    create.add_argument("name", metavar="NAME", help="the username (letters, digits, dots, dashes, underscores)")
    create.add_argument("--admin", action="store_true", help="a site admin (the first account must be one)")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin's first line")
    export = commands.add_parser(
        "export", help="export a project's examples to a JSONL file (as the download does)",
        description="Write the export of a project as the HTTP download makes it (same bytes, audited, the "
                    "snapshot recorded). The acting user (audit, snapshot) is the first active admin unless "
                    "--as names another, who must be allowed to export the project.",
    )
    export.add_argument("--project", required=True, metavar="NAME|#ID", help="the project's exact name, or #id")
    export.add_argument("--profile", required=True, choices=tuple(providers.PROFILES), metavar="KEY",
                        help="the export profile (`tunelab profiles`)")
    export.add_argument("--out", required=True, metavar="PATH", help="the file to write (refused if it exists, "
                                                                     "unless --force)")
    export.add_argument("--states", default="approved", metavar="S,S|all",
                        help="comma-separated review states, or all (default approved)")
    export.add_argument("--include-errors", action="store_true", help="also write examples with error-level findings")
    export.add_argument("--split", metavar="R", help="a train/validation split: the validation share, 0 < R < 1 (e.g. "
                        "0.1); writes PATH and PATH with .validation before its extension, or one zip when PATH ends "
                        "in .zip")
    export.add_argument("--seed", metavar="S", help="the split's seed, a whole number (default 0): the same seed, the "
                        "same split")
    export.add_argument("--force", action="store_true", help="replace PATH if it exists")
    export.add_argument("--as", dest="as_user", metavar="USER", help="act as this user (default: the first admin)")


def run_ops(args: argparse.Namespace, stdin: IO[str], out: IO[str], err: IO[str]) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from app.services.errors import Invalid

    from app.cli_import import import_command

    command = {"migrate": migrate_command, "serve": serve_command, "users": users_command,
               "export": export_command, "import": import_command}[args.command]
    name = f"tunelab {args.command}" + (f" {args.users_command}" if args.command == "users" else "")
    try:
        return command(args, stdin, out, err)
    except Invalid as exc:
        for field, message in exc.errors.items():
            print(f"{name}: {OPTIONS.get(field, field)}: {message}", file=err)
        return 2
    except SQLAlchemyError as exc:  # no database there, or one that is not migrated
        shown = make_url(_database_url()).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"{name}: the database {shown} cannot be used ({reason}); is TUNELAB_DATABASE_URL right, and the "
              "database migrated (`tunelab migrate`)?", file=err)
        return 2


def _database_url() -> str:
    from app.config import DEV_SECRET, Settings

    return Settings(dev_mode=True, secret_key=DEV_SECRET).database_url  # the URL only: no secret key needed


def migrate_command(args: argparse.Namespace, stdin: IO[str], out: IO[str], err: IO[str]) -> int:
    from app.storage.migrate import MigrationError, upgrade_head

    try:
        done = upgrade_head(_database_url())
    except MigrationError as exc:
        print(f"tunelab migrate: {exc}", file=err)
        return 2
    if done.created_directory is not None:
        out.write(f"created the directory {done.created_directory}\n")
    if not done.applied:
        out.write(f"{done.database} is up to date (revision {done.after}); nothing to do\n")
        return 0
    start = f"revision {done.before}" if done.before else "an empty database"
    out.write(f"migrated {done.database} from {start} to {done.after} (head):\n")
    for revision in done.applied:
        out.write(f"  applied {revision}\n")
    return 0


def _settings(err: IO[str], command: str):
    from pydantic import ValidationError

    from app.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem["loc"])
            message = problem["msg"].removeprefix("Value error, ")
            print(f"tunelab {command}: {'TUNELAB_' + where.upper() + ': ' if where else ''}{message}", file=err)
        return None


def serve_command(args: argparse.Namespace, stdin: IO[str], out: IO[str], err: IO[str]) -> int:
    import uvicorn

    from app.tokenizer_files import TokenizerFilesError, activate

    settings = _settings(err, "serve")
    if settings is None:
        return 2
    try:
        activate(settings.tokenizer_dir)  # the app's own check, before any worker starts
    except TokenizerFilesError as exc:
        print(f"tunelab serve: {exc}", file=err)
        return 2
    out.write(f"tunelab is serving at http://{args.host}:{args.port} ({args.workers} worker"
              f"{'' if args.workers == 1 else 's'})\n")
    out.flush()
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers)
    return 0


def read_password(args: argparse.Namespace, stdin: IO[str], err: IO[str]) -> str | None:
    """From stdin's first line (--password-stdin), else asked twice on the terminal; None: refused."""
    if args.password_stdin:
        return stdin.readline().removesuffix("\n").removesuffix("\r")
    if not stdin.isatty():
        print("tunelab users create: stdin is not a terminal: pipe the password with --password-stdin", file=err)
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        print("tunelab users create: password: the two passwords differ; nothing was created", file=err)
        return None
    return first


def users_command(args: argparse.Namespace, stdin: IO[str], out: IO[str], err: IO[str]) -> int:
    from sqlmodel import Session

    from app.services.members import create_account
    from app.storage.db import make_engine

    password = read_password(args, stdin, err)
    if password is None:
        return 2
    engine = make_engine(_database_url())
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = create_account(session, args.name, password, is_admin=args.admin)
            out.write(f"created {'admin' if user.is_admin else 'user'} {user.username!r} (id {user.id})\n")
    finally:
        engine.dispose()
    return 0


class Progress:
    """`12,000 / 50,000 examples, 11,800 lines, 9,500/s` on stderr, redrawn at most 10 times a second."""

    def __init__(self, err: IO[str]) -> None:
        self.err, self.started, self.shown = err, time.monotonic(), 0.0

    def __call__(self, tally, total: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.shown < 0.1:
            return
        self.shown = now
        rate = tally.read / max(now - self.started, 1e-6)
        self.err.write(f"\r{tally.read:,} / {total:,} examples, {tally.rows:,} lines, {rate:,.0f}/s"
                       + ("\n" if final else ""))
        self.err.flush()


def export_command(args: argparse.Namespace, stdin: IO[str], out: IO[str], err: IO[str]) -> int:
    from app.core.model_table import load_model_table
    from app.services.export_file import FileExportAsk, export_to_file
    from app.services.exports import STATUSES, split_of
    from app.storage.db import make_engine
    from app.storage.snapshots import SnapshotStore

    settings = counting_settings(err, "export")
    if settings is None:
        return 2
    states = STATUSES if args.states.strip() == "all" else tuple(s.strip() for s in args.states.split(",") if s.strip())
    unknown = [s for s in states if s not in STATUSES]
    if unknown or not states:
        print(f"tunelab export: --states: {', '.join(map(repr, unknown)) or 'none given'}: use states from "
              f"{', '.join(STATUSES)}, or all", file=err)
        return 2
    ask = FileExportAsk(args.project, args.profile, Path(args.out), states, args.include_errors, args.force,
                        args.as_user, split_of(args.split, args.seed))
    progress = Progress(err) if err.isatty() else None
    engine = make_engine(settings.database_url)
    try:
        done = export_to_file(engine, load_model_table(settings.models_file), ask,
                              SnapshotStore(settings.snapshot_root), progress)
    finally:
        engine.dispose()
    if progress is not None:
        progress(done.tally, done.total, final=True)
    t = done.tally
    where = " and ".join(map(str, done.paths))
    out.write(f"wrote {where}: {t.rows:,} lines from {t.examples:,} of {t.read:,} examples of project "
              f"{done.project.name!r} (#{done.project.id}), profile {done.request.profile}, states "
              f"{','.join(done.request.statuses)}; ")
    if done.request.split is None:
        out.write(f"sha256 {t.sha256}; ")
    else:
        split = done.request.split
        out.write(f"split {split.ratio} seed {split.seed}: "
                  + ", ".join(f"{f.name} {f.examples:,} examples, sha256 {f.sha256}" for f in t.files.values()) + "; ")
    out.write(f"snapshot {t.snapshot_id}; as {done.user.username!r}\n")
    if not t.refused + t.errors:
        return 0
    print(f"tunelab export: {t.refused + t.errors:,} examples left out: {t.refused:,} the profile's shape cannot "
          f"carry (refused), {t.errors:,} with error-level findings (write them with --include-errors); the "
          f"export page's preflight lists each", file=err)
    return 1
