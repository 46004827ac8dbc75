"""Dataset health: the per-dataset rules of RULES.md for a project, kept up to date on every save.

Each project keeps a `core.dataset.DatasetStats` (pickled in `dataset_stats`) that saves and
deletes update in O(1): the old version of an example is removed and the new one added, in the
same transaction as the example. Duplicates and conflicts come from the hash counters. Examples
still waiting for a label (added to be labelled) are not part of the dataset. A page view reads
one row and a few index ranges; it never scans the examples. After deletes or edits the common
prefix/suffix can only be recomputed by a re-check (services.recheck, in batches), offered on
the page when stale.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.aggregates import Groups
from app.core.dataset import Contribution, DatasetFinding, DatasetStats, dataset_findings, estimate
from app.core.evaluate import Evaluation, evaluate
from app.core.rules.registry import LEVEL_RANK, RULES
from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues
from app.core.project_settings import ProjectSettings
from app.services.permissions import require
from app.storage import counters
from app.storage import health as store
from app.storage.tables import Example, Project

GROUPS_SHOWN = 50


class NoIndex:
    """The app keeps duplicates and conflicts in the hash counters, not in the pickled stats."""

    def __len__(self) -> int:
        return 0

    def add(self, *args: Any, **kwargs: Any) -> None:
        return None

    def remove(self, *args: Any, **kwargs: Any) -> None:
        return None

    def groups(self) -> Groups:
        return Groups()


def ping(session: Session) -> None:
    """The database answers (for /healthz)."""
    store.ping(session)


def new_stats() -> DatasetStats:
    stats = DatasetStats()
    stats.index = NoIndex()  # type: ignore[assignment]
    return stats


@dataclass(frozen=True)
class Footprint:
    """What one version of an example adds to its project's health."""

    contribution: Contribution
    near_hash: str | None
    codes: tuple[str, ...]


def footprint(project: Project, example: Example, evaluation: Evaluation) -> Footprint | None:
    """The footprint of an example just evaluated (None for an item still waiting for its label)."""
    if example.needs_output:
        return None
    item = Contribution.of(evaluation.rendered, example.id, evaluation.input_hash, evaluation.content_hash,
                           label=example.label if project.kind == "classification" else None)
    return Footprint(item, evaluation.near_hash, tuple(evaluation.codes))


def footprint_now(project: Project, example: Example, models: ModelTable) -> Footprint | None:
    """The footprint of an example as stored, before it changes (its codes and near hash as cached);
    None if it is not counted: an item waiting for its label, or one a running re-check has not
    reached yet."""
    if example.needs_output or example.checked_version != project.version:
        return None
    settings = ProjectSettings.from_dict(project.settings)
    ev = evaluate(settings, ExampleValues(example.fields, example.output), project.export_profile, models=models)
    item = Contribution.of(ev.rendered, example.id, example.input_hash, example.content_hash,
                           label=example.label if project.kind == "classification" else None)
    return Footprint(item, example.near_hash, tuple(example.codes or ()))


def record_change(session: Session, project: Project, example_id: int, old: Footprint | None,
                  new: Footprint | None) -> None:
    """Move the project's aggregates from `old` to `new` (either may be None), in the caller's transaction."""
    if old is not None:
        store.count_hashes(session, project.id, old.contribution.input_hash, old.contribution.content_hash,
                           old.near_hash, -1)
    if new is not None:
        store.count_hashes(session, project.id, new.contribution.input_hash, new.contribution.content_hash,
                           new.near_hash, +1)
    store.move_codes(session, project.id, example_id, old.codes if old else (), new.codes if new else ())
    row = store.load_stats(session, project.id, for_update=True)
    if row is None:
        return  # built on the next health page view
    stats: DatasetStats = pickle.loads(row.blob)
    if old is not None:
        stats.remove(old.contribution)
    if new is not None:
        stats.add_contribution(new.contribution)
    store.save_stats(session, project.id, pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL))


def reset(session: Session, project: Project) -> None:
    """Empty aggregates and hash/code counters (a re-check then adds every example back)."""
    store.clear_project(session, project.id)
    store.save_stats(session, project.id, pickle.dumps(new_stats(), protocol=pickle.HIGHEST_PROTOCOL))


def add_many(session: Session, project: Project, changes: list[tuple[Example, Evaluation]]) -> None:
    """Count examples just re-checked (none of them counted before): one aggregate load and save."""
    if not changes:
        return
    row = store.load_stats(session, project.id, for_update=True)
    stats: DatasetStats = pickle.loads(row.blob) if row is not None else new_stats()
    for example, evaluation in changes:
        mark = footprint(project, example, evaluation)
        if mark is None:
            continue
        stats.add_contribution(mark.contribution)
        store.count_hashes(session, project.id, evaluation.input_hash, evaluation.content_hash,
                           evaluation.near_hash, +1)
        store.move_codes(session, project.id, example.id, (), mark.codes)
    store.save_stats(session, project.id, pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL))


@dataclass(frozen=True)
class Group:
    key: str
    examples: list[Example]


@dataclass(frozen=True)
class HealthReport:
    stats: DatasetStats
    findings: list[DatasetFinding]
    estimate: dict[str, Any] | None
    states: dict[str, int]
    labels: list[tuple[str, int]]
    histogram: list[tuple[int, int, int]]
    limit: int
    model: Any
    duplicates: list[Group]
    conflicts: list[Group]
    near_duplicates: list[Group]  # inputs that differ only in case, whitespace or punctuation (info)
    duplicate_groups: int
    conflict_groups: int
    near_groups: int
    example_codes: list[tuple[str, str, int]]  # (code, level, examples) of per-example rules
    rechecking: bool  # a re-check after a settings change is running: the figures are partial

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


def report(session: Session, project: Project, role: str | None, models: ModelTable) -> HealthReport:
    require(role, "view_all", project)
    row = store.load_stats(session, project.id)
    stats = pickle.loads(row.blob) if row is not None else new_stats()  # a re-check is building it
    settings = ProjectSettings.from_dict(project.settings)
    model = models.get(settings.target_model)
    declared = [label.name for label in settings.labels] if project.kind == "classification" else []
    dup_hashes = store.duplicate_hashes(session, project.id, GROUPS_SHOWN)
    conflict_hashes = store.conflict_hashes(session, project.id, GROUPS_SHOWN)
    duplicates = [Group(h, store.examples_with(session, project.id, "content", h)) for h in dup_hashes]
    conflicts = [Group(h, store.examples_with(session, project.id, "input", h)) for h in conflict_hashes]
    near = [Group(h, store.examples_with(session, project.id, "near", h))
            for h in store.conflict_hashes(session, project.id, GROUPS_SHOWN, kind="near")]
    groups = Groups(duplicates=tuple(tuple(e.id for e in g.examples) for g in duplicates),
                    conflicts=tuple(tuple(e.id for e in g.examples) for g in conflicts))
    findings = dataset_findings(stats, settings.short_kind, model, labels=declared, groups=groups)
    label_counts = [(name, stats.labels.get(name, 0)) for name in declared]
    label_counts += sorted((k, v) for k, v in stats.labels.items() if k not in declared)
    n_dups, n_conflicts, n_near = store.count_groups(session, project.id)
    example_codes = sorted(((code, RULES[code].level if code in RULES else "info", n)
                            for code, n in store.code_counts(session, project.id)),
                           key=lambda c: (-LEVEL_RANK[c[1]], -c[2], c[0]))
    return HealthReport(
        stats=stats, findings=findings, estimate=estimate(stats, model), states=counters.state_counts(session, project.id),
        labels=label_counts, histogram=stats.histogram(), limit=model.limit, model=model,
        duplicates=duplicates, conflicts=conflicts, near_duplicates=near, duplicate_groups=n_dups,
        conflict_groups=n_conflicts, near_groups=n_near, example_codes=example_codes,
        rechecking=project.recheck_cursor is not None,
    )
