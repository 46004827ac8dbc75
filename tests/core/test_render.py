"""The seed's golden lines come out byte-exact from the matching presets (legacy profile).

tests/data/golden-lines.jsonl is a copy of the seed's shared/seed/golden-lines.jsonl, so these tests
run in a bare clone."""

import json
from pathlib import Path

import pytest

from app.core.presets import get_preset
from app.core.profiles import jsonl_line
from app.core.render import render
from app.core.project_settings import ExampleValues

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden-lines.jsonl"
CASES = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_lines(case):
    return [json.dumps(obj, ensure_ascii=False) for obj in case["exported"]]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['preset']}-{i}" for i, c in enumerate(CASES)])
def test_golden_line_is_exported_byte_exact(case):
    settings = get_preset(case["preset"]).settings
    rendered = render(settings, ExampleValues(fields=case["fields"], output=case["output"]), "openai-legacy")
    assert [jsonl_line(r) for r in rendered.records] == expected_lines(case)


def test_support_chat_expands_to_one_row_per_agent_turn():
    case = next(c for c in CASES if c["preset"] == "support chatbot")
    settings = get_preset("support_chatbot").settings
    rendered = render(settings, ExampleValues(fields=case["fields"], output=None), "openai-legacy")
    assert len(rendered.records) == 2
    assert all(r.line["prompt"].endswith("\nAgent:") for r in rendered.records)
