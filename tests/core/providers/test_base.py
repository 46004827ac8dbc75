"""Profiles, notes and findings: what every provider shape shares."""

import pytest

from app.core.providers.base import (
    Note, Profile, RuleContext, ShapeError, Written, count_rule, read_pair, size_rule, write_pairs, written,
)
from app.core.providers.neutral import Example, TextPair, Turn

PAIR = Example("generation", pairs=(TextPair("Q ->", " A END"), TextPair("Ünï ->", " ✓ END")))


def noting(*notes: Note) -> Profile:
    """A profile whose writer writes the pairs and adds the given notes."""
    return Profile("test", "Test shape", "Test", "tests", ("generation",), True,
                   writer=lambda example: written(write_pairs(example, "Test").lines, notes),
                   reader=read_pair, default_kind="generation", file_prefix="\ufeff")


def test_a_kind_the_profile_does_not_write_is_refused_with_no_line():
    result = noting().write(Example("chat", (Turn("user", "Hi"),)))
    assert result.lines == () and result.refused and result.notes[0].code == "carry-kind"


def test_note_effects_become_findings_at_their_level():
    profile = noting(Note("carry-a", "merged", "m"), Note("carry-b", "dropped", "d"))
    checked = profile.check(PAIR)
    assert [(f.code, f.level) for f in checked.findings] == [("carry-a", "info"), ("carry-b", "warning")]
    assert not checked.refused and len(checked.written.lines) == 2
    refusing = noting(Note("carry-c", "refused", "r")).check(PAIR)
    assert refusing.refused and refusing.written == Written((), (Note("carry-c", "refused", "r"),))


def test_the_file_is_the_prefix_then_utf8_lines_each_ending_in_a_newline():
    data = noting().file_bytes(write_pairs(PAIR, "Test").lines)
    assert data == ("\ufeff" + '{"prompt": "Q ->", "completion": " A END"}\n'
                    '{"prompt": "Ünï ->", "completion": " ✓ END"}\n').encode("utf-8")


def test_count_and_size_rules_fire_just_past_their_limits():
    rule = count_rule("x-count", "X", 3, 5)
    assert [f.code for f in rule([{}] * 2, RuleContext())] == ["x-count"]
    assert list(rule([{}] * 3, RuleContext())) == list(rule([{}] * 5, RuleContext())) == []
    assert [f.code for f in rule([{}] * 6, RuleContext())] == ["x-count"]
    size = size_rule("x-size", "X", training=3 * 3, validation=3)  # "{}\n" is 3 bytes
    assert list(size([{}] * 3, RuleContext())) == []
    assert [f.level for f in size([{}] * 2, RuleContext(split="validation"))] == ["error"]
    # A file on disk is judged by its own size, the same limits (what `tunelab check` does).
    assert list(size.judge_size(9, RuleContext())) == [] and [f.code for f in size.judge_size(10, RuleContext())] == ["x-size"]


def test_a_prompt_completion_line_reads_back_strictly():
    assert read_pair({"prompt": "Q ->", "completion": " A"}, "classification") == Example(
        "classification", pairs=(TextPair("Q ->", " A"),))
    for line in ({"prompt": "Q"}, {"prompt": "Q", "completion": 1}, {"prompt": "Q", "completion": "A", "x": 1}):
        with pytest.raises(ShapeError):
            read_pair(line, "generation")
    assert not noting().matches(["not", "an", "object"])
