"""Dates and months, the one place they are made and parsed.

Stamps are UTC ISO 8601 to the second with a ``Z`` (``2025-01-31T12:00:00Z``), days are
``YYYY-MM-DD`` and months ``YYYY-MM``: strings that sort as they read, so SQLite compares
them as text. The collectors stamp rows with :func:`utc_now`; rankings, exports and the
command line check the months a user passes with :func:`check_month`.
"""

from __future__ import annotations

import datetime as dt
import re

from ecometrics.core.errors import InputError

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def utc_today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def check_month(month: str, what: str = "month") -> str:
    """``month`` when it is YYYY-MM, else an :class:`InputError` naming ``what`` (e.g. ``--month``)."""
    if not isinstance(month, str) or not MONTH.match(month):
        raise InputError(f"{what} {month!r} is not YYYY-MM; write it like 2025-01")
    if not "0001" <= month[:4] <= "9998":  # the month after must still be a date
        raise InputError(f"{what} {month!r} is out of range; pass a month from 0001-01 to 9998-12")
    return month


def check_month_range(first: str | None, last: str | None) -> None:
    """Refuse a --from later than --to (YYYY-MM sorts as text); either may be left open."""
    if first and last and first > last:
        raise InputError(f"--from {first} is later than --to {last}; swap them")


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def month_end(month: str, what: str = "month") -> str:
    """The last day of ``month`` as YYYY-MM-DD."""
    following = dt.date.fromisoformat(next_month(check_month(month, what)) + "-01")
    return (following - dt.timedelta(days=1)).isoformat()


def months_between(earlier: str, later: str) -> int:
    """Whole months from ``earlier`` to ``later`` (both YYYY-MM)."""
    return (int(later[:4]) - int(earlier[:4])) * 12 + int(later[5:7]) - int(earlier[5:7])
