"""fakehub's determinism, simulated clock, faults and control endpoints."""

import hashlib

import pytest
import requests

from ecometrics.core.errors import InputError
from ecometrics.fakehub import FakeHub
from ecometrics.fakehub.faults import parse_faults

FAULTS = "429:0.1,5xx:0.1,timeout:0.05,truncate:0.05,secondary:0.1"


def exchange_log(hub, n=60) -> list[tuple]:
    """What a client sees for a fixed sequence of requests: status and body digest, or the error."""
    urls = [f"{hub.url}/repos/vllm-project/vllm/stargazers?per_page=100&page={k % 7 + 1}" for k in range(n // 2)]
    urls += [f"{hub.url}/api/models?limit=50&sort=downloads&cursor=" for _ in range(n // 4)]
    urls += [f"{hub.url}/api/models/Qwen/Qwen3-8B" for _ in range(n // 4)]
    seen = []
    for url in urls:
        try:
            r = requests.get(url, headers={"Authorization": "token det"}, timeout=5)
            body = r.content.replace(hub.url.encode(), b"BASE")  # each hub has its own port
            seen.append((r.status_code, r.headers.get("Date"), hashlib.sha256(body).hexdigest()))
        except requests.RequestException as error:
            seen.append(("error", type(error).__name__))
    return seen


def test_same_seed_and_faults_give_the_same_responses():
    with FakeHub(collaborator_of="*", seed=7, faults=FAULTS) as a:
        first = exchange_log(a)
        stats = a.stats()
    with FakeHub(collaborator_of="*", seed=7, faults=FAULTS) as b:
        assert exchange_log(b) == first
    kinds = {s for s in first if s[0] != 200}
    assert len(kinds) >= 3  # faults really happened, of several kinds
    assert {"429", "5xx", "secondary"} <= set(stats["faults"])
    with FakeHub(collaborator_of="*", seed=8, faults=FAULTS) as c:
        assert exchange_log(c) != first


def test_same_seed_same_world_different_seed_different_world():
    a, b, c = (
        FakeHub(collaborator_of="*", seed=1).truth(),
        FakeHub(collaborator_of="*", seed=1).truth(),
        FakeHub(collaborator_of="*", seed=2).truth(),
    )
    assert a == b
    assert a["github"]["repos"]["vllm-project/vllm"]["stars"] != c["github"]["repos"]["vllm-project/vllm"]["stars"]
    assert a["hf"]["models"].keys() != c["hf"]["models"].keys()


def test_advance_over_http_adds_growth_consistent_with_the_truth(fakehub):
    before = fakehub.truth()
    r = requests.post(f"{fakehub.url}/_fakehub/advance", params={"days": 30})
    assert r.json() == {"day": 30, "now": "2025-10-01T12:00:00Z"}
    after = requests.get(f"{fakehub.url}/_fakehub/truth").json()
    assert "MiniMax-AI/MiniMax-Text-Preview" in after["github"]["deleted"]  # gone on day 7
    for name, new in after["github"]["repos"].items():
        old = before["github"]["repos"][name]
        # history is kept: a star that still stands keeps its date; the others were removed since
        kept = {tuple(s) for s in new["stars"]}
        assert [s for s in old["stars"] if tuple(s) in kept] == new["stars"][
            : len(kept & {tuple(s) for s in old["stars"]})
        ]
        api = requests.get(f"{fakehub.url}/repos/{name}", headers={"Authorization": "token t"}).json()
        assert api["stargazers_count"] == new["stargazers_count"] == len(new["stars"]) + len(new["hidden_stars"])
    repos = after["github"]["repos"]
    grown = [n for n in repos if repos[n]["stargazers_count"] > before["github"]["repos"][n]["stargazers_count"]]
    assert len(grown) > len(repos) // 2
    assert sum(len(r["issues"]) + len(r["commits"]) for r in repos.values()) > sum(
        len(before["github"]["repos"][n]["issues"]) + len(before["github"]["repos"][n]["commits"]) for n in repos
    )
    old_models, new_models = before["hf"]["models"], after["hf"]["models"]
    deleted = set(after["hf"]["deleted"])
    assert deleted and deleted <= set(old_models) and not deleted & set(new_models)
    assert set(old_models) - deleted < set(new_models)
    born = set(new_models) - set(old_models)
    assert all(p in new_models or p in deleted for m in born for p in new_models[m]["parents"])
    kept = set(old_models) - deleted
    assert all(new_models[m]["downloadsAllTime"] >= old_models[m]["downloadsAllTime"] for m in kept)
    assert any(new_models[m]["downloads"] != old_models[m]["downloads"] for m in kept)
    # children counts change by exactly the children born and deleted
    for parent in ("Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct"):
        new_kids = sum(parent in new_models[m]["parents"] for m in born)
        gone_kids = sum(parent in old_models[m]["parents"] for m in deleted)
        assert (
            sum(new_models[parent]["childrenModelCount"].values())
            == sum(old_models[parent]["childrenModelCount"].values()) + new_kids - gone_kids
        )


def test_advance_in_steps_equals_advance_at_once():
    stepped, at_once = FakeHub(collaborator_of="*", seed=3), FakeHub(collaborator_of="*", seed=3)
    stepped.advance(1)
    stepped.advance(2)
    at_once.advance(3)
    assert stepped.truth() == at_once.truth()


def test_control_endpoints_are_never_faulted():
    with FakeHub(collaborator_of="*", seed=0, faults="5xx:1.0") as hub:
        assert requests.get(f"{hub.url}/repos/vllm-project/vllm").status_code in (500, 502, 503)
        stats = requests.get(f"{hub.url}/_fakehub/stats").json()
        assert stats["requests"] == 1 and stats["faults"] == {"5xx": 1}
        assert stats["by_endpoint"]["fault"]["requests"] == 1
        assert requests.post(f"{hub.url}/_fakehub/stats/reset").status_code == 200
        assert requests.get(f"{hub.url}/_fakehub/stats").json()["requests"] == 0
        assert requests.get(f"{hub.url}/_fakehub/truth", params={"models": 0}).status_code == 200


def test_fault_spec_errors_name_the_input():
    assert parse_faults("429:0.05,5xx:0.02") == {"429": 0.05, "5xx": 0.02}
    with pytest.raises(InputError, match="boom"):
        parse_faults("boom:0.1")
    with pytest.raises(InputError, match="429"):
        parse_faults("429:x")


def test_command_line_prints_the_url_first_then_the_environment_and_serves():
    """``serve`` prints the URL, then the exact environment (URLs and tokens: without tokens the
    clients get the anonymous budgets and wait them out); ``env --port`` prints the same line."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "ecometrics.jobs.cli", "fakehub", "serve", "--port", "0", "--seed", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert proc.stdout.readline().startswith("# ")
        exported = proc.stdout.readline().strip()
        assert exported.startswith("export ")
        assigned = dict(word.split("=", 1) for word in exported.split()[1:])
        assert {name: assigned[name] for name in ("GITHUB_API_URL", "HF_ENDPOINT", "MODELSCOPE_ENDPOINT")} == {
            "GITHUB_API_URL": url,
            "HF_ENDPOINT": url,
            "MODELSCOPE_ENDPOINT": url,
        }
        assert all(assigned[name] for name in ("GITHUB_TOKEN", "HF_TOKEN", "MODELSCOPE_API_TOKEN"))
        port = url.rsplit(":", 1)[1]
        env = subprocess.run(
            [sys.executable, "-m", "ecometrics.jobs.cli", "fakehub", "env", "--port", port],
            capture_output=True,
            text=True,
        )
        assert env.returncode == 0 and env.stdout.strip() == exported
        assert requests.get(f"{url}/repos/vllm-project/vllm").json()["full_name"] == "vllm-project/vllm"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_env_without_a_fakehub_says_to_start_one(tmp_path):
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])  # free: nothing listens there
    done = subprocess.run(
        [sys.executable, "-m", "ecometrics.jobs.cli", "fakehub", "env", "--port", port, "--wait", "0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"ecometrics: --port {port}: no fakehub answers at http://127.0.0.1:{port} after 0s; "
        f"start `ecometrics fakehub serve --port {port}` first"
    ]


def test_a_snapshot_of_the_truth_serves_the_same_world(tmp_path):
    import json

    with FakeHub(collaborator_of="*", seed=0) as generated:
        generated.advance(2)
        truth = generated.truth()
        generated.hf.private_models = False  # a snapshot serves only the public models it was taken with
        path = tmp_path / "snapshot.json"
        path.write_text(json.dumps(truth))
        urls = [
            "/repos/vllm-project/vllm/stargazers?per_page=100&page=2",
            "/repos/THUDM/GLM-4",
            "/repos/vllm-project/vllm/issues?state=all&per_page=50",
            "/repos/vllm-project/vllm/contributors?anon=1",
            "/api/models?author=Qwen&expand[]=downloads&expand[]=tags&expand[]=createdAt",
            "/api/models/Qwen/Qwen3-8B?expand[]=baseModels&expand[]=childrenModelCount",
            "/api/models?filter=base_model:quantized:Qwen/Qwen3-8B&expand[]=likes",
            "/api/models/meta-llama/Llama-3.1-8B-Instruct?expand[]=downloadsAllTime",
        ]
        headers = {"Authorization": "Bearer t", "Accept": "application/vnd.github.star+json"}

        def answers(hub):
            return [requests.get(hub.url + u, headers=headers).text.replace(hub.url, "BASE") for u in urls]

        want = answers(generated)
    with FakeHub(collaborator_of="*", snapshot=str(path)) as served:
        # a snapshot lists only the models it was taken with: no private ones (ecometrics.fakehub.server.FakeHub)
        assert served.truth() == truth | {"hf": truth["hf"] | {"private": []}}
        got = answers(served)

    def without_prose(document):
        if isinstance(document, list):
            return [without_prose(item) for item in document]
        return {k: v for k, v in document.items() if k not in ("license", "topics", "description")}

    def models(text):  # the same models and fields; internal _ids and unsorted order may differ
        data = json.loads(text)
        data = data if isinstance(data, list) else [data]
        return sorted(({k: v for k, v in m.items() if k != "_id"} for m in data), key=lambda m: m["id"])

    for url, a, b in zip(urls, want, got, strict=True):
        if url.startswith("/api/"):
            assert models(a) == models(b), url
        else:  # licenses, topics and descriptions are not in the truth; everything else is
            assert without_prose(json.loads(a)) == without_prose(json.loads(b)), url
    assert json.loads(got[1])["stargazers_count"] == truth["github"]["repos"]["zai-org/GLM-4"]["stargazers_count"]
    with pytest.raises(InputError, match="snapshot"):
        FakeHub(collaborator_of="*", snapshot=str(tmp_path / "missing.json"))


def test_pause_after_holds_every_later_api_request_until_resume():
    """The gate tests signal a running client through: N answers, then a held request."""
    from concurrent.futures import ThreadPoolExecutor

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub, ThreadPoolExecutor(1) as pool:
        url = f"{hub.url}/repos/vllm-project/vllm"
        held = hub.pause_after(2)
        assert [requests.get(url, timeout=10).status_code for _ in range(2)] == [200, 200]
        third = pool.submit(requests.get, url, timeout=60)
        assert held.wait(30), "the third request was not held"
        assert not third.done()  # blocked inside the request until resume()
        assert requests.get(f"{hub.url}/_fakehub/stats", timeout=10).status_code == 200  # controls are never held
        hub.resume()
        assert third.result(timeout=60).status_code == 200
        assert requests.get(url, timeout=10).status_code == 200  # open again
