"""Every per-dataset rule fires on a bad dataset and stays silent on a good one; the accumulator's
add / remove / merge and both duplicate indexes; the estimate (real model table, real tokenizer)."""

import pytest

from app.core.dataset import CompactIndex, Contribution, DatasetStats, DictIndex, common_prefix, common_suffix
from app.core.dataset_findings import dataset_findings, default_epochs, estimate
from app.core.evaluate import evaluate
from app.core.model_table import load_model_table
from app.core.presets import get_preset
from app.core.rules.registry import RULES
from app.core.project_settings import ExampleValues

TABLE = load_model_table()
MINI = TABLE.get("gpt-4.1-mini")
DATASET_CODES = {code for code, spec in RULES.items() if spec.scope == "dataset"}


def rows_stats(rows, labels=False, tokens=50, splits=None):
    stats = DatasetStats()
    for i, (prompt, completion) in enumerate(rows, 1):
        stats.add(i, prompts=(prompt,), completions=(completion,), tokens=(tokens,), billed=(tokens,),
                  label=completion if labels else None, input_hash=prompt, content_hash=(prompt, completion),
                  split=splits[i - 1] if splits else None)
    return stats


def chat_stats(n, tokens=80):
    stats = DatasetStats()
    for i in range(n):
        stats.add(i + 1, tokens=(tokens,), billed=(tokens,), input_hash=f"in{i}", content_hash=f"c{i}")
    return stats


def codes(findings):
    return [f.code for f in findings]


def only(findings, code):
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, (code, [f.as_dict() for f in findings])
    return hits[0]


def gen_rows(n, prompt="Text {i}\n\n###\n\n", completion=" Output {i} END"):
    return [(prompt.format(i=i), completion.format(i=i)) for i in range(n)]


def cls_rows(per_class, labels=(" positive", " negative", " neutral")):
    return [(f"Tweet number {i} {label} ->", label) for label in labels for i in range(per_class)]


# Helpers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, prefix, suffix", [
    ("abc ->", "abd ->", "ab", " ->"), ("", "x", "", ""), ("same", "same", "same", "same"), ("ab", "abab", "ab", "ab"),
])
def test_common_prefix_and_suffix(a, b, prefix, suffix):
    assert common_prefix(a, b) == prefix
    assert common_suffix(a, b) == suffix


@pytest.mark.parametrize("n, epochs", [(0, None), (1, 25), (4, 25), (5, 20), (12, 8), (33, 3), (34, 3), (100, 3),
                                       (8_333, 3), (8_334, 2), (12_501, 1), (30_000, 1)])
def test_default_epochs_follow_the_cookbook(n, epochs):
    assert default_epochs(n) == epochs


# Counts ---------------------------------------------------------------------------------------

def test_too_few_examples_is_an_error_under_the_provider_minimum():
    found = dataset_findings(chat_stats(9), "chat", MINI)
    finding = only(found, "too-few-examples")
    assert finding.level == "error"
    assert finding.data == {"examples": 9, "minimum": 10}
    assert "at least 10" in finding.message and "Add at least 1 more" in finding.message
    assert "too-few-examples" not in codes(dataset_findings(chat_stats(10), "chat", MINI))
    assert "too-few-examples" not in codes(dataset_findings(chat_stats(5), "chat", MINI, provider_min=3))


def test_an_empty_dataset_is_too_small_and_has_no_estimate():
    found = dataset_findings(DatasetStats(), "chat", MINI)
    assert codes(found) == ["too-few-examples", "few-examples"]
    assert estimate(DatasetStats(), MINI) is None


@pytest.mark.parametrize("kind, below, enough", [("chat", 49, 50), ("preference", 49, 50), ("classification", 99, 100),
                                                ("generation", 99, 100)])
def test_few_examples_is_an_info_below_the_recommended_size(kind, below, enough):
    finding = only(dataset_findings(chat_stats(below), kind, MINI), "few-examples")
    assert finding.level == "info" and finding.data["recommended"] == enough
    assert "few-examples" not in codes(dataset_findings(chat_stats(enough), kind, MINI))


def test_records_count_not_examples_for_what_a_provider_sees():
    stats = DatasetStats()
    for i in range(4):  # a support conversation exporting three rows counts three
        stats.add(i, prompts=("a", "b", "c"), completions=(" x", " y", " z"), tokens=(10, 10, 10), billed=(10, 10, 10))
    assert (stats.examples, stats.records, stats.rows) == (4, 12, 12)
    assert "too-few-examples" not in codes(dataset_findings(stats, "generation", MINI))


# Classes --------------------------------------------------------------------------------------

def test_class_too_small_names_every_small_class_with_its_count():
    stats = rows_stats(cls_rows(4), labels=True)
    found = [f for f in dataset_findings(stats, "classification", MINI) if f.code == "class-too-small"]
    assert [f.data for f in found] == [{"label": label, "count": 4, "threshold": 100}
                                       for label in (" negative", " neutral", " positive")]
    assert all(f.level == "warning" for f in found)
    assert '" negative" has 4 examples' in found[0].message and "add 96 more" in found[0].message


def test_class_too_small_is_silent_at_100_per_class_and_counts_declared_labels_without_examples():
    stats = rows_stats(cls_rows(100, labels=(" positive", " negative")), labels=True)
    assert "class-too-small" not in codes(dataset_findings(stats, "classification", MINI))
    found = dataset_findings(stats, "classification", MINI, labels=[" positive", " negative", " neutral"])
    assert only(found, "class-too-small").data == {"label": " neutral", "count": 0, "threshold": 100}


def test_class_too_small_is_only_for_classification():
    stats = rows_stats(cls_rows(4), labels=True)
    assert "class-too-small" not in codes(dataset_findings(stats, "generation", MINI))


def test_class_imbalance_above_ten_times():
    rows = cls_rows(110, labels=(" positive",)) + cls_rows(10, labels=(" negative",))
    finding = only(dataset_findings(rows_stats(rows, labels=True), "classification", MINI), "class-imbalance")
    assert finding.level == "info"
    assert finding.data["largest"] == {"label": " positive", "count": 110}
    assert finding.data["smallest"] == {"label": " negative", "count": 10}
    rows = cls_rows(100, labels=(" positive",)) + cls_rows(10, labels=(" negative",))
    assert "class-imbalance" not in codes(dataset_findings(rows_stats(rows, labels=True), "classification", MINI))


def test_class_imbalance_ignores_declared_classes_without_examples():
    stats = rows_stats(cls_rows(100, labels=(" positive", " negative")), labels=True)
    found = dataset_findings(stats, "classification", MINI, labels=[" positive", " negative", " neutral"])
    assert "class-imbalance" not in codes(found)


def test_labels_case_variants_differ_only_by_case_or_surrounding_space():
    rows = cls_rows(3, labels=(" Positive", " positive", "positive", " negative"))
    finding = only(dataset_findings(rows_stats(rows, labels=True), "classification", MINI), "labels-case-variants")
    assert finding.level == "warning"
    assert finding.data["labels"] == [" Positive", " positive", "positive"]
    assert '" Positive" (3)' in finding.message
    assert "labels-case-variants" not in codes(dataset_findings(rows_stats(cls_rows(3), labels=True), "classification", MINI))


# Sizes ----------------------------------------------------------------------------------------

def test_generation_too_small_under_500():
    finding = only(dataset_findings(rows_stats(gen_rows(499)), "generation", MINI), "generation-too-small")
    assert finding.level == "warning" and finding.data == {"examples": 499, "threshold": 500}
    assert "generation-too-small" not in codes(dataset_findings(rows_stats(gen_rows(500)), "generation", MINI))
    assert "generation-too-small" not in codes(dataset_findings(rows_stats(gen_rows(10)), "classification", MINI))


# Prompts and completions ----------------------------------------------------------------------

def test_prompts_all_identical_is_an_error():
    rows = [("Same prompt ->", f" out {i} END") for i in range(20)]
    finding = only(dataset_findings(rows_stats(rows), "generation", MINI), "prompts-all-identical")
    assert finding.level == "error" and "identical" in finding.message
    found = codes(dataset_findings(rows_stats(rows), "generation", MINI))
    assert "separator-long" not in found and "prompt-common-prefix" not in found
    assert "prompts-all-identical" not in codes(dataset_findings(rows_stats(gen_rows(20)), "generation", MINI))


def test_prefix_and_identical_rules_need_two_rows():
    found = codes(dataset_findings(rows_stats([("A single long prompt text ->", " A single long completion END")]),
                                   "generation", MINI))
    assert not {"prompts-all-identical", "completions-all-identical", "prompt-common-prefix",
                "completion-common-prefix", "separator-long", "stop-long"} & set(found)


def test_open_ended_generation_skips_the_prompt_rules():
    rows = [("", f" Story number {i}.\n") for i in range(30)]
    found = dataset_findings(rows_stats(rows), "generation", MINI)
    assert not {"prompts-all-identical", "separator-inconsistent", "separator-long", "prompt-common-prefix"} & set(codes(found))
    assert only(found, "task-type").data["inferred"] == "open"


def test_completions_all_identical_for_generation_only():
    rows = [(f"Input {i} ->", " Same output END") for i in range(20)]
    finding = only(dataset_findings(rows_stats(rows), "generation", MINI), "completions-all-identical")
    assert finding.level == "error"
    assert "completions-all-identical" not in codes(dataset_findings(rows_stats(rows), "classification", MINI))
    assert "completions-all-identical" not in codes(dataset_findings(rows_stats(gen_rows(20)), "generation", MINI))


def test_separator_inconsistent_names_the_most_common_ending():
    rows = [(f"Text {i} ->", f" out {i} END") for i in range(9)] + [("Text 9 ::", " out 9 END")]
    finding = only(dataset_findings(rows_stats(rows), "generation", MINI), "separator-inconsistent")
    assert finding.level == "warning"
    assert finding.data["most_common_ending"] == " ->" and finding.data["count"] == 9
    assert '9 of 10 end with " ->"' in finding.message
    assert "separator-inconsistent" not in codes(dataset_findings(rows_stats(gen_rows(10)), "generation", MINI))


def test_separator_long_over_ten_characters():
    rows = gen_rows(10, prompt="Text {i}\n\nAnswer below:\n")
    finding = only(dataset_findings(rows_stats(rows), "classification", MINI), "separator-long")
    assert finding.data == {"suffix": "\n\nAnswer below:\n", "threshold": 10}
    rows = gen_rows(10, prompt="Text {i}\n\n=====>\n")  # 10 characters
    assert "separator-long" not in codes(dataset_findings(rows_stats(rows), "classification", MINI))


def test_stop_inconsistent_and_stop_long_for_generation():
    rows = [(f"Text {i} ->", f" out {i}" + (" END" if i % 2 else ".")) for i in range(10)]
    finding = only(dataset_findings(rows_stats(rows), "generation", MINI), "stop-inconsistent")
    assert finding.level == "warning" and finding.data["rows"] == 10
    assert "stop-inconsistent" not in codes(dataset_findings(rows_stats(rows), "classification", MINI))
    long_stop = gen_rows(10, completion=" Out {i} <<end of answer>>")
    assert only(dataset_findings(rows_stats(long_stop), "generation", MINI), "stop-long").data["suffix"] == " <<end of answer>>"
    found = codes(dataset_findings(rows_stats(gen_rows(10)), "generation", MINI))
    assert "stop-long" not in found and "stop-inconsistent" not in found


def test_prompt_common_prefix_longer_than_twelve_characters():
    rows = gen_rows(10, prompt="Classify this: text {i} ->")  # "Classify this: text " = 20 chars
    finding = only(dataset_findings(rows_stats(rows), "generation", MINI), "prompt-common-prefix")
    assert finding.data["prefix"] == "Classify this: text "
    rows = gen_rows(10, prompt="Classify it:{i} ->")  # "Classify it:" = 12 chars
    assert "prompt-common-prefix" not in codes(dataset_findings(rows_stats(rows), "generation", MINI))


@pytest.mark.parametrize("completions, fires", [
    ((" Answer: yes", " Answer: no"), True),  # "Answer: " after the leading space
    ((" yes", " no"), False),  # only the leading space is shared
    ((" abcdX", " abcdY"), False),  # 4 characters after the leading space
    ((" abcdeX", " abcdeY"), True),  # 5
    (("abcdeX", "abcdeY"), True),  # no leading space: 5
])
def test_completion_common_prefix_ignores_one_leading_space(completions, fires):
    rows = [(f"Input {i} ->", completions[i % 2]) for i in range(10)]
    assert ("completion-common-prefix" in codes(dataset_findings(rows_stats(rows), "classification", MINI))) is fires


def test_split_leakage_is_the_same_example_in_train_and_validation():
    rows = gen_rows(12)
    rows[11] = rows[0]
    splits = ["train"] * 10 + ["validation"] * 2
    finding = only(dataset_findings(rows_stats(rows, splits=splits), "generation", MINI), "split-leakage")
    assert finding.data["groups"] == [[1, 12]] and "examples 1, 12" in finding.message
    assert "split-leakage" not in codes(dataset_findings(rows_stats(rows, splits=["train"] * 12), "generation", MINI))


# Task type, estimate, advice -------------------------------------------------------------------

def test_task_type_infers_classification_below_a_third_distinct_completions():
    found = dataset_findings(rows_stats(cls_rows(4)), "classification", MINI)
    finding = only(found, "task-type")
    assert finding.level == "info"
    assert finding.data == {"inferred": "cls", "distinct_completions": 3, "examples": 12, "applied": "cls"}
    gen = only(dataset_findings(rows_stats(gen_rows(12)), "generation", MINI), "task-type")
    assert gen.data["inferred"] == "gen" and "conditional generation" in gen.message
    mismatch = only(dataset_findings(rows_stats(cls_rows(4)), "generation", MINI), "task-type")
    assert "the conditional generation rules were applied" in mismatch.message
    assert "task-type" not in codes(dataset_findings(chat_stats(20), "chat", MINI))


def test_a_projects_own_kind_leads_the_task_type_line_whatever_its_counts():
    """A sentiment project with few examples has as many distinct labels as examples: its data alone
    looks like generation, but the project is classification and says so first."""
    few = rows_stats([("Tweet one ->", " positive"), ("Tweet two ->", " negative")])
    finding = only(dataset_findings(few, "classification", MINI, declared_kind=True), "task-type")
    assert finding.message.startswith("This is a classification project: its task type decides the rules. "
                                      "Its completions alone would look like conditional generation")
    agreeing = only(dataset_findings(rows_stats(cls_rows(4)), "classification", MINI, declared_kind=True), "task-type")
    assert agreeing.message.startswith("This is a classification project") and "The data agrees" in agreeing.message


def test_estimate_caps_each_example_at_the_model_limit_and_prices_it():
    stats = DatasetStats()
    stats.add(1, tokens=(70_000,), billed=(70_000,))
    for i in range(4):
        stats.add(i + 2, tokens=(1_000,), billed=(1_000,))
    result = estimate(stats, MINI)
    assert result == {"billed_tokens": 65_536 + 4_000, "epochs": 20, "cost_usd": round(69_536 * 20 * 5.0 / 1e6, 4)}
    finding = only(dataset_findings(stats, "chat", MINI), "estimate")
    assert finding.level == "info"
    assert finding.data["charged_tokens"] == 69_536 * 20 and finding.data["tokens"] == 74_000
    assert "4,464 over-limit tokens not billed" in finding.message
    davinci = TABLE.get("davinci-002")  # 16,384 per example: the same stats, another cap
    assert estimate(stats, davinci)["billed_tokens"] == 16_384 + 4_000


def test_estimate_without_a_price_has_no_cost():
    stats = chat_stats(20)
    result = estimate(stats, TABLE.get("llama-3.1-8b-instruct"))
    assert result["cost_usd"] is None and result["epochs"] == 5
    assert "no training price" in only(dataset_findings(stats, "chat", TABLE.get("llama-3.1-8b-instruct")), "estimate").message


def test_gen_hyperparameters_advice_for_generation_only():
    assert only(dataset_findings(rows_stats(gen_rows(10)), "generation", MINI), "gen-hyperparameters").level == "info"
    assert "gen-hyperparameters" not in codes(dataset_findings(rows_stats(cls_rows(4)), "classification", MINI))


def test_a_healthy_classification_dataset_has_only_infos():
    stats = rows_stats([(f"Tweet {i} ->", label) for i in range(150) for label in (" positive", " negative")],
                       labels=True)
    assert codes(dataset_findings(stats, "classification", MINI)) == ["task-type", "estimate"]


def test_every_finding_has_a_defined_code_and_its_level():
    stats = rows_stats(cls_rows(4) + [("Same ->", " x"), ("Same ->", " x")], labels=True, splits=None)
    for kind in ("classification", "generation", "chat", "preference"):
        for finding in dataset_findings(stats, kind, MINI):
            assert finding.code in DATASET_CODES and finding.level == RULES[finding.code].level
            assert kind in RULES[finding.code].task_kinds


# The accumulator ------------------------------------------------------------------------------

def test_remove_undoes_counts_and_flags_the_prefix_aggregates_for_a_rebuild():
    contributions = [Contribution(i, (p,), (c,), (10,), (10,), c, p, (p, c)) for i, (p, c) in enumerate(cls_rows(3), 1)]
    stats = DatasetStats.from_iterable(contributions)
    stats.remove(contributions[0])
    assert (stats.examples, stats.records, stats.tokens) == (8, 8, 80)
    assert stats.labels[" positive"] == 2 and stats.needs_rebuild
    rebuilt = DatasetStats.from_iterable(contributions[1:])
    assert not rebuilt.needs_rebuild
    assert rebuilt.labels == stats.labels and rebuilt.token_values == stats.token_values
    assert rebuilt.distinct_completions == stats.distinct_completions
    stale = dataset_findings(stats, "classification", MINI)
    assert all(f.data.get("stale") for f in stale if f.code == "completion-common-prefix")


def test_remove_of_everything_resets_the_text_aggregates():
    c = Contribution(1, ("a ->",), (" x",), (5,), (5,), None, "a", "ax")
    stats = DatasetStats.from_iterable([c])
    stats.remove(c)
    assert stats.examples == 0 and stats.prompts.count == 0 and not stats.needs_rebuild
    assert stats.groups().duplicates == ()



def test_both_indexes_find_the_same_duplicates_and_conflicts():
    entries = [(1, 10, 100), (2, 10, 100), (3, 10, 101), (4, 20, 200), (5, 30, 300), (6, 30, 300), (7, 40, 400)]
    dict_index, compact = DictIndex(), CompactIndex()
    for ref, input_hash, content_hash in entries:
        dict_index.add(input_hash, content_hash, ref)
        compact.add(input_hash, content_hash, ref)
    assert dict_index.groups().duplicates == compact.groups().duplicates == ((1, 2), (5, 6))
    assert dict_index.groups().conflicts == compact.groups().conflicts == ((1, 2, 3),)
    dict_index.remove(10, 101, 3)
    assert dict_index.groups().conflicts == ()
    assert len(compact) == 7


def test_compact_index_takes_negative_python_hashes():
    compact = CompactIndex()
    compact.add(hash("same input"), hash(("same input", "out")), 1)
    compact.add(hash("same input"), hash(("same input", "out")), 2)
    compact.add(-5, -6, 3)
    assert compact.groups().duplicates == ((1, 2),)


def test_token_histogram_buckets_by_powers_of_two():
    stats = DatasetStats()
    for count in (1, 3, 60, 64, 100, 1_000):
        stats.add(count, tokens=(count,), billed=(count,))
    assert stats.histogram() == [(1, 1, 1), (2, 3, 1), (32, 63, 1), (64, 127, 2), (512, 1023, 1)]
    assert stats.over_limit(99) == 2


def test_the_app_feeds_evaluations_and_gets_findings_for_its_project():
    settings = get_preset("sentiment").settings
    stats = DatasetStats()
    for i, (text, label) in enumerate([("Overjoyed with the new iPhone!", "positive"),
                                       ("@lakers disappoint for a third straight night", "negative"),
                                       ("Overjoyed with the new iPhone!", "negative")], 1):
        evaluation = evaluate(settings, ExampleValues({"text": text}, label))
        stats.add_contribution(Contribution.of(evaluation.rendered, i, evaluation.input_hash, evaluation.content_hash,
                                               label=label))
    model = TABLE.get(settings.target_model)
    found = dataset_findings(stats, "classification", model, labels=[lab.name for lab in settings.labels])
    assert {f.data["label"]: f.data["count"] for f in found if f.code == "class-too-small"} == {"positive": 1, "negative": 2}
    assert stats.prompts.suffix == " ->" and "separator-inconsistent" not in codes(found)
    assert stats.groups().conflicts == ((1, 3),)
    assert estimate(stats, model)["billed_tokens"] == stats.billed_tokens > 0
