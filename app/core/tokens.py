"""Token counting with the real tiktoken encodings.

Special tokens inside user text (`<|endoftext|>`) are counted as ordinary text, never raised
on; `special_tokens_in` finds them for the `special-token` rule. Chat counting follows the
OpenAI cookbook recipe (3 per message, +1 for a name, +3 reply priming), which the cookbook
itself calls approximate.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import tiktoken

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


@lru_cache(maxsize=8)
def encoding(name: str) -> tiktoken.Encoding:
    return tiktoken.get_encoding(name)


def encode(text: str, encoding_name: str) -> list[int]:
    """The token ids of `text`, special-token text (`<|endoftext|>`) encoded as ordinary text."""
    # tiktoken documents encode_ordinary as `encode(text, disallowed_special=())` with nothing
    # allowed (what this function used to call), minus the special-token scan: same ids, faster.
    return encoding(encoding_name).encode_ordinary(text)


def encoder(encoding_name: str) -> Callable[[str], list[int]]:
    """`encode` bound to one encoding, for hot loops: `encoder(name)(text) == encode(text, name)`."""
    return encoding(encoding_name).encode_ordinary


CACHED_CHARS = 512  # roles, labels, short system prompts and separators repeat on every line
# The live panel counts the same long prompt on every keystroke typed in the output: a few hundred
# of those are kept too (at most LONG_CACHED_CHARS each, so the memo stays within tens of MB).
LONG_CACHED_CHARS, LONG_CACHED = 32_768, 256


def _count(text: str, encoding_name: str) -> int:
    return len(encode(text, encoding_name))


_count_cached = lru_cache(maxsize=4_096)(_count)
_count_long_cached = lru_cache(maxsize=LONG_CACHED)(_count)


def count(text: str, encoding_name: str) -> int:
    """Number of tokens of `text`; strings up to CACHED_CHARS are memoised, and the last
    LONG_CACHED strings up to LONG_CACHED_CHARS."""
    if len(text) <= CACHED_CHARS:
        return _count_cached(text, encoding_name)
    if len(text) <= LONG_CACHED_CHARS:
        return _count_long_cached(text, encoding_name)
    return _count(text, encoding_name)


def token_strings(text: str, encoding_name: str) -> list[str]:
    """The text of each token, for messages such as `" very positive"` -> `[" very", " positive"]`."""
    enc = encoding(encoding_name)
    return [enc.decode([t]) for t in encode(text, encoding_name)]


def special_tokens_in(text: str, encoding_name: str) -> list[str]:
    """The encoding's special tokens that occur in `text`, in order of first appearance."""
    if "<|" not in text:
        return []
    found = [(text.find(tok), tok) for tok in encoding(encoding_name).special_tokens_set if tok in text]
    return [tok for _, tok in sorted(found)]


def message_value_text(value: Any) -> str | None:
    """The string a chat message value is counted as: strings as is, lists/dicts as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return None  # numbers and booleans (weight) are not encoded


def count_message(message: dict[str, Any], encoding_name: str) -> int:
    if len(message) == 2:  # the usual {"role": str, "content": str}: the loop below, unrolled
        role, content = message.get("role"), message.get("content")
        if type(role) is str and type(content) is str:
            return TOKENS_PER_MESSAGE + count(role, encoding_name) + count(content, encoding_name)
    total = TOKENS_PER_MESSAGE
    for key, value in message.items():
        text = message_value_text(value)
        if text is not None:
            total += count(text, encoding_name)
        if key == "name":
            total += TOKENS_PER_NAME
    return total
