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
    from analysis.export import build_table
    from analysis.growth import last_complete_month
    from collector.store import Store

    with Store(demo_db, readonly=True) as store:
        families = build_table(store, "families")
        complete = last_complete_month(store)
        newest = store.conn.execute("SELECT max(month) FROM openrank").fetchone()[0]
    assert f"showing {complete}; {newest} not complete" in printed(executed["02_openrank"])
    assert f"partial months (shaded): ['{newest}']" in printed(executed["01_ecosystem_overview"])
    expected = f"{families.height} families, {families['derivatives'].sum()} derivatives in them"
    assert expected in printed(executed["03_lineage"])
