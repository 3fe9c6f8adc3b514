"""`import edges`: CSV lineage edge lists into model_edges, with header and relation aliases."""

import pytest

from ecometrics.collector.edges import import_edges
from ecometrics.collector.store import Store
from ecometrics.core.errors import InputError
from ecometrics.jobs.cli import main


def stored(store):
    return sorted(store.conn.execute("SELECT parent, child, relation, source FROM model_edges").fetchall())


@pytest.mark.parametrize(
    "header",
    ["source,target,edge", "parent,child,relation", "base_model,model_id,type", "Type , Model , Base_Model"],
)
def test_header_aliases_and_relation_aliases(tmp_path, header):
    columns = [name.strip().lower() for name in header.split(",")]
    rows = [
        {"parent": "Qwen/Qwen3-8B", "child": "a/ft", "relation": "finetuned"},
        {"parent": "Qwen/Qwen3-8B", "child": "a/gguf", "relation": "Quantised"},
        {"parent": "a/ft", "child": "a/merge", "relation": "merged"},
        {"parent": "a/ft", "child": "a/lora", "relation": "adapters"},
        {"parent": "a/ft", "child": "a/q", "relation": "quantized"},
    ]
    role = {
        "source": "parent",
        "parent": "parent",
        "base_model": "parent",
        "target": "child",
        "child": "child",
        "model": "child",
        "model_id": "child",
        "edge": "relation",
        "relation": "relation",
        "type": "relation",
    }
    lines = [header] + [",".join(row[role[c]] for c in columns) for row in rows]
    path = tmp_path / "edges.csv"
    path.write_text("\n".join(lines) + "\n")
    store = Store(tmp_path / "e.db")
    result = import_edges(store, path)
    assert (result.rows, result.imported, result.skipped) == (5, 5, 0)
    assert stored(store) == [
        ("Qwen/Qwen3-8B", "a/ft", "finetune", "import"),
        ("Qwen/Qwen3-8B", "a/gguf", "quantized", "import"),
        ("a/ft", "a/lora", "adapter", "import"),
        ("a/ft", "a/merge", "merge", "import"),
        ("a/ft", "a/q", "quantized", "import"),
    ]


def test_duplicates_kept_once_and_reimport_skips_everything(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("source,target,edge\no/a,o/b,finetuned\no/a,o/b,finetuned\no/a,o/c,merged\n\no/a,o/b,finetune\n")
    store = Store(tmp_path / "e.db")
    store.upsert("model_edges", [{"parent": "o/a", "child": "o/c", "relation": "finetune", "source": "hub"}])
    first = import_edges(store, path)
    assert (first.rows, first.imported, first.skipped) == (4, 1, 3)
    assert first.summary() == f"{path}: 4 rows, imported 1 edges, skipped 3"
    assert stored(store) == [("o/a", "o/b", "finetune", "import"), ("o/a", "o/c", "finetune", "hub")]
    again = import_edges(store, path)
    assert (again.imported, again.skipped) == (0, 4)


@pytest.mark.parametrize(
    "text, message",
    [
        ("source,target,edge\no/a,o/b,finetuned\no/a,o/c,distilled\n", "line 3: unknown relation 'distilled'"),
        ("source,edge\no/a,finetuned\n", "line 1: no child column"),
        ("model,relation\no/a,finetuned\n", "line 1: no parent column"),
        ("parent,child\no/a,o/b\n", "line 1: no relation column"),
        ("source,target,edge\no/a,o/b,finetuned\n,o/c,merged\n", "line 3: empty model id"),
        ("source,target,edge\no/a,o/b\n", "line 2: 2 fields"),
        ("", "line 1: empty file"),
        # model ids the Hub refuses, and a quote never closed
        ("source,target,edge\no/a,o/\x00b,finetune\n", "line 2: model id 'o/\\x00b' is not a Hugging Face repo id"),
        ("source,target,edge\no/a,o/..,finetune\n", "line 2: model id 'o/..' is not a Hugging Face repo id"),
        (
            'source,target,edge\no/a,"o/b,finetune\no/c,o/d,merge\n',
            "line 2: a quoted field opened on this line is never closed; close the quote or remove it",
        ),
    ],
)
def test_bad_files_name_file_and_line_and_store_nothing(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    store = Store(tmp_path / "e.db")
    with pytest.raises(InputError) as error:
        import_edges(store, path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value) and "\x00" not in str(error.value)
    assert store.count("model_edges") == 0


def test_command_line_prints_summary_or_one_line_error(tmp_path, capsys):
    db = str(tmp_path / "e.db")
    good = tmp_path / "edges.csv"
    good.write_text("parent,child,relation\nmeta-llama/Llama-3-8B,x/y,finetuned\nmeta-llama/Llama-3-8B,x/y,finetuned\n")
    assert main(["--db", db, "import", "edges", str(good)]) == 0
    assert "imported 1 edges, skipped 1" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("parent,child,relation\na/b,c/d,cousin\n")
    assert main(["--db", db, "import", "edges", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ecometrics: ") and f"{bad}: line 2: unknown relation 'cousin'" in err and "\n" not in err
    assert main(["--db", db, "import", "edges", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv: cannot read" in capsys.readouterr().err
    with Store(db) as store:
        assert stored(store) == [("meta-llama/Llama-3-8B", "x/y", "finetune", "import")]
