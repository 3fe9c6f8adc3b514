"""Fault injection, reproducible for a seed.

Spec: ``"429:0.05,5xx:0.02,timeout:0.01,truncate:0.01,secondary:0.01"`` — each kind
with the probability that a request gets it. Whether the n-th request for one exact
URL (method, path and query, plus the body for POST) is faulted is a pure function of
``(seed, URL, n)``, so the same requests in the same order get the same faults,
whatever other requests are interleaved, and a retry of a faulted URL is a new draw.

Kinds:
- ``429``: 429 with ``Retry-After`` (GitHub's secondary-limit message; HF's JSON error);
- ``secondary``: GitHub's 403 secondary rate limit with ``Retry-After`` (429 on HF);
- ``5xx``: 500, 502 or 503;
- ``timeout``: the server waits ``fault_delay_seconds`` and drops the connection
  without an answer (the client sees a disconnect or its own timeout);
- ``truncate``: the response is served with its full ``Content-Length`` but only half
  the body, then the connection is closed;
- ``partial``: in a GraphQL document, one aliased ``repository`` field times out: its
  value is null and its error has a ``path`` but no ``type`` (drawn per repository name);
- ``node``: in a ``nodes(ids:)`` answer, one item times out likewise: null, its error at
  ``["nodes", index]`` with no ``type`` (drawn per id).

Control endpoints (``/_fakehub/...``) are never faulted.
"""

from __future__ import annotations

import threading
from collections import Counter

from ecometrics.core.errors import InputError
from ecometrics.fakehub.generator import stable_hash

KINDS = ("429", "secondary", "5xx", "timeout", "truncate", "partial", "node")
FIELD_KINDS = ("partial", "node")  # drawn per GraphQL field, not per request


def parse_faults(spec: str | None) -> dict[str, float]:
    """``"429:0.05,5xx:0.02"`` -> ``{"429": 0.05, "5xx": 0.02}``."""
    if not spec:
        return {}
    rates: dict[str, float] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        kind, _, value = part.partition(":")
        kind = kind.strip().lower()
        if kind not in KINDS:
            raise InputError(f"--faults: unknown fault kind {kind!r} in {spec!r}; use {', '.join(KINDS)}")
        try:
            rate = float(value)
        except ValueError:
            raise InputError(f"--faults: {part!r} needs a rate like {kind}:0.05") from None
        if not 0 <= rate <= 1:
            raise InputError(f"--faults: rate of {kind} must be between 0 and 1, got {rate}")
        rates[kind] = rate
    if sum(rates.values()) > 1:
        raise InputError(f"--faults: the rates in {spec!r} add up to more than 1")
    return rates


class Faults:
    def __init__(self, spec: str | None, seed: int):
        self.rates = parse_faults(spec)
        self.seed = seed
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def draw(self, key: str, *, skip: tuple[str, ...] = (), only: str | None = None) -> str | None:
        """The fault (or None) for the next draw with this key: of every kind but those in
        ``skip``, or of the kind ``only`` alone (:data:`FIELD_KINDS` are drawn per GraphQL field)."""
        kinds = [k for k in KINDS if k not in skip and (only is None or k == only)]
        if not any(self.rates.get(k) for k in kinds):
            return None
        with self._lock:
            self._seen[key] += 1
            n = self._seen[key]
        u = stable_hash("fault", self.seed, key, n) / 2**64
        for kind in kinds:
            rate = self.rates.get(kind, 0.0)
            if u < rate:
                return kind
            u -= rate
        return None

    def variant(self, key: str) -> int:
        """A second deterministic number for the same draw (which 5xx status)."""
        with self._lock:
            n = self._seen[key]
        return stable_hash("variant", self.seed, key, n)

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
