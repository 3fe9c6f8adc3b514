"""``ecometrics demo``: the whole nightly pipeline, offline, on synthetic data.

Starts fakehub in-process, points the real collectors at it through ``GITHUB_API_URL``
and ``HF_ENDPOINT``, runs the nightly pipeline once per simulated day (advancing
fakehub's clock between runs so that snapshots, growth and monthly OpenRank exist), then
prints the top of each ranking table and leaves the database, the exports in every
format and a GraphML family tree in the output folder. Everything it shows and writes
is labelled synthetic.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from collector.cancel import raise_if_stopped
from collector.store import Store
from jobs import pipeline
from jobs.config import Config, default_config_text, parse_config

SYNTHETIC = "SYNTHETIC DATA from fakehub (ecometrics demo), not real GitHub or Hugging Face figures"
DEMO_TOKEN = "demo-token-for-fakehub"  # fakehub's budgets are per token; no real token is involved

# (title, export kind, sort column, columns shown).
RANKINGS = (
    ("Repositories by OpenRank", "repos", "openrank", ["repo", "openrank", "activity", "stars", "stars_30d", "contributors"]),
    ("Repositories by star growth (last 30 days)", "repos", "stars_30d", ["repo", "stars_30d", "stars_7d", "stars", "created_at"]),
    ("Launch velocity (stars in the first days)", "growth", "stars_first_10d", ["repo", "created_at", "stars_first_3d", "stars_first_10d", "stars_first_30d"]),
    ("Developers by OpenRank", "developers", "openrank", ["developer", "openrank", "activity", "month"]),
    ("Models by derivatives", "models", "all_derivatives", ["model_id", "family", "direct_derivatives", "all_derivatives", "finetune", "quantized", "merge", "max_depth"]),
    ("Models by influence", "models", "influence", ["model_id", "family", "influence", "downloads_30d", "likes"]),
    ("Families by derivatives", "families", "derivatives", ["family", "origin", "models", "derivatives", "downloads_30d"]),
    ("Families by downloads", "families", "downloads_30d", ["family", "origin", "downloads_30d", "downloads_all_time", "derivatives"]),
)


def demo_config(out_dir: Path) -> Config:
    """The default config (the real ecosystem's names, which fakehub also serves)."""
    data = tomllib.loads(default_config_text())
    data["storage"]["db"] = str(out_dir / "ecometrics.db")
    data["export"] = {"dir": str(out_dir / "exports"), "formats": ["csv", "parquet", "json", "md"]}
    data["github"]["max_rate_wait"] = 5
    data["github"]["stats_wait"] = 1  # fakehub computes contributor stats at once
    return parse_config(data, source="demo config")


@contextmanager
def _pointed_at(url: str) -> Iterator[None]:
    """Point the collectors at fakehub the way a user points them anywhere: the environment."""
    names = ("GITHUB_API_URL", "HF_ENDPOINT", "GITHUB_TOKEN", "HF_TOKEN")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(GITHUB_API_URL=url, HF_ENDPOINT=url, GITHUB_TOKEN=DEMO_TOKEN, HF_TOKEN=DEMO_TOKEN)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_demo(
    out_dir: str | os.PathLike[str] = "demo",
    *,
    seed: int = 0,
    scale: str = "small",
    days: int = 3,
    progress: bool = False,
    echo=print,
) -> Path:
    """Build the demo database in ``out_dir`` and return its path.

    A requested stop (:mod:`collector.cancel`) ends the day's run at a page boundary,
    recorded as partial, and then raises :class:`collector.cancel.StopRequested`.
    """
    from fakehub import FakeHub

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    config = demo_config(out_dir)
    db_path = out_dir / "ecometrics.db"
    started = time.monotonic()
    echo(f"ecometrics demo: {SYNTHETIC}")
    # A 10 s Hub rate-limit window: the free account's 1,000 requests, but a spent budget
    # costs the demo seconds, not the real Hub's 5 minutes.
    # the real APIs' rate limits, with windows short enough that one demo night never waits long
    with FakeHub(seed=seed, scale=scale, hf_window_seconds=10, secondary_window_seconds=1) as hub, _pointed_at(hub.url), Store(db_path) as store:
        config.huggingface.hub_models = hub.truth(include_models=False)["hf"]["model_count"]  # prices the full listing
        store.set_checkpoint("demo", "synthetic", f"fakehub seed={seed} scale={scale}")
        echo(f"fakehub ({scale}, seed {seed}) at {hub.url}")
        for day in range(days):
            raise_if_stopped()  # a stop ends the demo, not just the day's run
            if day:
                hub.advance(days=1)
            result = pipeline.run_pipeline(store, config, progress=progress)
            echo(f"day {day + 1}/{days}: {result.summary()}")
            for problem in result.problems:
                echo(f"  problem: {problem}")
        raise_if_stopped()
        _write_family_tree(store, out_dir / "exports")
    echo(f"demo built in {time.monotonic() - started:.1f}s: database {db_path}, exports in {out_dir / 'exports'}")
    return db_path


def _write_family_tree(store: Store, out_dir: Path) -> None:
    """GraphML of the largest derivative tree, for Gephi."""
    from analysis.lineage import largest_root, write_lineage

    root = largest_root(store)
    if root:
        write_lineage(store, root, "graphml", out_dir / "family_tree.graphml")


def print_rankings(db_path: Path, *, top: int = 10) -> None:
    """The top of each ranking table as terminal tables."""
    from rich.console import Console
    from rich.table import Table

    from analysis.export import build_table, data_note, format_cell

    console = Console()
    with Store(db_path, migrate=False) as store:  # only reads
        note = data_note(store)
        tables = {kind: build_table(store, kind) for kind in dict.fromkeys(kind for _, kind, _, _ in RANKINGS)}
    for title, kind, sort_by, columns in RANKINGS:
        frame = tables[kind].sort(sort_by, descending=True, nulls_last=True)
        table = Table(title=f"{title} — synthetic" if note else title, caption=note, caption_justify="left")
        for column in columns:
            numeric = frame.schema[column].is_numeric()
            table.add_column(column, justify="right" if numeric else "left")
        for row in frame.select(columns).head(top).iter_rows():
            table.add_row(*(format_cell(v) for v in row))
        console.print(table)

