"""`tunelab convert` end to end: the output file, the summary, the exit status, OUT never clobbered."""

import json
import subprocess
import sys
from pathlib import Path

from app import cli

ROOT = Path(__file__).resolve().parents[2]


def chat(i, reasoning=None):
    reply = {"role": "assistant", "content": f"Answer {i}."}
    if reasoning is not None:
        reply["reasoning_content"] = reasoning
    return {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Question {i}?"},
                         reply]}


def write(tmp_path, lines, name="in.jsonl"):
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def run(*args):
    proc = subprocess.run([sys.executable, "-m", "app", "convert", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def main(capsys, *args):
    status = cli.main(["convert", *map(str, args)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_a_file_is_converted_and_the_summary_says_what_was_dropped(tmp_path):
    source = write(tmp_path, [chat(i, reasoning="Think." if i % 2 else None) for i in range(12)])
    out = tmp_path / "openai.jsonl"
    status, stdout, stderr = run(source, "--to", "openai-chat", "--out", out)
    assert status == 0 and stderr == ""
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 12 and lines[0] == {"messages": chat(0)["messages"]}
    assert "from: fireworks-chat (Fireworks chat (SFT); detected; the same lines are read by trl-messages" in stdout
    assert "12 lines read, 12 written, 0 refused" in stdout
    assert "Dropped (written, without it)\n  carry-reasoning (6 lines): 2, 4, 6, 8, 10, 12\n" in stdout


def test_vertex_output_and_a_token_count_for_the_model(tmp_path, capsys):
    source = write(tmp_path, [chat(i) for i in range(12)])
    out = tmp_path / "gemini.jsonl"
    status, stdout, _ = main(capsys, source, "--to", "vertex-gemini", "--out", out, "--model", "gpt-4.1-mini")
    first = json.loads(out.read_text().splitlines()[0])
    assert status == 0 and first["systemInstruction"] == {"role": "system", "parts": [{"text": "Be brief."}]}
    assert first["contents"][1] == {"role": "model", "parts": [{"text": "Answer 0."}]}
    assert " tokens for gpt-4.1-mini, 0 refused" in stdout


def test_refused_lines_exit_1_with_their_numbers_and_reason(tmp_path, capsys):
    source = write(tmp_path, [chat(i) for i in range(12)])
    out = tmp_path / "pc.jsonl"
    status, stdout, _ = main(capsys, source, "--to", "openai-legacy", "--out", out)
    assert status == 1 and not out.exists()  # nothing to write: no empty file
    assert "Refused (12 lines, not written)\n  carry-kind (12 lines): 1, 2, 3" in stdout
    assert "writes classification, generation examples, not chat" in stdout


def test_an_existing_out_is_refused_unless_force(tmp_path, capsys):
    source = write(tmp_path, [chat(i) for i in range(12)])
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n")
    status, stdout, stderr = main(capsys, source, "--to", "trl-messages", "--out", out)
    assert status == 2 and stdout == "" and "exists; pass --force" in stderr and out.read_text() == "keep me\n"
    status, _, _ = main(capsys, source, "--to", "trl-messages", "--out", out, "--force")
    assert status == 0 and len(out.read_text().splitlines()) == 12
    status, _, stderr = main(capsys, source, "--to", "trl-messages", "--out", source, "--force")
    assert status == 2 and "is the input file" in stderr


def test_a_line_that_is_not_json_exits_2_naming_it_and_writes_nothing(tmp_path):
    source = write(tmp_path, [chat(1), chat(2), '{"messages": [', chat(3)])
    out = tmp_path / "out.jsonl"
    status, stdout, stderr = run(source, "--to", "trl-messages", "--out", out)
    assert status == 2 and stdout == ""
    assert "line 3: not valid JSON" in stderr and not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left behind


def test_bad_input_exits_2(tmp_path):
    out = tmp_path / "out.jsonl"
    status, _, stderr = run(tmp_path / "missing.jsonl", "--to", "trl-messages", "--out", out)
    assert status == 2 and "cannot read" in stderr
    status, _, stderr = run(write(tmp_path, [chat(1)]), "--to", "openai", "--out", out)
    assert status == 2 and "invalid choice: 'openai'" in stderr
    status, _, stderr = run(write(tmp_path, [{"text": "hello"}], "text.jsonl"), "--to", "trl-messages", "--out", out)
    assert status == 2 and "no line is in a known shape" in stderr and not out.exists()


def test_azure_output_starts_with_a_bom_and_from_forces_the_source(tmp_path, capsys):
    source = write(tmp_path, [chat(i) for i in range(12)])
    out = tmp_path / "azure.jsonl"
    status, stdout, _ = main(capsys, source, "--to", "azure-openai-chat", "--out", out, "--from", "together-chat")
    assert status == 0 and out.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert "from: together-chat (Together conversational; given with --from)" in stdout


def test_the_target_hard_rules_are_reported_and_exit_1(tmp_path, capsys):
    lines = [{"messages": [{"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": "Hello"},
                           {"role": "system", "content": "Be terse."}]} for i in range(12)]
    out = tmp_path / "fw.jsonl"
    status, stdout, _ = main(capsys, write(tmp_path, lines), "--to", "fireworks-chat", "--out", out)
    assert status == 1 and len(out.read_text().splitlines()) == 12
    assert "Hard rules of fireworks-chat\n  error   fireworks-system-not-first (12 lines): 1, 2, 3" in stdout


def test_kind_names_the_task_kind_a_shape_does_not_say(tmp_path, capsys):
    pairs = write(tmp_path, [{"prompt": f"Review {i} ->", "completion": " positive"} for i in range(12)])
    chat_file = tmp_path / "chat.jsonl"
    status, stdout, _ = main(capsys, pairs, "--to", "trl-messages", "--out", chat_file, "--kind", "cls")
    assert status == 0 and "Merged (written, moved or joined)\n  carry-prompt-completion (12 lines)" in stdout
    back = tmp_path / "back.jsonl"
    status, _, _ = main(capsys, chat_file, "--to", "openai-legacy", "--out", back, "--kind", "cls")
    assert status == 0 and back.read_text() == pairs.read_text()


def test_a_conversion_that_writes_nothing_leaves_out_as_it_was(tmp_path, capsys):
    """Every line refused (chat lines to a preference shape): no empty file is made, and with --force
    an earlier OUT is not emptied."""
    source = write(tmp_path, [chat(i) for i in range(3)])
    target = tmp_path / "out.jsonl"
    status, out, _ = main(capsys, source, "--to", "openai-preference", "--out", target)
    assert status == 1 and not target.exists()
    assert "Nothing written" in out and "carry-kind" in out
    target.write_text("earlier\n")
    status, out, _ = main(capsys, source, "--to", "openai-preference", "--out", target, "--force")
    assert status == 1 and target.read_text() == "earlier\n" and "left as it was" in out
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
