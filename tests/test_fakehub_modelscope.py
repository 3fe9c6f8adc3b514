"""fakehub's ModelScope API, read by ModelScope's official client (modelscope_hub) unmodified."""

import pytest
import requests
from modelscope_hub import HubApi
from modelscope_hub.errors import AuthenticationError, InvalidParameter, NotExistError, RateLimitError, ServerError

from fakehub import FakeHub


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
        assert all(after[m]["downloads"] >= before[m]["downloads"] for m in before)
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
        body = raised.value.response_body
        assert body["success"] is False and body["code"] in ("RateLimitExceed", "InternalServerError")
        if kind == "429":
            assert raised.value.retry_after == 1
