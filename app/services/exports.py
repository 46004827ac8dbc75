"""Export: the request (profile, states, errors, an optional train/validation split), what each
example becomes, and the preflight of a request; the files are written by `export_writer`.

Lines come from `core.evaluate` (the panel's path); what happens to each example ("written",
"refused", "error" or "included") is decided once, by `core.export_verdict.verdict`, for both the
preflight and the download.

A split (`app.core.split`) sends each example to "train" or "validation" by its input: the
preflight counts each side, runs the profile's file rules on each file (a validation file's own
limits where the profile declares them) and reports `split-leakage` (inputs in both files: none,
by construction). File rules are reported, the download is still offered (a provider refuses such
a file at upload, the page says which rule and how to fix it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.core.evaluate import evaluate
from app.core.export_verdict import verdict
from app.core.model_table import ModelTable
from app.core.providers import PROFILES, Finding, Note, RuleContext
from app.core.split import MAX_SEED, TRAIN, VALIDATION, Planner, Split, SplitPlan, group_of, parse_ratio, parse_seed
from app.core.wording import say
from app.services import audit
from app.services.errors import Invalid
from app.services.examples import values_of
from app.services.parsed_settings import settings_of
from app.services.permissions import may_see_example
from app.storage import examples as store
from app.storage.db import begin_write
from app.storage.tables import Project, User

STATUSES = ("draft", "submitted", "approved", "changes_requested", "rejected")
DEFAULT_STATUSES = ("approved",)
LISTED = 200  # affected examples the preflight lists one by one (all of them are counted)


@dataclass(frozen=True)
class ExportRequest:
    profile: str
    include_errors: bool = False
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    split: Split | None = None  # a train/validation split (ratio, seed); None: one file


def usable_profiles(kind: str) -> list[str]:
    return [key for key, p in PROFILES.items() if kind in p.kinds]


def check_request(project: Project, request: ExportRequest) -> None:
    profile = PROFILES.get(request.profile)
    if profile is None or project.kind not in profile.kinds:
        usable = ", ".join(usable_profiles(project.kind))
        raise Invalid({"profile": say("Profile {profile} cannot write a {kind} project; use {usable}.",
                                      profile=repr(request.profile), kind=project.kind, usable=usable)})
    if request.statuses and not set(request.statuses) <= set(STATUSES):
        raise Invalid({"statuses": say("Unknown state; states are {states}.", states=", ".join(STATUSES))})


def split_of(ratio: str | float | None, seed: str | int | None) -> Split | None:
    """The split as asked (`ratio` empty or None: no split; the seed defaults to 0), or Invalid
    naming the bad part."""
    ratio = "" if ratio is None else str(ratio).strip()
    seed = "" if seed is None else str(seed).strip()
    if not ratio:
        if seed:
            raise Invalid({"seed": say("A seed is for a split: give the validation share too (e.g. split 0.1).")})
        return None
    errors = {}
    try:
        parsed_ratio = parse_ratio(ratio)
    except ValueError:
        errors["split"] = _bad_ratio(ratio)
    try:
        parsed_seed = parse_seed(seed or "0")
    except ValueError:
        errors["seed"] = _bad_seed(seed or "0")
    if errors:
        raise Invalid(errors)
    return Split(parsed_ratio, parsed_seed)


def _bad_ratio(ratio: str) -> str:
    """What is wrong with a ratio `parse_ratio` refused, as one sentence."""
    try:
        float(ratio)
    except ValueError:
        return say("The split ratio {value} is not a number: give the validation share as a number between 0 and 1 "
                   "(exclusive), e.g. 0.1", value=repr(ratio))
    return say("The split ratio {value} is not between 0 and 1 (exclusive): give the validation share, e.g. 0.1 for "
               "10% of the examples", value=repr(ratio))


def _bad_seed(seed: str) -> str:
    """What is wrong with a seed `parse_seed` refused, as one sentence."""
    if not (seed.isascii() and seed.isdigit()):
        return say("The seed {value} is not a whole number: give a seed from 0 to {limit:,} (e.g. 42)",
                   value=repr(seed), limit=MAX_SEED)
    return say("The seed {value} is too large: give a seed from 0 to {limit:,}",
               value=seed[:30] + ("…" if len(seed) > 30 else ""), limit=MAX_SEED)


def make_request(project: Project, profile: str = "", include_errors: bool = False,
                 statuses: tuple[str, ...] | list[str] = (), split: Split | None = None) -> ExportRequest:
    """A request as asked (defaults: the project's profile, approved examples, no split), checked."""
    request = ExportRequest(profile=profile or project.export_profile, include_errors=include_errors,
                            statuses=tuple(statuses) or DEFAULT_STATUSES, split=split)
    check_request(project, request)
    return request


def record_start(session, project: Project, user: User, request: ExportRequest) -> None:
    """Note the export in the project's audit log (the snapshot row is written when the stream ends)."""
    begin_write(session)
    detail = {"profile": request.profile, "statuses": list(request.statuses), "include_errors": request.include_errors}
    if request.split is not None:
        detail["split"] = request.split.as_dict()
    audit.record(session, project, user, "export", detail)
    session.commit()


def start(session, project: Project, user: User, profile: str = "", include_errors: bool = False,
          statuses: tuple[str, ...] | list[str] = (), split: Split | None = None) -> ExportRequest:
    """A download as asked, checked and audited."""
    request = make_request(project, profile, include_errors, statuses, split)
    record_start(session, project, user, request)
    return request


def slug(project: Project) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in project.name.lower()).strip("-") or "project"


def filename(project: Project, request: ExportRequest, extension: str = "jsonl") -> str:
    """`<slug>.<profile>.jsonl` (a split's zip: `.zip`)."""
    return f"{slug(project)}.{request.profile}.{extension}"


@dataclass(frozen=True)
class Affected:
    """One example the profile changes, refuses or finds fault with."""

    example_id: int
    status: str
    outcome: str
    notes: tuple[Note, ...]
    findings: tuple[Finding, ...]


ALL = "all"  # the one file of an export without a split


@dataclass
class SideCheck:
    """One file of the export: its examples, lines and the profile's file rules over it."""

    examples: int = 0
    rows: int = 0
    file_findings: tuple[Finding, ...] = ()


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
    sides: dict[str, SideCheck] = field(default_factory=dict)  # "all", or "train" and "validation"
    leakage: int | None = None  # a split: inputs found in both files (0 by construction)

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
    names = (TRAIN, VALIDATION) if request.split is not None else (ALL,)
    lines: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    inputs: dict[str, set[str]] = {name: set() for name in names}
    result.sides = {name: SideCheck() for name in names}
    # Its own read session: the batches are let go of as they are read (the caller's objects stay loaded).
    with Session(session.get_bind()) as reading:
        plan = plan_split(reading, project, request)
        for example in store.iter_for_export(reading, project.id, request.statuses):
            side = side_of(plan, project, example.label, example.input_hash)
            if _judge(result, counts, lines[side], example, settings, request, models, user, role):
                result.sides[side].examples += 1
                inputs[side].add(example.input_hash)
    found: list[Finding] = []
    for name in names:
        side = result.sides[name]
        side.rows = len(lines[name])
        side.file_findings = profile.check_file(lines[name], RuleContext("validation" if name == VALIDATION else
                                                                         "training"))
        found += side.file_findings
    result.rows = sum(side.rows for side in result.sides.values())
    result.file_findings = tuple(found)
    counts.update(f.code for f in result.file_findings)
    if plan is not None:
        result.leakage = len(inputs[TRAIN] & inputs[VALIDATION])
        if result.leakage:
            counts["split-leakage"] += result.leakage
    result.counts = dict(sorted(counts.items()))
    return result


def plan_split(session: Session, project: Project, request: ExportRequest) -> SplitPlan | None:
    """The split's first pass (labels and input hashes only), or None without a split."""
    if request.split is None:
        return None
    planner = Planner(request.split)
    for label, input_hash in store.split_inputs(session, project.id, request.statuses):
        planner.add(group_of(project.kind, label), input_hash)
    return planner.plan()


def side_of(plan: SplitPlan | None, project: Project, label: str | None, input_hash: str) -> str:
    """The file an example goes to: "all" without a split, else "train" or "validation"."""
    return ALL if plan is None else plan.side(group_of(project.kind, label), input_hash)


def _judge(result: Preflight, counts: Counter[str], lines: list[dict[str, Any]], example, settings,
           request: ExportRequest, models: ModelTable, user: User, role: str | None) -> bool:
    """Judge one example into the preflight; True when its lines are written."""
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
    if judged.notes or judged.findings or judged.left_out:
        if not may_see_example(role, user, example):
            result.hidden += 1
        elif len(result.affected) >= LISTED:
            result.unlisted += 1
        else:
            result.affected.append(Affected(example.id, example.status, judged.outcome, judged.notes, judged.findings))
    return not judged.left_out
