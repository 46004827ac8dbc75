""""Start from the guide's examples": one project per task type of the guide tunelab's presets come
from (`app/data/guide_examples.jsonl`: the guide's own examples, as its golden lines give them),
each filled with its examples, approved, so a newcomer sees every form, the panel and an export at
once. The examples go through the same save, submit and approve as a user's (evaluate, ledger).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.presets import PRESETS_BY_KEY
from app.core.project_settings import ExampleValues
from app.services import examples, projects, review
from app.storage.tables import Project, User

GUIDE_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "guide_examples.jsonl"
NAME_SUFFIX = " (guide examples)"


def guide_examples() -> dict[str, list[ExampleValues]]:
    """The guide's examples per preset key, in the guide's order."""
    found: dict[str, list[ExampleValues]] = {}
    with GUIDE_EXAMPLES.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            found.setdefault(item["preset"], []).append(ExampleValues(item["fields"], item["output"]))
    return found


def start_from_guide(session: Session, user: User, models: ModelTable) -> list[Project]:
    """A project per task type of the guide, its examples saved and approved by `user` (their owner)."""
    made = []
    for key, values in guide_examples().items():
        project = projects.create_project(session, user, PRESETS_BY_KEY[key].title + NAME_SUFFIX, key)
        ids = [examples.save(session, project, user, example, models).example.id for example in values]
        review.bulk_submit_and_approve(session, project, user, "owner", ids, models)
        made.append(project)
    return made
