"""The model table: per-example token limit, training price, tokenizer and availability.

The table is one dated data file (`app/data/models.json`, or the file named by the
`TUNELAB_MODELS_FILE` setting) so a team can add open models or fix a price without code.
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

    @property
    def counting_encoding(self) -> str:
        return self.encoding or FALLBACK_ENCODING

    @property
    def approximate(self) -> bool:
        return self.encoding is None


@dataclass(frozen=True)
class ModelTable:
    as_of: str
    models: tuple[ModelInfo, ...]

    def get(self, name: str) -> ModelInfo:
        """The row for `name`; a fine-tuned id (`ft:gpt-4.1-mini:org::id`) maps to its base."""
        base = name.split(":")[1] if name.startswith("ft:") and ":" in name[3:] else name
        for model in self.models:
            if model.name == base:
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


@lru_cache(maxsize=8)
def load_model_table(path: str | Path = DEFAULT_MODELS_FILE) -> ModelTable:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return ModelTable(
        as_of=data["as_of"],
        models=tuple(ModelInfo(**row) for row in data["models"]),
    )
