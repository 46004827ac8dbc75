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
