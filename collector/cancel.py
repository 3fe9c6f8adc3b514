"""Graceful stop: a signal asks the run to stop at the next page boundary.

The job layer calls :func:`request_stop` from its SIGTERM/SIGINT handler. The store
calls :func:`raise_if_stopped` after each commit, so the page in flight and its
checkpoint are stored before :class:`StopRequested` unwinds the run; waits (rate-limit
resets, retry backoff) use :func:`sleep` so that a stop does not wait them out.
"""

from __future__ import annotations

import threading


class StopRequested(BaseException):
    """Raised at a page boundary after a stop was requested.

    A BaseException, like KeyboardInterrupt, so that per-item error handling
    (``except Exception``: record and continue) does not swallow it.
    """


_stop = threading.Event()


def request_stop() -> None:
    _stop.set()


def clear_stop() -> None:
    _stop.clear()


def raise_if_stopped() -> None:
    if _stop.is_set():
        raise StopRequested("stop requested by signal; the next run resumes from the last checkpoint")


def sleep(seconds: float) -> None:
    """Sleep, but wake and raise :class:`StopRequested` as soon as a stop is requested."""
    if _stop.wait(max(0.0, seconds)):
        raise_if_stopped()
