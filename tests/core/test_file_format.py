"""One line's format checks (RULES.md, "How rules combine"): what file_format says about keys and
types, and the core values it builds for the rules."""

from app.core.file_format import check_chat, check_preference, check_unknown, chat_example, legacy_example

USER = {"role": "user", "content": "Hi"}
ASSISTANT = {"role": "assistant", "content": "Hello."}


def codes(found):
    return sorted((f.code, f.field) for f in found)


def test_null_optional_keys_are_absent_and_dropped_from_the_messages_the_rules_see():
    found = []
    messages = check_chat({"messages": [USER, dict(ASSISTANT, weight=None, name=None, tool_calls=None)], "tools": None},
                          found)
    assert found == [] and messages[1] == ASSISTANT


def test_a_role_that_is_not_a_string_and_a_null_required_key_are_wrong_type():
    found = []
    check_chat({"messages": [{"role": 5, "content": "Hi"}, {"role": "assistant", "content": None}]}, found)
    assert codes(found) == [("wrong-type", "messages[0].role"), ("wrong-type", "messages[1].content")]
    assert "is a number" in found[0].message and "is null" in found[1].message


def test_null_content_next_to_a_tool_call_is_the_format():
    call = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    found = []
    check_chat({"messages": [USER, {"role": "assistant", "content": None, "tool_calls": call}]}, found)
    assert found == []


def test_preference_outputs_that_are_not_one_assistant_message_are_pref_shape():
    line = {"input": {"messages": [USER]}, "preferred_output": [ASSISTANT]}
    for bad in ({}, {"non_preferred_output": "No."}, {"non_preferred_output": [5]},
                {"non_preferred_output": [ASSISTANT, ASSISTANT]}, {"non_preferred_output": [USER]}):
        found = []
        check_preference({**line, **bad}, found)
        assert [f.code for f in found] == ["pref-shape"], bad
    found = []
    check_preference({"preferred_output": [ASSISTANT], "non_preferred_output": [ASSISTANT]}, found)
    assert [f.code for f in found] == ["missing-key"]  # the input is the required key of the shape


def test_a_line_of_no_known_format_is_missing_key_and_unrecognized_key():
    found = []
    check_unknown({"conversation": [USER, ASSISTANT]}, found)
    assert codes(found) == [("missing-key", ""), ("unrecognized-key", "conversation")]
    found = []
    check_unknown({}, found)
    assert codes(found) == [("missing-key", "")]


def test_the_core_values_of_a_line_carry_the_app_s_identity_keys():
    _, form = chat_example([{"role": "system", "content": "Be brief."}, USER, ASSISTANT])
    assert form.input_key == '[{"content": "Be brief.", "role": "system"}, {"content": "Hi", "role": "user"}]'
    assert form.output_key == '[{"content": "Hello.", "role": "assistant"}]'
    _, no_user = chat_example([ASSISTANT])
    assert no_user.input_key is None
    example, row = legacy_example("Great ->", " positive", " ->", "")
    assert (row.input_key, row.output_key, example.fields) == ("Great ->", " positive", {"prompt": "Great"})
