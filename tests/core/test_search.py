"""Search terms: every text of an example, the unspaced scripts a word per character, and queries in the same terms."""

from app.core.search import fts5_query, search_text, spaced, tsquery


def test_every_text_of_an_example_is_searched_labels_and_turns_included():
    fields = {"system": "Be brief.", "turns": [["user", "Where is my parcel?"]]}
    output = [{"role": "assistant", "content": "It left today.", "weight": 1}]
    assert search_text(fields, output).split("\n") == ["Be brief.", "user", "Where is my parcel?", "assistant",
                                                       "It left today."]
    assert search_text({"text": "Great phone"}, "positive") == "Great phone\npositive"
    assert search_text({"text": ""}, None) == ""


def test_scripts_without_spaces_become_a_word_per_character():
    assert spaced("我的订单 ok").split() == ["我", "的", "订", "单", "ok"]
    assert spaced("ราคา").split() == ["ร", "า", "ค", "า"] and spaced("บริการ").split() == ["บ", "ร", "ก", "า", "ร"]


def test_a_query_is_one_phrase_whose_last_word_is_a_prefix():
    assert fts5_query("Refun") == '"refun"*'
    assert fts5_query("my  ORDER, please") == '"my order please"*'
    assert fts5_query("订单") == '"订 单"*'
    assert tsquery("late parcel") == "late <-> parcel:*"
    assert fts5_query('say "hi" AND OR *') == '"say hi and or"*'  # FTS5 syntax is never passed through
    assert fts5_query("!!! ___") is None and tsquery("") is None
