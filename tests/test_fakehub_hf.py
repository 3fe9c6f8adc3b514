"""fakehub's Hugging Face model API as huggingface_hub's HfApi sees it, over loopback."""

from collections import Counter

import pytest
import requests
from huggingface_hub import HfApi, ModelInfo
from huggingface_hub.errors import DisabledRepoError, HfHubHTTPError, RepositoryNotFoundError

from ecometrics.fakehub import FakeHub
from ecometrics.fakehub.model_forest import CREATED_AT_SENTINEL

# What a listing may expand; baseModels and childrenModelCount only /api/models/{id} gives.
EXPAND = ["downloads", "downloadsAllTime", "likes", "createdAt", "tags"]


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
    assert len(expected) > 200  # more than two pages of 100
    hub.reset_stats()
    got = list(HfApi(endpoint=hub.url).list_models(author=author, expand=EXPAND))
    assert sorted(m.id for m in got) == sorted(expected)
    assert hub.stats()["by_endpoint"]["hf.models"]["requests"] == -(-len(expected) // 100)
    for model in got:
        want = expected[model.id]
        assert (model.downloads, model.downloads_all_time, model.likes) == (
            want["downloads"],
            want["downloadsAllTime"],
            want["likes"],
        )
        parents = [t.split(":")[-1] for t in model.tags if t.startswith(f"base_model:{want['relation']}:")]
        assert parents == want["parents"]


# huggingface_hub parses baseModels and childrenModelCount into ModelInfo only in later releases
# than the floor pyproject.toml accepts (1.2, which bench/hf_floor_versions.py runs); the
# collector reads the JSON itself, so only these two checks of fakehub's shapes need them.
needs_lineage_fields = pytest.mark.skipif(
    "base_models" not in ModelInfo.__dataclass_fields__, reason="this huggingface_hub's ModelInfo has no lineage fields"
)


@needs_lineage_fields
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


@needs_lineage_fields
def test_model_info_parses_lineage_fields(hub, truth):
    merge = next(m for m in truth["models"].values() if m["relation"] == "merge" and len(m["parents"]) > 1)
    info = HfApi(endpoint=hub.url).model_info(merge["id"], expand=["baseModels", "childrenModelCount", "downloads"])
    assert info.base_models == {"relation": "merge", "models": [{"id": p} for p in merge["parents"]]}
    assert info.children_model_count == merge["childrenModelCount"]
    assert info.downloads == merge["downloads"]
    full = HfApi(endpoint=hub.url).model_info(merge["id"])
    assert f"base_model:merge:{merge['parents'][0]}" in full.tags
    assert full.created_at is not None and full.last_modified is not None


def test_gated_models_are_public_metadata_and_missing_ones_401_without_a_token(hub, truth):
    api = HfApi(endpoint=hub.url)
    gated = truth["gated"][0]
    info = api.model_info(gated, token=False)  # no GatedRepoError: only files need access
    assert info.gated in ("manual", "auto") and info.gated == truth["models"][gated]["gated"]
    anonymous = requests.get(f"{hub.url}/api/models/nobody/no-such-model")
    assert (anonymous.status_code, anonymous.headers["X-Error-Code"]) == (401, "RepoNotFound")
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/no-such-model", token=False)
    with pytest.raises(RepositoryNotFoundError) as found:
        api.model_info("nobody/no-such-model", token="hf_test")
    assert found.value.response.status_code == 404
    # a disabled repo is a missing one to an anonymous caller, disabled to one with a token (PR #1965)
    disabled = requests.get(f"{hub.url}/api/models/{truth['disabled'][0]}")
    assert (disabled.status_code, disabled.headers["X-Error-Code"]) == (401, "RepoNotFound")
    with pytest.raises(DisabledRepoError) as refused:
        api.model_info(truth["disabled"][0], token="hf_test")
    assert refused.value.response.status_code == 403


def test_a_bad_token_gets_401_invalid_credentials_on_every_call(hub):
    for path in ("/api/models?author=Qwen", "/api/models/Qwen/Qwen3-8B"):
        answer = requests.get(hub.url + path, headers={"Authorization": "Bearer invalid-expired"})
        assert answer.status_code == 401
        assert answer.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
    with pytest.raises(HfHubHTTPError) as refused:
        HfApi(endpoint=hub.url, token="invalid-expired").model_info("Qwen/Qwen3-8B")
    assert refused.value.response.status_code == 401


def test_a_renamed_model_redirects_to_its_new_id(hub, truth):
    assert truth["renamed"] == {"THUDM/glm-4-9b-chat": "zai-org/glm-4-9b-chat"}
    raw = requests.get(f"{hub.url}/api/models/THUDM/glm-4-9b-chat?expand=downloads", allow_redirects=False)
    assert raw.status_code == 307 and raw.headers["Location"] == "/api/models/zai-org/glm-4-9b-chat?expand=downloads"
    info = HfApi(endpoint=hub.url).model_info("THUDM/glm-4-9b-chat", expand=["downloads"])
    assert info.id == "zai-org/glm-4-9b-chat" and "THUDM/glm-4-9b-chat" not in truth["models"]
    assert info.downloads == truth["models"]["zai-org/glm-4-9b-chat"]["downloads"]


def test_models_older_than_the_hubs_records_report_the_creation_date_sentinel(hub, truth):
    old = sorted(m for m, r in truth["models"].items() if r["created_at"] < "2022-03-02T23:29:04Z")
    assert old == ["google-bert/bert-base-uncased", "openai-community/gpt2"]
    for model in old:
        assert requests.get(f"{hub.url}/api/models/{model}").json()["createdAt"] == CREATED_AT_SENTINEL
    newer = requests.get(f"{hub.url}/api/models/Qwen/Qwen3-8B").json()["createdAt"]
    assert newer != CREATED_AT_SENTINEL and newer.startswith(truth["models"]["Qwen/Qwen3-8B"]["created_at"][:19])


def test_the_default_order_moves_under_a_crawl_and_created_at_does_not():
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_trending_refresh_pages=5) as hub:
        truth = hub.truth()["hf"]
        existing = set(truth["models"]) | set(truth["private"])  # the token lists the private models too
        api = HfApi(endpoint=hub.url, token="hf_test")
        trending = Counter(m.id for m in api.list_models())
        by_creation = Counter(m.id for m in api.list_models(sort="created_at"))
        epochs = hub.truth(include_models=False)["hf"]["trending_epoch"]
    assert epochs >= 14  # scores were recomputed during both walks
    assert set(trending) != existing or max(trending.values()) > 1  # skipped or seen twice
    assert set(by_creation) == existing and max(by_creation.values()) == 1


def test_a_created_at_cursor_resumes_past_new_and_deleted_models(tmp_path):
    with FakeHub(seed=0, scale="small", hf_page_size=500) as hub:
        at_start = set(hub.truth()["hf"]["models"])
        first = requests.get(f"{hub.url}/api/models", params={"sort": "createdAt"})
        hub.advance(60)  # new models appear (before the cursor), some old ones are deleted
        later = hub.truth()["hf"]
        seen = [m["id"] for m in first.json()]
        url = first.links["next"]["url"]
        while url:
            page = requests.get(url)
            seen += [m["id"] for m in page.json()]
            url = page.links.get("next", {}).get("url")
    deleted = set(later["deleted"])
    assert deleted and set(later["models"]) - at_start  # the Hub changed under the walk
    assert len(seen) == len(set(seen))
    # every model of the start exactly once, but for those deleted before their page was served
    assert set(seen) == at_start - (deleted - set(seen[:500]))


def test_the_forest_has_the_hub_shape(truth):
    models = truth["models"].values()
    assert truth["model_count"] == len(truth["models"]) >= 3000
    derived = [m for m in models if m["relation"]]
    share = {
        r: sum(m["relation"] == r for m in derived) / len(derived)
        for r in ("finetune", "quantized", "merge", "adapter")
    }
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


def test_trending_scores_below_ten_carry_a_decimal_and_a_trending_walk_sees_each_model_once():
    # the Hub's own cursor holds {"trendingScore": 0.2, ...} (huggingface_hub issue #2741), though
    # ModelInfo.trending_score says int: the stricter reading has both
    with FakeHub(seed=0, scale="small", hf_page_size=100, hf_trending_refresh_pages=0) as hub:
        truth = hub.truth()["hf"]["models"]
        page = requests.get(f"{hub.url}/api/models", params={"expand": "trendingScore", "limit": 100}).json()
        walked = Counter(m.id for m in HfApi(endpoint=hub.url).list_models(expand=["trendingScore"]))
    scores = [m["trendingScore"] for m in truth.values()] + [m["trendingScore"] for m in page]
    fractional = [s for s in scores if isinstance(s, float)]
    # every float has its fraction: a whole score is sent as 146, not 146.0
    assert fractional and all(s < 10 and round(s, 1) == s and not s.is_integer() for s in fractional)
    assert {type(s) for s in scores} == {int, float}  # whole scores too, and no other kind of value
    # the default order, still here, walked with cursors on fractional values: every model once
    assert set(walked) == set(truth) and max(walked.values()) == 1


def test_a_spent_budget_answers_429_with_ratelimit_headers_and_no_retry_after():
    with FakeHub(seed=0, scale="small", hf_budget=3, hf_anonymous_budget=2, hf_window_seconds=30) as hub:
        url = f"{hub.url}/api/models/Qwen/Qwen3-8B"
        answers = [requests.get(url) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        refused = answers[-1]
        assert "Retry-After" not in refused.headers
        assert refused.headers["RateLimit"].startswith('"api";r=0;')
        assert refused.headers["RateLimit-Policy"] == '"fixed window";"api";q=2;w=30'
        token = {"Authorization": "Bearer hf_test"}
        assert requests.get(url, headers=token).headers["RateLimit-Policy"] == '"fixed window";"api";q=3;w=30'
        hub.expire_hf_budget()
        assert requests.get(url).status_code == 200


def test_the_default_budget_is_a_free_accounts():
    with FakeHub(seed=0, scale="small") as hub:
        url = f"{hub.url}/api/models/Qwen/Qwen3-8B"
        assert requests.get(url, headers={"Authorization": "Bearer hf_test"}).headers["RateLimit-Policy"] == (
            '"fixed window";"api";q=1000;w=300'
        )
        assert requests.get(url).headers["RateLimit-Policy"] == '"fixed window";"api";q=500;w=300'


def test_full_listing_with_card_data_parses(hub, truth):
    api = HfApi(endpoint=hub.url)
    models = list(api.list_models(filter="base_model:finetune:Qwen/Qwen3-8B", full=True, cardData=True, limit=3))
    assert len(models) == 3
    for model in models:
        assert model.card_data.base_model == "Qwen/Qwen3-8B"
        assert model.author == model.id.split("/")[0] and model.sha and model.siblings
        assert model.last_modified >= model.created_at
        assert model.downloads == truth["models"][model.id]["downloads"]


def test_detail_only_expands_are_refused_in_listings(hub):
    for detail in ("childrenModelCount", "baseModels", "usedStorage"):
        refused = requests.get(f"{hub.url}/api/models", params={"author": "Qwen", "expand": detail})
        assert refused.status_code == 400
        assert "/api/models/repo_id" in refused.json()["error"]
    listed = requests.get(f"{hub.url}/api/models", params={"author": "Qwen", "expand": "downloads"})
    detail = requests.get(f"{hub.url}/api/models/Qwen/Qwen3-8B", params={"expand": "childrenModelCount"})
    assert listed.status_code == 200 and listed.json()
    assert detail.status_code == 200 and "childrenModelCount" in detail.json()
    with FakeHub(seed=0, scale="small", hf_permissive=True) as permissive:
        allowed = requests.get(
            f"{permissive.url}/api/models", params={"author": "Qwen", "expand": "childrenModelCount"}
        )
    assert allowed.status_code == 200 and "childrenModelCount" in allowed.json()[0]


def test_private_models_are_listed_and_shown_only_to_a_token():
    with FakeHub(seed=0, scale="small") as hub:
        private = hub.truth(include_models=False)["hf"]["private"]
        assert private
        model = private[0]
        author = model.split("/")[0]
        query = {"author": author, "expand": ["private", "createdAt"], "sort": "createdAt"}
        token = {"Authorization": "Bearer hf_member"}
        anonymous = requests.get(hub.url + "/api/models", params=query).json()
        member = requests.get(hub.url + "/api/models", params=query, headers=token).json()
        assert model not in {m["id"] for m in anonymous}
        assert {m["id"] for m in member} == {m["id"] for m in anonymous} | {model}
        assert [m["private"] for m in member if m["id"] == model] == [True]
        assert all(m["private"] is False for m in member if m["id"] != model)
        created = [m["createdAt"] for m in member]
        assert created == sorted(created, reverse=True)  # in its place in the order
        assert requests.get(f"{hub.url}/api/models/{model}").status_code == 401
        info = requests.get(f"{hub.url}/api/models/{model}", headers=token)
        assert info.status_code == 200 and info.json()["private"] is True
        # one model a page: the walk with a token meets every model once, the private one too
        seen, url, params = [], hub.url + "/api/models", {**query, "limit": 1}
        while url:
            page = requests.get(url, params=params, headers=token)
            seen += [m["id"] for m in page.json()]
            url, params = page.links.get("next", {}).get("url"), None
        assert seen == [m["id"] for m in member]
