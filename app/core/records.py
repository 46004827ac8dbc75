"""The values one render produces: canonical rows and conversations, and exported records.

`Canonical` is an example in provider-neutral form (prompt/completion rows for classification
and generation, a conversation for chat and preference). A profile turns it into `Record`s:
the exact JSON object of each exported line, with the strings that were counted.

They are immutable named tuples: every keystroke in the form and every line of `tunelab check`
builds several of them, and a named tuple is built several times faster than a frozen dataclass.
The hottest paths build them with `tuple.__new__(Cls, (every field, in order))`, which skips the
named tuple's Python-level `__new__` (the same object, about twice as fast).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple


class Row(NamedTuple):
    """One prompt/completion training row, as the legacy format writes it."""

    prompt: str  # exported prompt: filled template + separator (or the chatbot dialog)
    completion: str  # exported completion: leading space + output + stop
    output_text: str  # the output without leading space or stop: the assistant message
    prompt_end: str  # what the prompt must end with (the separator, or "\nAgent:")
    separator_scope: str  # text in which the separator must not occur


class Conversation(NamedTuple):
    """Chat messages; for preference pairs, the input plus the two candidate replies."""

    messages: tuple[dict[str, Any], ...]
    preferred: str | None = None
    non_preferred: str | None = None


class Canonical(NamedTuple):
    rows: tuple[Row, ...] = ()
    conversation: Conversation | None = None
    # What "the same input" and "the same output" mean for duplicates and conflicts; None when the
    # example has no input or no output to compare (a conversation without a user turn or without a
    # trained assistant turn), so neither rule fires for it. `app.core.evaluate.identity` hashes them.
    input_key: str | None = ""
    output_key: str | None = ""


class Part(NamedTuple):
    """A counted string of a record: its place in the line, its text and its tokens."""

    name: str
    text: str
    tokens: int


class Parts(Sequence[Part]):
    """A record's parts, built when first read from what the count kept (`make()` gives them): the
    live panel shows them, `tunelab check` reads only the record's total, so a line of a big file
    never builds them. Reads, compares, hashes and prints as the tuple of its parts."""

    __slots__ = ("_make", "_parts")

    def __init__(self, make: Callable[[], Iterable[Part]]) -> None:
        self._make, self._parts = make, None

    def _tuple(self) -> tuple[Part, ...]:
        parts = self._parts
        if parts is None:  # (two threads may both build it: the same parts)
            parts = self._parts = tuple(self._make())
        return parts

    def __getitem__(self, index: Any) -> Any:
        return self._tuple()[index]

    def __len__(self) -> int:
        return len(self._tuple())

    def __iter__(self) -> Iterator[Part]:
        return iter(self._tuple())

    def __eq__(self, other: object) -> bool:
        return self._tuple() == (other._tuple() if isinstance(other, Parts) else other)

    def __hash__(self) -> int:
        return hash(self._tuple())

    def __repr__(self) -> str:
        return repr(self._tuple())


class Record(NamedTuple):
    line: dict[str, Any]  # exactly what is written as one JSONL line
    parts: Sequence[Part]  # a tuple, or `Parts` (built when read)
    tokens: int  # counted toward the model limit (format overhead included)
    billed_tokens: int  # counted toward the training estimate


class Rendered(NamedTuple):
    profile: str
    encoding: str
    approximate: bool
    canonical: Canonical
    records: tuple[Record, ...] = ()  # none when the profile refused the example (see `notes`)
    # What the profile's shape could not carry (`app.core.providers.Note`: merged / dropped / refused).
    notes: tuple[Any, ...] = ()
    # The profile's line-rule findings (`app.core.providers.Finding`), without those a RULES.md code
    # already reports (`app.core.evaluate` drops them; docs/provider-rules.md, "Overlaps").
    profile_findings: tuple[Any, ...] = ()
    template: str = ""  # which chat template counted the conversation ("" for tiktoken counts)

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.records)

    @property
    def billed_tokens(self) -> int:
        return sum(r.billed_tokens for r in self.records)
