"""The streaming text check itself: a body cut into chunks anywhere gives the same verdict as whole."""

from __future__ import annotations

import pytest

from app.web.text_check import _MultipartCheck, _UrlencodedCheck, query_problems

GOOD = b"csrftoken=abc&f.text=caf%C3%A9+%E6%97%A5%E6%9C%AC&note=100%25+sure&x=a%2"
BAD = b"csrftoken=abc&f.text=ok&comment=a%ED%A0%80b&other=%00"


def _feed(check, body: bytes, cut: int):
    check.feed(body[:cut], False)
    check.feed(body[cut:], True)
    return check.errors


@pytest.mark.parametrize("cut", range(len(GOOD) + 1))
def test_good_form_text_passes_wherever_the_body_is_cut(cut: int):
    assert _feed(_UrlencodedCheck(), GOOD, cut) == {}


@pytest.mark.parametrize("cut", range(len(BAD) + 1))
def test_bad_form_text_is_named_wherever_the_body_is_cut(cut: int):
    errors = _feed(_UrlencodedCheck(), BAD, cut)
    assert set(errors) == {"comment", "other"}
    assert "UTF-8" in errors["comment"] and "NUL" in errors["other"]


def test_multipart_parts_are_checked_by_name():
    body = (b"--b\r\nContent-Disposition: form-data; name=\"csrftoken\"\r\n\r\nabc\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n\xe6\x97\xa5\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"bad\"\r\n\r\nx\xffy\r\n--b--\r\n")
    for cut in range(len(body) + 1):
        assert set(_feed(_MultipartCheck(b"b"), body, cut)) == {"bad"}


def test_query_strings():
    assert query_problems(b"level=error&label=caf%C3%A9&q=") == {}
    assert query_problems(b"a=%00&b=%FF&c=ok") == {"a": query_problems(b"a=%00")["a"], "b": "is not valid UTF-8 text"}
