"""The model table: the open models count with their own tokenizers, and each row says where its numbers come from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core import tokens
from app.core.model_table import DEFAULT_MODELS_FILE, FALLBACK_ENCODING, ModelInfo, load_model_table

OPEN_ROWS = {
    "meta-llama/Llama-3.1-8B-Instruct": ("llama-3.1", 131_072),
    "Qwen/Qwen3-8B": ("qwen3", 32_768),
    "google/gemma-3-12b-it": ("gemma-3", 131_072),
    "openai/gpt-oss-20b": ("gpt-oss", 16_384),
}


@pytest.mark.parametrize("name", sorted(OPEN_ROWS))
def test_the_open_models_have_their_own_tokenizer_and_exact_counts(name):
    model = load_model_table().get(name)
    tokenizer, limit = OPEN_ROWS[name]

    assert (model.name, model.tokenizer, model.limit) == (name, tokenizer, limit)
    assert not model.approximate
    assert "approximate" not in model.availability + model.note
    assert "limit" in model.note and f"{limit:,}" in model.note  # where the number comes from
    assert tokens.count("Hello world", model.counting_encoding) == 2  # counted with its own tokenizer


def test_gpt_oss_counts_text_with_o200k_harmony():
    model = load_model_table().get("openai/gpt-oss-20b")

    assert model.encoding == model.counting_encoding == "o200k_harmony"
    assert tokens.count_chat([{"role": "user", "content": "Hi"}], model.tokenizer).text.startswith("<|start|>system")


def test_rows_without_a_tokenizer_stay_approximate_and_keep_their_fields():
    table = load_model_table()
    qwen25 = table.get("qwen2.5-7b-instruct")

    assert qwen25.approximate and qwen25.tokenizer is None
    assert qwen25.counting_encoding == FALLBACK_ENCODING
    assert table.get("gpt-4.1").counting_encoding == "o200k_base" and not table.get("gpt-4.1").approximate
    assert ModelInfo("tiny", "test", None, 10, None, "test").note == ""  # positional rows still build


def test_a_row_naming_an_unknown_tokenizer_is_refused(tmp_path: Path):
    data = json.loads(DEFAULT_MODELS_FILE.read_text(encoding="utf-8"))
    data["models"][0]["tokenizer"] = "mistral-7b"
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match="mistral-7b") as excinfo:
        load_model_table(path)
    assert "qwen3" in str(excinfo.value)  # the names it knows


def test_the_old_approximate_llama_name_is_an_alias_of_the_exact_row():
    """Projects saved with `llama-3.1-8b-instruct` (counted "approximate (o200k_base)" before the
    Llama 3.1 tokenizer came) now count with the Llama 3.1 tokenizer; the name is no row of its own."""
    table = load_model_table()
    old = table.get("llama-3.1-8b-instruct")

    assert old is table.get("meta-llama/Llama-3.1-8B-Instruct") and not old.approximate
    assert "llama-3.1-8b-instruct" not in table.names and table.knows("llama-3.1-8b-instruct")
    assert tokens.count("Hello world", old.counting_encoding) == 2
    assert not any(m.approximate for m in table.models if m.tokenizer or "llama-3.1" in m.name.lower())
