"""Every `openai-legacy` file the app writes passes the shape checks of OpenAI's own legacy
validator (`openai==0.28.1`, `openai/validators.py`, the checks behind `prepare_data`).

The shape checks: the two keys (present, lowercase, no other column), no empty completion, one
separator every prompt ends with (told apart from the text), completions that start with a
space, and for generation one ending every completion shares. The content checks (duplicates,
length, upper case, common prefixes, the example count) judge the data, not the shape, and are
the app's own rules.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.evaluate import evaluate
from app.core.presets import get_preset
from app.core.project_settings import ExampleValues

validators = pytest.importorskip("openai.validators", reason="the test dependency openai==0.28.1 is not installed")

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden-lines.jsonl"
CASES = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
PRESETS = sorted({case["preset"] for case in CASES})


def shape_validators(kind: str):
    checks = [
        lambda df: validators.necessary_column_validator(df, "prompt"),
        lambda df: validators.necessary_column_validator(df, "completion"),
        validators.additional_column_validator,
        validators.non_empty_field_validator,
        validators.common_prompt_suffix_validator,
        validators.completions_space_start_validator,
    ]
    if kind == "generation":
        checks.append(validators.common_completion_suffix_validator)
    return checks


def variants(case: dict, count: int) -> list[ExampleValues]:
    """The guide's example and `count - 1` more like it (each text field numbered), as a project would hold."""
    def numbered(value, n):
        if isinstance(value, str):
            return f"{value} ({n})" if value.strip() else value
        if isinstance(value, list) and value and isinstance(value[-1], list):  # attribute rows, turns: the last
            return value[:-1] + [[*value[-1][:-1], numbered(value[-1][-1], n)]]
        return value

    return [ExampleValues(fields={k: numbered(v, n) if n else v for k, v in case["fields"].items()}, output=case["output"])
            for n in range(count)]


def exported_file(preset: str, tmp_path: Path) -> tuple[Path, str]:
    settings = get_preset(preset).settings
    lines = []
    for case in (c for c in CASES if c["preset"] == preset):
        for values in variants(case, 4):
            evaluation = evaluate(settings, values, "openai-legacy")
            lines += evaluation.lines
    path = tmp_path / f"{preset.replace(' ', '_')}.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path, settings.kind


@pytest.mark.parametrize("preset", PRESETS)
def test_legacy_exports_pass_openais_legacy_shape_checks(preset, tmp_path):
    path, kind = exported_file(preset, tmp_path)
    df, remediation = validators.read_any_format(str(path))
    assert remediation is None or remediation.error_msg is None
    assert list(df.columns) == ["prompt", "completion"]
    for check in shape_validators(kind):
        found = check(df)
        if found is not None:
            complaints = (found.error_msg, found.necessary_msg, found.optional_msg)
            assert complaints == (None, None, None), f"{found.name}: {complaints}"


def test_the_checks_refuse_a_file_without_the_shape(tmp_path):
    """The same checks do fail a file that lacks the shape (no separator, no leading space): the
    test above can fail."""
    path = tmp_path / "bad.jsonl"
    path.write_text('{"prompt": "Overjoyed with the new iPhone!", "completion": "positive"}\n'
                    '{"prompt": "Sad about the lakers", "completion": "negative"}\n', encoding="utf-8")
    df, _ = validators.read_any_format(str(path))
    assert validators.completions_space_start_validator(df).optional_msg is not None
    assert validators.common_prompt_suffix_validator(df).optional_msg is not None
