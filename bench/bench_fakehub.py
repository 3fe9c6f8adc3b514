"""fakehub benchmark: start-up time per scale, the time to serve a 1,000-model page and a
100-stargazer page, and a full-Hub-style crawl with huggingface_hub.

Run: ``.venv/bin/python bench/bench_fakehub.py [--scales small,medium,large] [--crawl N]``

Targets: small starts in under 2 s; a crawl via
``HfApi.list_models`` at 1,000 per page reaches at least 5,000 models/s end to end.
Figures are medians of a few repetitions, over real HTTP on loopback.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecometrics.fakehub import FakeHub  # noqa: E402

TARGET_SMALL_STARTUP_S = 2.0
TARGET_CRAWL_MODELS_PER_S = 5_000
CRAWL_EXPAND = [
    "downloads",
    "downloadsAllTime",
    "likes",
    "createdAt",
    "lastModified",
    "baseModels",
    "childrenModelCount",
    "library_name",
    "pipeline_tag",
    "tags",
]


def timed(fn, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_scale(scale: str, crawl: int) -> None:
    start = time.perf_counter()
    hub = FakeHub(collaborator_of="*", seed=0, scale=scale).start()
    startup = time.perf_counter() - start
    target = f" (target < {TARGET_SMALL_STARTUP_S} s)" if scale == "small" else ""
    print(f"[{scale}] start-up: {startup:.2f} s{target}")
    try:
        session = requests.Session()
        session.headers["Authorization"] = "Bearer bench"
        models_url = f"{hub.url}/api/models"
        params = [("limit", "1000")] + [("expand[]", e) for e in CRAWL_EXPAND]
        session.get(models_url, params=params).raise_for_status()  # warm the per-day caches
        for label, page_params in (
            ("expand[] (crawl fields)", params),
            ("default fields", [("limit", "1000")]),
            ("full=true", [("limit", "1000"), ("full", "true")]),
        ):

            def page(page_params=page_params):  # bound now: timed() calls it within this iteration
                r = session.get(models_url, params=page_params + [("cursor", "eyIkb2Zmc2V0IjogMTAwMH0")])
                r.raise_for_status()
                assert len(r.json()) == 1000

            print(f"[{scale}] 1,000-model page, {label}: {timed(page) * 1000:.1f} ms")

        repo = max(hub.world.github.repos, key=lambda r: r.stars_at_start)
        star_url = f"{hub.url}/repos/{repo.full_name}/stargazers"
        star_headers = {"Accept": "application/vnd.github.star+json"}

        def stars():
            r = session.get(star_url, params={"per_page": 100, "page": 3}, headers=star_headers)
            r.raise_for_status()
            assert len(r.json()) == 100

        print(f"[{scale}] 100-stargazer page ({repo.full_name}, with starred_at): {timed(stars) * 1000:.1f} ms")

        gql = {
            "query": f'{{ repository(owner: "{repo.owner}", name: "{repo.name}") {{ stargazers(first: 100) '
            "{ edges { starredAt node { login databaseId } } } } }"
        }

        def graphql():
            session.post(f"{hub.url}/graphql", json=gql).raise_for_status()

        print(f"[{scale}] GraphQL 100-stargazer page: {timed(graphql) * 1000:.1f} ms")

        if crawl:
            from huggingface_hub import HfApi

            api = HfApi(endpoint=hub.url, token="hf_bench")
            n = 0
            start = time.perf_counter()
            for _ in api.list_models(expand=CRAWL_EXPAND):
                n += 1
                if n >= crawl:
                    break
            elapsed = time.perf_counter() - start
            print(
                f"[{scale}] huggingface_hub list_models crawl: {n:,} models in {elapsed:.1f} s = "
                f"{n / elapsed:,.0f} models/s (target >= {TARGET_CRAWL_MODELS_PER_S:,})"
            )
    finally:
        hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,medium,large")
    parser.add_argument(
        "--crawl", type=int, default=100_000, help="models to crawl with huggingface_hub at the largest scale (0: skip)"
    )
    args = parser.parse_args()
    scales = args.scales.split(",")
    for scale in scales:
        bench_scale(scale, args.crawl if scale == scales[-1] else 0)


if __name__ == "__main__":
    main()
