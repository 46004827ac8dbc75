"""Every finding the per-example rules give on the bad examples of tests/core/test_example_rules.py
is said in Chinese as a whole sentence: no English sentence of the app is left in it, and the user's
own values (field names, quoted text, ids) are kept as they are."""

from __future__ import annotations

import re

import pytest

from app.web.i18n import translate
from tests.core.test_example_rules import FIRE, run

# Four English words in a row: what is left of a sentence that was not translated. Values in quotes
# (the user's own text, tokens, names) are taken out first.
_ENGLISH_RUN = re.compile(r"[A-Za-z]+(?:[ ,;:'-]+[A-Za-z]+){3,}")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'|\[[^\]]*\]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _english_left(text: str) -> list[str]:
    return _ENGLISH_RUN.findall(_QUOTED.sub("", text))


@pytest.mark.parametrize("case", FIRE, ids=[f"{case[0]}-{index}" for index, case in enumerate(FIRE)])
def test_every_rule_finding_is_said_in_chinese(case):
    code, preset, fields, output, changes, profile = case[:6]
    findings = [f for f in run(preset, fields, output, profile, (7, 8), (9,), **changes).findings]
    assert any(f.code == code for f in findings)
    for finding in findings:
        said = translate(finding.message, "zh_Hans")
        assert said != finding.message and _CJK.search(said), finding.message
        assert _english_left(said) == [], (finding.message, said)


def test_a_field_name_inside_a_finding_is_said_too():
    said = translate("Turn 2 (assistant) is empty: write its text or delete the message.", "zh_Hans")
    assert said == "第 2 轮（助手）为空：请写上内容或删除这条消息。"
    said = translate("Same input as example #3, #4, #5, #6, #7 and 2 more but a different label: decide which label "
                     "is right and fix the other one (contradicting examples are label noise).", "zh_Hans")
    assert said.startswith("与示例 #3, #4, #5, #6, #7 以及另外 2 个") and "标签不同" in said


def _datasets():
    """Datasets that between them raise every per-dataset rule (the cases of test_dataset_findings)."""
    from tests.core.test_dataset_findings import MINI, chat_stats, cls_rows, gen_rows, rows_stats
    from app.core.dataset_findings import dataset_findings
    leaking = gen_rows(12)
    leaking[11] = leaking[0]
    cases = [
        (chat_stats(3), "chat", {}),
        (rows_stats(cls_rows(4) + [("Tweet x ->", " Positive")], labels=True), "classification", {}),
        (rows_stats(cls_rows(4) + [("Tweet y ->", " positive")] * 80, labels=True), "classification", {}),
        (rows_stats(cls_rows(4)), "generation", {}),
        (rows_stats(cls_rows(4)), "classification", {"declared_kind": True}),
        (rows_stats(gen_rows(12)), "classification", {"declared_kind": True}),
        (rows_stats([(f"Text {i} ->", f" out {i} END") for i in range(9)] + [("Text 9 ::", " out 9 END")]), "generation", {}),
        (rows_stats(gen_rows(10, prompt="Text {i}\n\nAnswer below:\n")), "classification", {}),
        (rows_stats([(f"Text {i} ->", f" out {i}" + (" END" if i % 2 else ".")) for i in range(10)]), "generation", {}),
        (rows_stats(gen_rows(10, completion=" Out {i} <<end of answer>>")), "generation", {}),
        (rows_stats(gen_rows(10, prompt="Classify this: text {i} ->")), "generation", {}),
        (rows_stats([(f"Input {i} ->", (" Answer: yes", " Answer: no")[i % 2]) for i in range(10)]), "classification", {}),
        (rows_stats([("Same ->", f" {i} END") for i in range(10)]), "generation", {}),
        (rows_stats([(f"In {i} ->", " Same END") for i in range(10)]), "generation", {}),
        (rows_stats(leaking, splits=["train"] * 10 + ["validation"] * 2), "generation", {}),
    ]
    for stats, kind, options in cases:
        yield from dataset_findings(stats, kind, MINI, **options)


def test_every_dataset_finding_is_said_in_chinese():
    findings = list(_datasets())
    assert {"too-few-examples", "class-too-small", "labels-case-variants", "class-imbalance", "task-type",
            "separator-inconsistent", "separator-long", "stop-inconsistent", "stop-long", "prompt-common-prefix",
            "completion-common-prefix", "prompts-all-identical", "completions-all-identical", "split-leakage",
            "estimate", "gen-hyperparameters", "generation-too-small", "few-examples"} <= {f.code for f in findings}
    for finding in findings:
        said = translate(finding.message, "zh_Hans")
        assert said != finding.message and _CJK.search(said), finding.message
        assert _english_left(said) == [], (finding.message, said)


def test_a_csv_row_the_reader_cannot_read_is_said_in_chinese():
    said = translate("The row cannot be read as CSV: a cell is longer than 67,108,864 characters.", "zh_Hans")
    assert said == "无法按 CSV 读取该行：有一个单元格超过 67,108,864 个字符。"
