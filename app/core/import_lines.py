"""Reading a file to import, one line or row at a time, never whole: JSONL in a profile's shape, or
CSV/TSV with a header.

Every item is a `Line`: its line number (1-based, as an editor shows it), the parsed value (a
neutral example, or a CSV row as {column: text}) or None, and the faults that stop it being
imported, as (field, message). A UTF-8 BOM, CRLF line endings, a missing final newline and blank
lines are what users' files have: they are read as meant. A line that is not UTF-8, not JSON, not
an object, not in the file's shape, or holds a NUL or a lone surrogate is a fault of that line; the
reading goes on. A CSV cell may span lines (quoted); its row is numbered by the line it starts on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from app.core import providers
from app.core.check_lines import BOM, NOT_READ, parse_line
from app.core.check_shapes import Shape, find_shape
from app.core.importing import text_faults
from app.core.providers.base import ShapeError
from app.core.wording import say

FORMATS = ("jsonl", "csv", "tsv")
DELIMITERS = {"csv": ",", "tsv": "\t"}
MAX_CELL = 64 * 1024 * 1024  # the csv module's cap on one cell (its default, 128 KiB, is less than a field may hold)
SNIFF_BYTES = 65536


class Line(NamedTuple):
    number: int
    value: Any  # a neutral example (JSONL) or {column: text} (CSV); None when faulted
    faults: tuple[tuple[str, str], ...] = ()
    size: int = 0  # bytes of the line as read (a batch of long lines is cut short by their size)


class FileKind(NamedTuple):
    format: str  # jsonl | csv | tsv
    shape: Shape | None = None  # JSONL: the profile its lines are in
    columns: tuple[str, ...] = ()  # CSV/TSV: the header


class NotReadable(ValueError):
    """The file as a whole cannot be imported (no line in a known shape, no header, empty)."""


def guess_format(stream: IO[bytes], filename: str = "") -> str:
    """jsonl, csv or tsv: the name's extension, else the first bytes (the stream is rewound)."""
    lowered = filename.lower()
    for fmt, ends in (("jsonl", (".jsonl", ".json", ".ndjson")), ("tsv", (".tsv", ".tab")), ("csv", (".csv",))):
        if lowered.endswith(ends):
            return fmt
    start = stream.read(SNIFF_BYTES)
    stream.seek(0)
    text = start.removeprefix(BOM).lstrip()
    if text.startswith(b"{"):
        return "jsonl"
    first = text.split(b"\n", 1)[0]
    return "tsv" if first.count(b"\t") > first.count(b",") else "csv"


def inspect(stream: IO[bytes], fmt: str, profile: str | None = None) -> FileKind:
    """The file's shape (JSONL, as `tunelab check` detects it, or `profile` when given) or header."""
    stream.seek(0)
    if fmt == "jsonl":
        shape = find_shape(stream, profile or None)
        stream.seek(0)
        if shape is None or shape.profile not in providers.PROFILES:
            raise NotReadable(say("No line of the file is in a shape tunelab knows (OpenAI chat or "
                                  "prompt/completion, a provider's or an open stack's): see `tunelab profiles`."))
        return FileKind("jsonl", shape)
    header = next(csv_rows(stream, fmt, header_only=True), None)
    stream.seek(0)
    if header is None or not header.value:
        raise NotReadable(say("The {format} file has no header row: its first line must name the columns.",
                              format=fmt.upper()))
    columns = tuple(header.value)
    if len(set(columns)) != len(columns):
        twice = ", ".join(sorted({c for c in columns if columns.count(c) > 1}))
        raise NotReadable(say("The header names a column twice ({columns}): give each column its own name.",
                              columns=twice))
    return FileKind(fmt, columns=columns)


def count_lines(stream: IO[bytes]) -> int:
    """Lines that are not blank (what a progress bar counts toward), read in blocks."""
    stream.seek(0)
    total = 0
    tail = b""
    while block := stream.read(1 << 20):
        lines = (tail + block).split(b"\n")
        tail = lines.pop()
        total += sum(1 for line in lines if line.strip())
    total += bool(tail.strip())
    stream.seek(0)
    return total


def _json_value(raw: bytes) -> tuple[Any, tuple[tuple[str, str], ...]]:
    """The line's JSON value as `tunelab check` reads it (`check_lines.parse_line`), with its faults."""
    found: list = []
    value = parse_line(raw, found)
    if value is NOT_READ:
        return None, tuple(("line", f.message) for f in found)
    return value, (text_faults(value) if b"\\u" in raw else ())


def jsonl_lines(stream: IO[bytes], profile: str, kind: str, first: int = 1) -> Iterator[Line]:
    """Each non-blank line read by `profile`'s reader into a neutral example of `kind`; `first`: the
    number of the stream's first line (a chunk of the file, `raw_chunks`)."""
    reader = providers.PROFILES[profile]
    for number, raw in enumerate(stream, first):
        if number == 1:
            raw = raw.removeprefix(BOM)
        if not raw.strip():
            continue
        value, faults = _json_value(raw)
        if faults:
            yield Line(number, None, faults)
            continue
        if type(value) is not dict:
            yield Line(number, None, (("line", say("The line is not a JSON object ({...}).")),))
            continue
        try:
            yield Line(number, reader.read(value, kind), (), len(raw))
        except ShapeError as exc:
            yield Line(number, None, (("line", say("The line is not in the file's shape ({title}): {error}.",
                                                   title=reader.title, error=exc)),))


class RawLines(NamedTuple):
    """Lines of a file as they are (`data`, each with its newline), the first of them line `first`."""

    first: int
    data: bytes


def raw_chunks(stream: IO[bytes], lines: int, size: int) -> Iterator[RawLines]:
    """The stream's lines, unread, in chunks of `lines` lines or about `size` bytes, whichever comes
    first: what worker processes read (`jsonl_lines` on each) while the caller writes."""
    parts: list[bytes] = []
    first = total = 0
    for number, raw in enumerate(stream, 1):
        if not parts:
            first = number
        parts.append(raw)
        total += len(raw)
        if len(parts) >= lines or total >= size:
            yield RawLines(first, b"".join(parts))
            parts, total = [], 0
    if parts:
        yield RawLines(first, b"".join(parts))


def _decoded(stream: IO[bytes], bad: set[int]) -> Iterator[str]:
    for number, raw in enumerate(stream, 1):
        if number == 1:
            raw = raw.removeprefix(BOM)
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.add(number)
            yield raw.decode("utf-8", errors="replace")


def csv_reason(exc: csv.Error) -> str:
    """What the csv module found wrong, as a message (its own words where it is not one we know)."""
    reason = str(exc)
    if reason.startswith("field larger than field limit"):
        return say("a cell is longer than {limit:,} characters", limit=MAX_CELL)
    if reason.startswith("new-line character seen in unquoted field"):
        return say("a line break inside a cell that is not in quotes")
    return reason


def csv_rows(stream: IO[bytes], fmt: str, header_only: bool = False) -> Iterator[Line]:
    """The header (as a list, line 1), then each data row as {column: text}."""
    csv.field_size_limit(MAX_CELL)
    bad: set[int] = set()
    reader = csv.reader(_decoded(stream, bad), delimiter=DELIMITERS[fmt])
    header: list[str] | None = None
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Line(start, None, (("line", say("The row cannot be read as {format}: {error}.", format=fmt.upper(),
                                                  error=csv_reason(exc))),))
            start = reader.line_num + 1
            continue
        number, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            yield Line(number, header)
            if header_only:
                return
            continue
        faults = [("line", say("The line is not valid UTF-8: save the file as UTF-8."))] if bad & set(range(number, start)) else []
        if len(cells) != len(header):
            faults.append(("line", say("The row has {count} cells; the header has {total}.", count=len(cells),
                                       total=len(header))))
        row = dict(zip(header, (cell.replace("\r\n", "\n") for cell in cells)))  # LF, as the form stores text
        faults.extend(text_faults(row))
        yield Line(number, None if faults else row, tuple(faults), sum(map(len, cells)))
