"""Export: the preflight of one profile, and the streamed JSONL file, batch by batch.

Lines come from `core.evaluate` (the panel's path). What happens to each example is decided once,
by `verdict`, for both the preflight and the download:

- "refused": the profile's shape cannot carry the example (a `refused` note, or no line at all):
  it is always left out, and counted;
- "error": an error-level finding (the app's rules, or the profile's line rules): left out and
  counted unless the caller asks for such examples (today's "left out unless asked");
- "written": its lines are written; "merged" and "dropped" notes say what the shape changed.

File rules (the profile's rules over the whole file) are reported by the preflight; the download
is still offered (a provider refuses such a file at upload, the page says which rule and how to fix
it). The file starts with the profile's `file_prefix` (Azure's UTF-8 BOM). When the stream ends an
ExportSnapshot records the rows, the examples left out and the SHA-256 of exactly the bytes sent.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.evaluate import Evaluation, evaluate
from app.core.model_table import ModelTable
from app.core.providers import PROFILES, Finding, Note, RuleContext
from app.services import audit
from app.services.errors import Invalid
from app.services.examples import values_of
from app.services.parsed_settings import settings_of
from app.services.permissions import may_see_example
from app.storage import examples as store
from app.storage.db import begin_write, session_scope
from app.storage.tables import ExportSnapshot, Project, User

STATUSES = ("draft", "submitted", "approved", "changes_requested", "rejected")
DEFAULT_STATUSES = ("approved",)
LISTED = 200  # affected examples the preflight lists one by one (all of them are counted)
CHUNK_BYTES = 65536


@dataclass(frozen=True)
class ExportRequest:
    profile: str
    include_errors: bool = False
    statuses: tuple[str, ...] = DEFAULT_STATUSES


class Verdict(NamedTuple):
    """What the export does with one example, and why."""

    outcome: str  # "written" | "refused" | "error" (left out) | "included" (has an error, written as asked)
    notes: tuple[Note, ...]  # what the profile's shape merged, dropped or refused
    findings: tuple[Finding, ...]  # the profile's line rules, then the app's error-level findings

    @property
    def left_out(self) -> bool:
        return self.outcome in ("refused", "error")


def verdict(evaluation: Evaluation, include_errors: bool) -> Verdict:
    rendered = evaluation.rendered
    notes = tuple(rendered.notes)
    shown = {(n.code, n.message) for n in notes}
    findings = tuple(f for f in rendered.profile_findings if (f.code, f.message) not in shown)
    findings += tuple(Finding(f.code, f.level, f.message, "") for f in evaluation.errors)
    if any(n.effect == "refused" for n in notes) or not rendered.records:
        return Verdict("refused", notes, findings)
    if any(f.level == "error" for f in findings):
        return Verdict("included" if include_errors else "error", notes, findings)
    return Verdict("written", notes, findings)


def usable_profiles(kind: str) -> list[str]:
    return [key for key, p in PROFILES.items() if kind in p.kinds]


def check_request(project: Project, request: ExportRequest) -> None:
    profile = PROFILES.get(request.profile)
    if profile is None or project.kind not in profile.kinds:
        usable = ", ".join(usable_profiles(project.kind))
        raise Invalid({"profile": f"Profile {request.profile!r} cannot write a {project.kind} project; use {usable}."})
    if request.statuses and not set(request.statuses) <= set(STATUSES):
        raise Invalid({"statuses": f"Unknown state; states are {', '.join(STATUSES)}."})


def make_request(project: Project, profile: str = "", include_errors: bool = False,
                 statuses: tuple[str, ...] | list[str] = ()) -> ExportRequest:
    """A request as asked (defaults: the project's profile, approved examples), checked."""
    request = ExportRequest(profile=profile or project.export_profile, include_errors=include_errors,
                            statuses=tuple(statuses) or DEFAULT_STATUSES)
    check_request(project, request)
    return request


def record_start(session, project: Project, user: User, request: ExportRequest) -> None:
    """Note the export in the project's audit log (the snapshot row is written when the stream ends)."""
    begin_write(session)
    audit.record(session, project, user, "export", {"profile": request.profile, "statuses": list(request.statuses),
                                                    "include_errors": request.include_errors})
    session.commit()


def start(session, project: Project, user: User, profile: str = "", include_errors: bool = False,
          statuses: tuple[str, ...] | list[str] = ()) -> ExportRequest:
    """A download as asked, checked and audited."""
    request = make_request(project, profile, include_errors, statuses)
    record_start(session, project, user, request)
    return request


def filename(project: Project, request: ExportRequest) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in project.name.lower()).strip("-") or "project"
    return f"{slug}.{request.profile}.jsonl"


@dataclass(frozen=True)
class Affected:
    """One example the profile changes, refuses or finds fault with."""

    example_id: int
    status: str
    outcome: str
    notes: tuple[Note, ...]
    findings: tuple[Finding, ...]


@dataclass
class Preflight:
    request: ExportRequest
    examples: int = 0  # in the chosen states
    written: int = 0  # examples whose lines are written
    refused: int = 0  # left out: the shape cannot carry them
    errors: int = 0  # left out: an error-level finding
    included_with_errors: int = 0  # written although they have an error (asked for)
    rows: int = 0
    affected: list[Affected] = field(default_factory=list)  # those the viewer may open, at most LISTED
    unlisted: int = 0  # affected examples past LISTED
    hidden: int = 0  # affected examples the viewer may not open (counted, not listed)
    file_findings: tuple[Finding, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)  # code -> examples (file rules: 1)

    @property
    def left_out(self) -> int:
        return self.refused + self.errors

    @property
    def file_errors(self) -> bool:
        return any(f.level == "error" for f in self.file_findings)


def preflight(session: Session, project: Project, user: User, role: str | None, request: ExportRequest,
              models: ModelTable) -> Preflight:
    """What the download of `request` would do, example by example and over the whole file."""
    check_request(project, request)
    settings = settings_of(project)
    profile = PROFILES[request.profile]
    result = Preflight(request)
    counts: Counter[str] = Counter()
    lines: list[dict[str, Any]] = []
    # Its own read session: the batches are let go of as they are read (the caller's objects stay loaded).
    with Session(session.get_bind()) as reading:
        for example in store.iter_for_export(reading, project.id, request.statuses):
            _judge(result, counts, lines, example, settings, request, models, user, role)
    result.rows = len(lines)
    result.file_findings = profile.check_file(lines, RuleContext())
    counts.update(f.code for f in result.file_findings)
    result.counts = dict(sorted(counts.items()))
    return result


def _judge(result: Preflight, counts: Counter[str], lines: list[dict[str, Any]], example, settings,
           request: ExportRequest, models: ModelTable, user: User, role: str | None) -> None:
    evaluation = evaluate(settings, values_of(example), request.profile, models=models)
    judged = verdict(evaluation, request.include_errors)
    result.examples += 1
    if judged.outcome == "refused":
        result.refused += 1
    elif judged.outcome == "error":
        result.errors += 1
    else:
        result.written += 1
        result.included_with_errors += judged.outcome == "included"
        lines.extend(record.line for record in evaluation.rendered.records)
    counts.update({n.code for n in judged.notes} | {f.code for f in judged.findings})
    if not (judged.notes or judged.findings or judged.left_out):
        return
    if not may_see_example(role, user, example):
        result.hidden += 1
    elif len(result.affected) >= LISTED:
        result.unlisted += 1
    else:
        result.affected.append(Affected(example.id, example.status, judged.outcome, judged.notes, judged.findings))


@dataclass
class Tally:
    """How far a stream got, kept up to date as it runs (for a progress line and the final summary)."""

    read: int = 0  # examples read
    rows: int = 0  # lines written
    examples: int = 0  # examples written
    refused: int = 0
    errors: int = 0
    sha256: str = ""  # set when the stream ends


def stream_jsonl(engine: Engine, project: Project, user: User, request: ExportRequest, models: ModelTable,
                 tally: Tally | None = None) -> Iterator[bytes]:
    """Yield the file (the profile's prefix, then the lines) in chunks of about 64 KiB; record the
    snapshot at the end. `tally`, when given, follows the stream (it does not change a byte)."""
    tally = tally if tally is not None else Tally()
    settings = settings_of(project)
    digest = hashlib.sha256()
    buffer: list[str] = [PROFILES[request.profile].file_prefix]
    size = len(buffer[0])
    # A read (no write lock held while the file streams); the snapshot row is its own short write.
    with Session(engine) as session:
        for example in store.iter_for_export(session, project.id, request.statuses):
            evaluation = evaluate(settings, values_of(example), request.profile, models=models)
            judged = verdict(evaluation, request.include_errors)
            tally.read += 1
            if judged.left_out:
                tally.refused += judged.outcome == "refused"
                tally.errors += judged.outcome == "error"
                continue
            tally.examples += 1
            for line in evaluation.lines:
                buffer.append(line + "\n")
                size += len(line) + 1
                tally.rows += 1
            if size >= CHUNK_BYTES:
                chunk = "".join(buffer).encode("utf-8")
                digest.update(chunk)
                yield chunk
                buffer, size = [], 0
        if buffer and (chunk := "".join(buffer).encode("utf-8")):
            digest.update(chunk)
            yield chunk
    tally.sha256 = digest.hexdigest()
    with session_scope(engine) as session:
        session.add(ExportSnapshot(
            project_id=project.id, profile=request.profile, rows=tally.rows, examples=tally.examples,
            skipped=tally.refused + tally.errors, sha256=tally.sha256, created_by=user.id,
            filters={"include_errors": request.include_errors, "statuses": list(request.statuses),
                     "refused": tally.refused, "left_out_with_errors": tally.errors},
        ))
