"""The notebooks: stored clean, and each runs top to bottom on a demo database, drawing figures."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
# The inline backend renders PNGs headless (through Agg); plain Agg would draw nothing into the notebook.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def test_there_are_notebooks_for_overview_openrank_lineage_and_origins():
    names = [path.stem for path in NOTEBOOKS]
    assert names[:4] == ["01_ecosystem_overview", "02_openrank", "03_lineage", "04_origins"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs_and_has_a_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code), "strip the outputs"
    parameters = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1 and 'os.environ.get("ECOMETRICS_DB"' in parameters[0].source
    assert "frames.connect(DB)" in "".join(cell.source for cell in code)


@pytest.fixture(scope="module")
def executed(demo_db, tmp_path_factory):
    """Each notebook run once on the demo database: stem -> the executed notebook."""
    env = pytest.MonkeyPatch()
    env.setenv("ECOMETRICS_DB", str(demo_db))  # the kernel inherits the environment
    env.setenv("MPLBACKEND", INLINE_BACKEND)
    runs = {}
    try:
        for path in NOTEBOOKS:
            notebook = nbformat.read(path, as_version=4)
            # A fresh kernel, cells in order, in an empty folder: no hidden state.
            folder = tmp_path_factory.mktemp(path.stem)
            NotebookClient(
                notebook,
                timeout=120,
                kernel_name="python3",
                resources={"metadata": {"path": str(folder)}},
                allow_errors=True,
            ).execute()
            runs[path.stem] = notebook
    finally:
        env.undo()
    return runs


def outputs(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def printed(notebook):
    return "".join(output.get("text", "") for output in outputs(notebook) if output.output_type == "stream")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_on_the_demo_database_and_draws_figures(path, executed):
    notebook = executed[path.stem]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs(notebook) if o.output_type == "error"]
    assert not errors
    figures = [output for output in outputs(notebook) if "image/png" in output.get("data", {})]
    assert figures, f"{path.name} drew no figure"
    assert "SYNTHETIC data built by `ecometrics demo`" in printed(notebook)


def test_notebooks_agree_with_the_exports_and_flag_the_partial_month(executed, demo_db):
    from ecometrics.analysis.export import build_table
    from ecometrics.analysis.growth import last_complete_month
    from ecometrics.collector.store import Store

    with Store(demo_db, readonly=True) as store:
        families = build_table(store, "families")
        complete = last_complete_month(store)
        newest = store.conn.execute("SELECT max(month) FROM openrank").fetchone()[0]
    assert f"showing {complete}; {newest} not complete" in printed(executed["02_openrank"])
    assert f"partial months (shaded): ['{newest}']" in printed(executed["01_ecosystem_overview"])
    expected = f"{families.height} families, {families['derivatives'].sum()} derivatives in them"
    assert expected in printed(executed["03_lineage"])


# Drawing calls that belong to ecometrics.analysis.chart_style: a notebook calling them draws its own way.
OWN_STYLE = (
    "axvspan(",
    "set_xticks(",
    "set_major_formatter(",
    "FuncFormatter",
    "autofmt_xdate(",
    "set_yscale(",
    'color="0.',
    "ax.set_title(",
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_draws_in_chart_style_with_no_helpers_of_its_own(path):
    import ast

    from ecometrics.analysis import chart_style

    code = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")
    assert "plt.rcParams.update(chart_style.RC)" in code
    defined = {node.name for node in ast.walk(ast.parse(code)) if isinstance(node, ast.FunctionDef)}
    helpers = {name for name in vars(chart_style) if callable(getattr(chart_style, name)) and not name[0].isupper()}
    # the helpers notebooks used to carry: shading, month ticks, number formats, "no data" panels
    copies = {"shade_partial", "partial_months", "month_ticks", "plain_numbers", "no_data"}
    assert not defined & (helpers | copies)
    assert [call for call in OWN_STYLE if call in code] == []
    assert "RELATION_COLORS" not in code  # one name for the relation colours: chart_style.RELATION_COLOURS


def _figure(notebook, title):
    """The pixels (RGB, 0-255) of the figure drawn by the code cell whose source holds ``title``."""
    import base64
    import io

    import numpy as np
    from matplotlib.image import imread

    cell = next(c for c in notebook.cells if c.cell_type == "code" and title in c.source)
    png = next(o.data["image/png"] for o in cell.outputs if "image/png" in o.get("data", {}))
    return (np.asarray(imread(io.BytesIO(base64.b64decode(png))))[..., :3] * 255).round().astype(int)


def _drawn(pixels, colour):
    """How many pixels are exactly ``colour`` (#rrggbb)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int((pixels == rgb).all(axis=-1).sum())


def test_notebooks_shade_partial_and_warm_up_months_and_colour_relations_as_chart_style(executed, demo_db):
    from ecometrics.analysis.chart_style import PARTIAL_COLOUR, RELATION_COLOURS, WARM_UP_COLOUR
    from ecometrics.analysis.global_openrank import warm_up_until
    from ecometrics.collector.store import Store

    with Store(demo_db, readonly=True) as store:
        relations = {r for (r,) in store.conn.execute("SELECT DISTINCT relation FROM model_edges")}
        first = store.conn.execute("SELECT min(month) FROM openrank").fetchone()[0]
        settled = warm_up_until(store)
    assert first < settled  # the demo's OpenRank starts within its warm-up: the trends must show it
    mix = _figure(executed["03_lineage"], "Relation mix")
    per_month = _figure(executed["01_ecosystem_overview"], "Derivatives created per month")
    for relation in relations:
        assert _drawn(mix, RELATION_COLOURS[relation]) > 20, relation  # adapter: a 1 % bar
    assert _drawn(per_month, PARTIAL_COLOUR) > 100
    trends = _figure(executed["02_openrank"], "Monthly OpenRank")
    assert _drawn(trends, PARTIAL_COLOUR) > 100 and _drawn(trends, WARM_UP_COLOUR) > 100
    assert f"OpenRank warm-up until {settled}" in printed(executed["02_openrank"])


def test_the_family_tree_says_how_many_of_its_models_it_draws(executed):
    from ecometrics.analysis.chart_style import drawn_of

    line = next(line for line in printed(executed["03_lineage"]).splitlines() if " descendants, " in line)
    descendants, drawn = (int(part.split()[0]) for part in line.split(": ", 1)[1].split(", "))
    assert drawn < descendants + 1  # the demo's largest tree is cut to MAX_TREE_NODES
    # 80 drawn of a root and its 246 descendants: "80 of 247 models drawn"
    assert drawn_of(80, 247, "models") == ": 80 of 247 models drawn" and drawn_of(5, 5, "models") == ""
    tree = next(c for c in executed["03_lineage"].cells if c.cell_type == "code" and "MAX_TREE_NODES =" in c.source)
    assert 'chart_style.drawn_of(tree.number_of_nodes(), models, "models")' in tree.source
    assert "{drawn}" in tree.source.split("chart_style.title(ax, ")[1]  # the title says it


def shown_tables(notebook):
    """The column names of every table a notebook shows (polars' HTML display)."""
    import re

    return [
        re.findall(r"<th>([^<]*)</th>", output.data["text/html"].split("</thead>")[0])
        for output in outputs(notebook)
        if output.output_type == "execute_result" and "<table" in output.get("data", {}).get("text/html", "")
    ]


def test_every_table_a_notebook_shows_flags_partial_and_warm_up_months(executed):
    """As the exports: a table of months says which are partial, a table of OpenRank which
    months are within its warm-up."""
    for stem, notebook in executed.items():
        for columns in shown_tables(notebook):
            if "month" in columns:
                assert "partial_month" in columns, (stem, columns)
            if any(c.startswith("openrank") for c in columns):
                assert "openrank_warm_up" in columns, (stem, columns)
    openrank_tables = [c for c in shown_tables(executed["02_openrank"]) if "openrank" in c]
    assert len(openrank_tables) == 2  # the leaderboards of repositories and developers


def test_a_bar_chart_that_fills_its_months_still_shows_the_partial_month(executed):
    """Notebook 04's share of derivatives per month stacks bars to 100 %: the partial month's
    shading must lie over its bars (chart_style draws it there, translucent), not hide behind them."""
    from matplotlib import rcParams
    from matplotlib.colors import to_rgb

    from ecometrics.analysis.chart_style import OVER_BARS_ALPHA, PARTIAL_COLOUR

    pixels = _figure(executed["04_origins"], "Derivatives by origin, share per month")
    grey = to_rgb(PARTIAL_COLOUR)
    shaded_bars = 0
    for bar in rcParams["axes.prop_cycle"].by_key()["color"][:6]:
        # grey at OVER_BARS_ALPHA over the bar's colour, e.g. over C0 (#1f77b4) red is 0.6 * 217 + 0.4 * 31 = 142.6
        blend = [
            255 * (OVER_BARS_ALPHA * g + (1 - OVER_BARS_ALPHA) * b) for g, b in zip(grey, to_rgb(bar), strict=True)
        ]
        shaded_bars += int((abs(pixels - blend) <= 2).all(axis=-1).sum())
    assert shaded_bars > 500
