"""Server-side SVG charts (no chart script from a CDN): geometry computed here, drawn by templates.

Charts stay readable at any size: bars are scaled to the largest value, labels carry exact
numbers, and long category lists are cut to the most frequent with a "N more" note.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.wording import say

MAX_BARS = 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    below_line: bool = False


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    line_at: float | None  # x (class chart) or x (histogram) of the threshold line, in px
    line_label: str
    hidden: int  # categories not drawn


def class_bars(counts: list[tuple[str, int]], threshold: int, width: int = 640, row: int = 26,
               label_width: int = 170) -> Chart:
    """Horizontal bars, one per class, with a vertical line at `threshold` examples."""
    shown = sorted(counts, key=lambda c: -c[1])[:MAX_BARS] if len(counts) > MAX_BARS else counts
    scale_max = max([threshold * 1.15] + [v * 1.05 for _, v in shown]) or 1
    plot = width - label_width - 70
    bars = [Bar(name, value, label_width, 8 + i * row, max(1.0, plot * value / scale_max) if value else 0.0, row - 8,
                value < threshold) for i, (name, value) in enumerate(shown)]
    return Chart(width, 16 + len(shown) * row, bars, label_width + plot * threshold / scale_max,
                 say("{threshold:d} per class", threshold=threshold), len(counts) - len(shown))


def histogram_bars(buckets: list[tuple[int, int, int]], limit: int, width: int = 640, height: int = 220) -> Chart:
    """Vertical bars for power-of-two token buckets; a line where the model's limit falls."""
    if not buckets:
        return Chart(width, height, [], None, "", 0)
    top = max(b[1] for b in buckets)
    edges = [(low, high, n) for low, high, n in buckets]
    lows = [b[0] for b in edges]
    highs = [b[1] for b in edges]
    first, last = min(lows), max(max(highs), limit if limit <= top * 4 else 0)
    columns = [(lo, hi) for lo, hi in _power_buckets(first, last)]
    counts = {(lo, hi): n for lo, hi, n in edges}
    tallest = max(n for _, _, n in edges) or 1
    plot_w, plot_h, left = width - 60, height - 50, 50
    step = plot_w / max(1, len(columns))
    bars = []
    for i, (lo, hi) in enumerate(columns):
        n = counts.get((lo, hi), 0)
        h = plot_h * n / tallest
        bars.append(Bar(f"{lo:,}–{hi:,}", n, left + i * step + 2, 10 + plot_h - h, step - 4, h, lo > limit))
    line = None
    for i, (lo, hi) in enumerate(columns):
        if lo <= limit <= hi:
            line = left + i * step + step * (limit - lo + 1) / (hi - lo + 1)
    return Chart(width, height, bars, line, say("limit {limit:,}", limit=limit), 0)


def _power_buckets(first: int, last: int) -> list[tuple[int, int]]:
    """Every bucket of core.dataset's histogram scheme (0, 1, 2–3, 4–7, …) from `first` to `last`."""
    return [((1 << b) >> 1, (1 << b) - 1) for b in range(first.bit_length(), last.bit_length() + 1)]
