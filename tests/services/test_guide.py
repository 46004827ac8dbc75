"""Start from the guide's examples: one project per task type of the guide, its examples approved
through the save and review path, and each project's export gives the guide's golden lines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlmodel import Session

from app.services import accounts, guide
from app.storage import counters
from tests.services.conftest import MODELS, PASSWORD, Team
from tests.services.test_imports import export_bytes
from tests.services.test_ledger_property import assert_counters_match_a_recount

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden-lines.jsonl"


def test_every_task_type_of_the_guide_gets_a_project_that_exports_its_golden_lines(engine):
    golden = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    expected: dict[str, list[dict]] = {}
    for line in golden:
        expected.setdefault(line["preset"].lower().replace(" ", "_"), []).extend(line["exported"])
    with Session(engine, expire_on_commit=False) as session:
        owner = accounts.create_first_admin(session, "newcomer", PASSWORD).user
        made = guide.start_from_guide(session, owner, MODELS)
        team = Team(session, None, {"owner": owner})  # type: ignore[arg-type]
        assert [p.preset for p in made] == list(expected)
        for project in made:
            assert project.name.endswith("(guide examples)")
            body = export_bytes(engine, team, project, project.export_profile).decode("utf-8")
            records = [json.loads(line) for line in body.splitlines()]
            assert records == expected[project.preset], project.preset
            examples = sum(1 for line in golden if line["preset"].lower().replace(" ", "_") == project.preset)
            assert counters.state_counts(session, project.id) == {"approved": examples}
            assert_counters_match_a_recount(session, project.id, Counter())
