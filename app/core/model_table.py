"""The model table: per-example token limit, training price, tokenizer and availability.

The table is one dated data file (`app/data/models.json`, or the file named by the
`TUNELAB_MODELS_FILE` setting) so a team can add open models or fix a price without code.
A row counts with its tiktoken `encoding`, or with its own `tokenizer` (a name of
app.core.tokens.MODEL_TOKENIZERS: Llama 3.1, Qwen3, Gemma 3, gpt-oss), or, with neither, with
FALLBACK_ENCODING, labelled approximate. A row's `aliases` are older names of the same model (a
project saved with one counts with the row it names now: the old approximate `llama-3.1-8b-instruct`
is `meta-llama/Llama-3.1-8B-Instruct`, counted exactly).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_MODELS_FILE = Path(__file__).resolve().parent.parent / "data" / "models.json"
FALLBACK_ENCODING = "o200k_base"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    provider: str
    encoding: str | None  # None: no tiktoken encoding; counts use FALLBACK_ENCODING, approximate
    limit: int
    price_per_million: float | None
    availability: str
    rejects_over_limit: bool = False  # Vertex, Bedrock: over-limit examples fail the job
    tokenizer: str | None = None  # the model's own tokenizer and chat template (tokens.MODEL_TOKENIZERS)
    note: str = ""  # where the limit comes from, which tokenizer and template the counts use
    aliases: tuple[str, ...] = ()  # older names of this row (projects saved with one keep working)

    @property
    def counting_encoding(self) -> str:
        """The name text is counted with (tokens.count): the tiktoken encoding, else the model's
        own tokenizer, else FALLBACK_ENCODING."""
        return self.encoding or self.tokenizer or FALLBACK_ENCODING

    @property
    def approximate(self) -> bool:
        return self.encoding is None and self.tokenizer is None


@dataclass(frozen=True)
class ModelTable:
    as_of: str
    models: tuple[ModelInfo, ...]

    def get(self, name: str) -> ModelInfo:
        """The row for `name`; a fine-tuned id (`ft:gpt-4.1-mini:org::id`) maps to its base."""
        base = name.split(":")[1] if name.startswith("ft:") and ":" in name[3:] else name
        for model in self.models:
            if model.name == base or base in model.aliases:
                return model
        for model in sorted(self.models, key=lambda m: -len(m.name)):
            if base.startswith(model.name):
                return model
        return ModelInfo(
            name=name,
            provider="unknown",
            encoding=None,
            limit=65_536,
            price_per_million=None,
            availability="not in the model table: counts are approximate",
        )

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.models]

    def knows(self, name: str) -> bool:
        """A row's name or one of its aliases (what a project's target model may be)."""
        return any(name == m.name or name in m.aliases for m in self.models)


@lru_cache(maxsize=8)
def load_model_table(path: str | Path = DEFAULT_MODELS_FILE) -> ModelTable:
    from app.core.tokens import MODEL_TOKENIZERS  # here: importing the table stays light

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    models = tuple(ModelInfo(**{**row, "aliases": tuple(row.get("aliases", ()))}) for row in data["models"])
    for model in models:
        if model.tokenizer is not None and model.tokenizer not in MODEL_TOKENIZERS:
            raise ValueError(f"{path}: model {model.name!r} names the tokenizer {model.tokenizer!r}; "
                             f"known tokenizers: {', '.join(sorted(MODEL_TOKENIZERS))}")
    return ModelTable(as_of=data["as_of"], models=models)
