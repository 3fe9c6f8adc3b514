"""Decompression bombs: small GH Archive files that inflate past a bound are refused in one line.

The importers read a file as a stream and stop at the first bound of ``ecometrics.collector.gharchive.Limits``
(the longest line, the inflated size, the number of lines). The tests build their bombs here in
a few KB of gzip and lower the bounds to match, so nothing large is written or held.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest
from gharchive_fixtures import synthetic_hour, write_hour
from test_robustness import error_lines, fingerprint

import ecometrics.collector.gharchive as gharchive
from ecometrics.collector.gharchive import Limits, import_gharchive
from ecometrics.collector.store import Store
from ecometrics.core.errors import InputError
from ecometrics.jobs.cli import main

SMALL = Limits(line_bytes=256 * 1024, file_bytes=4 * 2**20, file_lines=100_000)


def gzip_of(path: Path, repeated: bytes, count: int) -> Path:
    """``repeated`` ``count`` times, gzip-compressed in pieces (never held whole)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as out:
        for _ in range(count):
            out.write(deflate.compress(repeated))
        out.write(deflate.flush())
    return path


def bombs(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, what its one line of error says)."""
    return {
        "one endless line": (gzip_of(folder / "endless.json.gz", b"a" * 65536, 64), "a line longer than 256 KiB"),
        "inflates past the size bound": (
            gzip_of(folder / "big.json.gz", b'{"x": 1}' + b" " * 1015 + b"\n", 8 * 1024),
            "inflates to more than 4 MiB",
        ),
        "nothing but newlines": (gzip_of(folder / "newlines.json.gz", b"\n" * 65536, 32), "more than 100,000 lines"),
    }


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(gharchive, "LIMITS", SMALL)


@pytest.mark.parametrize("bomb", ["one endless line", "inflates past the size bound", "nothing but newlines"])
def test_a_bomb_is_one_line_naming_the_file_exit_2_and_changes_nothing(
    bomb, tmp_path, monkeypatch, capsys, small_limits
):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "gh.db"
    good = write_hour(tmp_path / "2024-01-15-10.json.gz", synthetic_hour(50, repos=3, seed=2))
    assert main(["--db", str(db), "import", "gharchive", str(good), "--all"]) == 0
    capsys.readouterr()
    before = fingerprint(db)
    path, message = bombs(tmp_path)[bomb]
    assert path.stat().st_size < 64 * 1024  # a small file
    assert main(["--db", str(db), "import", "gharchive", str(path), "--all"]) == 2
    captured = capsys.readouterr()
    lines = error_lines(captured.err)
    assert len(lines) == 1, captured.err
    assert str(path) in lines[0] and message in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert fingerprint(db) == before


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parser-process"])
def test_the_other_files_and_the_lines_before_the_bound_are_kept(tmp_path, parallel):
    first = write_hour(tmp_path / "2024-01-15-10.json.gz", synthetic_hour(100, repos=3, seed=2))
    long_line = tmp_path / "2024-01-15-11.json.gz"
    lines = list(synthetic_hour(30, repos=3, seed=3))
    write_hour(long_line, [*lines[:20], b'{"id": "' + b"9" * (SMALL.line_bytes + 10) + b'"}', *lines[20:]])
    with Store(tmp_path / "gh.db") as store:
        with pytest.raises(InputError, match=rf"{long_line}:21: a line longer than 256 KiB"):
            import_gharchive(store, [long_line, first], all_repos=True, parallel=parallel, limits=SMALL)
        assert store.count("events") == 120  # the first 20 lines of the refused file, and every line of the other
        assert store.checkpoint("gharchive", long_line.name) is None  # read again next time
        assert store.checkpoint("gharchive", first.name) == "100"


def test_a_long_line_within_the_bound_is_read_whole(tmp_path):
    lines = list(synthetic_hour(3, repos=3, seed=4))
    lines[1]["payload"]["padding"] = "x" * (SMALL.line_bytes - 2000)
    path = write_hour(tmp_path / "2024-01-15-10.json.gz", lines)
    with Store(tmp_path / "gh.db") as store:
        result = import_gharchive(store, [path], all_repos=True, chunk_bytes=4096, limits=SMALL)
    assert (result.imported, result.corrupt_count) == (3, 0)


def test_blank_lines_are_counted_not_reported(tmp_path):
    line = json.dumps(next(synthetic_hour(1, repos=3, seed=5))).encode()
    path = tmp_path / "2024-01-15-10.json.gz"
    path.write_bytes(gzip.compress(b"\n" * 1000 + line + b"\n\n"))  # 1,000 blank lines, the event, one more
    bad = tmp_path / "2024-01-15-11.json.gz"
    bad.write_bytes(gzip.compress(b"\n" * 10 + b"{broken\n"))
    with Store(tmp_path / "gh.db") as store:
        result = import_gharchive(store, [path], all_repos=True, limits=SMALL)
        assert (result.lines, result.imported, result.corrupt_count) == (1002, 1, 0)
        with pytest.raises(InputError, match="none of its 11 line"):  # its one line is not JSON
            import_gharchive(store, [bad, path], all_repos=True, limits=SMALL)


@pytest.mark.parametrize("bomb", ["one endless line", "inflates past the size bound", "nothing but newlines"])
def test_chdb_refuses_the_same_bombs_in_one_line_and_marks_them_not_done(bomb, tmp_path, monkeypatch, capsys):
    pytest.importorskip("chdb", reason="the archive extra is not installed: pip install 'ecometrics[archive]'")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(gharchive, "LIMITS", SMALL)
    good = write_hour(tmp_path / "2024-01-15-10.json.gz", synthetic_hour(50, repos=3, seed=2))
    path, message = bombs(tmp_path)[bomb]
    db = str(tmp_path / "gh.db")
    assert main(["--db", db, "import", "gharchive", str(good), str(path), "--engine", "chdb"]) == 2
    captured = capsys.readouterr()
    lines = error_lines(captured.err)
    assert len(lines) == 1, captured.err
    # the SQLite importer's reader, so its words: what came before the bound is kept, as there
    assert str(path) in lines[0] and message in lines[0] and "lines before it were imported" in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out
    from ecometrics.collector.archive_engine import open_engine

    with Store(tmp_path / "gh.db") as store, open_engine("chdb", store) as engine:
        files = engine.rows("SELECT file FROM archive_files")
        assert [file.split("|")[0] for (file,) in files] == [good.name]  # the bomb is read again next time
        held = dict(engine.rows("SELECT splitByChar('|', file)[1], count() FROM events GROUP BY 1"))
        # the good file's 50 events; none of the bomb's lines before its bound is an event
        assert held == {good.name: 50}
