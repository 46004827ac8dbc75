"""The export page: profiles grouped by provider with each provider's standing, the preflight of the
chosen profile (links to the affected examples), the JSON twin carrying the page's data, and the
Azure download with its byte-order mark."""

from __future__ import annotations

import hashlib
import html
import re

from sqlmodel import Session, select

from app.storage.tables import ExportSnapshot

PROVIDERS_IN_ORDER = ["OpenAI", "Azure OpenAI", "Together AI", "Fireworks AI", "Google Vertex AI", "AWS Bedrock",
                      "Hugging Face TRL", "Axolotl", "LLaMA-Factory", "Mistral"]
REASONED = [{"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4", "reasoning": "Two and two make four."}]


def api_token(web) -> dict:
    page = web.post("/account/tokens", {"name": "script"})
    return {"Authorization": "Bearer " + page.text.split('class="token">')[1].split("<")[0]}


def chat_example(web, project: int, auth: dict, turns) -> int:
    created = web.client.post(f"/api/v1/projects/{project}/examples", headers=auth,
                              json={"fields": {"system": ""}, "output": turns})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_profiles_are_grouped_by_provider_with_openai_and_mistral_standing(web):
    project = web.create_project("sentiment")
    page = web.get(f"/projects/{project}/export").text
    assert re.findall(r'data-provider="([^"]+)"', page) == [html.escape(p) for p in PROVIDERS_IN_ORDER]
    openai = page.split('data-provider="OpenAI"')[1].split('data-provider=')[0]
    assert "2027-01-06" in openai and "new users are already shut out" in openai
    mistral = page.split('data-provider="Mistral"')[1]
    assert "hosted fine-tuning service is deprecated" in mistral and "mistral-finetune" in mistral
    assert "For gpt-4.1, gpt-4.1-mini" in openai  # which models each profile is for
    offered = set(re.findall(r'name="profile" value="([^"]+)"', page))
    assert "openai-legacy" in offered and "together-instruction" in offered
    assert not offered & {"openai-preference", "trl-preference", "fireworks-dpo"}  # they write preference only


def test_chat_preflight_lists_the_reasoning_openai_drops_with_a_link(web):
    auth = api_token(web)
    project = web.create_project("chat")
    example = chat_example(web, project, auth, REASONED)
    page = web.get(f"/projects/{project}/export?profile=openai-chat&status=draft").text
    section = page.split('data-testid="profile-preflight"')[1]
    assert f'href="/projects/{project}/examples/{example}"' in section
    assert 'data-code="carry-reasoning"' in section and "the reasoning text is dropped" in section
    assert 'name="profile" value="openai-chat" checked' in page
    fireworks = web.get(f"/projects/{project}/export?profile=fireworks-chat&status=draft").text
    assert "carry-reasoning" not in fireworks.split('data-testid="profile-preflight"')[1]


def test_the_twin_carries_the_page_data(web):
    auth = api_token(web)
    project = web.create_project("chat")
    example = chat_example(web, project, auth, REASONED)
    query = "?profile=vertex-gemini&status=draft"
    body = web.get(f"/api/v1/projects/{project}/export{query}").json()
    page = web.get(f"/projects/{project}/export{query}").text
    assert [g["provider"] for g in body["providers"]] == PROVIDERS_IN_ORDER
    keys = [p["key"] for g in body["providers"] for p in g["profiles"]]
    assert keys == re.findall(r'name="profile" value="([^"]+)"', page) == [p["key"] for p in body["profiles"]]
    check = body["check"]
    assert check["profile"] == "vertex-gemini" and check["statuses"] == ["draft"]
    assert [a["example_id"] for a in check["affected"]] == [example]
    assert re.findall(r'data-example="(\d+)"', page) == [str(example)]
    for code, n in check["counts"].items():
        assert f'<tr data-code="{code}"><td><code>{code}</code></td><td>{n}</td></tr>' in page
    assert {f["code"] for f in check["file_findings"]} <= set(check["counts"])


def test_the_azure_download_starts_with_the_bom_and_the_snapshot_hashes_what_was_sent(app, web):
    auth = api_token(web)
    project = web.create_project("chat")
    chat_example(web, project, auth, REASONED)
    page = web.get(f"/projects/{project}/export?profile=azure-openai-chat&status=draft").text
    assert "byte-order mark" in page.split('data-testid="preflight-summary"')[1].split("</p>")[0]
    response = web.get(f"/projects/{project}/export.jsonl?profile=azure-openai-chat&status=draft")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf{")
    assert "azure-openai-chat.jsonl" in response.headers["content-disposition"]
    with Session(app.state.engine) as session:
        snapshot = session.exec(select(ExportSnapshot)).one()
    assert snapshot.sha256 == hashlib.sha256(response.content).hexdigest()


def test_a_profile_that_cannot_write_the_kind_is_refused_on_the_page_too(web):
    project = web.create_project("sentiment")
    response = web.get(f"/projects/{project}/export?profile=trl-preference")
    assert response.status_code == 422 and "cannot write" in response.text


def test_an_empty_choice_says_why_and_the_twin_carries_it(web):
    project = web.create_project("sentiment", "Empty first")
    page = web.get(f"/projects/{project}/export").text
    assert 'data-testid="export-empty"' in page and "No example is approved, so the file would be empty." in page
    assert "The project has no examples yet" in page
    assert re.search(r'data-testid="download"\s+disabled', page)
    twin = web.get(f"/api/v1/projects/{project}/export").json()
    assert twin["empty"]["reason"] == "No example is approved, so the file would be empty."


def test_a_choice_whose_examples_are_all_left_out_says_so_and_what_to_do(web):
    project = web.create_project("chat", "All left out")
    chat_example(web, project, api_token(web), [{"role": "user", "content": "First part"},
                                                {"role": "user", "content": "second part"},
                                                {"role": "assistant", "content": "Answer"}])
    page = html.unescape(web.get(f"/projects/{project}/export?profile=llamafactory-alpaca&status=draft").text)
    assert "All 1 example draft is left out, so the file would be empty." in page
    assert "Choose another format: this one cannot carry this example" in page
    assert re.search(r'data-testid="download"\s+disabled', page)
    fine = web.get(f"/projects/{project}/export?profile=openai-chat&status=draft").text
    assert 'data-testid="export-empty"' not in fine and 'data-lines="1"' in fine
