"""`tunelab check` end to end: exit status, the JSON contract, the linter-style text report."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from app.tokenizer_files import TokenizerFilesError

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


def chat(i, weight=None):
    reply = {"role": "assistant", "content": f"Here is answer number {i}."}
    if weight is not None:
        reply["weight"] = weight
    return {"messages": [SYSTEM, {"role": "user", "content": f"Question number {i}?"}, reply]}


def write(tmp_path, lines, name="data.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def run(*args):
    """The CLI in a subprocess, as a user runs it: (exit status, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "app", "check", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def main(capsys, *args):
    status = cli.main(["check", *map(str, args)])
    out = capsys.readouterr()
    return status, out.out, out.err


# Exit status ------------------------------------------------------------------------------------

def test_a_clean_file_exits_0_and_a_file_with_errors_exits_1(tmp_path):
    status, out, err = run(write(tmp_path, [chat(i) for i in range(12)]), "--format", "json")
    assert status == 0 and err == ""
    assert json.loads(out)["lines"] == []
    status, out, _ = run(write(tmp_path, [chat(i, weight=1.0 if i == 4 else None) for i in range(12)], "bad.jsonl"),
                         "--format", "json")
    assert status == 1
    assert json.loads(out)["lines"] == [{"line": 5, "codes": ["chat-weight-invalid"]}]


def test_dataset_errors_also_exit_1(tmp_path):
    status, out, _ = run(write(tmp_path, [chat(i) for i in range(3)]), "--format", "json")
    assert status == 1 and "too-few-examples" in json.loads(out)["dataset"]


def test_a_file_that_cannot_be_read_exits_2(tmp_path):
    status, out, err = run(tmp_path / "missing.jsonl")
    assert status == 2 and out == "" and "cannot read" in err and "No such file" in err
    status, _, err = run(tmp_path)
    assert status == 2 and "Is a directory" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission bits")
def test_a_file_without_read_permission_exits_2(tmp_path):
    path = write(tmp_path, [chat(1)])
    path.chmod(0)
    status, _, err = run(path)
    assert status == 2 and "Permission denied" in err


def test_missing_tokenizer_files_exit_2(tmp_path, capsys, monkeypatch):
    def broken():
        raise TokenizerFilesError("tokenizer file for o200k_base is missing: run `make setup`")

    monkeypatch.setattr(cli, "activate", broken)
    status, out, err = main(capsys, write(tmp_path, [chat(1)]))
    assert status == 2 and out == "" and "make setup" in err


def test_the_installed_tunelab_script_runs(tmp_path):
    script = Path(sys.executable).parent / "tunelab"
    if not script.exists():
        pytest.skip("the tunelab script is not installed (pip install -e .)")
    proc = subprocess.run([str(script), "check", str(write(tmp_path, [chat(i) for i in range(12)]))],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "0 errors" in proc.stdout


# The JSON contract --------------------------------------------------------------------------------

def test_the_json_report_has_exactly_the_contract_keys_and_types(tmp_path):
    lines = [chat(i) for i in range(12)]
    lines[3] = lines[1]
    lines[6]["messages"][2]["weight"] = "1"
    status, out, _ = run(write(tmp_path, lines), "--format", "json")
    report = json.loads(out)
    assert list(report) == ["format", "also", "model", "examples", "tokens", "lines", "dataset", "estimate"]
    assert report["format"] == "openai-chat" and report["model"] == "gpt-4.1-mini"
    # The other readers of these lines (line 7's weight is one TRL and Axolotl do not read)
    assert report["also"] == ["azure-openai-chat", "together-chat", "together-chat-tools", "fireworks-chat",
                              "mistral-finetune"]
    assert type(report["examples"]) is int and report["examples"] == 12
    assert type(report["tokens"]) is int and report["tokens"] > 0
    assert report["lines"] == [{"line": 2, "codes": ["duplicate"]}, {"line": 4, "codes": ["duplicate"]},
                               {"line": 7, "codes": ["chat-weight-invalid"]}]
    for entry in report["lines"]:
        assert list(entry) == ["line", "codes"] and entry["codes"] == sorted(entry["codes"])
    assert report["dataset"] == ["few-examples", "estimate"]
    estimate = report["estimate"]
    assert list(estimate) == ["billed_tokens", "epochs", "cost_usd"]
    assert type(estimate["billed_tokens"]) is int and estimate["epochs"] == 8 and type(estimate["cost_usd"]) is float
    assert status == 1


def test_cost_is_null_for_a_model_without_a_price_and_estimate_null_without_examples(tmp_path, capsys):
    status, out, _ = main(capsys, write(tmp_path, [chat(i) for i in range(12)]), "--format", "json",
                          "--model", "llama-3.1-8b-instruct")
    report = json.loads(out)
    assert report["model"] == "llama-3.1-8b-instruct" and report["estimate"]["cost_usd"] is None
    status, out, _ = main(capsys, write(tmp_path, [], "empty.jsonl"), "--format", "json")
    assert json.loads(out) == {"format": "unknown", "also": [], "model": "gpt-4.1-mini", "examples": 0, "tokens": 0, "lines": [],
                               "dataset": ["too-few-examples", "few-examples"], "estimate": None}
    assert status == 1


def test_every_line_of_a_duplicate_group_is_listed(tmp_path, capsys):
    lines = [chat(i) for i in range(30)]
    for i in (10, 20, 29):
        lines[i] = lines[0]
    _, out, _ = main(capsys, write(tmp_path, lines), "--format", "json")
    assert [e["line"] for e in json.loads(out)["lines"] if "duplicate" in e["codes"]] == [1, 11, 21, 30]


# Options ------------------------------------------------------------------------------------------

def test_separator_and_stop_accept_escapes(tmp_path, capsys):
    lines = [{"prompt": f"Product {i}\n\n###\n\n", "completion": f" A fine product {i}\n"} for i in range(12)]
    lines[2]["prompt"] = "Product 2\n\n"
    lines[5]["completion"] = " No newline"
    _, out, _ = main(capsys, write(tmp_path, lines), "--format", "json", "--separator", "\\n\\n###\\n\\n",
                     "--stop", "\\n", "--kind", "gen")
    assert json.loads(out)["lines"] == [{"line": 3, "codes": ["separator-missing"]}, {"line": 6, "codes": ["stop-missing"]}]


def test_kind_takes_the_kind_names_and_rules_md_s_short_names(tmp_path, capsys):
    lines = [{"prompt": f"Tweet {i} ->", "completion": [" positive", " negative"][i % 2]} for i in range(12)]
    path = write(tmp_path, lines)
    for kind, shown in (("classification", "classification"), ("cls", "classification"), ("gen", "generation"),
                        ("generation", "generation")):
        _, out, _ = main(capsys, path, "--kind", kind)
        assert f"  kind: {shown} (given)" in out
    with pytest.raises(SystemExit):
        cli.main(["check", str(path), "--kind", "chat"])  # not a kind of prompt/completion file
    assert "invalid choice: 'chat'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    assert "cls and gen" in " ".join(capsys.readouterr().out.split())  # the aliases are documented


def test_labels_enable_label_unknown(tmp_path, capsys):
    lines = [{"prompt": f"Tweet {i} ->", "completion": [" positive", " negative"][i % 2]} for i in range(12)]
    lines[4]["completion"] = " neutral"
    status, out, _ = main(capsys, write(tmp_path, lines), "--format", "json", "--labels", " positive, negative")
    report = json.loads(out)
    assert report["lines"] == [{"line": 5, "codes": ["label-unknown"]}]
    assert "class-too-small" in report["dataset"] and status == 1


@pytest.mark.parametrize("text, labels", [(" positive, negative", [" positive", " negative"]),
                                          ("yes,no", ["yes", "no"]), (" 1, 2,", [" 1", " 2"]),
                                          ("\\n1,\\n2", ["\n1", "\n2"]), (None, None)])
def test_parse_labels(text, labels):
    assert cli.parse_labels(text) == labels


# The text report ----------------------------------------------------------------------------------

def test_the_text_report_groups_findings_by_rule_like_a_linter(tmp_path, capsys):
    lines = [chat(i, weight=1.0 if i >= 5 else None) for i in range(30)]  # 25 lines with a float weight
    lines[2]["messages"][1]["role"] = "human"
    status, out, err = main(capsys, write(tmp_path, lines))
    assert status == 1 and err == ""
    assert "format: openai-chat (OpenAI chat messages); 30 lines, 30 examples" in out
    assert ("error   chat-weight-invalid (25 lines): 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, "
            "24, 25 and 5 more\n") in out
    assert out.count("A weight is not the integer 0 or 1") == 1  # the rule's summary, once
    assert out.count("line 6: Turn 2 has the weight 1.0") == 1  # one sample message, not 25
    assert "error   chat-bad-role (1 line): 3\n" in out
    assert out.index("chat-bad-role") < out.index("chat-weight-invalid")  # errors by first line
    assert "warning chat-no-user (1 line): 3" in out
    assert "\nDataset\n" in out and "info    few-examples:" in out and "info    estimate:" in out
    assert "Estimate: " in out and "× 3 epochs" in out
    assert out.rstrip().endswith("26 errors, 1 warning, 2 infos in 26 lines")


def test_the_text_report_of_a_prompt_completion_file_shows_what_was_inferred(tmp_path, capsys):
    lines = [{"prompt": f"Tweet {i} ->", "completion": [" positive", " negative", "negative"][i % 3]} for i in range(12)]
    status, out, _ = main(capsys, write(tmp_path, lines))
    assert "kind: classification (inferred; set it with --kind)" in out
    assert 'separator: " ->" (the suffix every prompt shares)' in out
    assert "warning no-leading-space (4 lines): 3, 6, 9, 12" in out
    assert "project settings" not in out  # core messages are reworded for a file
    assert "Start every completion with a space" in out
    assert "warning class-too-small:" in out and "warning labels-case-variants:" in out
    assert status == 0


def test_file_wording_rewrites_only_the_app_specific_parts():
    message = 'The completion "x" does not start with a space: tokenization works best with one. Turn on the leading space in the project settings.'
    assert cli.file_wording(message).endswith("with one. Start every completion with a space.")
    assert cli.file_wording("Nothing to change.") == "Nothing to change."


# Every profile's shape ----------------------------------------------------------------------------

def alpaca(i):
    return {"instruction": f"Give tip number {i}.", "input": "", "output": f"Tip {i}: sleep well."}


def test_an_alpaca_file_is_reported_as_llamafactory_alpaca_not_openai_dpo(tmp_path, capsys):
    path = write(tmp_path, [alpaca(i) for i in range(12)])
    status, out, _ = main(capsys, path, "--format", "json")
    assert status == 0 and json.loads(out)["format"] == "llamafactory-alpaca" and json.loads(out)["also"] == []
    status, out, _ = main(capsys, path)
    assert "format: llamafactory-alpaca (LLaMA-Factory alpaca); 12 lines, 12 examples" in out
    assert "profile: detected; force another with --profile\n" in out


def test_profile_forces_a_shape_and_its_hard_rules_name_the_code(tmp_path, capsys):
    lines = [{"messages": [{"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": "Hello."},
                           {"role": "assistant", "content": "How can I help?"}]} for i in range(12)]
    path = write(tmp_path, lines)
    status, out, _ = main(capsys, path, "--format", "json")
    assert status == 0 and json.loads(out)["format"] == "openai-chat"  # OpenAI takes two replies in a row
    status, out, _ = main(capsys, path, "--profile", "together-chat", "--format", "json")
    report = json.loads(out)
    assert status == 1 and report["format"] == "together-chat" and report["also"] == []
    # Together's error replaces the catalogue's warning for the same condition (evaluate.OVERLAPS)
    assert report["lines"][0] == {"line": 1, "codes": ["chat-no-system", "together-role-repeated"]}
    status, out, _ = main(capsys, path, "--profile", "together-chat")
    assert "profile: given with --profile" in out
    assert "error   together-role-repeated (12 lines): 1, 2, 3" in out
    assert "A hard rule of the profile (see docs/provider-rules.md)." in out


def test_an_unknown_profile_exits_2_naming_the_choices(tmp_path):
    status, out, err = run(write(tmp_path, [chat(1)]), "--profile", "openai")
    assert status == 2 and out == "" and "invalid choice: 'openai'" in err and "openai-chat" in err
