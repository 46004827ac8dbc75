"""Data of /projects/{id}/health: the dataset's figures, the rules that fire, duplicate groups, estimate.

The JSON fields are what /api/v1/projects/{id}/health always returned; the page also draws the
groups' example rows and charts from the same report (`page.report`, not part of the JSON).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, PrivateAttr
from sqlmodel import Session

from app.core.model_table import ModelTable
from app.services import health as health_service
from app.services.health import HealthReport
from app.storage.tables import Project


class DatasetFindingOut(BaseModel):
    code: str
    level: str
    message: str
    data: dict[str, Any]


class HistogramBucket(BaseModel):
    low: int
    high: int
    records: int


class HealthPage(BaseModel):
    examples: int
    records: int
    tokens: int
    states: dict[str, int]
    labels: dict[str, int]
    model: str
    limit: int
    dataset: list[str]  # the codes of the dataset rules that fire
    findings: list[DatasetFindingOut]
    estimate: dict[str, Any] | None
    histogram: list[HistogramBucket]
    duplicate_groups: int
    conflict_groups: int
    duplicates: list[list[int]]
    conflicts: list[list[int]]
    near_duplicate_groups: int
    near_duplicates: list[list[int]]
    stale: bool  # edited or deleted since the last full pass: the prefix/suffix rules may be out of date
    rechecking: bool  # a re-check after a settings change is running: the figures are partial
    example_codes: dict[str, int]  # per-example rule -> examples raising it
    _report: HealthReport | None = PrivateAttr(default=None)

    @property
    def report(self) -> HealthReport:
        return self._report


def health_page(session: Session, project: Project, role: str | None, models: ModelTable) -> HealthPage:
    report = health_service.report(session, project, role, models)
    page = HealthPage(
        examples=report.stats.examples, records=report.stats.records, tokens=report.stats.tokens,
        states=report.states, labels=dict(report.labels), model=report.model.name, limit=report.limit,
        dataset=report.codes, findings=[DatasetFindingOut(**f.as_dict()) for f in report.findings],
        estimate=report.estimate,
        histogram=[HistogramBucket(low=lo, high=hi, records=n) for lo, hi, n in report.histogram],
        duplicate_groups=report.duplicate_groups, conflict_groups=report.conflict_groups,
        duplicates=[[e.id for e in g.examples] for g in report.duplicates],
        conflicts=[[e.id for e in g.examples] for g in report.conflicts],
        near_duplicate_groups=report.near_groups,
        near_duplicates=[[e.id for e in g.examples] for g in report.near_duplicates],
        stale=report.stats.needs_rebuild, rechecking=report.rechecking,
        example_codes={code: n for code, _, n in report.example_codes},
    )
    page._report = report
    return page
