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


def _plain_cases():
    user, reply = {"role": "user", "content": "Where is my parcel?"}, {"role": "assistant", "content": "On its way."}
    system = {"role": "system", "content": "You answer about parcels."}
    return [
        ({"messages": [system, user, reply]}, True),
        ({"messages": [user, reply]}, True),
        ({"messages": [{"role": "system", "content": " "}, user, reply]}, True),  # a blank system prompt is a turn
        ({"messages": [system, user, {"role": "assistant", "content": ""}]}, True),
        ({"messages": [system, user, reply], "tools": []}, False),  # another key: check_chat looks at it
        ({"messages": [system, user, dict(reply, weight=1)]}, False),
        ({"messages": [system, user, dict(reply, name="x")]}, False),
        ({"messages": [system, {"role": "user", "content": 5}, reply]}, False),
        ({"messages": [system, "hi", reply]}, False),
        ({"messages": []}, False),
        ({"messages": "hi"}, False),
        ({"messages": [system, {"role": "user", "content": "Say <|endoftext|>"}, reply]}, False),
        ({"messages": [system, {"role": "<|im_start|>", "content": "hi"}, reply]}, False),
        ({"messages": [{"role": "system", "content": "YOU ANSWER IN CAPITALS ONLY, ALWAYS."}, user, reply]}, False),
        ({"messages": [system, {"role": "user", "content": "ÉTÉ ÉTÉ ÉTÉ ÉTÉ ÉTÉ ÉTÉ ÉTÉ été"}, reply]}, False),
        ({"messages": [system, {"role": "user", "content": "ABCDEFG hijklmnopqrstu"}, reply]}, True),  # 7 of 21 letters
        ({"messages": [system, {"role": "user", "content": "ABCDEFG hijklmnopqrst"}, reply]}, False),  # 7 of 20: heavy
    ]


@pytest.mark.parametrize("obj,plain", _plain_cases())
def test_a_plain_conversation_is_what_check_chat_and_plain_shape_accept(obj, plain):
    """One walk instead of check_chat + plain_shape: the same key, and only for lines with no
    structural finding, whether the line is written with escapes or without."""
    import json

    from app.core.check_lines import plain_conversation
    from app.core.file_format import chat_example, check_chat

    for raw in (json.dumps(obj).encode(), json.dumps(obj, ensure_ascii=False).encode()):
        key = plain_conversation(obj, raw)
        found = []
        messages = check_chat(obj, found)
        expected = None
        if not found and messages is obj["messages"] and len(obj) == 1:
            expected = plain_shape("system" in chat_example(messages)[0].fields, messages)
        assert key == expected
        assert (key is not None) == plain


def test_an_escaped_special_token_is_seen_in_a_line_with_backslashes():
    import json

    from app.core.check_lines import plain_conversation

    raw = b'{"messages": [{"role": "user", "content": "Say \\u003c|endoftext|>"}, {"role": "assistant", "content": "No"}]}'
    assert "<|endoftext|>" in json.loads(raw)["messages"][0]["content"]
    assert plain_conversation(json.loads(raw), raw) is None
