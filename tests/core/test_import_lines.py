"""Reading CSV rows for an import: a row the csv module cannot read is named with its line and why,
in our own words, and the rows after it are still read."""

from __future__ import annotations

import io

from app.core import import_lines


def test_a_cell_over_the_limit_is_named_and_the_next_rows_are_read(monkeypatch):
    monkeypatch.setattr(import_lines, "MAX_CELL", 100)
    data = "text,label\nshort,positive\n" + "x" * 150 + ",negative\nfine,negative\n"
    lines = list(import_lines.csv_rows(io.BytesIO(data.encode()), "csv"))
    assert lines[0].value == ["text", "label"]
    assert lines[1].value == {"text": "short", "label": "positive"}
    assert lines[2].number == 3 and lines[2].value is None
    assert lines[2].faults == (("line", "The row cannot be read as CSV: a cell is longer than 100 characters."),)
    assert lines[3].value == {"text": "fine", "label": "negative"}
