"""Request bodies: a limit enforced while streaming (TUNELAB_MAX_BODY_BYTES, 413 early, constant memory),
the CSRF check reads only a bounded look-ahead, and form field counts follow what the services take."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.web.conftest import TOKEN_RE, Web, setup_admin

MB = 1024 * 1024


def _server_pid(base_url: str) -> int:
    port = str(urlsplit(base_url).port)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"uvicorn" in args and port.encode() in args:
                return int(proc.name)
    raise AssertionError(f"no uvicorn process on port {port}")


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def _raw_post(base_url: str, path: str, headers: dict[str, str], first: bytes, total: int, chunked: bool) -> bytes:
    """Sends `first` then filler up to `total` bytes (chunked or with Content-Length) until the server answers."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        head = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        filler = b"x" * MB
        sent = 0
        try:
            for piece in [first] + [filler] * (total // MB):
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking it all, as it should
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _browser_token(base_url: str) -> tuple[str, str]:
    with httpx.Client(base_url=base_url) as browser:
        token = TOKEN_RE.search(browser.get("/setup").text).group(1)
        return token, f"csrftoken={token}"


def test_a_100_mb_body_is_refused_without_the_server_growing(live_server: str):
    pid = _server_pid(live_server)
    token, cookie = _browser_token(live_server)
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    before = _peak_rss_mb(pid)

    no_token = _raw_post(live_server, "/login", form, b"username=admin&password=", 100 * MB, chunked=True)
    assert _status(no_token) == 403 and b"expired" in no_token

    chunked = _raw_post(live_server, "/login", form, f"csrftoken={token}&username=".encode(), 100 * MB, chunked=True)
    assert _status(chunked) == 413 and b"TUNELAB_MAX_BODY_BYTES" in chunked

    declared = _raw_post(live_server, "/api/v1/projects/1/examples", {"Content-Type": "application/json"},
                         b'{"fields": {"text": "', 100 * MB, chunked=False)
    assert _status(declared) == 413 and b'"error"' in declared

    growth = _peak_rss_mb(pid) - before
    assert growth < 64, f"the server's peak memory grew by {growth:.0f} MB for refused 100 MB bodies"
    assert httpx.get(f"{live_server}/healthz").status_code == 200
    assert TOKEN_RE.search(httpx.get(f"{live_server}/setup").text), "nothing was created: setup is still open"


@pytest.fixture
def small_limit_app(database_url: str):
    return create_app(Settings(database_url=database_url, secret_key="test-secret-key-not-for-production",
                               max_body_bytes=64 * 1024))


def test_a_declared_length_over_the_limit_gets_413_before_anything_runs(small_limit_app):
    with TestClient(small_limit_app, follow_redirects=False) as client:
        web = setup_admin(client)
        project = web.create_project("sentiment")
        big = "y" * (65 * 1024)
        page = web.post(f"/projects/{project}/examples", {"f.text": big, "output": "positive"})
        assert page.status_code == 413 and "text/html" in page.headers["content-type"]
        assert "larger than this server accepts" in page.text and "65,536" in page.text
        api = client.post(f"/api/v1/projects/{project}/examples", json={"fields": {"text": big}, "output": "positive"},
                          headers={"x-csrftoken": web.csrf})
        assert api.status_code == 413 and "TUNELAB_MAX_BODY_BYTES" in api.json()["error"]
        listing = client.get(f"/api/v1/projects/{project}/examples", headers={"x-csrftoken": web.csrf}).json()
        assert listing["examples"] == []


def test_a_chunked_body_over_the_limit_gets_413_and_stores_nothing(small_limit_app):
    with TestClient(small_limit_app, follow_redirects=False) as client:
        web = setup_admin(client)
        project = web.create_project("sentiment")

        def pieces():
            yield f"csrftoken={web.csrf}&output=positive&f.text=".encode()
            for _ in range(80):
                yield b"z" * 1024

        response = client.post(f"/projects/{project}/examples", content=pieces(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413 and "larger than this server accepts" in response.text
        assert client.get(f"/api/v1/projects/{project}/examples").json()["examples"] == []


def test_the_default_limit_fits_a_large_items_paste():
    assert Settings(dev_mode=True).max_body_bytes == 16 * MB


def _examples(web: Web, project: int, count: int) -> list[int]:
    lines = "\n".join(f"item {n}" for n in range(count))
    assert web.post(f"/projects/{project}/items", {"items": lines}).status_code in (200, 303)
    listing = web.get(f"/api/v1/projects/{project}/examples?limit=1000").json()
    return [e["id"] for e in listing["examples"]]


def test_a_bulk_action_takes_more_than_1000_ticked_ids(web: Web):
    project = web.create_project("sentiment")
    ids = _examples(web, project, 30)
    ticked = [str(i) for i in ids] + [str(10_000 + n) for n in range(1_500)]  # 1,530 ids, most unknown
    response = web.post(f"/projects/{project}/bulk", {"action": "assign", "assignee": "", "ids": ticked})
    assert response.status_code in (200, 303), response.text[:300]


def test_more_ids_than_the_services_take_get_a_clear_422(web: Web):
    project = web.create_project("sentiment")
    ticked = [str(n + 1) for n in range(5_001)]
    response = web.post(f"/projects/{project}/bulk", {"action": "approve", "ids": ticked})
    assert response.status_code == 422 and "At most 5,000 examples at once" in response.text
