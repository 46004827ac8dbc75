"""near_key: the words of the casefolded text, whatever path computes them."""

import re

from hypothesis import given, settings, strategies as st

from app.core.text import near_key

WORD = re.compile(r"[^\W_]+")


def by_definition(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


def test_near_duplicates_share_a_key():
    assert near_key("Great phone!!") == near_key("great   phone") == "great phone"
    assert near_key("  -- Hello,_World 42 --") == "hello world 42"
    assert near_key("") == near_key("!!! ___") == ""


def test_other_scripts_keep_their_words():
    assert near_key("Straße ΣΑΣ 我的订单, ก ข") == "strasse σασ 我的订单 ก ข"


@settings(max_examples=400)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_gives_the_words_of_the_definition(text):
    assert near_key(text) == by_definition(text)


@settings(max_examples=200)
@given(st.text())
def test_any_text_gives_the_words_of_the_definition(text):
    assert near_key(text) == by_definition(text)
