"""Every provider line shape the app can export, by key, grouped by provider, and `detect`.

One module per provider family writes and reads its shapes (`app.core.providers.openai`, …);
`neutral` holds the example they all share, `base` the profile and rule types, `messages` the
OpenAI-style message codec most of them use. `profiles_for(kind)` lists the profiles that write a
task kind; `detect(line)` names the profiles whose reader accepts a parsed line (an identical
chat line matches several providers: that is the answer, not an ambiguity to resolve here).
"""

from __future__ import annotations

from typing import Any

from app.core.providers import axolotl, azure, bedrock, fireworks, llamafactory, mistral, openai, together, trl, vertex
from app.core.providers.base import Checked, Finding, Note, Profile, RuleContext, ShapeError, Written
from app.core.providers.neutral import Example, TextPair, Tool, ToolCall, Turn, from_canonical

__all__ = [
    "PROFILES", "PROVIDERS", "Checked", "Example", "Finding", "Note", "Profile", "RuleContext", "ShapeError",
    "TextPair", "Tool", "ToolCall", "Turn", "Written", "by_provider", "detect", "from_canonical", "profiles_for",
]

_MODULES = (openai, azure, together, fireworks, vertex, bedrock, trl, axolotl, llamafactory, mistral)
PROFILES: dict[str, Profile] = {p.key: p for module in _MODULES for p in module.PROFILES}
PROVIDERS: tuple[str, ...] = tuple(dict.fromkeys(p.provider for p in PROFILES.values()))


def profiles_for(kind: str) -> list[Profile]:
    return [p for p in PROFILES.values() if kind in p.kinds]


def by_provider(kind: str | None = None) -> dict[str, list[Profile]]:
    """The profiles (writing `kind`, if given) grouped by provider, in the export page's order."""
    groups: dict[str, list[Profile]] = {}
    for profile in PROFILES.values():
        if kind is None or kind in profile.kinds:
            groups.setdefault(profile.provider, []).append(profile)
    return groups


def detect(line: Any) -> list[str]:
    """The keys of the profiles whose shape this parsed line is."""
    return [key for key, profile in PROFILES.items() if profile.matches(line)]
