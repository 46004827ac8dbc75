"""Dataset health: the per-dataset rules of RULES.md for a project, kept up to date on every save.

Each project keeps a `core.dataset.DatasetStats` (versioned JSON in `dataset_stats`, written only
by the ledger, app.storage.ledger) that saves and deletes update in O(1): the old version of an
example is removed and the new one added, in the same transaction as the example. Duplicates and
conflicts come from the hash counters. Examples still waiting for a label (added to be labelled)
are not part of the dataset. A page view reads one row and a few index ranges; it never scans the
examples. After deletes or edits the common prefix/suffix can only be recomputed by a re-check
(services.recheck, in batches), offered on the page when stale.

`counted_now` and `counted_after` build the ledger's snapshots of an example with what it adds to
the dataset stats (its render), before and after a change of its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.aggregates import Groups
from app.core.dataset import Contribution, DatasetStats
from app.core.dataset_findings import DatasetFinding, dataset_findings, estimate
from app.core.evaluate import Evaluation, evaluate
from app.core.rules.registry import LEVEL_RANK, RULES
from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues
from app.services.permissions import require
from app.storage import counters, ledger
from app.storage import health as store
from app.storage.tables import Example, Project
from app.services.parsed_settings import settings_of

GROUPS_SHOWN = 50


def ping(session: Session) -> None:
    """The database answers (for /healthz)."""
    store.ping(session)


def _label(project: Project, example: Example) -> str | None:
    return example.label if project.kind == "classification" else None


def counted_after(session: Session, project: Project, example: Example, evaluation: Evaluation,
                  labellers: frozenset[int] | None = None) -> ledger.Snapshot:
    """The ledger snapshot of an example just evaluated under the project's settings and stored."""
    contribution = None
    if ledger.in_dataset(project, example):
        contribution = Contribution.of(evaluation.rendered, example.id, evaluation.input_hash,
                                       evaluation.content_hash, label=_label(project, example))
    return ledger.as_stored(session, project, example, contribution, labellers)


def counted_now(session: Session, project: Project, example: Example, models: ModelTable) -> ledger.Snapshot:
    """The ledger snapshot of an example as stored, before its content changes or it is deleted
    (its render is recomputed; its codes and hashes are the cached ones)."""
    contribution = None
    if ledger.in_dataset(project, example):
        settings = settings_of(project)
        ev = evaluate(settings, ExampleValues(example.fields, example.output), project.export_profile, models=models)
        contribution = Contribution.of(ev.rendered, example.id, example.input_hash, example.content_hash,
                                       label=_label(project, example))
    return ledger.as_stored(session, project, example, contribution)


def reset(session: Session, project: Project) -> None:
    """Empty aggregates and hash/code counters (a re-check then adds every example back)."""
    ledger.forget_dataset(session, project.id)


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
    stored = ledger.dataset_stats(session, project.id)
    stats = stored if stored is not None else DatasetStats(with_index=False)  # a re-check is (to be) building it
    settings = settings_of(project)
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
    findings = dataset_findings(stats, settings.kind, model, labels=declared, groups=groups, declared_kind=True)
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
        rechecking=project.recheck_cursor is not None or stored is None,
    )
