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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_on_the_demo_database_and_draws_figures(path, demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ECOMETRICS_DB", str(demo_db))  # the kernel inherits the environment
    monkeypatch.setenv("MPLBACKEND", INLINE_BACKEND)
    notebook = nbformat.read(path, as_version=4)
    # A fresh kernel, cells in order, in an empty folder: no hidden state; any cell error fails the test.
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    figures = [output for output in outputs if "image/png" in output.get("data", {})]
    assert figures, f"{path.name} drew no figure"
    printed = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
    assert "SYNTHETIC data built by `ecometrics demo`" in printed
