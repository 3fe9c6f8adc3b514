"""The one exception for bad input.

Its message is one line that names the input (file, key, line, repo, model) and what
to do about it. The command line prints it as it is and exits 2; no traceback, and
nothing stored is lost.
"""


class InputError(Exception):
    """Bad input from the user or a source; the message names it and the fix."""


class WriteFailed(InputError):
    """A file could not be written (disk full, read-only file or folder, ...).

    Not the user's input but the machine's state: the message names the file and the
    operating system's error, and the command line exits 74 (``EX_IOERR`` of
    sysexits.h) instead of 2. What was stored before is kept.
    """
