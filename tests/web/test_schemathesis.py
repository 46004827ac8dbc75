"""Schemathesis over the JSON API of a real uvicorn, signed in with an admin's bearer token.

Bounded (25 cases per operation, fixed seed, one worker) so it runs in `make test`: no server
error, no response that breaks the declared schema, no status code the schema does not declare,
no undeclared content type. The HTML pages are left out of the schema (their form bodies are read
by `read_form`, so a schema would describe none of them); see tests/web/test_boundary_*.py for them.
"""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

PASSWORD = "a long enough password"
TOKEN_RE = re.compile(r'name="csrftoken" value="([^"]+)"')
CONFIG = """
[dictionaries.projects]
values = [{project}]
[dictionaries.examples]
values = [{examples}]
[parameters]
"path.project_id" = {{ dictionary = "projects", probability = 0.8 }}
"path.example_id" = {{ dictionary = "examples", probability = 0.8 }}
"""


def seed(base_url: str) -> tuple[str, int, list[int]]:
    """An admin (through /setup), their API token, a project with examples: (token, project, example ids)."""
    with httpx.Client(base_url=base_url, follow_redirects=False) as browser:
        token = TOKEN_RE.search(browser.get("/setup").text).group(1)
        assert browser.post("/setup", data={"csrftoken": token, "username": "admin", "password": PASSWORD,
                                            "password_again": PASSWORD}).status_code == 303
        created = browser.post("/projects", data={"csrftoken": token, "name": "Tweets", "preset": "sentiment"})
        project = int(re.search(r"/projects/(\d+)/", created.headers["location"]).group(1))
        page = browser.post("/account/tokens", data={"csrftoken": token, "name": "schemathesis"})
        api_token = page.text.split('class="token">')[1].split("<")[0]
    headers = {"Authorization": f"Bearer {api_token}"}
    ids = []
    for n, label in enumerate(["positive", "negative", "positive", "negative", "positive"]):
        r = httpx.post(f"{base_url}/api/v1/projects/{project}/examples", headers=headers,
                       json={"fields": {"text": f"tweet number {n}"}, "output": label})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    submitted = httpx.post(f"{base_url}/api/v1/projects/{project}/examples/{ids[0]}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    return api_token, project, ids


def test_the_json_api_keeps_its_schema_under_schemathesis(live_server: str, tmp_path):
    api_token, project, ids = seed(live_server)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(project=project, examples=", ".join(map(str, ids))))
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", f"{live_server}/api/openapi.json",
         "-H", f"Authorization: Bearer {api_token}", "--max-examples", "25", "--seed", "1", "--workers", "1",
         "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
         "--phases", "examples,coverage,fuzzing", "--no-color",
             # revoking a token by a guessed id would end the run's own token (tests/web/test_tokens.py covers it)
             "--exclude-operation-id", "revoke_api_v1_tokens__token_id__delete"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    assert "Tested: 38" in report, report[-3000:]  # every operation of the API ran (39, the revoke left out)
    assert "failed" not in report.split("SUMMARY")[-1], report[-3000:]
