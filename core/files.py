"""Which files found in a folder of someone else's data are read: one rule for every reader
that walks such a folder (OpenDigger's labels, ``ecometrics.collector.labels``; its metric files,
``ecometrics.analysis.opendigger_files``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ecometrics.core.errors import InputError


def regular_file_inside(file: Path, inside: Path) -> bool:
    """Whether ``file``, found under the folder ``inside`` (resolved), is one to read: a regular
    file, through links, within the folder. A folder is not (False: it is walked, not read).
    Anything else raises :class:`InputError` in one line naming it: a pipe or a device (whose
    read may wait for ever, or never end), a link to a file outside the folder (its reader did
    not hand over that file: ``~/.ssh/id_rsa`` read as a label would end up in the store), or a
    file that cannot be looked at."""
    try:
        mode = os.stat(file).st_mode
    except OSError as exc:
        raise InputError(f"{file}: cannot be read ({exc.strerror}); fix or remove it") from None
    if stat.S_ISDIR(mode):
        return False
    if not stat.S_ISREG(mode):
        raise InputError(f"{file}: not a regular file (a pipe or a device); remove it")
    target = file.resolve()
    if not target.is_relative_to(inside):
        raise InputError(f"{file}: links to {target}, outside {inside}; copy the file in instead")
    return True
