"""Kept export lines: an export streams the lines kept for an example while they are current, and
renders (and keeps) the others, so exporting a million examples a second time is a scan, not a
million renders.

What is kept is `core.export_verdict.judged` of `core.evaluate` (the one render path): the same
lines, verdict and codes a fresh render gives. It is current while the example's stored fields
and output are the text it was made from and its stamp matches: a digest of the project's settings and
a digest of what judges an example (the code in `app/core`, the model table, the tokenizer files'
pinned digests). Editing an example by any path, changing the settings or upgrading tunelab leaves
kept lines unused, never wrong. Imports keep their examples' lines under the project's profile;
each export keeps what it had to render, in short writes of its own that are skipped (not waited
for) while another write holds SQLite's lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from hashlib import sha256
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.evaluate import evaluate
from app.core.export_verdict import Judged, judged
from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues, ProjectSettings
from app.storage import export_lines as store
from app.storage.export_lines import Kept, Row
from app.storage.tables import Project

APP = Path(__file__).resolve().parent.parent
BATCH = 1000


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 (32 hex digits) of what judges an example besides its project's settings."""
    paths = [*(APP / "core").rglob("*.py"), *(APP / "data").glob("*.json"), APP / "tokenizer_files.py"]
    digest = sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(APP)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def stamp(project: Project) -> str:
    """What kept lines were judged under: the project's settings (a digest) and `code_digest`."""
    settings = json.dumps(project.settings, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return f"{sha256(settings).hexdigest()[:16]}:{code_digest()}"


def kept(example_id: int, fields: str, output: str | None, result: Judged) -> Kept:
    return Kept(example_id, fields, output, result.outcome, json.dumps(list(result.codes)), result.lines)


def keep(session: Session, project: Project, profile: str, rows: Sequence[Kept]) -> None:
    """Keep `rows` under `profile` in the caller's transaction (an import's new examples)."""
    store.keep(session, project.id, profile, stamp(project), rows)


def judged_examples(engine: Engine, session: Session, project: Project, settings: ProjectSettings,
                    statuses: Sequence[str] | None, profile: str, models: ModelTable) -> Iterator[tuple[Row, Judged]]:
    """Every example of `statuses` in id order with its export under `profile`: kept, or rendered now."""
    current, last, keeping = stamp(project), 0, True
    codes: dict[str, tuple[str, ...]] = {}
    while rows := store.for_export(session, project.id, statuses, profile, current, last, BATCH):
        rendered: list[Kept] = []
        for row in rows:
            if row.lines is not None:
                found = codes.get(row.codes) or codes.setdefault(row.codes, tuple(json.loads(row.codes)))
                yield row, Judged(row.outcome, found, row.lines)
                continue
            values = ExampleValues(json.loads(row.fields), None if row.output is None else json.loads(row.output))
            result = judged(evaluate(settings, values, profile, models=models))
            rendered.append(kept(row.id, row.fields, row.output, result))
            yield row, result
        last = rows[-1].id
        if rendered and keeping:
            keeping = store.keep_now(engine, project.id, profile, current, rendered)
