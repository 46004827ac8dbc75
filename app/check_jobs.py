"""`tunelab check` on several processes: a big chat or preference file is cut into parts at line
ends (`app.core.check_parts`), each part is checked in a process of its own, and the parts'
results are joined into the report one pass gives, so a million-line file takes about 1/N of the
time on N cores.

Workers are spawned (a fresh interpreter: nothing of the caller's threads or state is inherited),
find the tokenizer files the caller checked (`activate(verify=False)`) and read their part of the
file themselves; only their gathered results (counts, the duplicate index's arrays, the first
findings) come back. Small files (under `PARALLEL_MIN_BYTES`, where starting the workers would
cost more than it saves), prompt/completion files (see `check_parts.Start.cuttable`), pipes and
`jobs=1` are checked in one pass. As with any `multiprocessing` program, a script that calls
`check_file` must start from an `if __name__ == "__main__":` block (the CLI and the console
script do).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from app.core import check_parts, jsonl_check
from app.core.check_report import CheckResult

PARALLEL_MIN_BYTES = 32 * 1024 * 1024  # ~65,000 chat lines: below this one pass is quicker
MAX_DEFAULT_JOBS = 4  # each worker holds its own tokenizer tables (~100 MB)


def default_jobs() -> int:
    """The CPUs this process may run on, at most MAX_DEFAULT_JOBS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_JOBS))


def check_file(path: str | Path, jobs: int | None = None, min_bytes: int = PARALLEL_MIN_BYTES,
               **options: Any) -> CheckResult:
    """`jsonl_check.check_file(path, **options)`, on `jobs` processes (default: `default_jobs()`)
    when the file is a chat or preference file of at least `min_bytes`. The same report either way."""
    jobs = default_jobs() if jobs is None else jobs
    path = Path(path)
    if jobs <= 1 or options.get("models") is not None or not path.is_file() or path.stat().st_size < min_bytes:
        return jsonl_check.check_file(path, **options)
    kind = jsonl_check.checked_options(options.get("profile"), options.get("kind"))
    model = options.get("model", jsonl_check.DEFAULT_MODEL)
    parts = check_parts.cut(path, jobs)
    start = check_parts.plan_parts(path, parts[0], model, options.get("profile"), options.get("separator"),
                                   options.get("stop"), options.get("labels"), kind)
    if len(parts) < 2 or not start.cuttable:
        return jsonl_check.check_file(path, **options)
    try:
        with ProcessPoolExecutor(len(parts), mp_context=get_context("spawn"), initializer=_start_worker) as pool:
            results = list(pool.map(check_parts.check_part, [path] * len(parts), parts, [start] * len(parts),
                                    [model] * len(parts)))
    except (BrokenProcessPool, OSError):  # no processes to be had here (a sandbox, a worker killed): one pass
        return jsonl_check.check_file(path, **options)
    return check_parts.join_parts(path, start, model, results)


def _start_worker() -> None:
    from app.tokenizer_files import activate

    activate(verify=False)
