"""One writer job at a time per database: an advisory lock beside the database file.

The lock is ``flock`` on ``<db>.lock``: the kernel releases it when its holder dies,
however it dies, so a lock left by a killed run is simply taken by the next one. The
file also records the holder's pid and start time for the message a second run prints.

A forked child (the GH Archive parsers) would share the lock's open file and so keep it
held after its parent died; the lock's descriptor is closed in every forked child, and
is close-on-exec for programs started with exec.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ecometrics.collector.store import check_database_path
from ecometrics.core.dates import utc_now
from ecometrics.core.errors import WriteFailed


class Locked(Exception):
    """Another process holds the database's job lock."""

    def __init__(self, path: Path, holder: dict):
        self.path, self.holder = path, holder
        super().__init__(
            f"{path}: another ecometrics job holds the lock (pid {holder.get('pid', '?')}, "
            f"{holder.get('job', 'job')} started {holder.get('started_at', '?')}); "
            "wait for it to finish, or stop that process"
        )


_held: set[int] = set()  # descriptors of the locks this process holds


def _close_in_child() -> None:
    # Closing the child's copy leaves the parent's lock held: flock(2) releases a lock
    # only when every descriptor of its open file is closed.
    for fd in _held:
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def job_lock(db_path: str | os.PathLike[str], job: str) -> Iterator[None]:
    """Hold the database's job lock for the duration of the block, or raise :class:`Locked`."""
    check_database_path(Path(db_path))  # before the lock file is created beside it
    path = lock_path(db_path)
    try:  # close-on-exec: a program this one starts never holds the lock (forked children: above)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise WriteFailed(
            f"{path}: cannot open the job lock ({exc.strerror}); make the database's folder writable, or pass another --db"
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(path, _read_holder(fd)) from None
        _held.add(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "job": job, "started_at": utc_now()}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        _held.discard(fd)
        os.close(fd)


def _read_holder(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
