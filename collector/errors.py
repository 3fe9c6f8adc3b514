"""The one exception for bad input.

Its message is one line that names the input (file, key, line, repo, model) and what
to do about it. The command line prints it as it is and exits 2; no traceback, and
nothing stored is lost.
"""


class InputError(Exception):
    """Bad input from the user or a source; the message names it and the fix."""
