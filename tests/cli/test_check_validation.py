"""`tunelab check TRAIN --validation VALIDATION`: the validation lines whose input is also in the
training file (split-leakage, a warning), with their line numbers, in the text and the JSON report;
a clean pair says so; a missing validation file exits 2."""

from __future__ import annotations

import json

from app import cli


def chat(question: str, answer: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]})


def files(tmp_path, validation_questions):
    train = tmp_path / "train.jsonl"
    train.write_text("".join(chat(f"question {i}", f"answer {i}") + "\n" for i in range(12)))
    validation = tmp_path / "validation.jsonl"
    validation.write_text("".join(chat(q, "another answer") + "\n" for q in validation_questions))
    return train, validation


def check(capsys, *args):
    status = cli.main(["check", *map(str, args)])
    said = capsys.readouterr()
    return status, said.out, said.err


def test_leaking_lines_are_named_with_the_training_line(tmp_path, capsys):
    train, validation = files(tmp_path, ["question 3", "something new", "question 7", "question 3"])
    status, out, _ = check(capsys, train, "--validation", validation)
    assert status == 0  # a warning
    assert f"Validation file {validation}: 4 lines\nwarning split-leakage (3 lines): 1, 3, 4\n" in out
    assert "validation line 1: its input is line 4 of the training file" in out
    assert "validation line 3: its input is line 8 of the training file" in out
    assert "warning split-leakage: 3 validation lines have an input that is also in the training file" in out

    status, out, _ = check(capsys, train, "--validation", validation, "--format", "json")
    report = json.loads(out)
    assert status == 0 and "split-leakage" in report["dataset"]
    assert report["dataset"].index("split-leakage") < report["dataset"].index("estimate")  # catalogue order
    assert report["validation"] == {"file": str(validation), "lines": 4, "leaks": [
        {"line": 1, "train_line": 4}, {"line": 3, "train_line": 8}, {"line": 4, "train_line": 4}]}


def test_a_clean_pair_says_so_and_the_report_without_validation_is_unchanged(tmp_path, capsys):
    train, validation = files(tmp_path, ["new one", "new two"])
    status, out, _ = check(capsys, train, "--validation", validation)
    assert status == 0 and "No validation line has an input that is in the training file (split-leakage: none)." in out
    _, out, _ = check(capsys, train, "--validation", validation, "--format", "json")
    report = json.loads(out)
    assert "split-leakage" not in report["dataset"] and report["validation"]["leaks"] == []
    _, out, _ = check(capsys, train, "--format", "json")
    assert "validation" not in json.loads(out)


def test_a_missing_validation_file_exits_2(tmp_path, capsys):
    train, _ = files(tmp_path, [])
    status, out, err = check(capsys, train, "--validation", tmp_path / "nope.jsonl")
    assert status == 2 and out == ""
    assert err == f"tunelab: --validation: cannot read {tmp_path / 'nope.jsonl'}: No such file or directory\n"
