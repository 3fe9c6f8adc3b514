"""One writer job at a time per database: an advisory lock beside the database file.

The lock is ``flock`` on ``<db>.lock``: the kernel releases it when its holder dies,
however it dies, so a lock left by a killed run is simply taken by the next one. The
file also records the holder's pid and start time for the message a second run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from collector.store import utc_now


class Locked(Exception):
    """Another process holds the database's job lock."""

    def __init__(self, path: Path, holder: dict):
        self.path, self.holder = path, holder
        super().__init__(
            f"{path}: another ecometrics job holds the lock (pid {holder.get('pid', '?')}, "
            f"{holder.get('job', 'job')} started {holder.get('started_at', '?')}); "
            "wait for it to finish, or stop that process"
        )


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def job_lock(db_path: str | os.PathLike[str], job: str) -> Iterator[None]:
    """Hold the database's job lock for the duration of the block, or raise :class:`Locked`."""
    path = lock_path(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(path, _read_holder(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "job": job, "started_at": utc_now()}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
