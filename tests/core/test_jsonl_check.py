"""The streaming JSONL checker on files written here: cookbook-style chat, tool calls, preference
pairs, prompt/completion files, broken lines; the same core rules as the app (real tokenizer)."""

import io
import json

import pytest

from app.core.jsonl_check import CODE_BIT, SHAPE_RULES, check_file, check_stream, write_json
from app.core.file_format import chat_example, chat_settings
from app.core.model_table import ModelInfo, ModelTable, load_model_table
from app.core.profiles import PROFILES
from app.core.records import Rendered
from app.core.rules.registry import ExampleContext, run_example_rules

SYSTEM = {"role": "system", "content": "You are a helpful assistant for Acme's online shop."}
TOPICS = ("password", "refund", "delivery", "invoice", "address", "account", "coupon", "warranty", "order",
          "newsletter", "gift card", "return label", "size chart", "payment")


def chat_line(i, **extra):
    topic = TOPICS[i % len(TOPICS)]
    return {"messages": [SYSTEM, {"role": "user", "content": f"How do I change my {topic}? (question {i})"},
                         {"role": "assistant", "content": f"Open Settings, then {topic.title()}, and follow step {i}."}],
            **extra}


def pref_line(i, **changes):
    line = {"input": {"messages": [{"role": "user", "content": f"Can you help me with my {TOPICS[i % 14]} ({i})?"}]},
            "preferred_output": [{"role": "assistant", "content": f"Of course: open Settings, then {TOPICS[i % 14]}."}],
            "non_preferred_output": [{"role": "assistant", "content": "No."}]}
    line.update(changes)
    return line


def write(tmp_path, lines, name="data.jsonl", end=b"\n"):
    data = b"\n".join(line if isinstance(line, bytes) else (line if isinstance(line, str) else json.dumps(line)).encode()
                      for line in lines) + end
    path = tmp_path / name
    path.write_bytes(data)
    return path


def by_line(result):
    return dict(result.line_codes())


def messages_of(result, line, code):
    return [f.message for n, f in result.findings if n == line and f.code == code]


# Chat -----------------------------------------------------------------------------------------

def test_a_clean_cookbook_chat_file_has_no_line_finding_and_no_error(tmp_path):
    result = check_file(write(tmp_path, [chat_line(i) for i in range(12)]))
    assert (result.format, result.kind, result.examples, result.lines_read) == ("openai-chat", "chat", 12, 12)
    assert by_line(result) == {}
    assert result.dataset_codes == ["few-examples", "estimate"]
    assert result.exit_code == 0
    assert result.estimate == {"billed_tokens": result.tokens, "epochs": 8, "cost_usd": round(result.tokens * 8 * 5 / 1e6, 4)}


def test_cookbook_format_errors_are_reported_on_their_lines(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[1]["messages"][1]["role"] = "bot"
    del lines[3]["messages"][2]["content"]
    lines[5]["messages"][2]["weight"] = 1.0
    lines[7]["messages"] = lines[7]["messages"][:2]
    lines[9]["messages"][1]["weight"] = 1
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {
        2: ["chat-bad-role", "chat-no-user"],
        4: ["chat-empty-message", "missing-key"],
        6: ["chat-weight-invalid"],
        8: ["chat-last-not-assistant", "chat-no-assistant"],  # RULES.md, "How rules combine": both
        10: ["chat-weight-invalid"],
    }
    assert messages_of(result, 2, "chat-bad-role") == ["Turn 1 has the role 'bot': set it to system, user, assistant or tool."]
    assert messages_of(result, 6, "chat-weight-invalid")[0].startswith("Turn 2 has the weight 1.0: use the integer 0")
    assert "only on assistant messages" in messages_of(result, 10, "chat-weight-invalid")[0]
    assert result.exit_code == 1


def test_a_line_written_with_escapes_and_the_same_line_written_plainly_are_duplicates(tmp_path):
    """Lines without a backslash are keyed without quoting; the same example with escapes must get
    the same identity (and the app's: json.dumps of the messages)."""
    lines = [chat_line(i) for i in range(12)]
    lines.append(json.dumps(chat_line(3)).replace("?", "\\u003f"))  # the same text, "?" written as an escape
    lines.append(json.dumps(chat_line(5)).replace("?", "\\u003f").replace("step 5.", "step 6."))  # another reply
    result = check_file(write(tmp_path, lines))
    assert "\\" not in json.dumps(chat_line(3)) and "\\u003f" in lines[12]
    assert by_line(result) == {4: ["duplicate"], 13: ["duplicate"], 6: ["conflict"], 14: ["conflict"]}


def test_tool_calls_without_content_and_tool_results_are_accepted(tmp_path):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    lines = []
    for i in range(12):
        lines.append({"messages": [SYSTEM, {"role": "user", "content": f"Weather in Paris on day {i}?"},
                                   {"role": "assistant", "tool_calls": [call]},
                                   {"role": "tool", "tool_call_id": "call_1", "content": f"{i} degrees"},
                                   {"role": "assistant", "content": f"It is {i} degrees in Paris."}],
                      "tools": tools, "parallel_tool_calls": False})
    lines[3]["messages"][2]["content"] = None  # explicit null content next to tool_calls: fine too
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {}
    assert result.exit_code == 0


def test_unrecognized_keys_and_wrong_types_in_chat_lines(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[0]["messages"][2]["refusal"] = None
    lines[1]["tools"] = "get_weather"
    lines[2]["id"] = 7
    lines[3]["messages"][1]["content"] = 42
    lines[4]["messages"][1]["name"] = 3
    lines[5] = {"messages": "hello"}
    lines[6] = {"messages": []}
    lines[7] = {"messages": [SYSTEM, "user: hi"]}
    result = check_file(write(tmp_path, lines))
    codes = by_line(result)
    assert codes[1] == ["unrecognized-key"] and codes[3] == ["unrecognized-key"]
    assert codes[2] == ["wrong-type"]
    assert codes[4] == ["wrong-type"] and codes[5] == ["wrong-type"]
    assert codes[6] == ["wrong-type"] and codes[7] == ["messages-empty"] and codes[8] == ["wrong-type"]
    assert result.examples == 9  # lines 6, 7, 8 cannot be judged as conversations
    assert '"refusal"' in messages_of(result, 1, "unrecognized-key")[0]


def test_how_rules_combine_in_a_chat_file(tmp_path):
    """RULES.md, "How rules combine" (2026-12-01), on the lines of a file."""
    lines = [chat_line(i) for i in range(12)]
    lines[0]["messages"][2].update(weight=None, name=None, function_call=None, tool_calls=None)  # null = absent
    lines[0]["tools"] = None
    lines[1]["messages"][1]["role"] = 5  # wrong-type, and the role rules skip the message: no user turn
    lines[2]["messages"][1]["role"] = None  # a required key that is null
    lines[3]["messages"][1]["content"] = None
    lines[4] = {"conversation": lines[4]["messages"]}  # the wrong key: missing and unrecognized
    lines[5]["messages"] = lines[5]["messages"][:2]  # no assistant turn
    lines[6] = {"messages": lines[1]["messages"]}  # a copy of a line with no user turn: nothing to compare
    result = check_file(write(tmp_path, lines))
    codes = by_line(result)
    assert 1 not in codes
    assert codes[2] == codes[3] == codes[7] == ["chat-no-user", "wrong-type"]
    assert messages_of(result, 2, "wrong-type") == ["messages[1].role is a number: write system, user, assistant or "
                                                    "tool as a string."]
    assert codes[4] == ["chat-empty-message", "wrong-type"]
    assert codes[5] == ["missing-key", "unrecognized-key"] and '"conversation"' in messages_of(result, 5, "unrecognized-key")[0]
    assert codes[6] == ["chat-last-not-assistant", "chat-no-assistant"]


def test_two_preference_pairs_for_one_prompt_are_no_conflict(tmp_path):
    """conflict is a rule of cls, gen and chat (RULES.md); the checker used to raise it on preference files."""
    lines = [pref_line(i) for i in range(12)]
    lines[5]["input"] = lines[0]["input"]
    assert by_line(check_file(write(tmp_path, lines))) == {}
    lines[5] = lines[0]
    assert by_line(check_file(write(tmp_path, lines))) == {1: ["duplicate"], 6: ["duplicate"]}


def test_too_long_uses_the_model_limit(tmp_path):
    small = ModelInfo("tiny-model", "test", "o200k_base", 40, 1.0, "test only", rejects_over_limit=True)
    table = ModelTable("2026-11-25", (small,))
    result = check_file(write(tmp_path, [chat_line(i) for i in range(12)]), model="tiny-model", models=table)
    assert all(codes == ["too-long"] for codes in by_line(result).values()) and len(by_line(result)) == 12
    assert result.summaries["too-long"].level == "error"  # a target that rejects over-limit examples
    assert result.estimate["billed_tokens"] == 40 * 12


# Preference -----------------------------------------------------------------------------------

def test_clean_preference_pairs(tmp_path):
    result = check_file(write(tmp_path, [pref_line(i) for i in range(12)]))
    assert (result.format, result.kind) == ("openai-preference", "preference")
    assert by_line(result) == {} and result.exit_code == 0
    assert result.dataset_codes == ["few-examples", "estimate"]


def test_preference_pairs_that_break_the_rules(tmp_path):
    lines = [pref_line(i) for i in range(12)]
    lines[0]["input"]["messages"] = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                     {"role": "user", "content": "Help me"}]
    lines[1]["non_preferred_output"] = lines[1]["preferred_output"]
    lines[2]["preferred_output"] = lines[2]["preferred_output"] * 2
    lines[3]["input"]["messages"].append({"role": "assistant", "content": "Sure"})
    lines[4]["preferred_output"] = [{"role": "assistant", "tool_calls": [{"id": "x", "type": "function",
                                                                          "function": {"name": "f", "arguments": "{}"}}]}]
    lines[5]["non_preferred_output"] = [{"role": "user", "content": "No."}]
    del lines[6]["non_preferred_output"]
    result = check_file(write(tmp_path, lines))
    codes = by_line(result)
    assert codes[1] == ["pref-multi-turn"]
    assert codes[2] == ["pref-identical"]
    assert codes[3] == ["pref-shape"] and "holds 2 messages" in messages_of(result, 3, "pref-shape")[0]
    assert codes[4] == ["pref-shape"]  # the input ends with an assistant turn
    assert codes[5] == ["pref-not-text"]
    assert codes[6] == ["pref-shape"]
    assert codes[7] == ["pref-shape"]  # a missing output is pref-shape, not missing-key (RULES.md)
    assert result.examples == 11


# Prompt/completion --------------------------------------------------------------------------------

SENTIMENT = [("Overjoyed with the new iPhone!", " positive"), ("@lakers disappoint for a third straight night", " negative"),
             ("The weather is as usual today", " neutral")]


def sentiment_lines(per_class=4):
    return [{"prompt": f"{text} {i} ->", "completion": label} for i in range(per_class) for text, label in SENTIMENT]


def test_a_sentiment_file_is_inferred_as_classification_with_small_classes(tmp_path):
    result = check_file(write(tmp_path, sentiment_lines()))
    assert (result.format, result.kind, result.task, result.separator) == ("openai-legacy", "classification", "classification", " ->")
    assert result.separator_inferred and result.kind_inferred and result.stop is None
    assert by_line(result) == {}
    assert result.dataset_codes == ["few-examples", "class-too-small", "task-type", "estimate"]
    small = {f.data["label"]: f.data["count"] for f in result.dataset if f.code == "class-too-small"}
    assert small == {" positive": 4, " negative": 4, " neutral": 4}
    assert result.exit_code == 0


def test_classification_lines_are_judged_by_the_label_rules(tmp_path):
    lines = sentiment_lines()
    lines[0]["completion"] = "positive"  # no leading space
    lines[1]["prompt"] = "A -> B ->"  # the separator inside
    lines[2]["completion"] = " very positive"
    result = check_file(write(tmp_path, lines), labels=[" positive", " negative", " neutral"])
    codes = by_line(result)
    assert codes[1] == ["no-leading-space"]
    assert codes[2] == ["separator-inside"]
    assert codes[3] == ["label-multi-token", "label-unknown"]  # not a label, and judged as written (RULES.md)
    assert "not a label" in messages_of(result, 3, "label-unknown")[0]
    assert "labels-case-variants" in result.dataset_codes
    assert result.exit_code == 1  # label-unknown is an error
    more = sentiment_lines(10)
    more[2]["completion"] = " very positive"
    inferred = check_file(write(tmp_path, more, "no-labels.jsonl"))  # no --labels: every completion is a label
    assert inferred.kind == "classification" and by_line(inferred) == {3: ["label-multi-token"]}


def test_label_multi_token_counts_the_completion_as_the_line_writes_it(tmp_path):
    lines = sentiment_lines()
    for line in lines[:3]:
        line["completion"] = {" positive": " 1", " negative": " 2", " neutral": " 3"}[line["completion"]]
    result = check_file(write(tmp_path, lines), labels=["1", "2", "3", " negative", " neutral", " positive"])
    assert by_line(result) == {1: ["label-multi-token"], 2: ["label-multi-token"], 3: ["label-multi-token"]}
    assert '[" ", "1"]' in messages_of(result, 1, "label-multi-token")[0]


def test_labels_alone_mean_classification(tmp_path):
    lines = [{"prompt": f"Review {i} ->", "completion": f" text {i}"} for i in range(12)]
    result = check_file(write(tmp_path, lines), labels=[" good", " bad"])
    assert result.kind == "classification" and not result.kind_inferred
    assert all("label-unknown" in codes for codes in by_line(result).values())
    task = next(f for f in result.dataset if f.code == "task-type")
    assert task.data["inferred"] == "gen" and "the classification rules were applied" in task.message


def test_a_generation_file_without_a_shared_stop_sequence(tmp_path):
    lines = [{"prompt": f"Product {i}\n\n###\n\n", "completion": f" A fine product number {i}" + ("." if i % 2 else "!")}
             for i in range(12)]
    result = check_file(write(tmp_path, lines))
    assert (result.kind, result.separator, result.stop) == ("generation", "\n\n###\n\n", "")
    assert by_line(result) == {}  # no stop is known: stop-missing is not raised on every line
    assert {"stop-inconsistent", "generation-too-small", "gen-hyperparameters", "task-type"} <= set(result.dataset_codes)


def test_a_given_stop_sequence_is_checked_on_every_line(tmp_path):
    lines = [{"prompt": f"Product {i}\n\n###\n\n", "completion": f" A fine product {i} END"} for i in range(12)]
    lines[3]["completion"] = " A fine product"
    lines[4]["completion"] = " Stops END too early END"
    result = check_file(write(tmp_path, lines), stop=" END")
    assert by_line(result) == {4: ["stop-missing"], 5: ["stop-inside"]}
    inferred = check_file(write(tmp_path, [dict(line, completion=f" Good {i} END") for i, line in enumerate(lines)], "b.jsonl"))
    assert inferred.stop == " END" and inferred.stop_inferred


def test_a_given_separator_lists_the_lines_without_it(tmp_path):
    lines = [{"prompt": f"Text {i} ->", "completion": f" out {i} END"} for i in range(12)]
    lines[5]["prompt"] = "Text 5 ::"
    result = check_file(write(tmp_path, lines))
    assert result.separator == "" and "separator-inconsistent" in result.dataset_codes
    hint = next(f for f in result.dataset if f.code == "separator-inconsistent")
    assert hint.data["most_common_ending"] == " ->"
    given = check_file(write(tmp_path, lines), separator=" ->")
    assert by_line(given) == {6: ["separator-missing"]}


def test_open_ended_generation_has_empty_prompts(tmp_path):
    lines = [{"prompt": "", "completion": f" Once upon a time, story {i}.\n"} for i in range(12)]
    lines[11] = lines[0]
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {1: ["duplicate"], 12: ["duplicate"]}  # an empty prompt is no shared input: no conflict
    lines[11] = {"prompt": "", "completion": " The end.\n"}
    result = check_file(write(tmp_path, lines))
    assert (result.kind, result.task, result.separator) == ("generation", "open", "")
    assert by_line(result) == {}
    assert "prompts-all-identical" not in result.dataset_codes and "separator-inconsistent" not in result.dataset_codes


def test_wrong_types_and_missing_keys_in_prompt_completion_lines(tmp_path):
    lines = sentiment_lines()
    lines[0] = {"prompt": 5, "completion": " positive"}
    lines[1] = {"prompt": "Hi ->"}
    lines[2] = {"prompt": "Hi ->", "completion": " neutral", "label": "neutral"}
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {1: ["wrong-type"], 2: ["missing-key"], 3: ["unrecognized-key"]}
    assert result.examples == 10  # line 3 is judged; lines 1 and 2 cannot be


def test_kind_given_overrides_the_inference(tmp_path):
    result = check_file(write(tmp_path, sentiment_lines()), kind="generation", separator=" ->")
    assert result.kind == "generation" and not result.kind_inferred
    assert check_file(write(tmp_path, sentiment_lines()), kind="gen", separator=" ->").kind == "generation"  # RULES.md's name
    assert "the conditional generation rules were applied" in next(f for f in result.dataset if f.code == "task-type").message


# Lines that are not examples ----------------------------------------------------------------------

def test_bom_is_reported_on_line_1_which_is_still_checked(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[0]["messages"][2]["weight"] = 2
    path = write(tmp_path, lines)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = check_file(path)
    assert by_line(result) == {1: ["bom", "chat-weight-invalid"]}
    assert result.examples == 12


def test_a_line_that_is_not_utf8_is_reported_and_the_next_lines_are_checked(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[8]["messages"][2]["weight"] = "1"
    raw = [json.dumps(line).encode() for line in lines]
    raw[4] = raw[4].replace(b"question", b"qu\xe9stion")
    result = check_file(write(tmp_path, raw))
    assert by_line(result) == {5: ["not-utf8"], 9: ["chat-weight-invalid"]}
    assert "not valid UTF-8" in messages_of(result, 5, "not-utf8")[0]


def test_a_line_that_is_not_json_in_the_middle(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[10]["messages"][1]["role"] = "human"
    lines[5] = '{"messages": [{"role": "user", "content": "unterminated'
    lines[6] = "[1, 2, 3]"
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {6: ["line-not-json"], 7: ["line-not-object"], 11: ["chat-bad-role", "chat-no-user"]}
    assert "column" in messages_of(result, 6, "line-not-json")[0]
    assert result.examples == 10 and result.lines_read == 12


def test_an_empty_last_line_is_ignored_but_other_blank_lines_are_not(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    assert by_line(check_file(write(tmp_path, lines, end=b"\n\n"))) == {}
    assert by_line(check_file(write(tmp_path, lines, end=b"\n  \r\n"))) == {}
    assert by_line(check_file(write(tmp_path, lines, end=b"\n\n\n"))) == {13: ["line-not-json"]}
    middle = check_file(write(tmp_path, lines[:5] + [""] + lines[5:]))
    assert by_line(middle) == {6: ["line-not-json"]}
    assert "empty" in messages_of(middle, 6, "line-not-json")[0]


def test_a_file_without_a_trailing_newline(tmp_path):
    result = check_file(write(tmp_path, [chat_line(i) for i in range(12)], end=b""))
    assert result.lines_read == 12 and by_line(result) == {}


def test_mixed_formats_are_reported_and_not_counted(tmp_path):
    lines = [chat_line(i) for i in range(12)] + [{"prompt": "Hi ->", "completion": " hello"}]
    lines.insert(3, {"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []})
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {4: ["mixed-formats"], 14: ["mixed-formats"]}
    assert "file is in the chat (messages) format (from line 1)" in messages_of(result, 14, "mixed-formats")[0]
    assert result.examples == 12 and result.exit_code == 1


def test_lines_without_any_known_key_before_the_first_example(tmp_path):
    lines = [{"text": "The sky is blue."}] + [chat_line(i) for i in range(12)]
    result = check_file(write(tmp_path, lines))
    assert result.format == "openai-chat" and by_line(result) == {1: ["missing-key", "unrecognized-key"]}
    assert '"text"' in messages_of(result, 1, "unrecognized-key")[0]
    nothing = check_file(write(tmp_path, [{"text": "a"}, {"text": "b"}], "text.jsonl"))
    assert nothing.format is None and nothing.examples == 0 and nothing.estimate is None


def test_an_empty_file(tmp_path):
    result = check_file(write(tmp_path, [], end=b""))
    assert (result.format, result.examples, result.lines_read) == (None, 0, 0)
    assert result.dataset_codes == ["too-few-examples", "few-examples"] and result.exit_code == 1


# Duplicates and conflicts --------------------------------------------------------------------------

def test_duplicates_are_reported_on_every_copy(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[4] = lines[1]
    lines[8] = lines[1]
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {2: ["duplicate"], 5: ["duplicate"], 9: ["duplicate"]}
    assert messages_of(result, 5, "duplicate") == [
        "Line 5 has the same input and output as lines 2, 9: delete the copies (a duplicate counts twice in training "
        "and can leak into the validation split)."]
    assert result.summaries["duplicate"].lines == 3 and result.level_counts["warning"] == 3


def test_duplicates_ignore_the_key_order_of_messages(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[6] = {"messages": [{"content": m["content"], "role": m["role"]} for m in lines[0]["messages"]]}
    assert by_line(check_file(write(tmp_path, lines))) == {1: ["duplicate"], 7: ["duplicate"]}


def test_conflicts_same_input_different_output_on_every_copy(tmp_path):
    lines = sentiment_lines()
    lines[5] = dict(lines[0], completion=" negative")
    lines[9] = dict(lines[0])
    result = check_file(write(tmp_path, lines))
    assert by_line(result) == {1: ["conflict", "duplicate"], 6: ["conflict"], 10: ["conflict", "duplicate"]}
    assert "but their completions differ" in messages_of(result, 6, "conflict")[0]


def test_chat_conflicts_compare_the_last_assistant_reply(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[3] = {"messages": lines[0]["messages"][:2] + [{"role": "assistant", "content": "Another answer."}]}
    assert by_line(check_file(write(tmp_path, lines))) == {1: ["conflict"], 4: ["conflict"]}


# The same rules as the app ---------------------------------------------------------------------------

VARIED = [
    [SYSTEM, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1.0}],
    [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Anyone?"}, {"role": "assistant", "content": " "}],
    [{"role": "function", "name": "f", "content": "x"}, {"role": "assistant", "content": "ok", "weight": True}],
    [{"role": "system", "content": " "}, {"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Bye"}],
    [{"role": 5, "content": "x"}, {"content": "y"}, {"role": "assistant", "content": ["part"]}],
    [{"role": "user", "content": "THIS IS ALL UPPERCASE TEXT, VERY LOUD INDEED"}, {"role": "assistant", "content": "ok"}],
    [{"role": "user", "content": "Say <|endoftext|>"}, {"role": "assistant", "content": "No", "weight": 0}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [{"id": "1"}], "weight": "1"},
     {"role": "tool", "content": ""}, {"role": "tool", "content": "r"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": [1]}],
]


def test_memoised_shape_rules_give_exactly_what_run_example_rules_gives(tmp_path):
    lines = [{"messages": m} for m in VARIED] * 3  # repeated: the second and third copies use the memo
    result = check_file(write(tmp_path, lines))
    model = load_model_table().get("gpt-4.1-mini")
    settings = chat_settings("gpt-4.1-mini")
    profile = PROFILES["openai-chat"]
    for number, line in enumerate(lines, 1):
        example, canonical = chat_example(line["messages"])
        rendered = Rendered("openai-chat", "o200k_base", False, canonical, profile.build(canonical, "o200k_base"))
        expected = sorted((f.code, f.field, f.message) for f in run_example_rules(
            ExampleContext(settings, example, rendered, model, profile)) if f.code not in ("duplicate", "conflict"))
        got = sorted((f.code, f.field, f.message) for n, f in result.findings
                     if n == number and f.code not in ("duplicate", "conflict", "missing-key", "wrong-type",
                                                       "unrecognized-key"))
        assert got == expected, number
    assert {f.code for _, f in result.findings} & SHAPE_RULES  # the memo was exercised


def test_every_per_line_code_has_a_bit():
    assert len(CODE_BIT) == len(set(CODE_BIT.values())) >= 38


# Streams and the JSON report --------------------------------------------------------------------------

class Pipe(io.RawIOBase):
    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def test_a_stream_that_cannot_seek_is_spooled_for_the_legacy_pre_pass(tmp_path):
    data = write(tmp_path, sentiment_lines()).read_bytes()
    result = check_stream(io.BufferedReader(Pipe(data)))
    assert (result.kind, result.separator, result.examples) == ("classification", " ->", 12)


def test_the_json_report_is_json_dumps_of_the_contract(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[2]["messages"][2]["weight"] = 1.0
    lines[7] = lines[3]
    result = check_file(write(tmp_path, lines))
    out = io.StringIO()
    write_json(result, out)
    report = json.loads(out.getvalue())
    assert out.getvalue() == json.dumps(report) + "\n"
    assert list(report) == ["format", "also", "model", "examples", "tokens", "lines", "dataset", "estimate"]
    assert report["lines"] == [{"line": 3, "codes": ["chat-weight-invalid"]}, {"line": 4, "codes": ["duplicate"]},
                               {"line": 8, "codes": ["duplicate"]}]
    assert report["dataset"] == ["few-examples", "estimate"]
    assert list(report["estimate"]) == ["billed_tokens", "epochs", "cost_usd"]


def test_the_checker_rejects_an_unknown_kind(tmp_path):
    with pytest.raises(ValueError):
        check_file(write(tmp_path, sentiment_lines()), kind="chat")


def test_odd_json_is_read_like_json_loads_and_never_crashes(tmp_path):
    lines = [chat_line(i) for i in range(12)]
    lines[0] = '{"messages": [{"role": "user", "content": NaN}, {"role": "assistant", "content": "ok"}]}'
    lines[1] = '{"messages": [{"role": "user", "content": "lone \\ud800 surrogate"}, {"role": "assistant", "content": "ok"}]}'
    lines[2] = "[" * 5_000 + "]" * 5_000
    lines[3] = {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                                          {"type": "image_url", "image_url": {"url": "https://x/y.jpg"}}]},
                             {"role": "assistant", "content": "A cheese."}]}
    result = check_file(write(tmp_path, lines))
    codes = by_line(result)
    assert codes[1] == ["chat-no-system", "wrong-type"]  # NaN is a number, not text
    assert codes[2] == ["chat-no-system"]
    assert codes[3] == ["line-not-json"] and "too deeply" in messages_of(result, 3, "line-not-json")[0]
    assert codes[4] == ["chat-no-system"]  # content parts (vision) are accepted
    assert result.examples == 11


# The plain-chat fast path ------------------------------------------------------------------------------

def _plain_chat_lines(seed, n):
    """Chat lines of {"role", "content"} messages near every edge the fast path must see: uppercase
    around the rule's thresholds (ASCII and not), special tokens and "<|" in contents and roles,
    blank, short and long contents, system prompts first, later, blank or missing, odd roles,
    repeated lines (duplicates, conflicts) and a few lines that are not plain (weights, names)."""
    import random

    rng = random.Random(seed)
    words = ["order", "refund", "DELIVERY", "Invoice", "the", "A", "ÉTÉ", "été", "straße", "ΣΟΦΙΑ", "σοφία", "ǅ",
             "x", "OK", "NO", "please", "<|endoftext|>", "<|fim_prefix|>", "<|", "|>", "über", "İ", "ﬀ", "1234", "!", " ", "\n"]

    def text():
        kind = rng.random()
        if kind < 0.05:
            return rng.choice(("", " ", "\u00a0", "\u200b", "\t\n"))
        if kind < 0.35:  # around 20 letters and a third of them uppercase
            letters = rng.randint(14, 26)
            upper = rng.randint(letters // 4, letters // 2 + 1)
            chars = [rng.choice("ABCXYZ") for _ in range(upper)] + [rng.choice("abcxyz") for _ in range(letters - upper)]
            rng.shuffle(chars)
            return "".join(chars) + rng.choice(("", " ", ".", " 42", " É", " é"))
        size = rng.choice((1, 3, 8, 15, 40))
        return " ".join(rng.choice(words if rng.random() < 0.3 else words[:6]) for _ in range(size))

    systems = ["You are a helpful assistant.", "YOU ANSWER IN CAPITALS ONLY, ALWAYS.", " ", "",
               "Système: répondez poliment <|im_start|>", "A" * 70]
    lines = []
    for i in range(n):
        if lines and rng.random() < 0.06:
            line = json.loads(json.dumps(rng.choice(lines)))
            if rng.random() < 0.5:
                line["messages"][-1]["content"] = text()  # a conflict (or a duplicate by chance)
            lines.append(line)
            continue
        messages = []
        where = rng.random()
        if where < 0.7:
            messages.append({"role": "system", "content": rng.choice(systems)})
        for _ in range(rng.choice((1, 1, 2, 3))):
            messages.append({"role": "user", "content": text()})
            messages.append({"role": "assistant", "content": text()})
        if where > 0.95:
            messages.insert(rng.randrange(len(messages) + 1), {"role": "system", "content": rng.choice(systems)})
        roll = rng.random()
        if roll < 0.05:
            rng.choice(messages)["role"] = rng.choice(("tool", "bot", "", "USER", "<|im_start|>", "<|endoftext|>", "function"))
        elif roll < 0.08:
            messages.pop()
        elif roll < 0.10:
            rng.choice(messages)["weight"] = rng.choice((0, 1, 1.0))
        elif roll < 0.12:
            rng.choice(messages)["name"] = "n"
        elif roll < 0.14:
            message = rng.choice(messages)
            message.update(reversed(list(message.items())))  # same keys, other order
        lines.append({"messages": messages})
    fixed = [  # each twice: the second copy finds its shape memoised
        [{"role": "<|endoftext|>", "content": "hi"}, {"role": "assistant", "content": "ok"}],
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "<|endofprompt|>"}],
        [{"role": "system", "content": " "}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}],
        [{"role": "user", "content": "ABCDEFG hijklmnopqrst"}, {"role": "assistant", "content": "ABCDEFG hijklmnopqrstu"}],
        [{"role": "user", "content": "ÉÉÉÉÉÉÉ hijklmnopqrst"}, {"role": "assistant", "content": "ok"}],
    ]
    return lines + [{"messages": m} for m in fixed for _ in range(2)]


@pytest.mark.parametrize("model,memo_cap", [("gpt-4.1-mini", 4_096), ("tiny", 4_096), ("gpt-4.1-mini", 3),
                                            ("gpt-3.5-turbo-0125", 4_096)])
def test_the_memo_in_front_of_evaluate_gives_what_evaluate_gives(tmp_path, monkeypatch, model, memo_cap):
    from app.core import jsonl_check

    table = load_model_table()
    models = ModelTable(table.as_of, table.models + (ModelInfo("tiny", "Test", "o200k_base", 45, 1.0, "test"),))
    path = write(tmp_path, _plain_chat_lines(5, 1_500))
    monkeypatch.setattr(jsonl_check, "MEMO_CAP", memo_cap)
    evaluated = []
    real = jsonl_check.evaluate_form

    def counted(*args, checks=None):
        evaluated.append(checks is jsonl_check.PLAIN_CHECKS)
        return real(*args, checks=checks)

    monkeypatch.setattr(jsonl_check, "evaluate_form", counted)
    fast = check_file(path, model=model, models=models)
    monkeypatch.setattr(jsonl_check, "MEMO_CAP", 0)  # no memo: every rule of evaluate on every line
    full = check_file(path, model=model, models=models)
    assert 0 < evaluated.count(True) < len(evaluated) // 2  # the plain shortcut and the full rules both ran

    def report(result):
        out = io.StringIO()
        write_json(result, out)
        return out.getvalue()

    assert sorted(fast.findings, key=repr) == sorted(full.findings, key=repr)
    assert report(fast) == report(full)
    assert (fast.tokens, fast.examples, fast.level_counts, fast.lines_with_findings, fast.dataset, fast.estimate) == (
        full.tokens, full.examples, full.level_counts, full.lines_with_findings, full.dataset, full.estimate)
    codes = {f.code for _, f in full.findings}
    assert {"uppercase-heavy", "special-token", "duplicate", "conflict", "chat-no-system"} <= codes
    assert ("too-long" in codes) == (model == "tiny")


def test_the_plain_shortcut_is_on_for_chat_files():
    """If a new per-line chat rule turns it off, `jsonl_check._plain` must learn when the rule can fire
    (and PLAIN_CHAT_CHECKS list it): the shortcut is what makes big files quick."""
    from app.core.jsonl_check import Plan, _Checker

    checker = _Checker(Plan("chat", "chat"), "gpt-4.1-mini", load_model_table().get("gpt-4.1-mini"))
    assert checker.plain_chat
    assert not _Checker(Plan("preference", "preference"), "gpt-4.1-mini", load_model_table().get("gpt-4.1-mini")).plain_chat
