"""Benchmark: StarScout's detectors on fakehub's planted fake-star campaigns.

Collects the stargazers of fakehub's campaign targets, its organic viral bursts
(``Genesis-Embodied-AI/Genesis``, ``zai-org/Open-AutoGLM``) and a few organic repositories
(default: medium scale), with the account facts of every stargazer (one GraphQL ``nodes``
query per 100 accounts, :mod:`ecometrics.collector.account_facts`), runs the detectors
(:mod:`ecometrics.analysis.fake_stars`) and prints, against fakehub's truth (``star_campaigns``):

- recall of the planted fake stars collected (target >= 0.9);
- the share of organic stars flagged (target <= 2%), the viral bursts' on their own line;
- the account-facts queries spent against the minimum (stargazer accounts / 100);
- the collection and detection times, peak RSS and the load average, median of ``--runs``.

    .venv/bin/python bench/bench_stars.py [--scale medium] [--runs 3] [--organic 6]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from ecometrics.analysis.fake_stars import star_events, suspected_stars
from ecometrics.collector.account_facts import QUERIES_COUNTER
from ecometrics.collector.github import collect_github
from ecometrics.collector.github_client import GitHubClient
from ecometrics.collector.store import Store
from ecometrics.core.config import GithubConfig
from ecometrics.fakehub import FakeHub

TARGET_RECALL = 0.9
TARGET_ORGANIC = 0.02


def campaign_pairs(truth: dict) -> set[tuple[str, int]]:
    """(repo, account id) of every planted star fakehub reports."""
    gh = truth["github"]
    pairs = set()
    for campaign in gh["star_campaigns"]:
        accounts = set(campaign["account_ids"])
        for repo in campaign["repos"]:
            pairs |= {(repo, row[0]) for row in gh["repos"][repo]["stars"] if row[0] in accounts}
    return pairs


def run_once(scale: str, organic: int, folder: Path) -> dict:
    with FakeHub(
        collaborator_of="*", seed=0, scale=scale, rest_budget=10**7, graphql_budget=10**7, fault_delay_seconds=0.0
    ) as hub:
        truth = hub.truth(include_models=False)
        gh = truth["github"]
        targets = sorted({repo for c in gh["star_campaigns"] for repo in c["repos"]})
        bursts = list(gh["viral_bursts"])
        others = sorted(
            (n for n in gh["repos"] if n not in targets and n not in bursts),
            key=lambda n: (gh["repos"][n]["stargazers_count"], n),
        )[:organic]
        repos = targets + bursts + others
        config = GithubConfig(repos=repos, activity=False, contributors=False, account_facts=10**7)
        client = GitHubClient(token="bench", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)
        store = Store(folder / f"stars-{time.monotonic_ns()}.db")
        started = time.perf_counter()
        result = collect_github(store, config, progress=False, client=client, stats_wait=0.0)
        collected = time.perf_counter() - started
        started = time.perf_counter()
        stars = star_events(store)
        flagged = suspected_stars(store, stars)
        detected = time.perf_counter() - started
        names = {row["id"]: row["full_name"] for row in store.query("SELECT id, full_name FROM repos")}
        accounts = store.count("star_account_facts")
        store.close()
    planted = campaign_pairs(truth)
    seen = {(names[r], u) for r, u in stars.select("repo_id", "user_id").iter_rows()}
    hits = {(names[r], u) for r, u in flagged.select("repo_id", "user_id").iter_rows()}
    organic_seen = seen - planted
    burst_seen = {p for p in organic_seen if p[0] in bursts}
    queries = result.counters[QUERIES_COUNTER]
    return {
        "repos": len(repos),
        "stars": len(seen),
        "planted": len(planted & seen),
        "recall": len(planted & hits) / max(len(planted & seen), 1),
        "organic": len(organic_seen),
        "organic_flagged": len(organic_seen & hits) / max(len(organic_seen), 1),
        "burst": len(burst_seen),
        "burst_flagged": len(burst_seen & hits) / max(len(burst_seen), 1),
        "queries": queries,
        "minimum": math.ceil(accounts / 100),
        "accounts": accounts,
        "collect_s": collected,
        "detect_s": detected,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--organic", type=int, default=6, help="organic repositories collected beside the targets")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            runs.append(run_once(args.scale, args.organic, Path(tmp)))
    last = runs[-1]
    median = {key: statistics.median(run[key] for run in runs) for key in ("collect_s", "detect_s")}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fakehub {args.scale}: {last['repos']} repos, {last['stars']:,} stars collected, {args.runs} run(s)")
    print(f"recall of planted fake stars: {last['recall']:.3f} of {last['planted']:,} (target >= {TARGET_RECALL})")
    print(
        f"organic stars flagged: {last['organic_flagged']:.4f} of {last['organic']:,} (target <= {TARGET_ORGANIC}); "
        f"viral bursts: {last['burst_flagged']:.4f} of {last['burst']:,}"
    )
    print(
        f"account facts: {last['queries']:,} nodes queries for {last['accounts']:,} accounts "
        f"(minimum {last['minimum']:,}, ratio {last['queries'] / max(last['minimum'], 1):.2f})"
    )
    print(f"median time: collect {median['collect_s']:.1f} s, detect {median['detect_s']:.1f} s")
    print(f"peak RSS {rss:,.0f} MiB, load average {os.getloadavg()[0]:.2f}")
    ok = last["recall"] >= TARGET_RECALL and last["organic_flagged"] <= TARGET_ORGANIC
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
