"""Where exports, graphs and charts go: the file's format, an atomic write, the synthetic-data note.

Every file ``ecometrics`` writes for people (tables, lineage graphs, charts, the nightly
export folder's note) is written through :func:`output_file`, so a reader never sees a
part of one; :func:`output_format` picks its format from ``--format`` or the file's
extension; :func:`data_note` is the line a demo database's files carry.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.core.errors import InputError, WriteFailed

FORMATS = ("csv", "parquet", "json", "md")  # the table formats


# -- text from strangers, written for people ------------------------------------------------

# A cell a spreadsheet would read as a formula: OWASP "CSV Injection" (=, +, -, @, tab, carriage
# return) and ASVS 4.0 requirement 1.2.10 (also NUL); CWE-1236. Prefixing a single quote makes
# Excel, LibreOffice and Google Sheets show the text as it is.
_FORMULA_START = r"^[=+\-@\t\r\x00]"
# Characters that break a line or are invisible controls: str.splitlines' separators (\n \r
# \v \f \x1c-\x1e \x85 \u2028 \u2029) and every other C0/C1 control, NUL included.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that starts a formula prefixed with ``'``; numbers untouched.

    Every CSV ecometrics writes goes through it: exports, the report's downloads, lineage edge lists.
    """
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )


def one_line(text: str) -> str:
    """``text`` with every line break and control character (NUL too) as a space: one line, printable."""
    return _CONTROLS.sub(" ", text)


def markdown_cell(text: str) -> str:
    """A Markdown table cell holding ``text`` as text: one line, ``|`` escaped, raw HTML as entities."""
    import html

    return html.escape(one_line(text), quote=False).replace("|", "\\|")


def data_note(store: Any) -> str | None:
    """The line every export of a demo database carries: its data is synthetic."""
    synthetic = frames.synthetic(store)
    return f"Synthetic data ({synthetic}), not real GitHub, Hugging Face or ModelScope figures" if synthetic else None


def output_format(
    out: str | Path | None, fmt: str | None, formats: tuple[str, ...] = FORMATS, default: str = "csv"
) -> str:
    """The format to write: ``fmt`` when given, else the extension of ``out``, else ``default``.

    An extension that is not one of ``formats``, or that disagrees with ``fmt``, is refused
    (``--out r.xlsx`` would otherwise be CSV under another name).
    """
    suffix = Path(out).suffix.lower().lstrip(".") if out not in (None, "-") else ""
    choices = ", ".join(f".{f}" for f in formats)
    if fmt is not None and fmt not in formats:
        raise InputError(f"export format {fmt!r} is unknown; choose one of {', '.join(formats)}")
    if suffix and suffix not in formats:
        raise InputError(f"--out {out}: .{suffix} is not an export format; name the file {choices}")
    if fmt and suffix and suffix != fmt:
        raise InputError(f"--out {out} ends in .{suffix} but --format is {fmt}; make them agree")
    return fmt or suffix or default


@contextmanager
def output_file(path: str | Path) -> Iterator[Path]:
    """An export's destination, written atomically; yields the temporary file to write.

    Its folder must exist (a typo creates no tree). The block writes a temporary file in
    the same folder (same suffix, so writers that choose compression by it still do),
    which is flushed to disk and renamed over ``path`` only when complete: a reader sees
    the old file or the new one, never a part. If writing fails (disk full, read-only
    folder) the old file is kept and :class:`WriteFailed` names the path and the OS error.
    A symbolic link is followed (the file it names is replaced, the link stays); a device
    or a named pipe is written in place, since renaming over it would replace it: the block
    writes a temporary file in the system's temporary folder, copied in with one open.
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path  # a link goes on naming the file it names
    if not target.parent.is_dir():
        raise InputError(f"{path}: folder {target.parent} does not exist; create it or choose another --out")
    if target.is_dir():
        raise InputError(f"{path}: cannot write a table over a folder; pass a file name such as {path / 'table.csv'}")
    temporary = None
    try:
        if target.exists() and not target.is_file():  # a device or a pipe (/dev/stdout, a FIFO)
            handle, name = tempfile.mkstemp(prefix="ecometrics.", suffix=f".tmp{target.suffix}")
            os.close(handle)
            temporary = Path(name)
            yield temporary
            # Copied in with one open: a pipe's reader stops at the first writer that closes it,
            # and writers open a path more than once (polars' write_csv truncates, closes and
            # reopens) or seek in it (Parquet's footer), which a pipe cannot do.
            with temporary.open("rb") as written, open(target, "wb") as device:
                shutil.copyfileobj(written, device)
            return
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
        os.close(handle)
        temporary = Path(name)
        os.chmod(temporary, _mode_for(target))
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
        _fsync_folder(target.parent)
    except (OSError, pl.exceptions.PolarsError) as exc:  # polars reports IO errors as ComputeError
        if isinstance(exc, pl.exceptions.PolarsError) and "error" not in str(exc).lower():
            raise
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        kept = "the previous file is kept" if path.exists() else "nothing was written"
        raise WriteFailed(f"{path}: cannot write ({reason}); {kept}; free disk space or choose another --out") from exc
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)  # gone already once renamed


def _mode_for(path: Path) -> int:
    """The permissions an export gets: those of the file it replaces, else 0666 less the umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    return 0o666 & ~process_umask()


def process_umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX: fsync the directory)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
