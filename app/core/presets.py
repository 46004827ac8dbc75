"""The task types of the seed guide as ready-made project settings (see shared DESIGN.md).

Each preset is a `ProjectSettings` value: a new task type is a new entry here plus, at most, one
form widget. Separators and stops are the seed's defaults; projects may change them.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.project_settings import FieldSpec, Label, ProjectSettings
from app.core.wording import say

HASHES_SEPARATOR = "\n\n###\n\n"


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    description: str
    settings: ProjectSettings


def _labels(*items: tuple[str, str, str]) -> tuple[Label, ...]:
    return tuple(Label(name=n, completion=c, hotkey=k) for n, c, k in items)


PRESETS: tuple[Preset, ...] = (
    Preset(
        "sentiment",
        say("Sentiment"),
        say("Classify a tweet as positive or negative (one key per label)."),
        ProjectSettings(
            kind="classification",
            preset="sentiment",
            fields=(FieldSpec("text", "Tweet", max_chars=2_000),),
            template="{text}",
            separator=" ->",
            labels=_labels(("positive", " positive", "1"), ("negative", " negative", "2")),
            target_model="babbage-002",
            output_widget="label",
        ),
    ),
    Preset(
        "ad_supported",
        say("Ad supported"),
        say("Is the ad copy supported by the company and product? yes / no."),
        ProjectSettings(
            kind="classification",
            preset="ad_supported",
            fields=(
                FieldSpec("company", "Company", widget="text", max_chars=500),
                FieldSpec("product", "Product", widget="text", max_chars=500),
                FieldSpec("ad", "Ad", max_chars=2_000),
            ),
            template="Company: {company}\nProduct: {product}\nAd:{ad}",
            separator="\nSupported:",
            labels=_labels(("yes", " yes", "y"), ("no", " no", "n")),
            target_model="babbage-002",
            output_widget="label",
        ),
    ),
    Preset(
        "email_triage",
        say("Email triage"),
        say("Sort incoming email into numbered categories."),
        ProjectSettings(
            kind="classification",
            preset="email_triage",
            fields=(
                FieldSpec("subject", "Subject", widget="text", max_chars=1_000),
                FieldSpec("from", "From", widget="text", max_chars=500),
                FieldSpec("to", "To", widget="text", max_chars=500),
                FieldSpec("date", "Date", widget="text", max_chars=100),
                FieldSpec("content", "Content", max_chars=50_000),
            ),
            template="Subject: {subject}\nFrom:{from}\nTo:{to}\nDate:{date}\nContent:{content}",
            separator=HASHES_SEPARATOR,
            labels=_labels(
                ("Billing", " 1", "1"),
                ("Technical problem", " 2", "2"),
                ("Order status", " 3", "3"),
                ("Account change", " 4", "4"),
                ("Other", " 5", "5"),
            ),
            target_model="babbage-002",
            output_widget="label",
        ),
    ),
    Preset(
        "ad_from_wikipedia",
        say("Ad from Wikipedia"),
        say("Write engaging ad copy from a product's Wikipedia description."),
        ProjectSettings(
            kind="generation",
            preset="ad_from_wikipedia",
            fields=(
                FieldSpec("name", "Product name", widget="text", max_chars=500),
                FieldSpec("description", "Wikipedia description", max_chars=50_000),
            ),
            template="{name}\n{description}",
            separator=HASHES_SEPARATOR,
            stop=" END",
            target_model="davinci-002",
            output_widget="text",
            output_max_chars=5_000,
        ),
    ),
    Preset(
        "entity_extraction",
        say("Entity extraction"),
        say("List the entities a text mentions, one per line."),
        ProjectSettings(
            kind="generation",
            preset="entity_extraction",
            fields=(FieldSpec("text", "Text", max_chars=50_000),),
            template="{text}",
            separator=HASHES_SEPARATOR,
            stop=" END",
            target_model="davinci-002",
            output_widget="list",
            output_max_chars=5_000,
        ),
    ),
    Preset(
        "support_chatbot",
        say("Support chatbot"),
        say("A support conversation; every Agent turn becomes one training row."),
        ProjectSettings(
            kind="generation",
            preset="support_chatbot",
            fields=(
                FieldSpec("summary", "Summary", max_chars=5_000),
                FieldSpec("specific_information", "Specific information", max_chars=10_000),
                FieldSpec("turns", "Conversation", widget="turns", max_chars=50_000),
            ),
            template="Summary: {summary}\n\nSpecific information:{specific_information}",
            separator=HASHES_SEPARATOR,
            stop="\n",
            target_model="davinci-002",
            output_widget="agent_turns",
        ),
    ),
    Preset(
        "product_description",
        say("Product description"),
        say("Write a product description from a list of attributes."),
        ProjectSettings(
            kind="generation",
            preset="product_description",
            fields=(FieldSpec("attributes", "Attributes", widget="pairs", max_chars=5_000),),
            template="{attributes}",
            separator="->",
            target_model="davinci-002",
            prompt_style="key_value",
            output_widget="text",
            output_max_chars=5_000,
        ),
    ),
    Preset(
        "chat",
        say("Chat messages"),
        say("A system prompt and alternating user/assistant turns, with a weight per assistant turn."),
        ProjectSettings(
            kind="chat",
            preset="chat",
            fields=(FieldSpec("system", "System prompt", required=False, max_chars=20_000),),
            target_model="gpt-4.1-mini",
            output_widget="chat",
        ),
    ),
    Preset(
        "preference",
        say("Preference pair"),
        say("A conversation with a preferred and a non-preferred reply (DPO)."),
        ProjectSettings(
            kind="preference",
            preset="preference",
            fields=(
                FieldSpec("system", "System prompt", required=False, max_chars=20_000),
                FieldSpec("turns", "Conversation", widget="turns", max_chars=50_000),
            ),
            target_model="gpt-4.1-mini",
            output_widget="pair",
        ),
    ),
    Preset(
        "custom",
        say("Custom"),
        say("Define your own fields and prompt template (classification or generation)."),
        ProjectSettings(
            kind="generation",
            preset="custom",
            fields=(FieldSpec("input", "Input"),),
            template="{input}",
            separator=HASHES_SEPARATOR,
            stop=" END",
            target_model="davinci-002",
            output_widget="text",
        ),
    ),
)

PRESETS_BY_KEY = {p.key: p for p in PRESETS}


def get_preset(key_or_title: str) -> Preset:
    """A preset by key (`ad_supported`) or by title, case-insensitive (`ad supported`)."""
    wanted = key_or_title.strip().lower().replace(" ", "_")
    for preset in PRESETS:
        if wanted in (preset.key, preset.title.lower().replace(" ", "_")):
            return preset
    raise KeyError(f"unknown preset {key_or_title!r}; known: {', '.join(PRESETS_BY_KEY)}")
