"""evaluate() and evaluate_form(): one identity (the SHA-256 of the canonical input / content keys)
and one token count for an example typed in the app and the same example read from a file."""

import hashlib
import json

from app.core.evaluate import evaluate, evaluate_form, identity
from app.core.file_format import chat_example, chat_settings, legacy_example
from app.core.model_table import load_model_table
from app.core.project_settings import ExampleValues, ProjectSettings
from app.core.records import Canonical
from app.core.render import chat_keys
from app.core.rules.registry import Neighbors

MODEL = load_model_table().get("gpt-4.1-mini")
SYSTEM = {"role": "system", "content": "You are terse."}
USER = {"role": "user", "content": "Where is my parcel? É"}
ASSISTANT = {"role": "assistant", "content": "It arrives on Monday."}


def app_chat(messages):
    """The same conversation typed in the app's chat form (system prompt field + turns)."""
    settings = ProjectSettings(kind="chat", fields=chat_settings("gpt-4.1-mini").fields, output_widget="chat")
    return evaluate(settings, ExampleValues({"system": messages[0]["content"]}, list(messages[1:])))


def file_chat(messages):
    example, form = chat_example(messages)
    return evaluate_form(chat_settings("gpt-4.1-mini"), example, form, "openai-chat", MODEL)


def test_an_app_example_and_the_same_file_line_share_hashes_and_tokens():
    messages = [SYSTEM, USER, ASSISTANT]
    typed, read = app_chat(messages), file_chat(messages)
    assert (typed.input_hash, typed.content_hash) == (read.input_hash, read.content_hash)
    assert typed.rendered.tokens == read.rendered.tokens == sum(p.tokens for p in read.rendered.records[0].parts) + 3


def test_the_keys_are_the_json_the_app_always_hashed():
    """Rows saved before keep their hashes: the key is json.dumps(..., sort_keys=True, ensure_ascii=False)."""
    messages = [SYSTEM, USER, dict(ASSISTANT, weight=1), {"role": "user", "content": "Thanks"}, ASSISTANT]
    input_key, output_key = chat_keys(messages)
    assert input_key == json.dumps(messages[:4], ensure_ascii=False, sort_keys=True)
    assert output_key == json.dumps([ASSISTANT], ensure_ascii=False, sort_keys=True)
    assert identity(Canonical(input_key=input_key, output_key=output_key)).input_hash == hashlib.sha256(
        input_key.encode()).hexdigest()


def test_key_order_does_not_change_the_identity():
    flipped = [{"content": m["content"], "role": m["role"]} for m in (SYSTEM, USER, ASSISTANT)]
    assert file_chat(flipped).content_hash == file_chat([SYSTEM, USER, ASSISTANT]).content_hash


def test_the_output_is_the_last_trained_assistant_turn():
    untrained = dict(ASSISTANT, content="Not learned.", weight=0)
    assert chat_keys([SYSTEM, USER, ASSISTANT, {"role": "user", "content": "More?"}, untrained]) == chat_keys(
        [SYSTEM, USER, ASSISTANT])


def test_nothing_to_compare_without_a_user_turn_or_a_trained_assistant_turn():
    asked = []

    def neighbors(input_hash, content_hash):
        asked.append(input_hash)
        return Neighbors(duplicates=(7,))

    settings = ProjectSettings(kind="chat", output_widget="chat")
    for turns in ([ASSISTANT], [USER], [USER, dict(ASSISTANT, weight=0)]):
        evaluation = evaluate(settings, ExampleValues({}, turns), find_neighbors=neighbors)
        assert not evaluation.comparable and "duplicate" not in evaluation.codes
    assert asked == []
    assert "duplicate" in evaluate(settings, ExampleValues({}, [USER, ASSISTANT]), find_neighbors=neighbors).codes


def test_an_empty_prompt_is_no_shared_input():
    _, story = legacy_example("", " Once upon a time. END", "", " END")
    _, other = legacy_example("", " The end. END", "", " END")
    assert identity(story).input_hash == identity(story).content_hash != identity(other).input_hash
    _, prompted = legacy_example("Tell a story ->", " Once upon a time. END", " ->", " END")
    assert identity(prompted).input_hash == hashlib.sha256(b"Tell a story ->").hexdigest()


def test_field_errors_are_computed_only_when_read():
    settings = ProjectSettings(kind="generation", fields=chat_settings("gpt-4.1-mini").fields[:0], output_max_chars=3)
    evaluation = evaluate(settings, ExampleValues({}, "too long"))
    assert "field_errors" not in vars(evaluation)
    assert [e.field for e in evaluation.field_errors] == ["output"] and not evaluation.can_save


# Profile notes and line findings -----------------------------------------------------------------

REASONING = {"role": "assistant", "content": "It arrives on Monday.", "reasoning_content": "The tracker says Monday."}


def test_reasoning_exported_to_openai_chat_is_noted_as_dropped_and_not_written():
    example, form = chat_example([SYSTEM, USER, REASONING])
    evaluation = evaluate_form(chat_settings("gpt-4.1-mini"), example, form, "openai-chat", MODEL)
    assert [(n.code, n.effect) for n in evaluation.rendered.notes] == [("carry-reasoning", "dropped")]
    assert "reasoning" not in evaluation.lines[0] and "It arrives on Monday." in evaluation.lines[0]


def test_a_refused_example_has_no_records_and_says_why():
    example, form = chat_example([SYSTEM, USER, ASSISTANT])
    evaluation = evaluate_form(chat_settings("gpt-4.1-mini"), example, form, "trl-prompt-completion-chat", MODEL)
    assert evaluation.rendered.records  # it ends with the assistant: written
    example, form = chat_example([SYSTEM, USER])
    evaluation = evaluate_form(chat_settings("gpt-4.1-mini"), example, form, "trl-prompt-completion-chat", MODEL)
    assert evaluation.rendered.records == () and evaluation.lines == []
    assert [n.effect for n in evaluation.rendered.notes] == ["refused"]


def test_a_provider_rule_that_repeats_a_rules_code_is_reported_once():
    two_users = [SYSTEM, USER, {"role": "user", "content": "Hello?"}, ASSISTANT]
    example, form = chat_example(two_users)
    evaluation = evaluate_form(chat_settings("gpt-4.1-mini"), example, form, "bedrock-nova", MODEL)
    codes = evaluation.codes + [f.code for f in evaluation.rendered.profile_findings]
    assert ("chat-roles-not-alternating" in codes) != ("bedrock-alternation" in codes)
    assert len(codes) == len(set(codes))
