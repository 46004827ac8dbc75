"""app/core/template_view.py: the chat-template renders behind an open model's count, trained parts cut out."""

from __future__ import annotations

from app.core import tokens
from app.core.model_table import load_model_table
from app.core.presets import PRESETS_BY_KEY
from app.core.project_settings import ExampleValues
from app.core.render import render
from app.core.template_view import Segment, segments, template_views

MODELS = load_model_table()
TURNS = [{"role": "user", "content": "Name one river."}, {"role": "assistant", "content": "The Loire."}]


def chat(model: str):
    return PRESETS_BY_KEY["chat"].settings.with_changes(target_model=model)


def test_segments_cut_the_text_at_the_trained_spans():
    assert segments("abcdef", ((1, 3), (4, 6))) == (
        Segment("a", False), Segment("bc", True), Segment("d", False), Segment("ef", True))
    assert segments("abc", None) == (Segment("abc", False),)
    assert segments("", ()) == (Segment("", False),)


def test_each_open_model_view_is_its_count_and_the_trained_parts_are_the_replies():
    for model, name in (("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1"), ("Qwen/Qwen3-8B", "qwen3"),
                        ("google/gemma-3-12b-it", "gemma-3"), ("openai/gpt-oss-20b", "gpt-oss")):
        settings, example = chat(model), ExampleValues({"system": ""}, TURNS)
        (view,) = template_views(settings, example, "trl-messages", MODELS)
        counted = tokens.count_chat(TURNS, name)
        assert view.text == counted.text and view.tokens == render(settings, example, "trl-messages", MODELS).tokens
        assert view.trained_tokens == counted.trained_tokens > 0
        trained = [s.text for s in view.segments if s.trained]
        assert len(trained) == 1 and "The Loire." in trained[0] and "Name one river." not in trained[0]


def test_a_preference_pair_shows_both_renders_and_the_panel_counts_the_longer():
    settings = PRESETS_BY_KEY["preference"].settings.with_changes(target_model="Qwen/Qwen3-8B")
    example = ExampleValues({"system": "", "turns": [["user", "Name one river."]]},
                            {"preferred": "The Loire.", "non_preferred": "I do not know any river at all, sorry."})
    views = template_views(settings, example, "trl-preference", MODELS)
    assert [v.title for v in views] == ["chosen", "rejected"]
    assert "The Loire." in views[0].text and "sorry" in views[1].text
    assert render(settings, example, "trl-preference", MODELS).tokens == max(v.tokens for v in views)


def test_a_tiktoken_model_or_a_prompt_completion_line_renders_no_template():
    assert template_views(chat("gpt-4o-mini-2024-07-18"), ExampleValues({"system": ""}, TURNS), None, MODELS) == ()
    generation = PRESETS_BY_KEY["ad_from_wikipedia"].settings.with_changes(target_model="Qwen/Qwen3-8B")
    example = ExampleValues({"name": "Aurora", "description": "An espresso machine."}, "Great coffee.")
    assert template_views(generation, example, "trl-prompt-completion", MODELS) == ()


def test_an_empty_conversation_is_no_tokens_not_a_template_error():
    counted = tokens.count_chat([], "qwen3")
    assert (counted.tokens, counted.trained_tokens, counted.text) == (0, 0, "")
    assert render(chat("Qwen/Qwen3-8B"), ExampleValues({"system": ""}, []), "trl-messages", MODELS).tokens == 0
