"""Data of /projects/{id}/agreement: Fleiss' and pairwise Cohen's kappa, and the disagreements to settle."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.services import agreement as agreement_service
from app.storage.tables import Project


class PairOut(BaseModel):
    rater_a: str | None
    rater_b: str | None
    items: int
    observed_agreement: float
    kappa: float | None


class DisagreementOut(BaseModel):
    example: int  # the example's id
    labels: dict[str, str]  # rater name -> label
    fields: dict[str, Any]  # the example's input, as on the page
    label: str | None  # the example's current label
    status: str


class AgreementPage(BaseModel):
    items: int  # examples with two or more labels
    fleiss_kappa: float | None
    fleiss_items: int
    pairs: list[PairOut]
    disagreements: list[DisagreementOut]


def agreement_page(session: Session, project: Project, role: str | None) -> AgreementPage:
    report = agreement_service.report(session, project, role)
    names = report.rater_names
    return AgreementPage(
        items=report.items, fleiss_kappa=report.fleiss, fleiss_items=report.fleiss_items,
        pairs=[PairOut(rater_a=names.get(p.rater_a), rater_b=names.get(p.rater_b), items=p.items,
                       observed_agreement=p.observed_agreement, kappa=p.kappa) for p in report.pairs],
        disagreements=[DisagreementOut(example=d.example.id, labels=d.labels, fields=d.example.fields,
                                       label=d.example.label, status=d.example.status) for d in report.disagreements],
    )
