"""What a terminal shows: ranking tables that keep their ids whole at 80 columns, log lines above progress bars."""

import io
import logging

from rich.console import Console
from rich.progress import Progress

from ecometrics.analysis.export import build_table
from ecometrics.collector.store import Store
from ecometrics.jobs.cli import log_handler
from ecometrics.jobs.demo import RANKINGS, print_rankings


def test_ranking_tables_keep_every_id_whole_at_80_columns(demo_db):
    console = Console(width=80, record=True, file=io.StringIO())
    print_rankings(demo_db, top=10, console=console)
    screen = console.export_text()
    with Store(demo_db, readonly=True) as store:
        for title, kind, sort_by, columns in RANKINGS:
            key = columns[0]
            ids = build_table(store, kind).sort(sort_by, descending=True, nulls_last=True).head(10)[key].to_list()
            for value in ids:
                assert f"│ {value} " in screen, f"{title}: {value} cut"
    assert max(len(line) for line in screen.splitlines()) <= 80
    assert "Developers by OpenRank, " in screen  # the month the table covers


def test_log_lines_go_through_the_terminal_console_above_a_progress_bar():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system=None, width=100)
    logger = logging.getLogger("ecometrics.test_terminal")
    handler = log_handler(console)
    logger.addHandler(handler)
    try:
        with Progress(console=console, transient=True) as bar:
            bar.add_task("github", total=3)
            logger.warning("github: 1/3 QwenLM/Qwen3: 339 rows")
    finally:
        logger.removeHandler(handler)
    assert "github: 1/3 QwenLM/Qwen3: 339 rows" in out.getvalue()
    plain = log_handler(None) if not __import__("sys").stderr.isatty() else None
    assert plain is None or isinstance(plain, logging.StreamHandler)


def test_a_ranking_table_shows_its_sort_column_next_to_the_name_however_narrow():
    """Models ranked by all_derivatives, listed last: at 40 columns the others go, it stays second."""
    from ecometrics.jobs.demo import ranking_table

    frame = build_table_like_models()
    columns = ["model_id", "family", "direct_derivatives", "finetune", "all_derivatives"]
    console = Console(width=40, record=True, file=io.StringIO())
    console.print(
        ranking_table(frame, "models", columns, title="Models", note=None, width=40, sort_by="all_derivatives")
    )
    header = next(line for line in console.export_text().splitlines() if "model_id" in line)
    names = [cell.strip() for cell in header.strip().strip("┃").split("┃")]
    assert names[:2] == ["model_id", "all_derivatives"]
    assert "direct_derivatives" not in names  # left out for width, not the sort column


def build_table_like_models():
    import polars as pl

    return pl.DataFrame(
        {
            "model_id": ["org/a-model", "org/b-model"],
            "family": ["Qwen", "Qwen"],
            "direct_derivatives": [1, 2],
            "finetune": [1, 2],
            "all_derivatives": [9, 2],
        }
    )
