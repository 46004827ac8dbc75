"""The registry is RULES.md in code: same codes, levels, kinds and scopes; golden lines are error-free.

RULES.md is read from the shared folder beside the project (those tests skip without it); the golden
lines are the copy in tests/data."""

import json
import re
from pathlib import Path

import pytest

from app.core.evaluate import evaluate
from app.core.presets import get_preset
from app.core.rules import catalogue, registry
from app.core.project_settings import KIND_ABBREVIATIONS, ExampleValues

SHARED = Path(__file__).resolve().parents[3] / "shared"
RULES_MD = SHARED / "RULES.md"
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden-lines.jsonl"

needs_rules_md = pytest.mark.skipif(not RULES_MD.exists(), reason=f"{RULES_MD} is absent (the shared folder is not checked out)")

SCOPES = {"## Per example": "example", "## File and line checks": "file", "## Per dataset": "dataset"}
ROW = re.compile(r"^\|\s*`([a-z0-9-]+)`\s*\|")


RULES_MD_KINDS = set(KIND_ABBREVIATIONS.values())  # RULES.md writes kinds as cls, gen, chat, pref


def parse_rules_md() -> list[dict]:
    """Every table row whose first column is a backticked code: code, level, kinds, scope."""
    rules, scope = [], None
    for line in RULES_MD.read_text(encoding="utf-8").splitlines():
        heading = next((s for prefix, s in SCOPES.items() if line.startswith(prefix)), None)
        if heading:
            scope = heading
        elif line.startswith("## "):
            scope = None
        match = ROW.match(line)
        if not match or scope is None:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        level = re.match(r"[a-z]+", cells[1]).group(0)
        if scope == "file":
            kinds = RULES_MD_KINDS
        else:
            text = re.sub(r"\([^)]*\)", "", cells[2]).strip()
            kinds = RULES_MD_KINDS if text == "all" else {k.strip() for k in text.split(",")}
        rules.append({"code": match.group(1), "level": level, "kinds": kinds, "scope": scope})
    return rules


@needs_rules_md
def test_every_code_of_rules_md_is_defined_with_the_same_level_kinds_and_scope():
    rules = parse_rules_md()
    assert {r["scope"] for r in rules} == {"example", "file", "dataset"} and len(rules) >= 50  # the tables were read
    assert len({r["code"] for r in rules}) == len(rules), "a code is listed twice in RULES.md"
    problems = []
    for rule in rules:
        spec = registry.RULES.get(rule["code"])
        if spec is None:
            problems.append(f"{rule['code']}: not defined in catalogue.py")
            continue
        if spec.level != rule["level"]:
            problems.append(f"{rule['code']}: level {spec.level!r}, RULES.md says {rule['level']!r}")
        if set(spec.kinds) != rule["kinds"]:
            problems.append(f"{rule['code']}: kinds {sorted(spec.kinds)}, RULES.md says {sorted(rule['kinds'])}")
        if spec.scope != rule["scope"]:
            problems.append(f"{rule['code']}: scope {spec.scope!r}, RULES.md says {rule['scope']!r}")
    assert not problems, "\n".join(problems)


@needs_rules_md
def test_the_registry_defines_nothing_that_rules_md_does_not_list():
    listed = {r["code"] for r in parse_rules_md()}
    assert set(registry.RULES) - listed == set(catalogue.APP_CODES)  # the app's own tool codes, and only them


def test_too_long_is_a_warning_raised_to_error_by_the_model():
    assert registry.RULES["too-long"].level == "warning"


def test_every_definition_is_complete():
    for spec in registry.RULES.values():
        assert spec.level in registry.LEVELS, spec.code
        assert spec.scope in ("example", "file", "dataset"), spec.code
        assert spec.task_kinds and set(spec.task_kinds) <= set(registry.ALL), spec.code
        assert spec.kinds == tuple(KIND_ABBREVIATIONS[k] for k in spec.task_kinds), spec.code
        assert spec.threshold and spec.source and spec.summary.endswith("."), spec.code


def test_every_per_example_rule_has_exactly_one_registered_check():
    checked = [spec.code for spec, _ in registry.EXAMPLE_CHECKS]
    example_codes = {code for code, spec in registry.RULES.items() if spec.scope == "example"}
    assert sorted(checked) == sorted(example_codes)


def golden_cases() -> list[dict]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", golden_cases(), ids=lambda c: c["preset"])
@pytest.mark.parametrize("profile", ["openai-legacy", "openai-chat"])
def test_golden_examples_have_no_error_level_findings(case, profile):
    settings = get_preset(case["preset"]).settings
    evaluation = evaluate(settings, ExampleValues(case["fields"], case["output"]), profile=profile)
    assert evaluation.errors == []
    assert evaluation.can_save
