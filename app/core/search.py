"""Full-text search terms: what of an example is searched, and a query in the same terms.

`search_text(fields, output)` is every text of the example (its fields' values and its output,
labels and chat turns included), one per line, with each character of the scripts written without
spaces between words (Chinese, Japanese, Korean, Thai) set apart by spaces, so the databases'
word tokenizers (SQLite FTS5's unicode61, PostgreSQL's `simple` configuration) index each of those
characters as a word: a query for 订单 finds 我的订单还没有到 as a phrase of two words (Thai vowel
and tone marks are left out on both sides). The example row
keeps it (`example.search_text`), written by the same call that stores the values; the index
follows the column (an FTS5 table kept by triggers on SQLite, an expression index on PostgreSQL).

`fts5_query(q)` and `tsquery(q)` turn what the user typed into each engine's query: the words in
order as one phrase, the last one a prefix (typing "refun" finds "refund"). None: nothing to search
for (no letter or digit).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Thai, Lao, Hiragana, Katakana, CJK (and its extensions and compatibility block), Hangul syllables.
_UNSPACED = re.compile("([\u0e00-\u0eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])")
# Thai and Lao vowel and tone marks: dropped, so both databases' tokenizers see the same letters
# (SQLite's unicode61 drops them; PostgreSQL's parser would keep each as a word of its own).
_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ecd]")
_WORD = re.compile(r"[^\W_]+")
MAX_QUERY = 200  # characters of a query that are searched


def spaced(text: str) -> str:
    """`text` with each character of a script written without spaces set apart by spaces (Thai and
    Lao marks dropped)."""
    return _UNSPACED.sub(r" \1 ", _MARKS.sub("", text))


def texts(value: Any) -> Iterator[str]:
    """Every string in a value of an example (fields or output), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def search_text(fields: Any, output: Any) -> str:
    """Every text of an example, one per line, in search terms."""
    return spaced("\n".join(text for text in (*texts(fields), *texts(output)) if text))


def words(text: str) -> list[str]:
    """The words of a text as the indexes see them (casefolded, the unspaced scripts a word per character)."""
    return _WORD.findall(spaced(text).casefold())


def query_words(query: str) -> list[str]:
    """`words` of a query's first MAX_QUERY characters."""
    return words(query[:MAX_QUERY])


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression: the words as one phrase, the last a prefix."""
    words = query_words(query)
    return '"' + " ".join(words) + '"*' if words else None


def tsquery(query: str) -> str | None:
    """A PostgreSQL `to_tsquery('simple', …)` text: the words adjacent (`<->`), the last a prefix."""
    words = query_words(query)
    return " <-> ".join(words[:-1] + [words[-1] + ":*"]) if words else None
