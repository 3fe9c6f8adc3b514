"""An API answer's body is bounded in depth: a server answering JSON nested deeper than Python's
parser follows (``json.loads`` raises ``RecursionError``, which is not a ``ValueError``) gets the
treatment of any unreadable body, retried and then one error naming the URL, never a traceback.

The server here is a real HTTP server on 127.0.0.1 answering every request with the same body.
"""

from __future__ import annotations

import http.server
import threading

import pytest

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def deep_server():
    class Deep(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(DEEP)))
            self.end_headers()
            self.wfile.write(DEEP)

        def log_message(self, *_args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Deep)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_github_client_refuses_a_body_nested_too_deeply_as_unreadable(deep_server):
    from ecometrics.collector.github_client import GitHubClient, GitHubError

    client = GitHubClient(base_url=deep_server, max_attempts=2, sleep=lambda _seconds: None)
    with pytest.raises(GitHubError, match="invalid JSON body"):
        client.get("/repos/o/r")


def test_hf_client_refuses_a_body_nested_too_deeply_as_unreadable(deep_server):
    from ecometrics.collector.hf_client import HfClient, HubUnavailable

    client = HfClient(deep_server, token=False, max_retries=1, sleep=lambda _seconds: None)
    with pytest.raises(HubUnavailable, match="unreadable JSON body"):
        client.get("/api/models/o/m")


def test_modelscope_client_refuses_a_body_nested_too_deeply_as_unreadable(deep_server, tmp_path, monkeypatch):
    from ecometrics.collector.modelscope_client import ModelScopeClient, ModelScopeUnavailable

    monkeypatch.setenv("MODELSCOPE_HOME", str(tmp_path / "modelscope-home"))  # no saved login
    monkeypatch.delenv("MODELSCOPE_API_TOKEN", raising=False)
    client = ModelScopeClient(deep_server, "", max_retries=1, backoff=0.001, max_wait=0.01, sleep=lambda _s: None)
    with pytest.raises(ModelScopeUnavailable, match="nests too deeply"):
        client.owner_models("o")
