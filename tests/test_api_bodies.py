"""An API answer's body is bounded in depth: a server answering JSON nested deeper than Python's
parser follows (``json.loads`` raises ``RecursionError``, which is not a ``ValueError``) gets the
treatment of any unreadable body, retried and then one error naming the URL, never a traceback.

The server here is a real HTTP server on 127.0.0.1 answering every request with the same body.
"""

from __future__ import annotations

import http.server
import threading

import pytest
from test_modelscope import no_saved_login  # noqa: F401 - autouse here too: no saved ModelScope login is read

DEEP = b"[" * 100_000 + b"]" * 100_000


def serve(status: int, headers: dict[str, str], body: bytes = b""):
    """A real HTTP server on 127.0.0.1 answering every GET with ``status``, ``headers`` and
    ``body``: yields its URL, then stops."""

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def deep_server():
    yield from serve(200, {"Content-Type": "application/json", "Content-Length": str(len(DEEP))}, DEEP)


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


def test_modelscope_client_refuses_a_body_nested_too_deeply_as_unreadable(deep_server):
    from ecometrics.collector.modelscope_client import ModelScopeClient, ModelScopeUnavailable

    client = ModelScopeClient(deep_server, "", max_retries=1, backoff=0.001, max_wait=0.01, sleep=lambda _s: None)
    with pytest.raises(ModelScopeUnavailable, match="nests too deeply"):
        client.owner_models("o")


# -- bounded in size: fakehub's oversized control ------------------------------------------------
#
# Each client reads an answer as a stream within its API's bound (ecometrics.collector.http.AnswerLimits);
# a body over it, or whose Content-Length says so, is refused unread, not retried, counted with its
# endpoint and never stored. fakehub's padding is spaces after valid JSON: a client that read it whole
# would parse and store it as if nothing were wrong. Tests shrink the bounds to keep the bodies small.

SMALL = 256 * 1024  # a bound fakehub's small world answers stay well under
PADDING = 4 * SMALL


def small_limits():
    from ecometrics.collector.http import AnswerLimits

    return AnswerLimits(github_rest=SMALL, github_graphql=SMALL, hub=SMALL, modelscope=SMALL)


def oversized(*endpoints: str, chunked: bool = False):
    from ecometrics.fakehub.oversized import Oversized

    return Oversized.of(PADDING, endpoints, chunked)


def test_the_oversized_control_is_off_by_default_and_switches_at_run_time():
    import requests

    from ecometrics.fakehub import FakeHub

    with FakeHub(seed=0, scale="small") as hub:
        plain = requests.get(f"{hub.url}/repos/MoonshotAI/Kimi-VL", timeout=5)
        assert int(plain.headers["Content-Length"]) == len(plain.content) < SMALL
        on = requests.post(f"{hub.url}/_fakehub/oversized?bytes={PADDING}&endpoints=repos&chunked=1", timeout=5)
        assert on.json() == {"bytes": PADDING, "endpoints": ["repos"], "chunked": True}
        grown = requests.get(f"{hub.url}/repos/MoonshotAI/Kimi-VL", timeout=5)
        assert "Content-Length" not in grown.headers and grown.headers["Transfer-Encoding"] == "chunked"
        assert len(grown.content) == len(plain.content) + PADDING and grown.json() == plain.json()
        requests.post(f"{hub.url}/_fakehub/oversized?bytes={PADDING}&endpoints=repos", timeout=5)
        declared = requests.get(f"{hub.url}/repos/MoonshotAI/Kimi-VL", timeout=5)
        assert int(declared.headers["Content-Length"]) == len(plain.content) + PADDING
        requests.post(f"{hub.url}/_fakehub/oversized?bytes=0", timeout=5)
        assert len(requests.get(f"{hub.url}/repos/MoonshotAI/Kimi-VL", timeout=5).content) == len(plain.content)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_each_client_refuses_an_answer_over_its_bound_unread_and_once(chunked):
    from ecometrics.collector.github_client import AnswerTooLarge, GitHubClient
    from ecometrics.collector.hf_client import HfClient, HubAnswerTooLarge
    from ecometrics.collector.modelscope_client import ModelScopeClient, ModelScopeUnavailable
    from ecometrics.fakehub import FakeHub

    # a Content-Length over the bound is refused before the body is read; without one, once the bytes pass it
    said = "declares" if not chunked else f"holds more than this API's bound of {SMALL:,} bytes"
    with FakeHub(seed=0, scale="small", oversized=oversized(chunked=chunked)) as hub:
        quick = {"sleep": hub.sleep, "answer_limits": small_limits()}
        github = GitHubClient(token="t", base_url=hub.url, clock=hub.rate_time, **quick)
        with pytest.raises(AnswerTooLarge, match=f"/repos/MoonshotAI/Kimi-VL: the answer {said}.*GITHUB_API_URL"):
            github.get("/repos/MoonshotAI/Kimi-VL")
        with pytest.raises(AnswerTooLarge, match=f"/graphql: the answer {said}"):
            github.graphql("query { viewer { login } }")
        assert github.refused_answers == {"REST": 1, "GraphQL": 1}
        hf = HfClient(hub.url, token=False, backoff=0.001, max_wait=0.01, **quick)
        with pytest.raises(HubAnswerTooLarge, match=f"the answer {said}.*HF_ENDPOINT"):
            hf.get("/api/models", [("author", "deepseek-ai")])
        assert hf.refused_answers == {"/api/models": 1}
        modelscope = ModelScopeClient(hub.url, "", backoff=0.001, max_wait=0.01, **quick)
        with pytest.raises(ModelScopeUnavailable, match=f"the answer {said}.*MODELSCOPE_ENDPOINT"):
            modelscope.owner_models("Qwen")
        assert modelscope.refused_answers == {"models": 1}
        by_endpoint = hub.stats()["by_endpoint"]
    # refused, not retried: the same server would send the same body again
    assert {name: by_endpoint[name]["requests"] for name in ("repos", "graphql", "hf.models", "ms.models")} == {
        "repos": 1,
        "graphql": 1,
        "hf.models": 1,
        "ms.models": 1,
    }


@pytest.mark.parametrize("token", ["test-token", ""], ids=["graphql", "rest"])
def test_github_answers_over_their_bound_are_counted_and_never_stored(tmp_path, monkeypatch, capsys, token):
    from test_api_validation import UNRENAMED
    from test_github_collector import collect, github_config

    from ecometrics.collector.store import Store
    from ecometrics.fakehub import FakeHub
    from ecometrics.jobs.cli import main

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "gh.db"
    # the star pages grow: GraphQL's documents (all of them) with a token, REST's /stargazers without
    endpoint, api = ("graphql", "GraphQL") if token else ("repos.stargazers", "REST")
    with (
        FakeHub(collaborator_of="*", seed=0, scale="small", oversized=oversized(endpoint, chunked=True)) as hub,
        Store(db) as store,
    ):
        result = collect(
            store, hub, config=github_config(orgs=[], repos=UNRENAMED), token=token, answer_limits=small_limits()
        )
        asked = hub.stats()["by_endpoint"][endpoint]["requests"]
        assert result.counters[f"github: answers over their size bound refused ({api})"] == asked > 0, result.counters
        assert result.partial and "the answer holds more than" in result.reason, result.reason
        assert not store.query("SELECT 1 FROM stargazers")
        if not token:  # the repositories themselves came by REST's /repos/{owner}/{name}: stored
            assert {row["full_name"] for row in store.query("SELECT full_name FROM repos")} == set(UNRENAMED)
    assert main(["--db", str(db), "export", "repos", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_hub_listing_over_its_bound_is_counted_and_never_stored(tmp_path):
    from ecometrics.collector.hf import collect_hf
    from ecometrics.collector.hf_client import HfClient
    from ecometrics.collector.store import Store
    from ecometrics.core.config import HuggingFaceConfig
    from ecometrics.fakehub import FakeHub

    config = HuggingFaceConfig(authors=["deepseek-ai"], models=["mistralai/Mistral-7B-v0.1"], derivative_depth=0)
    with (
        FakeHub(seed=0, scale="small", oversized=oversized("hf.models")) as hub,
        Store(tmp_path / "hf.db") as store,
    ):
        client = HfClient(
            hub.url, token=False, backoff=0.001, max_wait=0.01, sleep=hub.expire_hf_budget, answer_limits=small_limits()
        )
        result = collect_hf(store, config, progress=False, client=client)
        assert result.counters["hf: answers over their size bound refused (/api/models)"] >= 1, result.counters
        assert result.partial and "the answer declares" in result.reason, result.reason
        authors = {row["author"] for row in store.query("SELECT author FROM models")}
        assert "deepseek-ai" not in authors  # the author's listing was refused: none of it stored
        # the model asked by name (/api/models/{id}, not grown) is stored
        assert store.query("SELECT 1 FROM models WHERE id = 'mistralai/Mistral-7B-v0.1'")


def test_a_modelscope_listing_over_its_bound_is_counted_and_never_stored(tmp_path):
    from test_modelscope import client as ms_client
    from test_modelscope import config as ms_config

    from ecometrics.collector.modelscope import collect_modelscope
    from ecometrics.collector.store import Store
    from ecometrics.fakehub import FakeHub

    with (
        FakeHub(seed=0, scale="small", oversized=oversized("ms.models", chunked=True)) as hub,
        Store(tmp_path / "ms.db") as store,
    ):
        result = collect_modelscope(store, ms_config(), client=ms_client(hub, answer_limits=small_limits()))
        assert result.counters["modelscope: answers over their size bound refused (models)"] == 1, result.counters
        assert result.partial and "the answer holds more than" in result.reason, result.reason
        assert not store.query("SELECT 1 FROM models")


def test_collect_refuses_an_answer_over_the_real_bound_in_one_line(tmp_path, monkeypatch, capsys):
    """The command line, with the real bounds: a Content-Length past them is refused unread (fakehub
    starts writing 40 MiB of padding; the client reads none of it), the run ends partial (exit 3) in
    one line naming the URL and the fix, and nothing of the answer is stored."""
    from ecometrics.collector.http import ANSWER_LIMITS, MIB
    from ecometrics.collector.store import Store
    from ecometrics.fakehub import FakeHub
    from ecometrics.fakehub.oversized import Oversized
    from ecometrics.jobs.cli import main

    assert ANSWER_LIMITS.github_rest < 40 * MIB
    config = tmp_path / "ecometrics.toml"
    config.write_text('[github]\nrepos = ["MoonshotAI/Kimi-VL"]\ncontributors = false\nactivity = false\n')
    db = tmp_path / "gh.db"
    with FakeHub(
        collaborator_of="*", seed=0, scale="small", oversized=Oversized.of(40 * MIB, ["repos.stargazers"])
    ) as hub:
        monkeypatch.setenv("GITHUB_API_URL", hub.url)
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)  # REST: /stargazers
        code = main(["--config", str(config), "--db", str(db), "collect", "github", "--quiet"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "Traceback" not in err
    refusal = [line for line in err.splitlines() if "the answer declares" in line]
    assert refusal and "/stargazers" in refusal[0] and "check GITHUB_API_URL" in refusal[0], err
    with Store(db) as store:
        assert not store.query("SELECT 1 FROM stargazers")


@pytest.fixture(scope="module")
def redirect_server():
    """Every GET is redirected with a body that says it is 10 GiB long (and is cut off at once)."""
    yield from serve(302, {"Location": "/elsewhere", "Content-Length": str(10 * 1024**3)})


def test_a_redirect_is_bounded_like_an_answer(redirect_server):
    """requests and httpx read a redirect's body whole before they follow it; each client bounds it."""
    from ecometrics.collector.github_client import AnswerTooLarge, GitHubClient
    from ecometrics.collector.hf_client import HfClient, HubAnswerTooLarge
    from ecometrics.collector.modelscope_client import ModelScopeClient, ModelScopeUnavailable

    quick = {"sleep": lambda _seconds: None, "answer_limits": small_limits()}
    with pytest.raises(AnswerTooLarge, match="the answer declares 10,737,418,240 bytes"):
        GitHubClient(base_url=redirect_server, max_attempts=1, **quick).get("/repos/o/r")
    with pytest.raises(HubAnswerTooLarge, match="the answer declares 10,737,418,240 bytes"):
        HfClient(redirect_server, token=False, max_retries=0, **quick).get("/api/models/o/m")
    with pytest.raises(ModelScopeUnavailable, match="the answer declares 10,737,418,240 bytes"):
        ModelScopeClient(redirect_server, "", max_retries=0, **quick).owner_models("o")
