"""Azure OpenAI: OpenAI's chat lines in a file that starts with a UTF-8 byte-order mark."""

import json

import pytest

from app.core.providers import azure, openai
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, Turn

EXAMPLE = Example("chat", (Turn("system", "You are a helpful assistant."), Turn("user", "Hi"),
                           Turn("assistant", "Hello! How can I help?", weight=1)))


def test_the_line_is_the_openai_chat_line():
    assert azure.CHAT.write(EXAMPLE).lines == ({"messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?", "weight": 1}]},)
    assert azure.CHAT.write(EXAMPLE) == openai.CHAT_PROFILE.write(EXAMPLE)


def test_the_file_starts_with_a_bom_and_then_reads_as_jsonl():
    data = azure.CHAT.file_bytes(azure.CHAT.write(EXAMPLE).lines * 2)
    assert data.startswith(b"\xef\xbb\xbf{") and data.endswith(b"}\n")
    assert [json.loads(line) for line in data.decode("utf-8-sig").splitlines()] == [azure.CHAT.write(EXAMPLE).lines[0]] * 2
    assert not openai.CHAT_PROFILE.file_bytes(azure.CHAT.write(EXAMPLE).lines).startswith(b"\xef\xbb\xbf")


def test_a_file_of_nine_examples_is_refused():
    line = azure.CHAT.write(EXAMPLE).lines[0]
    assert [f.code for f in azure.CHAT.check_file([line] * 9)] == ["azure-min-examples"]
    assert azure.CHAT.check_file([line] * 10) == ()


def test_reading_a_written_line_gives_the_example_back():
    (line,) = azure.CHAT.write(EXAMPLE).lines
    assert azure.CHAT.read(json.loads(json_line(line))) == EXAMPLE


@pytest.mark.parametrize("kind,messages", [
    ("classification", [{"role": "user", "content": "Great phone"}, {"role": "assistant", "content": "positive"}]),
    ("generation", [{"role": "user", "content": "Describe: red mug"}, {"role": "assistant", "content": "A red mug."}]),
    ("chat", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
              {"role": "assistant", "content": "Hello!"}]),
    ("preference", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello!"}]),
])
def test_each_kind_is_a_chat_line(examples, kind, messages):
    assert azure.CHAT.write(examples[kind]).lines == ({"messages": messages},)
