"""An import's lines made ready to write (`core.import_rows.prepare`), in worker processes when the file is big.

Reading a line, mapping it and evaluating it (render, count, rules) is most of an import's work and
needs nothing but the project's settings. So chunks of the file go to spawned worker processes
(each with the tokenizer files the caller activated) while the caller only writes the rows: a
JSONL file's lines go as they are (`import_lines.RawLines`: the workers parse them); lines the
caller had to map itself (CSV rows, joined support conversations) go mapped. Results come back in
the file's order, with at most a few chunks in flight (flat memory). Small files, `jobs=1`, or a
machine that gives no processes: the same function in-process.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from app.check_jobs import default_jobs
from app.core.import_lines import Line, RawLines, jsonl_lines
from app.core.import_rows import Prepared, prepare
from app.core.importing import Importer, Mapped
from app.core.model_table import ModelTable
from app.core.project_settings import ProjectSettings

PARALLEL_MIN_LINES = 20_000  # below this the workers' start (tokenizer tables, ~1 s) costs more than it saves
IN_FLIGHT = 3  # chunks per worker sent ahead
Chunk = RawLines | list[tuple[Line, Mapped | None]]


class Preparing:
    """What preparing a project's lines needs: its settings, the export profile the lines are
    judged under and, for raw JSONL lines, the profile (shape) the file is in."""

    def __init__(self, settings: ProjectSettings, profile: str, models: ModelTable, file_profile: str | None) -> None:
        self.settings, self.profile, self.models, self.file_profile = settings, profile, models, file_profile
        self.importer = Importer(settings)

    def chunk(self, chunk: Chunk) -> list[Prepared]:
        if isinstance(chunk, RawLines):
            assert self.file_profile is not None
            lines = jsonl_lines(io.BytesIO(chunk.data), self.file_profile, self.settings.kind, chunk.first)
            pairs: Iterable[tuple[Line, Mapped | None]] = (
                (line, self.importer.example(line.value) if line.value is not None else None) for line in lines)
        else:
            pairs = chunk
        return [prepare(self.settings, self.profile, self.models, line, mapped) for line, mapped in pairs]


_worker: dict[str, Preparing] = {}


def _start_worker(settings: dict[str, Any], profile: str, models: ModelTable, file_profile: str | None) -> None:
    from app.core.tokens import OPEN_TOKENIZERS_ENV
    from app.tokenizer_files import DEFAULT_CACHE_DIR, DEFAULT_OPEN_DIR, activate

    activate(Path(os.environ.get("TIKTOKEN_CACHE_DIR", DEFAULT_CACHE_DIR)),
             Path(os.environ.get(OPEN_TOKENIZERS_ENV, DEFAULT_OPEN_DIR)), verify=False)
    _worker["preparing"] = Preparing(ProjectSettings.from_dict(settings), profile, models, file_profile)


def _prepare_chunk(chunk: Chunk) -> list[Prepared]:
    return _worker["preparing"].chunk(chunk)


class Preparer:
    """`results(chunks)`: for each chunk of lines, their `Prepared` outcomes, in order (in workers
    when `jobs` > 1)."""

    def __init__(self, preparing: Preparing, lines: int, jobs: int | None = None) -> None:
        self.preparing = preparing
        self.jobs = default_jobs() if jobs is None else jobs
        if lines < PARALLEL_MIN_LINES:
            self.jobs = 1

    def results(self, chunks: Iterable[Chunk]) -> Iterator[list[Prepared]]:
        if self.jobs > 1:
            p = self.preparing
            try:
                pool = ProcessPoolExecutor(self.jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                                           initargs=(p.settings.to_dict(), p.profile, p.models, p.file_profile))
            except OSError:
                pool = None
            if pool is not None:
                with pool:
                    yield from self._in_pool(pool, chunks)
                return
        for chunk in chunks:
            yield self.preparing.chunk(chunk)

    def _in_pool(self, pool: ProcessPoolExecutor, chunks: Iterable[Chunk]) -> Iterator[list[Prepared]]:
        pending: deque[tuple[Chunk, Future | None]] = deque()
        broken = False
        for chunk in chunks:
            if not broken:
                try:
                    pending.append((chunk, pool.submit(_prepare_chunk, chunk)))
                except (BrokenProcessPool, RuntimeError):
                    broken = True
            if broken:
                pending.append((chunk, None))
            while len(pending) > IN_FLIGHT * self.jobs or (pending and broken):
                yield self._result(*pending.popleft())
        while pending:
            yield self._result(*pending.popleft())

    def _result(self, chunk: Chunk, future: Future | None) -> list[Prepared]:
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:  # a worker died: this chunk in-process (the same function)
                pass
        return self.preparing.chunk(chunk)
