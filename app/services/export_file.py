"""`tunelab export`: the HTTP download's path (`exports.start`, then `export_writer.write`: the same
bytes, audited, kept in the snapshot store and recorded) written to a file on the server.

With a split (`--split R --seed S`) the two files are written to PATH and to PATH with
`.validation` before its extension (out.jsonl, out.validation.jsonl), or, when PATH ends in .zip,
into one zip holding train.jsonl and validation.jsonl (the snapshot's zip, byte for byte).

The project is named by its name or `#id`; the acting user (the audit event, the snapshot's author)
is the first active admin unless the command names one, who must be allowed to export the project.
The file is written to a temporary file in the target's directory and renamed onto it at the end,
so a stopped export leaves the target as it was; an existing target is refused unless `force`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.model_table import ModelTable
from app.replacing import Replacing
from app.core.split import Split
from app.core.wording import say
from app.services import export_writer, exports, snapshots
from app.services.errors import Invalid, NotFound
from app.services.permissions import allows, project_and_role
from app.storage import accounts as account_store
from app.storage import counters
from app.storage import projects as project_store
from app.storage.snapshots import SnapshotStore
from app.storage.tables import Project, User


@dataclass(frozen=True)
class FileExportAsk:
    """What the command asked for."""

    project: str  # a name, or "#id"
    profile: str
    out: Path
    statuses: tuple[str, ...] = exports.DEFAULT_STATUSES
    include_errors: bool = False
    force: bool = False
    as_user: str | None = None  # a username; None: the first active admin
    split: Split | None = None


@dataclass(frozen=True)
class FileExport:
    """What was written: the project, the acting user, the request, the examples in the chosen states
    (from the state counters) and the stream's tally."""

    project: Project
    user: User
    request: exports.ExportRequest
    total: int
    tally: export_writer.Tally
    paths: tuple[Path, ...]  # the files written: one (a file or the zip), or the training then the validation file


def find_project(session: Session, ref: str) -> Project:
    """The project `ref` names: "#12" (its id) or its exact name (refused when several share it)."""
    if ref.startswith("#") and ref[1:].isascii() and ref[1:].isdigit():
        project = project_store.get_project(session, int(ref[1:]))
        if project is None:
            raise Invalid({"project": say("There is no project {ref}.", ref=ref)})
        return project
    found = project_store.projects_named(session, ref)
    if not found:
        raise Invalid({"project": say("There is no project named {name} (name it exactly, or by #id).", name=repr(ref))})
    if len(found) > 1:
        ids = ", ".join(f"#{p.id}" for p in found)
        raise Invalid({"project": say("{count} projects are named {name} ({ids}): name one by its #id.",
                                      count=len(found), name=repr(ref), ids=ids)})
    return found[0]


def acting_user(session: Session, username: str | None) -> User:
    if username is None:
        user = account_store.first_admin(session)
        if user is None:
            raise Invalid({"as": say("There is no active admin to act as: create one with `tunelab users create NAME "
                                     "--admin`, or name a user with --as.")})
        return user
    user = account_store.get_user_by_username(session, username.strip().lower())
    if user is None or not user.is_active:
        raise Invalid({"as": say("There is no active user {username}.", username=repr(username))})
    return user


def validation_path(out: Path) -> Path:
    """out.jsonl -> out.validation.jsonl (a name without an extension: out -> out.validation)."""
    return out.with_name(f"{out.stem}.validation{out.suffix}") if out.suffix else out.with_name(f"{out.name}.validation")


def targets(ask: FileExportAsk) -> tuple[Path, ...]:
    if ask.split is None or ask.out.suffix.lower() == ".zip":
        return (ask.out,)
    return (ask.out, validation_path(ask.out))


def _check_target(out: Path, force: bool) -> None:
    if out.is_dir():
        raise Invalid({"out": say("{path} is a directory: name the file to write.", path=str(out))})
    if not out.parent.is_dir():
        raise Invalid({"out": say("The directory {path} does not exist.", path=str(out.parent))})
    if out.exists() and not force:
        raise Invalid({"out": say("{path} exists; pass --force to replace it.", path=str(out))})


def prepare(session: Session, ask: FileExportAsk) -> tuple[Project, User, exports.ExportRequest, int]:
    """Everything checked before a byte is written: the project, the user and their right to export,
    the request (profile, states), the target; then the export is audited as a download is."""
    project = find_project(session, ask.project)
    user = acting_user(session, ask.as_user)
    try:
        _, role = project_and_role(session, user, project.id)
    except NotFound as exc:  # deleted in between
        raise Invalid({"project": str(exc)}) from exc
    if not allows(role, "export"):
        raise Invalid({"as": say("{username} may not export project {project} (only its owners and admins may): "
                                 "name another user with --as.", username=repr(user.username), project=repr(project.name))})
    request = exports.make_request(project, ask.profile, ask.include_errors, ask.statuses, ask.split)
    if ask.split is None and ask.out.suffix.lower() == ".zip":
        raise Invalid({"out": say("{path} is a zip, which holds a split's two files: give --split (e.g. --split 0.1 "
                                  "--seed 42), or name a .jsonl file.", path=str(ask.out))})
    for target in targets(ask):
        _check_target(target, ask.force)
    states = counters.state_counts(session, project.id)
    total = sum(states.get(status, 0) for status in request.statuses)
    exports.record_start(session, project, user, request)
    return project, user, request, total


def export_to_file(engine: Engine, models: ModelTable, ask: FileExportAsk, store: SnapshotStore,
                   progress: Callable[[export_writer.Tally, int], None] | None = None) -> FileExport:
    """Write the export of `ask` to its target(s), kept in `store` as its snapshot; `progress(tally,
    total)` is called after every chunk."""
    with Session(engine, expire_on_commit=False) as session:  # the rows stay readable for the stream
        project, user, request, total = prepare(session, ask)
    tally = export_writer.Tally()
    paths = targets(ask)
    zipped = request.split is not None and ask.out.suffix.lower() == ".zip"
    with ExitStack() as stack:
        files = {} if zipped else dict(zip(export_writer.sides_of(request),
                                           (stack.enter_context(Replacing(p)) for p in paths)))
        for chunk in export_writer.write(engine, project, user, request, models, store, tally):
            if chunk.data and not zipped:
                files[chunk.side].write(chunk.data)
            if progress is not None:
                progress(tally, total)
    if zipped:
        with Session(engine) as session:
            kept = snapshots.kept_zip(session, store, project, tally.snapshot_id)
        try:
            with Replacing(ask.out) as file, open(kept.path, "rb") as source:
                shutil.copyfileobj(source, file, 1 << 16)
        finally:
            kept.path.unlink(missing_ok=True)
    return FileExport(project, user, request, total, tally, paths)
