"""fakehub's Hugging Face model API as huggingface_hub's HfApi sees it, over loopback."""

import pytest
import requests
from huggingface_hub import HfApi
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

from fakehub import FakeHub

EXPAND = ["downloads", "downloadsAllTime", "likes", "createdAt", "baseModels", "childrenModelCount", "tags"]


@pytest.fixture(scope="module")
def hub():
    with FakeHub(seed=0, scale="small", hf_page_size=100) as hub:
        yield hub


@pytest.fixture(scope="module")
def truth(hub):
    return hub.truth()["hf"]


def test_list_models_of_an_author_over_several_pages(hub, truth):
    authors = [m["author"] for m in truth["models"].values()]
    author = max(set(authors), key=authors.count)
    expected = {m["id"]: m for m in truth["models"].values() if m["author"] == author}
    assert len(expected) > 200          # more than two pages of 100
    hub.reset_stats()
    got = list(HfApi(endpoint=hub.url).list_models(author=author, expand=EXPAND))
    assert sorted(m.id for m in got) == sorted(expected)
    assert hub.stats()["by_endpoint"]["hf.models"]["requests"] == -(-len(expected) // 100)
    for model in got:
        want = expected[model.id]
        assert (model.downloads, model.downloads_all_time, model.likes) == (
            want["downloads"], want["downloadsAllTime"], want["likes"])
        assert model.children_model_count == want["childrenModelCount"]
        parents = [p["id"] for p in model.base_models["models"]] if model.base_models else []
        assert parents == want["parents"]


def test_filter_base_model_lists_exactly_the_children_count(hub, truth):
    api = HfApi(endpoint=hub.url)
    parent = "Qwen/Qwen3-8B"
    counts = api.model_info(parent, expand=["childrenModelCount"]).children_model_count
    assert counts == truth["models"][parent]["childrenModelCount"]
    assert counts["finetune"] > 0
    for relation, n in counts.items():
        children = list(api.list_models(filter=f"base_model:{relation}:{parent}"))
        assert len(children) == n, relation
        for child in children:
            assert parent in truth["models"][child.id]["parents"]
            assert truth["models"][child.id]["relation"] == relation
    assert len(list(api.list_models(filter=f"base_model:{parent}"))) == sum(counts.values())


def test_model_info_parses_lineage_fields(hub, truth):
    merge = next(m for m in truth["models"].values() if m["relation"] == "merge" and len(m["parents"]) > 1)
    info = HfApi(endpoint=hub.url).model_info(merge["id"], expand=["baseModels", "childrenModelCount", "downloads"])
    assert info.base_models == {"relation": "merge", "models": [{"id": p} for p in merge["parents"]]}
    assert info.children_model_count == merge["childrenModelCount"]
    assert info.downloads == merge["downloads"]
    full = HfApi(endpoint=hub.url).model_info(merge["id"])
    assert f"base_model:merge:{merge['parents'][0]}" in full.tags
    assert full.created_at is not None and full.last_modified is not None


def test_missing_model_raises_not_found_and_gated_needs_a_token(hub, truth):
    api = HfApi(endpoint=hub.url)
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/no-such-model")
    gated = truth["gated"][0]
    with pytest.raises(GatedRepoError):
        api.model_info(gated, token=False)
    assert HfApi(endpoint=hub.url, token="hf_test").model_info(gated).gated in ("manual", "auto")


def test_the_forest_has_the_hub_shape(truth):
    models = truth["models"].values()
    assert truth["model_count"] == len(truth["models"]) >= 3000
    derived = [m for m in models if m["relation"]]
    share = {r: sum(m["relation"] == r for m in derived) / len(derived)
             for r in ("finetune", "quantized", "merge", "adapter")}
    assert abs(share["finetune"] - 0.45) < 0.04 and abs(share["quantized"] - 0.39) < 0.04
    assert abs(share["merge"] - 0.15) < 0.03 and 0 < share["adapter"] < 0.03
    assert max(m["depth"] for m in models) >= 4
    assert any(len(m["parents"]) >= 3 for m in derived)
    by_id = truth["models"]
    assert not any(by_id[p]["relation"] == "quantized" for m in derived for p in m["parents"])
    assert {"Qwen", "meta-llama", "deepseek-ai", "mistralai"} <= {m["author"] for m in models}


def test_sort_and_search(hub, truth):
    api = HfApi(endpoint=hub.url)
    top = list(api.list_models(sort="downloads", limit=5, expand=["downloads"]))
    want = sorted(truth["models"].values(), key=lambda m: -m["downloads"])[:5]
    assert [m.downloads for m in top] == [m["downloads"] for m in want]
    found = {m.id for m in api.list_models(search="qwen3-8b")}
    assert found == {i for i in truth["models"] if "qwen3-8b" in i.lower()}


def test_rate_limit_answers_429_with_retry_after():
    with FakeHub(seed=0, scale="small", hf_budget=2, hf_window_seconds=30) as hub:
        url = f"{hub.url}/api/models/Qwen/Qwen3-8B"
        assert requests.get(url).status_code == 200
        assert requests.get(url).status_code == 200
        refused = requests.get(url)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 30
        assert refused.headers["RateLimit"].startswith('"api";r=0;')


def test_full_listing_with_card_data_parses(hub, truth):
    api = HfApi(endpoint=hub.url)
    models = list(api.list_models(filter="base_model:finetune:Qwen/Qwen3-8B", full=True, cardData=True, limit=3))
    assert len(models) == 3
    for model in models:
        assert model.card_data.base_model == "Qwen/Qwen3-8B"
        assert model.author == model.id.split("/")[0] and model.sha and model.siblings
        assert model.last_modified >= model.created_at
        assert model.downloads == truth["models"][model.id]["downloads"]


def test_detail_only_expands_are_refused_in_listings_when_asked_to():
    with FakeHub(seed=0, scale="small", hf_detail_only_expand=True) as hub:
        refused = requests.get(f"{hub.url}/api/models", params={"author": "Qwen", "expand": "childrenModelCount"})
        listed = requests.get(f"{hub.url}/api/models", params={"author": "Qwen", "expand": "downloads"})
        detail = requests.get(f"{hub.url}/api/models/Qwen/Qwen3-8B", params={"expand": "childrenModelCount"})
    assert refused.status_code == 400
    assert "/api/models/repo_id" in refused.json()["error"]
    assert listed.status_code == 200 and listed.json()
    assert detail.status_code == 200 and "childrenModelCount" in detail.json()
