"""The live panel shows an open model's exact count: the tokens of the conversation rendered with
the model's own chat template, as `apply_chat_template(..., tokenize=True)` gives, with no
"approximate" label."""

import re

import pytest

from app.core import tokens
from app.core.model_table import load_model_table

OPEN_MODELS = ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-8B", "google/gemma-3-12b-it", "openai/gpt-oss-20b"]
MESSAGES = [{"role": "system", "content": "You answer in one short sentence."},
            {"role": "user", "content": "Where is my parcel? Order 48213."},
            {"role": "assistant", "content": "It left our warehouse today and arrives on Friday."}]


def chat_project(web, model: str) -> int:
    project = web.create_project("chat", name=f"Chat for {model}")
    response = web.post(f"/projects/{project}/settings", {
        "name": f"Chat for {model}", "target_model": model, "export_profile": "trl-messages", "separator": "",
        "stop": "", "leading_space": "yes", "prompt_style": "template", "guidelines": ""})
    assert response.status_code == 200, response.text
    return project


@pytest.mark.parametrize("model", OPEN_MODELS)
def test_the_panel_counts_the_rendered_conversation_with_the_models_own_tokenizer(web, model):
    project = chat_project(web, model)
    form = {"f.system": MESSAGES[0]["content"], "chat.role": ["user", "assistant"],
            "chat.content": [MESSAGES[1]["content"], MESSAGES[2]["content"]], "chat.weight": ["", "1"]}
    panel = web.post(f"/projects/{project}/lint", form, htmx=True)
    assert panel.status_code == 200, panel.text
    shown = int(re.search(r'data-testid="token-total">([\d,]+)<', panel.text).group(1).replace(",", ""))
    expected = tokens.count_chat(MESSAGES, load_model_table().get(model).tokenizer).tokens
    assert shown == expected
    assert "approximate" not in panel.text
