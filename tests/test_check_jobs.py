"""`tunelab check` on several processes (real spawned workers) gives the one-pass report."""

from __future__ import annotations

import json

import pytest

from app import check_jobs
from app.cli import main
from app.core.check_report import write_json
from app.core.jsonl_check import check_file


def report(result) -> str:
    import io

    out = io.StringIO()
    write_json(result, out)
    return out.getvalue() + repr(result.findings) + repr(result.level_counts)


def chat(i: int) -> str:
    return json.dumps({"messages": [{"role": "user", "content": f"Where is order {i % 17}?"},
                                    {"role": "assistant", "content": "It ships today." if i % 5 else "It shipped."}]})


def test_three_workers_give_the_one_pass_report(tmp_path):
    lines = [chat(i) for i in range(300)]
    lines[40], lines[150], lines[299] = "", "not json", '{"prompt": "Hi ->", "completion": " there"}'
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parallel = check_jobs.check_file(path, jobs=3, min_bytes=0)
    assert report(parallel) == report(check_file(path))
    assert parallel.examples == 297 and "duplicate" in parallel.summaries and "conflict" in parallel.summaries


def test_a_prompt_completion_file_and_a_small_file_take_one_pass(tmp_path):
    path = tmp_path / "legacy.jsonl"
    path.write_text("".join(f'{{"prompt": "Item {i} ->", "completion": " yes END"}}\n' for i in range(20)), encoding="utf-8")
    assert report(check_jobs.check_file(path, jobs=4, min_bytes=0)) == report(check_file(path))
    assert check_jobs.default_jobs() >= 1


@pytest.mark.parametrize("bad", ["0", "-1", "x", "65"])
def test_jobs_must_be_a_number_of_processes(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(tmp_path / "f.jsonl"), "--jobs", bad])
    assert exit_info.value.code == 2
    assert "number of processes from 1 to 64" in capsys.readouterr().err


def test_without_processes_to_be_had_the_check_takes_one_pass(tmp_path, monkeypatch):
    """A machine that refuses to start processes (a sandbox) still gets its report."""
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(chat(i) for i in range(40)) + "\n", encoding="utf-8")

    class NoProcesses:
        def __init__(self, *args, **kwargs):
            raise OSError("fork refused")

    monkeypatch.setattr(check_jobs, "ProcessPoolExecutor", NoProcesses)
    assert report(check_jobs.check_file(path, jobs=2, min_bytes=0)) == report(check_file(path))
