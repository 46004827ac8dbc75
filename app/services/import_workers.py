"""The evaluation of an import's lines, in worker processes when the file is big.

Evaluating a line (render, count, rules: `core.importing.evaluated`) is most of an import's work
and needs nothing but the project's settings, so chunks of mapped values go to spawned worker
processes (each with the tokenizer files the caller activated) while the caller reads the file and
writes the rows; results come back in the file's order, with at most a few chunks in flight (flat
memory). Small files, `jobs=1`, or a machine that gives no processes: the same function in-process.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from app.check_jobs import default_jobs
from app.core.importing import Evaluated, evaluated
from app.core.model_table import ModelTable
from app.core.project_settings import ExampleValues, ProjectSettings

PARALLEL_MIN_LINES = 20_000  # below this the workers' start (tokenizer tables, ~1 s) costs more than it saves
IN_FLIGHT = 3  # chunks per worker sent ahead
_worker: dict[str, Any] = {}


def _start_worker(settings: dict[str, Any], profile: str, models: ModelTable) -> None:
    from app.core.tokens import OPEN_TOKENIZERS_ENV
    from app.tokenizer_files import DEFAULT_CACHE_DIR, DEFAULT_OPEN_DIR, activate

    activate(Path(os.environ.get("TIKTOKEN_CACHE_DIR", DEFAULT_CACHE_DIR)),
             Path(os.environ.get(OPEN_TOKENIZERS_ENV, DEFAULT_OPEN_DIR)), verify=False)
    _worker.update(settings=ProjectSettings.from_dict(settings), profile=profile, models=models)


def _evaluate_chunk(chunk: list[ExampleValues]) -> list[Evaluated]:
    settings, profile, models = _worker["settings"], _worker["profile"], _worker["models"]
    return [evaluated(settings, profile, models, values) for values in chunk]


class Evaluator:
    """`results(chunks)`: for each (tag, values) chunk, (tag, their evaluations), in order (in
    workers when `jobs` > 1); the tag is the caller's (the lines the values came from)."""

    def __init__(self, settings: ProjectSettings, profile: str, models: ModelTable, lines: int,
                 jobs: int | None = None) -> None:
        self.settings, self.profile, self.models = settings, profile, models
        self.jobs = default_jobs() if jobs is None else jobs
        if lines < PARALLEL_MIN_LINES:
            self.jobs = 1

    def results(self, chunks: Iterable[tuple[Any, list[ExampleValues]]]) -> Iterator[tuple[Any, list[Evaluated]]]:
        if self.jobs > 1:
            try:
                pool = ProcessPoolExecutor(self.jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                                           initargs=(self.settings.to_dict(), self.profile, self.models))
            except OSError:
                pool = None
            if pool is not None:
                with pool:
                    yield from self._in_pool(pool, chunks)
                return
        for tag, chunk in chunks:
            yield tag, [evaluated(self.settings, self.profile, self.models, values) for values in chunk]

    def _in_pool(self, pool: ProcessPoolExecutor,
                 chunks: Iterable[tuple[Any, list[ExampleValues]]]) -> Iterator[tuple[Any, list[Evaluated]]]:
        pending: deque[tuple[Any, list[ExampleValues], Future | None]] = deque()
        broken = False
        for tag, chunk in chunks:
            if not broken:
                try:
                    pending.append((tag, chunk, pool.submit(_evaluate_chunk, chunk)))
                except (BrokenProcessPool, RuntimeError):
                    broken = True
            if broken:
                pending.append((tag, chunk, None))
            while len(pending) > IN_FLIGHT * self.jobs or (pending and broken):
                yield self._result(*pending.popleft())
        while pending:
            yield self._result(*pending.popleft())

    def _result(self, tag: Any, chunk: list[ExampleValues], future: Future | None) -> tuple[Any, list[Evaluated]]:
        if future is not None:
            try:
                return tag, future.result()
            except BrokenProcessPool:  # a worker died: this chunk in-process (the same function)
                pass
        return tag, [evaluated(self.settings, self.profile, self.models, values) for values in chunk]
