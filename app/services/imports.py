"""Import a file of examples into a project: look at it (shape, columns, a preview of 20 rows
mapped into the project's fields), then import it in one transaction.

Each line is read (`core.import_lines`), mapped into the project's values (`core.importing`) and
evaluated like a save (`core.evaluate`, the one render path); the rows are inserted in batches and
counted by the ledger in bulk, all in one transaction. A line that cannot be saved (a fault of the
file, a field error, an error-level finding) is an error naming its line and field; the first
MAX_SHOWN are kept, the rest counted. All or nothing (the default): one error and the transaction
is rolled back, so the database is as before. `valid_only`: the valid lines are imported, the
others reported. A cancelled import (`Progress.cancel`) rolls back too, and so does a process that
dies mid-way: nothing is committed before the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core import import_lines
from app.core.dataset import Contribution
from app.core.import_lines import FileKind, Line, NotReadable
from app.core.import_rows import NewRow, json_text, prepare
from app.core.importing import Importer, Mapped, guess_mapping, raw_field, targets
from app.core.model_table import ModelTable
from app.core.project_settings import ProjectSettings
from app.core.providers.neutral import Example as NeutralExample
from app.core.wording import say
from app.services import audit, export_file, kept_lines, projects
from app.services.errors import Invalid
from app.services.import_workers import Chunk, Preparer, Preparing
from app.services.exports import STATUSES
from app.services.parsed_settings import settings_of
from app.services.permissions import project_and_role, require
from app.storage import imports as store
from app.storage import projects as project_store
from app.storage import ledger
from app.storage.db import begin_write
from app.storage.tables import Project, User, utcnow

BATCH = 1000
BATCH_BYTES = 2 * 1024 * 1024  # a batch's lines are copied several times over (render, rows, JSON)
PREVIEW_ROWS = 20
MAX_SHOWN = 100  # errors listed one by one; the rest are counted
DEFAULT_STATE = "submitted"
DECIDED = ("approved", "changes_requested", "rejected")


@dataclass(frozen=True)
class ImportAsk:
    """What to import and how."""

    path: Path
    filename: str = ""
    format: str = ""  # jsonl | csv | tsv; "" guesses from the name and the first bytes
    profile: str = ""  # JSONL: the shape; "" detects it
    mapping: dict[str, str] = field(default_factory=dict)  # CSV/TSV: target -> column ("" guesses from the header)
    state: str = DEFAULT_STATE
    valid_only: bool = False


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class PreviewRow:
    line: int
    values: Any  # ExampleValues, or None when the line cannot be imported
    tokens: int | None
    errors: tuple[LineError, ...]
    raw_prompt: bool


@dataclass(frozen=True)
class Preview:
    kind: FileKind
    mapping: dict[str, str]
    rows: tuple[PreviewRow, ...]
    raw_prompts: int  # preview rows whose prompt did not match the template
    raw_field: str | None


@dataclass
class Progress:
    """How far an import got, kept up to date as it runs; `cancel()` stops it at the next batch."""

    total: int = 0  # non-blank lines
    done: int = 0
    imported: int = 0
    started: float = field(default_factory=time.monotonic)
    cancelled: bool = False
    on_batch: Callable[[Progress], None] | None = None

    def cancel(self) -> None:
        self.cancelled = True

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 and self.total >= self.done else None


@dataclass
class Outcome:
    status: str = "done"  # done | failed (all or nothing, with errors: nothing imported) | cancelled
    imported: int = 0
    lines: int = 0  # non-blank lines read
    errors: list[LineError] = field(default_factory=list)  # the first MAX_SHOWN
    error_count: int = 0
    raw_prompts: int = 0
    project: Project | None = None

    def add_error(self, error: LineError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_SHOWN:
            self.errors.append(error)


class Cancelled(Exception):
    pass


def check_ask(ask: ImportAsk) -> None:
    if ask.state not in STATUSES:
        raise Invalid({"state": say("Unknown state {state!r}; states are {states}.", state=ask.state,
                                    states=", ".join(STATUSES))})
    if ask.format and ask.format not in import_lines.FORMATS:
        raise Invalid({"format": say("Unknown format {format!r}; use {formats}.", format=ask.format,
                                     formats=", ".join(import_lines.FORMATS))})


def inspect(project: Project, ask: ImportAsk, stream: IO[bytes]) -> tuple[FileKind, dict[str, str]]:
    """The file's shape or header, and the CSV mapping to use (the asked one, else guessed)."""
    check_ask(ask)
    settings = settings_of(project)
    fmt = ask.format or import_lines.guess_format(stream, ask.filename)
    if ask.profile and ask.profile not in import_lines.providers.PROFILES:
        raise Invalid({"profile": say("Unknown profile {profile!r}: see `tunelab profiles`.", profile=ask.profile)})
    try:
        kind = import_lines.inspect(stream, fmt, ask.profile or None)
    except NotReadable as exc:
        raise Invalid({"file": str(exc)}) from None
    if kind.shape is not None and settings.kind not in import_lines.providers.PROFILES[kind.shape.profile].kinds:
        raise Invalid({"file": _cannot_hold(kind.shape.profile, settings.kind)})
    mapping: dict[str, str] = {}
    if kind.format != "jsonl":
        mapping = {**guess_mapping(settings, kind.columns), **{k: v for k, v in ask.mapping.items() if v}}
        known = {key for key, _ in targets(settings)}
        for target, column in mapping.items():
            if target not in known:
                raise Invalid({"mapping": say("{target!r} is not a field of this project ({fields}).", target=target,
                                              fields=", ".join(sorted(known)))})
            if column and column not in kind.columns:
                raise Invalid({"mapping": say("The file has no column {column!r} (it has {columns}).", column=column,
                                              columns=", ".join(kind.columns))})
    return kind, mapping


def _cannot_hold(profile: str, kind: str) -> str:
    """Why a file in `profile`'s shape cannot be imported into a project of task `kind`."""
    if kind == "classification":
        return say("The file is in the {profile} shape, which cannot hold classification examples: import it into "
                   "another project.", profile=profile)
    if kind == "generation":
        return say("The file is in the {profile} shape, which cannot hold generation examples: import it into "
                   "another project.", profile=profile)
    if kind == "chat":
        return say("The file is in the {profile} shape, which cannot hold chat examples: import it into another "
                   "project.", profile=profile)
    return say("The file is in the {profile} shape, which cannot hold preference examples: import it into another "
               "project.", profile=profile)


def mapped_lines(settings: ProjectSettings, kind: FileKind, mapping: dict[str, str],
                 stream: IO[bytes]) -> Iterator[tuple[Line, Mapped | None]]:
    """Every line with its mapping into the project's values (None when the line is faulted)."""
    importer = Importer(settings)
    if kind.format == "jsonl":
        assert kind.shape is not None
        lines: Iterator[Line] = import_lines.jsonl_lines(stream, kind.shape.profile, settings.kind)
        if settings.output_widget == "agent_turns":
            lines = _support_groups(lines)
        for line in lines:
            yield line, (importer.example(line.value) if line.value is not None else None)
        return
    rows = import_lines.csv_rows(stream, kind.format)
    next(rows, None)  # the header
    for line in rows:
        yield line, (importer.row(mapping, line.value) if line.value is not None else None)


def _support_groups(lines: Iterator[Line]) -> Iterator[Line]:
    """A support conversation's lines (one per agent reply, each prompt holding the one before) as one."""
    pending: Line | None = None
    for line in lines:
        value: NeutralExample | None = line.value
        if pending is not None and value is not None and value.pairs and pending.value.pairs:
            last = pending.value.pairs[-1]
            if value.pairs[0].prompt.startswith(last.prompt + last.completion):
                pending = pending._replace(value=pending.value._replace(pairs=pending.value.pairs + value.pairs))
                continue
        if pending is not None:
            yield pending
        pending = line if value is not None else None
        if value is None:
            yield line
    if pending is not None:
        yield pending


def preview(session: Session, project: Project, role: str | None, ask: ImportAsk, models: ModelTable) -> Preview:
    """The file's shape and its first PREVIEW_ROWS lines as the project's examples would be."""
    require(role, "import", project)
    settings = settings_of(project)
    with ask.path.open("rb") as stream:
        kind, mapping = inspect(project, ask, stream)
        rows = []
        for line, mapped in mapped_lines(settings, kind, mapping, stream):
            ready = prepare(settings, project.export_profile, models, line, mapped)
            rows.append(PreviewRow(line.number, mapped.values if mapped else None, ready.tokens,
                                   tuple(LineError(line.number, f, m) for f, m in ready.errors),
                                   bool(mapped and mapped.raw_prompt)))
            if len(rows) >= PREVIEW_ROWS:
                break
    return Preview(kind, mapping, tuple(rows), sum(r.raw_prompt for r in rows), raw_field(settings))


@dataclass(frozen=True)
class NewProject:
    """A project the import creates, in its own transaction (a failed import leaves none behind)."""

    name: str
    preset: str


def run(engine: Engine, models: ModelTable, project_id: int | None, user: User, ask: ImportAsk,
        progress: Progress | None = None, create: NewProject | None = None, jobs: int | None = None) -> Outcome:
    """Import the file in one transaction (see the module docstring); the outcome says what happened.
    With `create`, the project is made in the same transaction (`project_id` is then None). The
    lines are read and evaluated in `jobs` worker processes for a big file (`import_workers`;
    default: the CPUs)."""
    progress = progress or Progress()
    outcome = Outcome()
    with Session(engine, expire_on_commit=False) as session, ask.path.open("rb") as stream:
        if create is None:
            project, role = project_and_role(session, user, project_id)
            require(role, "import", project)
            begin_write(session)
        else:
            begin_write(session)
            project = projects.add_project(session, user, create.name, create.preset)
        kind, mapping = inspect(project, ask, stream)
        if not progress.total:
            progress.total = import_lines.count_lines(stream)
        settings = settings_of(project)
        outcome.project = project
        raw = kind.format == "jsonl" and settings.output_widget != "agent_turns"  # the workers read the lines
        preparer = Preparer(Preparing(settings, project.export_profile, models,
                                      kind.shape.profile if raw and kind.shape else None), progress.total, jobs)
        chunks = (import_lines.raw_chunks(stream, BATCH, BATCH_BYTES) if raw
                  else _mapped_chunks(mapped_lines(settings, kind, mapping, stream)))
        try:
            with store.bulk_cache(session):
                for prepared in preparer.results(chunks):
                    outcome.lines += len(prepared)
                    batch: list[NewRow] = []
                    for ready in prepared:
                        if ready.errors:
                            for field_name, message in ready.errors:
                                outcome.add_error(LineError(ready.number, field_name, message))
                            continue
                        outcome.raw_prompts += ready.raw_prompt
                        if not outcome.error_count or ask.valid_only:  # else nothing will be written: errors only
                            batch.append(ready.row)
                    if batch and (not outcome.error_count or ask.valid_only):
                        _write(session, project, user, ask.state, batch, outcome)
                    _step(progress, outcome)
        except Cancelled:
            session.rollback()
            return Outcome("cancelled", 0, outcome.lines, outcome.errors, outcome.error_count)
        if outcome.error_count and not ask.valid_only:
            session.rollback()
            outcome.status, outcome.imported = "failed", 0
            return outcome
        audit.record(session, project, user, "import", {
            "file": ask.filename or ask.path.name, "format": kind.format,
            "profile": kind.shape.profile if kind.shape else None, "state": ask.state, "imported": outcome.imported,
            "skipped": outcome.error_count, "valid_only": ask.valid_only})
        project.updated_at = utcnow()
        session.add(project)
        session.commit()
    return outcome


def _mapped_chunks(lines: Iterator[tuple[Line, Mapped | None]]) -> Iterator[Chunk]:
    """Lines mapped here (CSV rows, joined conversations), BATCH at a time (fewer when they are
    long: BATCH_BYTES)."""
    items: list[tuple[Line, Mapped | None]] = []
    size = 0
    for line, mapped in lines:
        items.append((line, mapped))
        size += line.size
        if len(items) >= BATCH or size >= BATCH_BYTES:
            yield items
            items, size = [], 0
    if items:
        yield items


def _step(progress: Progress, outcome: Outcome) -> None:
    progress.done, progress.imported = outcome.lines, outcome.imported
    if progress.on_batch is not None:
        progress.on_batch(progress)
    if progress.cancelled:
        raise Cancelled()


def _write(session: Session, project: Project, user: User, state: str, batch: list[NewRow],
           outcome: Outcome) -> None:
    """The batch's example rows (columns in `storage.imports.COLUMNS` order), their kept export
    lines and the ledger's counts of them."""
    now = utcnow()
    submitted, reviewer = now if state != "draft" else None, user.id if state in DECIDED else None
    reviewed = now if state in DECIDED else None
    cells = [(project.id, row.fields, row.output, row.label, state, 1, row.tokens, row.level, json_text(list(row.codes)),
              row.input_hash, row.content_hash, row.near_hash, user.id, user.id, now, now, False, 0, False, submitted,
              reviewer, reviewed, project.version, row.search_text) for row in batch]
    kept = store.KeptBatch(project.export_profile, kept_lines.stamp(project), [row.kept for row in batch])
    ids = store.insert_examples(session, cells, kept)
    snapshots = []
    for example_id, row in zip(ids, batch):
        contribution = Contribution(example_id, row.prompts, row.completions, row.record_tokens, row.billed, row.label,
                                    row.input_hash, row.content_hash)
        dataset = ledger.InDataset(row.input_hash, row.content_hash, row.near_hash, row.codes, contribution)
        snapshots.append((None, ledger.Snapshot(project.id, example_id, state, row.level, user.id, reviewer,
                                                frozenset(), dataset)))
    ledger.apply_many(session, snapshots)
    outcome.imported += len(batch)


def preset_for(kind: FileKind, chosen: str | None = None) -> str:
    """The preset a new project gets: the one asked for, else the one that fits the file's shape
    (a chat file: chat; preference pairs: preference; prompt/completion or CSV: custom generation)."""
    if chosen:
        return chosen
    if kind.shape is not None:
        profile = import_lines.providers.PROFILES[kind.shape.profile]
        if profile.kinds == ("preference",):
            return "preference"
        if kind.shape.format != "legacy" and "chat" in profile.kinds:
            return "chat"
    return "custom"


def target_project(session: Session, user: User, ref: str, ask: ImportAsk, create: bool = False,
                   preset: str | None = None) -> tuple[Project | None, NewProject | None]:
    """What a command imports into: the project `ref` names (a name or #id), or with `create` a new
    one of that name (its preset asked for, else the one that fits the file), made by `run`."""
    if not create:
        return export_file.find_project(session, ref), None
    if project_store.projects_named(session, ref):
        raise Invalid({"project": say("A project named {name!r} exists already: import into it without --create.",
                                      name=ref)})
    with ask.path.open("rb") as stream:
        fmt = ask.format or import_lines.guess_format(stream, ask.filename or ask.path.name)
        try:
            kind = import_lines.inspect(stream, fmt, ask.profile or None)
        except NotReadable as exc:
            raise Invalid({"file": str(exc)}) from None
    return None, NewProject(ref, preset_for(kind, preset))
