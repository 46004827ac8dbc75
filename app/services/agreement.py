"""Double labelling and agreement: independent labels, Cohen's and Fleiss' kappa, adjudication."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session

from app.core import agreement as kappa
from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues
from app.core.wording import say
from app.services import audit
from app.services.errors import Forbidden, Invalid
from app.services.examples import get_example, save
from app.services.permissions import may_label_independently, require
from app.storage import ledger, team
from app.storage import examples as example_store
from app.storage.tables import Annotation, Comment, Example, Project, User, utcnow
from app.services.parsed_settings import settings_of


def labelling_example(session: Session, project: Project, user: User, role: str | None, example_id: int):
    """The example behind the independent-label form, if this member may label it."""
    require(role, "annotate", project)
    example = get_example(session, project, example_id)
    if not may_label_independently(role, user, example):
        raise Forbidden(say("Example #{id} is not yours and is not waiting for independent labels.", id=example_id))
    return example


def annotate(session: Session, project: Project, user: User, role: str | None, example_id: int, label: str) -> Annotation:
    """One annotator's independent label for a double-labelled example."""
    example = labelling_example(session, project, user, role, example_id)
    if example.labels_wanted <= 0:
        raise Invalid({"output": say("This example was not picked for double labelling.")})
    if example.created_by == user.id:
        raise Invalid({"output": say("You wrote this example: its independent labels must come from someone else.")})
    chosen = settings_of(project).label_for(label)
    if chosen is None:
        raise Invalid({"output": say("{label} is not a label of this project: pick one of its labels.", label=repr(label))})
    existing = team.annotation_by(session, example.id, user.id)
    if existing is None and _ratings(session, example) >= example.labels_wanted:
        raise Invalid({"output": say("This example already has all the labels asked for.")})
    before = ledger.as_stored(session, project, example)
    annotation = existing or Annotation(project_id=project.id, example_id=example.id, user_id=user.id)
    annotation.label = chosen.name
    annotation.output = chosen.name
    session.add(annotation)
    session.flush()
    ledger.apply(session, before, replace(before, labellers=before.labellers | {user.id}))
    if _ratings(session, example) >= example.labels_wanted:
        example.labels_open = False  # every label asked for is in: it leaves the queue
        session.add(example)
    session.commit()
    return annotation


def _ratings(session: Session, example: Example) -> int:
    """Labels an example has: its author's (if labelled) plus the independent ones."""
    return team.annotation_count(session, example.id) + (1 if example.created_by and example.label else 0)


@dataclass(frozen=True)
class Disagreement:
    example: Example
    labels: dict[str, str]  # rater name -> label


@dataclass(frozen=True)
class AgreementReport:
    pairs: list[kappa.PairAgreement]
    fleiss: float | None
    fleiss_items: int
    items: int
    disagreements: list[Disagreement]
    rater_names: dict[int, str]


def report(session: Session, project: Project, role: str | None) -> AgreementReport:
    require(role, "view_all", project)
    notes = team.annotations_of(session, project.id)
    example_ids = sorted({a.example_id for a in notes})
    examples = {e.id: e for e in example_store.by_ids(session, project.id, example_ids)}
    ratings: dict[int, dict[int, str]] = {}
    for example_id, example in examples.items():
        if example.created_by is not None and example.label:
            ratings.setdefault(example_id, {})[example.created_by] = example.label
    for note in notes:
        if note.example_id in examples and note.label:
            ratings.setdefault(note.example_id, {})[note.user_id] = note.label
    rated = {k: v for k, v in ratings.items() if len(v) >= 2}
    raters = sorted({r for v in rated.values() for r in v})
    names = {m.user_id: (u.display_name or u.username) for m, u in team.memberships(session, project.id)}
    names.update({r: names.get(r, say("user {id}", id=r)) for r in raters})
    fleiss, used = kappa.fleiss_for_project(rated) if rated else (None, 0)
    return AgreementReport(
        pairs=kappa.pairwise_cohen(rated),
        fleiss=fleiss,
        fleiss_items=used,
        items=len(rated),
        disagreements=[Disagreement(examples[i], {names[r]: lab for r, lab in rated[i].items()})
                       for i in kappa.disagreements(rated)],
        rater_names=names,
    )


def adjudicate(session: Session, project: Project, user: User, role: str | None, example_id: int, label: str,
               models: ModelTable) -> Example:
    """A reviewer picks the final label of a disagreement; the example is saved with it and approved."""
    require(role, "review", project)
    example = get_example(session, project, example_id)
    chosen = settings_of(project).label_for(label)
    if chosen is None:
        raise Invalid({"output": say("{label} is not a label of this project.", label=repr(label))})
    saved = save(session, project, user, ExampleValues(example.fields, chosen.name), models, example.id,
                 example.version, role=role)
    example = saved.example
    before = ledger.as_stored(session, project, example)
    example.status = "approved"
    example.reviewed_by = user.id
    example.reviewed_at = utcnow()
    ledger.apply(session, before, before.moved(example))
    session.add(example)
    session.add(Comment(example_id=example.id, user_id=user.id, action="approve",
                        body=say("Adjudicated: final label {label}.", label=repr(chosen.name))))
    audit.record(session, project, user, "adjudicated", {"example": example.id, "label": chosen.name})
    session.commit()
    return example
