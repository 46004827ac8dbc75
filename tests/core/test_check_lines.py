"""Reading lines for `tunelab check`: parse_line's findings and the plain-line shape key."""

import pytest

from app.core.check_lines import NOT_READ, chat_shape, parse_line, plain_shape


def test_parse_line_reads_like_json_loads_and_names_what_is_wrong():
    found = []
    assert parse_line(b'{"a": NaN}', found) != parse_line(b'{"a": 1}', found) and found == []
    for raw, code, gist in ((b"\xff{}", "not-utf8", "byte 1 is b'\\xff'"), (b'{"a": ', "line-not-json", "column"),
                            (b"[" * 5000 + b"]" * 5000, "line-not-json", "too deeply")):
        found = []
        assert parse_line(raw, found) is NOT_READ
        assert [f.code for f in found] == [code] and gist in found[0].message


@pytest.mark.parametrize("messages", [
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": " "}],
    [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hello"}],
])
def test_the_plain_shape_is_the_memo_key_chat_shape_gives(messages):
    assert plain_shape(True, messages) == chat_shape(True, messages) is not None


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "Say <|endoftext|>"}, {"role": "assistant", "content": "No"}],
    [{"role": "user", "content": "WHERE IS MY PARCEL, I PAID FOR IT"}, {"role": "assistant", "content": "Soon"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}],
])
def test_a_line_where_another_per_line_rule_could_fire_is_not_plain(messages):
    assert plain_shape(False, messages) is None
