"""Vertex AI Gemini: the documented lines, what the shape cannot carry, its limits, round trips."""

import json

import pytest

from app.core.providers import vertex
from app.core.providers.base import RuleContext, json_line
from app.core.providers.neutral import Example, Tool, ToolCall, Turn

SKU = Tool("get_product_sku", "Get the available inventory for a Google products, e.g: Pixel phones, Pixel Watches, "
           "Google Home etc", {"type": "OBJECT", "properties": {"product_name": {
               "type": "STRING", "description": "Product name",
               "enum": ["Pixel 8 Pro 128GB", "Pixel 8 Pro 256GB", "Pixel 8 Pro 512GB", "Pixel 8 Pro 1TB"]}}})
STORE = Tool("get_store_location", "Get the location of the closest store",
             {"type": "OBJECT", "properties": {"location": {"type": "STRING", "description": "Location"}}})


def test_a_chat_is_the_prepare_pages_line():
    example = Example("chat", (Turn("system", "You are a pirate dog named Captain Barktholomew."), Turn("user", "Hi"),
                               Turn("assistant", "Argh! What brings ye to my ship?")))
    assert vertex.GEMINI.write(example).lines == ({
        "systemInstruction": {"role": "system", "parts": [{"text": "You are a pirate dog named Captain Barktholomew."}]},
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]},
                     {"role": "model", "parts": [{"text": "Argh! What brings ye to my ship?"}]}]},)


def function_call_example() -> Example:
    return Example("chat", (
        Turn("system", "You are an assistant that helps users find the best product for them."),
        Turn("user", "Do you have the White Pixel 8 Pro 128GB in stock in the US?"),
        Turn("assistant", tool_calls=(ToolCall("", "get_product_sku", "{\"product_name\": \"Pixel 8 Pro 128GB\"}"),))),
        tools=(SKU, STORE))


def test_function_calling_is_the_tuning_pages_line():
    assert vertex.GEMINI.write(function_call_example()).lines == ({
        "systemInstruction": {"role": "system", "parts": [
            {"text": "You are an assistant that helps users find the best product for them."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Do you have the White Pixel 8 Pro 128GB in stock in the US?"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "get_product_sku",
                                                          "args": {"product_name": "Pixel 8 Pro 128GB"}}}]}],
        "tools": [{"functionDeclarations": [
            {"name": "get_product_sku", "description": "Get the available inventory for a Google products, e.g: Pixel "
             "phones, Pixel Watches, Google Home etc", "parameters": {"type": "OBJECT", "properties": {"product_name": {
                 "type": "STRING", "description": "Product name",
                 "enum": ["Pixel 8 Pro 128GB", "Pixel 8 Pro 256GB", "Pixel 8 Pro 512GB", "Pixel 8 Pro 1TB"]}}}},
            {"name": "get_store_location", "description": "Get the location of the closest store",
             "parameters": {"type": "OBJECT", "properties": {"location": {"type": "STRING", "description": "Location"}}}}]}]},)


def test_results_are_function_responses_in_user_contents():
    example = function_call_example()._replace(turns=function_call_example().turns + (
        Turn("tool", "{\"sku\": \"GA04823\", \"in_stock\": \"yes\"}", name="get_product_sku"),
        Turn("assistant", "Yes, it is in stock.")))
    contents = vertex.GEMINI.write(example).lines[0]["contents"]
    assert contents[2:] == [
        {"role": "user", "parts": [{"functionResponse": {"name": "get_product_sku",
                                                         "response": {"sku": "GA04823", "in_stock": "yes"}}}]},
        {"role": "model", "parts": [{"text": "Yes, it is in stock."}]}]


def test_what_vertex_cannot_carry_is_noted():
    example = Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello", reasoning="Greet.", weight=0),
                               Turn("system", "Be terse."), Turn("user", "Bye"), Turn("assistant", "Bye")))
    checked = vertex.GEMINI.check(example)
    assert [(f.code, f.level) for f in checked.findings] == [
        ("carry-reasoning", "warning"), ("carry-weight", "warning"), ("carry-system", "info")]
    assert checked.written.lines[0]["systemInstruction"] == {"role": "system", "parts": [{"text": "Be terse."}]}


def test_an_example_over_131072_tokens_is_refused_given_a_count():
    example = Example("chat", (Turn("user", "word " * 140_000), Turn("assistant", "ok")))
    count_words = RuleContext(count_tokens=lambda line: len(json_line(line).split()))
    assert [f.code for f in vertex.GEMINI.check(example, count_words).findings] == ["vertex-too-long"]
    assert vertex.GEMINI.check(example).findings == ()  # no count function, no token rule


def test_a_validation_file_holds_at_most_5000_examples():
    line = vertex.GEMINI.write(function_call_example()).lines[0]
    assert [f.code for f in vertex.GEMINI.check_file([line] * 5_001, RuleContext(split="validation"))] == [
        "vertex-validation-too-many"]
    assert vertex.GEMINI.check_file([line] * 5_001) == ()


@pytest.mark.parametrize("example", [
    function_call_example(),
    Example("chat", (Turn("user", "Weather in Paris and Rome?"),
                     Turn("assistant", "Checking both.", tool_calls=(ToolCall("", "weather", "{\"city\": \"Paris\"}"),
                                                                     ToolCall("", "weather", "{\"city\": \"Rome\"}"))),
                     Turn("tool", "{\"temp\": 21}", name="weather"), Turn("tool", "sunny", name="weather"),
                     Turn("assistant", "Paris 21, Rome sunny."), Turn("assistant", "Anything else?"))),
    Example("classification", (Turn("user", "Great phone"), Turn("assistant", "positive"))),
])
def test_reading_a_written_line_gives_the_example_back(example):
    (line,) = vertex.GEMINI.write(example).lines
    assert vertex.GEMINI.read(json.loads(json_line(line)), example.kind) == example


SYSTEM = {"role": "system", "parts": [{"text": "Be brief."}]}


@pytest.mark.parametrize("kind,line", [
    ("classification", {"contents": [{"role": "user", "parts": [{"text": "Great phone"}]},
                                     {"role": "model", "parts": [{"text": "positive"}]}]}),
    ("generation", {"contents": [{"role": "user", "parts": [{"text": "Describe: red mug"}]},
                                 {"role": "model", "parts": [{"text": "A red mug."}]}]}),
    ("chat", {"systemInstruction": SYSTEM, "contents": [{"role": "user", "parts": [{"text": "Hi"}]},
                                                        {"role": "model", "parts": [{"text": "Hello!"}]}]}),
    ("preference", {"systemInstruction": SYSTEM, "contents": [{"role": "user", "parts": [{"text": "Hi"}]},
                                                              {"role": "model", "parts": [{"text": "Hello!"}]}]}),
])
def test_each_kind_is_a_gemini_line(examples, kind, line):
    assert vertex.GEMINI.write(examples[kind]).lines == (line,)
