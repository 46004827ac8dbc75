"""What an export does with one example under one profile (`verdict`), and what is kept of it (`Judged`).

Decided once, from `core.evaluate`'s result, for the preflight, every download and the kept export
lines alike:

- "refused": the profile's shape cannot carry the example (a `refused` note, or no line at all):
  always left out, and counted;
- "error": an error-level finding (the app's rules, or the profile's line rules): left out and
  counted unless the caller asks for such examples ("included");
- "written": its lines are written; "merged" and "dropped" notes say what the shape changed.

`judged(evaluation)` is the verdict without a caller's choice (refused / error / written), the codes
the rule report counts for the example and its lines as written (each followed by a newline): what
the app keeps so the next export need not render the example again.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from app.core.evaluate import Evaluation
from app.core.providers import Finding, Note


class Verdict(NamedTuple):
    """What the export does with one example, and why."""

    outcome: str  # "written" | "refused" | "error" (left out) | "included" (has an error, written as asked)
    notes: tuple[Note, ...]  # what the profile's shape merged, dropped or refused
    findings: tuple[Finding, ...]  # the profile's line rules, then the app's error-level findings

    @property
    def left_out(self) -> bool:
        return self.outcome in ("refused", "error")


def verdict(evaluation: Evaluation, include_errors: bool) -> Verdict:
    rendered = evaluation.rendered
    notes = tuple(rendered.notes)
    shown = {(n.code, n.message) for n in notes}
    findings = tuple(f for f in rendered.profile_findings if (f.code, f.message) not in shown)
    findings += tuple(Finding(f.code, f.level, f.message, "") for f in evaluation.errors)
    if any(n.effect == "refused" for n in notes) or not rendered.records:
        return Verdict("refused", notes, findings)
    if any(f.level == "error" for f in findings):
        return Verdict("included" if include_errors else "error", notes, findings)
    return Verdict("written", notes, findings)


class Judged(NamedTuple):
    """An example's export under one profile, as kept: the verdict without a caller's choice
    ("written", "error" or "refused"), the codes the rule report counts, the lines as written."""

    outcome: str
    codes: tuple[str, ...]
    lines: str

    @property
    def codes_json(self) -> str:
        """The codes as kept (a JSON list)."""
        return json.dumps(list(self.codes))


def judged(evaluation: Evaluation) -> Judged:
    decided = verdict(evaluation, include_errors=False)
    codes = sorted({n.code for n in decided.notes} | {f.code for f in decided.findings})
    return Judged(decided.outcome, tuple(codes), "".join(line + "\n" for line in evaluation.lines))
