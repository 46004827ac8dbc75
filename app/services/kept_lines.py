"""Kept export lines: an export streams the lines kept for an example while they are current, and
renders (and keeps) the others, so exporting a million examples a second time is a scan, not a
million renders.

What is kept is `core.export_verdict.judged` of `core.evaluate` (the one render path): the same
lines, verdict and codes a fresh render gives. Editing an example's fields or output, by any path,
deletes what was kept of it (a database trigger); kept lines are used only under their stamp: a
digest of the project's settings and a digest of what judges an example (the code in `app/core`,
the model table, the tokenizer files' pinned digests). So changing the settings or upgrading
tunelab leaves kept lines unused, never wrong. Imports keep their examples' lines under the project's profile;
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
from app.core.export_verdict import judged
from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues, ProjectSettings
from app.storage import export_lines as store
from app.storage.export_lines import Kept, Row
from app.storage.tables import Project

APP = Path(__file__).resolve().parent.parent
BATCH = 1000
LINES, FIELDS, OUTPUT, VERSION = (Row._fields.index(name) for name in ("lines", "fields", "output", "version"))


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


def judged_batches(engine: Engine, session: Session, project: Project, settings: ProjectSettings,
                   statuses: Sequence[str] | None, profile: str, models: ModelTable) -> Iterator[list[tuple]]:
    """Every example of `statuses` in id order, a batch at a time, each as a `storage.export_lines.Row`
    tuple whose lines, outcome and codes are set: kept, or rendered now (and kept)."""
    current, last, keeping = stamp(project), 0, True
    while rows := store.for_export(session, project.id, statuses, profile, current, last, BATCH):
        rendered: list[Kept] = []
        for index, row in enumerate(rows):
            if row[LINES] is None:
                fields, output = row[FIELDS], row[OUTPUT]
                values = ExampleValues(json.loads(fields), None if output is None else json.loads(output))
                result = judged(evaluate(settings, values, profile, models=models))
                rendered.append(Kept(row[0], row[VERSION], result.outcome, result.codes_json, result.lines))
                rows[index] = Row(*row[:LINES], result.lines, result.outcome, result.codes_json, None, None, None)
        yield rows
        last = rows[-1][0]
        if rendered and keeping:
            keeping = store.keep_now(engine, profile, current, rendered)
