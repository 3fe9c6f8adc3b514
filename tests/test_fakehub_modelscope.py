"""fakehub's ModelScope API, read by ModelScope's official client (modelscope_hub) unmodified."""

import datetime as dt
import signal
import subprocess
import sys

import pytest
import requests
from modelscope_hub import HubApi
from modelscope_hub.constants import Visibility
from modelscope_hub.errors import (
    AuthenticationError,
    InvalidParameter,
    NotExistError,
    RateLimitError,
    ServerError,
)

from ecometrics.fakehub import FakeHub


@pytest.fixture(scope="module")
def hub():
    with FakeHub(seed=0, scale="small") as hub:
        yield hub


@pytest.fixture(autouse=True)
def no_saved_login(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_HOME", str(tmp_path))  # no credential saved by a real `ms-hub login`
    monkeypatch.delenv("MODELSCOPE_API_TOKEN", raising=False)


def api(hub, token: str = "") -> HubApi:
    return HubApi(endpoint=hub.url, token=token)


def test_an_owners_listing_pages_through_every_model_of_the_truth(hub):
    truth = hub.truth(include_models=False)["modelscope"]["models"]
    expected = {mid for mid in truth if mid.startswith("Qwen/")}
    seen, number = [], 1
    while True:
        page = api(hub).list_repos("model", owner="Qwen", page_number=number, page_size=3)
        assert page.total_count == len(expected) and page.page_number == number and page.page_size == 3
        seen += [info.repo_id for info in page.items]
        if number * 3 >= page.total_count:
            break
        number += 1
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    info = next(i for i in page.items)
    record = truth[info.repo_id]
    assert (info.downloads, info.likes, info.license, info.tasks) == (
        record["downloads"], record["likes"], record["license"], record["tasks"])  # fmt: skip
    assert info.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") == record["created_at"]


def test_the_envelope_is_success_and_data_with_models_and_total_count(hub):
    body = requests.get(f"{hub.url}/openapi/v1/models", params={"owner": "Qwen", "page_size": 2}, timeout=10).json()
    assert body["success"] is True and set(body["data"]) == {"models", "total_count", "page_number", "page_size"}
    assert body["data"]["models"][0]["id"].startswith("Qwen/")
    assert requests.get(f"{hub.url}/openapi/v1/models", timeout=10).headers["Date"]


def test_page_bounds_are_refused_by_the_server_as_by_the_client(hub):
    with pytest.raises(InvalidParameter):  # the client refuses before sending
        api(hub).list_repos("model", owner="Qwen", page_number=61, page_size=50)
    over = requests.get(f"{hub.url}/openapi/v1/models", params={"page_number": 61, "page_size": 50}, timeout=10)
    too_big = requests.get(f"{hub.url}/openapi/v1/models", params={"page_size": 51}, timeout=10)
    assert (over.status_code, over.json()["code"]) == (400, "InputParameterError")
    assert (too_big.status_code, too_big.json()["code"]) == (400, "InputParameterError")


def test_a_model_is_read_and_an_unknown_one_is_not_found_on_both_surfaces(hub):
    info = api(hub).get_repo("ZhipuAI/glm-4-9b-chat", "model")
    truth = hub.truth(include_models=False)["modelscope"]["models"]["ZhipuAI/glm-4-9b-chat"]
    assert (info.owner, info.name, info.downloads, truth["hf_id"]) == (
        "ZhipuAI", "glm-4-9b-chat", truth["downloads"], "zai-org/glm-4-9b-chat")  # fmt: skip
    hub.reset_stats()
    with pytest.raises(NotExistError):
        api(hub).get_repo("Qwen/no-such-model", "model")
    # the client asks the OpenAPI surface, then the legacy one, which answers in its own envelope
    assert {name: e["by_status"] for name, e in hub.stats()["by_endpoint"].items()} == {
        "ms.model": {"404": 1},
        "ms.legacy_model": {"404": 1},
    }
    legacy = requests.get(f"{hub.url}/api/v1/models/Qwen/no-such-model", timeout=10).json()
    assert (legacy["Code"], legacy["Success"], legacy["Message"]) == (404, False, "模型不存在")


def test_the_legacy_surface_answers_in_its_own_pascal_case_fields_with_epoch_seconds(hub):
    # the fields the modelscope SDK's ModelInfo reads from the legacy answer (hub/info.py 192-219)
    body = requests.get(f"{hub.url}/api/v1/models/ZhipuAI/glm-4-9b-chat", timeout=10).json()
    truth = hub.truth(include_models=False)["modelscope"]["models"]["ZhipuAI/glm-4-9b-chat"]
    assert (body["Code"], body["Success"], body["Message"]) == (200, True, "success") and body["RequestId"]
    data = body["Data"]
    assert (data["Path"], data["Name"], data["Downloads"], data["Stars"]) == (
        "ZhipuAI", "glm-4-9b-chat", truth["downloads"], truth["likes"])  # fmt: skip
    created = dt.datetime.fromtimestamp(data["CreatedTime"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    updated = dt.datetime.fromtimestamp(data["LastUpdatedTime"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (created, updated) == (truth["created_at"], truth["last_modified"])
    assert data["Tasks"] == [{"name": truth["tasks"][0]}] and data["License"] == truth["license"]
    assert not {"Likes", "CreatedAt", "LastModified"} & set(data)  # the OpenAPI record's names, not these


def test_a_private_model_is_unlisted_not_found_on_the_openapi_surface_and_a_business_failure_on_the_legacy_one(hub):
    private = hub.truth(include_models=False)["modelscope"]["private"]
    owner = private[0].split("/")[0]
    assert private and private[0] not in hub.truth(include_models=False)["modelscope"]["models"]
    listed = api(hub).list_repos("model", owner=owner, page_size=50)
    assert private[0] not in {info.repo_id for info in listed.items}
    hub.reset_stats()
    legacy = requests.get(f"{hub.url}/api/v1/models/{private[0]}", timeout=10)
    # HTTP 200 with the refusal in the envelope: the body the modelscope SDK's is_ok docstring records
    assert legacy.status_code == 200 and "Data" not in legacy.json()
    assert (legacy.json()["Code"], legacy.json()["Success"]) == (10010101004, False)
    # modelscope_hub reads only the HTTP status there: the envelope becomes a RepoInfo of zeros
    info = api(hub).get_repo(private[0], "model")  # OpenAPI 404, then the legacy surface's 200
    assert (info.repo_id, info.downloads, info.likes, info.created_at) == (private[0], 0, 0, None)
    assert {name: e["by_status"] for name, e in hub.stats()["by_endpoint"].items()} == {
        "ms.model": {"404": 1},
        "ms.legacy_model": {"200": 2},
    }


def test_a_private_model_is_shown_to_a_caller_with_a_token_by_the_listing_and_the_legacy_surface(hub):
    truth = hub.truth(include_models=False)["modelscope"]
    private = truth["private"][0]
    owner = private.split("/")[0]
    listed = api(hub, token="ms-test").list_repos("model", owner=owner, page_size=50)
    public = {m for m in truth["models"] if m.startswith(owner + "/")}
    assert {i.repo_id: i.private for i in listed.items} == dict.fromkeys(public, False) | {private: True}
    assert listed.total_count == len(public) + 1
    hub.reset_stats()
    # the OpenAPI surface (Bearer only) still says not found; the legacy one shows it, marked private
    info = api(hub, token="ms-test").get_repo(private, "model")
    assert info.repo_id == private and info.visibility == Visibility.PRIVATE
    assert (info.likes, info.created_at) == (0, None)  # legacy names (Stars, CreatedTime) modelscope_hub drops
    assert {name: e["by_status"] for name, e in hub.stats()["by_endpoint"].items()} == {
        "ms.model": {"404": 1},
        "ms.legacy_model": {"200": 1},
    }


def test_the_listing_sorts_by_the_published_keys_and_refuses_others(hub):
    truth = hub.truth(include_models=False)["modelscope"]["models"]
    qwen = {m: r for m, r in truth.items() if m.startswith("Qwen/")}

    def listed(sort):
        return [i.repo_id for i in api(hub).list_repos("model", owner="Qwen", sort=sort, page_size=50).items]

    by_downloads = sorted(qwen, key=lambda m: (-qwen[m]["downloads"], m))
    assert listed(None) == listed("default") == listed("downloads") == by_downloads
    assert listed("likes") == sorted(qwen, key=lambda m: (-qwen[m]["likes"], m))
    assert listed("last_modified") == sorted(qwen, key=lambda m: (qwen[m]["last_modified"], m), reverse=True)
    with pytest.raises(InvalidParameter):
        api(hub).list_repos("model", owner="Qwen", sort="created_at")


def test_a_bad_token_is_refused_on_every_call_and_none_is_needed_to_read(hub):
    with pytest.raises(AuthenticationError):
        api(hub, "invalid-token").list_repos("model", owner="Qwen")
    with pytest.raises(AuthenticationError):
        api(hub, "invalid-token").get_repo("Qwen/Qwen3-0.6B", "model")
    assert api(hub).get_repo("Qwen/Qwen3-0.6B", "model").downloads > 0
    assert api(hub, "a-good-token").get_repo("Qwen/Qwen3-0.6B", "model").downloads > 0


def test_an_advancing_clock_grows_downloads_and_reveals_models_released_since(hub):
    with FakeHub(seed=0, scale="small") as moving:
        before = moving.truth(include_models=False)["modelscope"]["models"]
        moving.advance(30)
        after = moving.truth(include_models=False)["modelscope"]["models"]
        new = sorted(set(after) - set(before))
        assert new and all(mid.endswith("-AWQ") for mid in new)
        # ModelScope's count is all-time: a month on, every model has more, and the API answers the new count
        assert [m for m in before if after[m]["downloads"] <= before[m]["downloads"]] == []
        assert all(after[m]["likes"] >= before[m]["likes"] for m in before)
        read = {i.repo_id: i.downloads for i in api(moving).list_repos("model", owner="Qwen", page_size=50).items}
        assert read == {m: r["downloads"] for m, r in after.items() if m.startswith("Qwen/")}
        assert api(moving).get_repo(new[0], "model").repo_id == new[0]


def test_models_only_on_one_hub_and_on_both():
    with FakeHub(seed=0, scale="small") as hub:
        truth = hub.truth()
    mirrored = {r["hf_id"] for r in truth["modelscope"]["models"].values() if r["hf_id"]}
    assert mirrored <= set(truth["hf"]["models"])
    assert any(r["hf_id"] is None for r in truth["modelscope"]["models"].values())  # only on ModelScope
    lab_models = {m for m in truth["hf"]["models"] if m.split("/")[0] in ("Qwen", "deepseek-ai", "moonshotai")}
    assert lab_models - mirrored  # some of the labs' models only on Hugging Face


@pytest.mark.parametrize("kind, error", [("429", RateLimitError), ("5xx", ServerError)])
def test_faults_answer_in_the_openapi_error_envelope(kind, error, monkeypatch):
    monkeypatch.setattr("modelscope_hub._openapi.time.sleep", lambda _s: None)  # the SDK's own retry waits
    with FakeHub(seed=0, scale="small", faults=f"{kind}:1.0") as hub:
        with pytest.raises(error) as raised:
            api(hub).list_repos("model", owner="Qwen")
        body, status = raised.value.response_body, raised.value.status_code
        assert body["success"] is False and body["message"] and body["request_id"]
        if kind == "429":
            assert (status, body["code"], raised.value.retry_after) == (429, "RateLimitExceed", 1)
        else:  # errors.py 528-530: ServiceUnavailable and InternalServerError arrive with a 5xx status
            assert status in (500, 502, 503)
            assert body["code"] == ("ServiceUnavailable" if status == 503 else "InternalServerError")


def test_server_errors_name_an_unavailable_service_apart_from_an_internal_error():
    with FakeHub(seed=0, scale="small", faults="5xx:1.0") as hub:
        answers = [
            requests.get(f"{hub.url}/openapi/v1/models", params={"owner": owner}, timeout=10)
            for owner in ("Qwen", "deepseek-ai", "ZhipuAI", "OpenBMB", "moonshotai", "MiniMax", "LLM-Research", "x")
        ]
    codes = {(r.status_code, r.json()["code"]) for r in answers}
    assert {status for status, _ in codes} == {500, 502, 503}  # every 5xx status the faults draw
    assert codes == {(500, "InternalServerError"), (502, "InternalServerError"), (503, "ServiceUnavailable")}


def test_a_client_killed_while_its_request_is_held_is_dropped_without_a_traceback(capfd):
    with FakeHub(seed=0, scale="small") as hub:
        held = hub.pause_after(0)
        # a client that resets its connection when it dies (SO_LINGER 0), so fakehub's first
        # write fails however late the kernel tells it: a FIN would let that write succeed
        client_code = (
            "import socket, struct\n"
            f"s = socket.create_connection(('127.0.0.1', {hub.url.rsplit(':', 1)[1]}))\n"
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n"
            "s.sendall(b'GET /openapi/v1/models?owner=Qwen HTTP/1.1\\r\\nHost: fakehub\\r\\n\\r\\n')\n"
            "s.recv(1)\n"  # held here until killed
        )
        client = subprocess.Popen([sys.executable, "-c", client_code])
        try:
            assert held.wait(60), "the request never reached fakehub"
            client.send_signal(signal.SIGKILL)
            client.wait(30)
        finally:
            hub.resume()  # the held answer is now written to a closed connection
        assert hub.wait_dropped(1, timeout=30), "fakehub never noticed the closed connection"
        assert hub.stats()["dropped"] == 1
    assert "Traceback" not in capfd.readouterr().err
