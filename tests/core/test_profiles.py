"""Export profiles: the chat record's parts (what the live panel lists under the count) name, show and
count every message, as `tokens.count_message` counts it."""

from app.core import tokens
from app.core.file_format import chat_example
from app.core.profiles import PROFILES
from app.core.records import Part

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "1", "content": "12 degrees"},
    {"role": "assistant", "content": "It is 12 degrees."},
]


def test_the_chat_record_lists_every_message_with_its_tokens():
    record = PROFILES["openai-chat"].build(chat_example(MESSAGES)[1], "o200k_base")[0]
    counts = [tokens.count_message(m, "o200k_base") for m in MESSAGES]
    assert list(record.parts) == [
        Part("messages[0] system", "You are terse.", counts[0]),
        Part("messages[1] user", "Weather in Paris?", counts[1]),
        Part("messages[2] assistant", "weather({})", counts[2]),  # a tool call shows as name(arguments)
        Part("messages[3] tool", "12 degrees", counts[3]),
        Part("messages[4] assistant", "It is 12 degrees.", counts[4]),
    ]
    assert record.tokens == record.billed_tokens == sum(counts) + tokens.REPLY_PRIMING
    assert record.line == {"messages": MESSAGES}


def test_the_parts_read_compare_and_print_as_their_tuple():
    build = PROFILES["openai-chat"].build
    record = build(chat_example(MESSAGES)[1], "o200k_base")[0]
    again = build(chat_example(MESSAGES)[1], "o200k_base")[0]
    parts = tuple(record.parts)
    assert record.parts == parts == again.parts and record == again
    assert (len(record.parts), record.parts[1], record.parts[-1:]) == (5, parts[1], parts[-1:])
    assert hash(record.parts) == hash(parts) and repr(record.parts) == repr(parts)
    assert record.parts != parts[:2]


def test_an_example_the_models_template_refuses_is_not_exported_and_the_note_says_why():
    from app.core.model_table import load_model_table
    from app.core.presets import PRESETS_BY_KEY
    from app.core.project_settings import ExampleValues
    from app.core.render import render

    settings = PRESETS_BY_KEY["chat"].settings.with_changes(target_model="google/gemma-3-12b-it")
    turns = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}]
    rendered = render(settings, ExampleValues({"system": ""}, turns), "trl-messages", load_model_table())
    assert rendered.records == () and rendered.tokens == 0
    (note,) = [n for n in rendered.notes if n.code == "chat-template-refused"]
    assert note.effect == "refused" and "Gemma 3 template" in note.message and "must alternate" in note.message
