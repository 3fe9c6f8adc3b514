"""An oversized-answer control: answers grown past any size a client should read (off by default).

GitHub, the Hub and ModelScope answer a page in kilobytes to a few megabytes, so this is not a
behaviour of theirs that fakehub models by default (the house rule for fidelity): it is a
control for what the clients promise about a broken or hostile server, or a proxy in between,
that sends a body of gigabytes: it is read no further than its bound and refused, counted with
its endpoint, never stored.

With ``FakeHub(oversized=Oversized(padding=N))`` (or ``POST /_fakehub/oversized?bytes=N``, with
``endpoints=graphql,hf.models`` and ``chunked=1``; ``bytes=0`` turns it off) every 200 answer of
the ``endpoints`` named (every API answer when none is) carries ``N`` bytes of spaces after its
JSON. The body stays valid JSON (RFC 8259 allows whitespace after the value), so a client that
reads it whole parses and stores it as if nothing were wrong. The padding is written a chunk at
a time, never held whole; a client that stops reading drops the connection, which fakehub counts
as ``dropped``. With ``chunked`` the answer goes without a ``Content-Length``
(``Transfer-Encoding: chunked``, RFC 9112 7.1), so only reading within a bound stops the client;
without it the ``Content-Length`` says the whole size, so a client can refuse it unread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from io import BufferedIOBase

CHUNK = b" " * (64 * 1024)


@dataclass(frozen=True)
class Oversized:
    """Which answers grow and how (see the module docstring); ``padding`` 0 is off."""

    padding: int = 0  # bytes of spaces after each chosen answer's JSON
    endpoints: frozenset[str] = frozenset()  # endpoint names (server.py's stats); empty: every API answer
    chunked: bool = False  # no Content-Length: Transfer-Encoding: chunked

    @classmethod
    def of(cls, padding: int, endpoints: Iterable[str] = (), chunked: bool = False) -> Oversized:
        return cls(max(0, padding), frozenset(name.strip() for name in endpoints if name.strip()), chunked)

    def applies(self, endpoint: str, status: int) -> bool:
        """Whether the answer of ``endpoint`` with ``status`` grows."""
        return bool(self.padding) and status == 200 and (not self.endpoints or endpoint in self.endpoints)

    def headers(self, body: bytes) -> dict[str, str]:
        """The framing header of a grown answer: its whole length, or chunked."""
        if self.chunked:
            return {"Transfer-Encoding": "chunked"}
        return {"Content-Length": str(len(body) + self.padding)}

    def write(self, out: BufferedIOBase, body: bytes) -> None:
        """``body`` then the padding, a chunk at a time, framed as :meth:`headers` says."""
        self._piece(out, body)
        left = self.padding
        while left:
            piece = CHUNK[: min(left, len(CHUNK))]
            self._piece(out, piece)
            left -= len(piece)
        if self.chunked:
            out.write(b"0\r\n\r\n")
        out.flush()

    def _piece(self, out: BufferedIOBase, piece: bytes) -> None:
        if self.chunked and piece:
            out.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
        elif piece:
            out.write(piece)

    def describe(self) -> dict[str, object]:
        """The control's state, as ``POST /_fakehub/oversized`` answers it."""
        return {"bytes": self.padding, "endpoints": sorted(self.endpoints), "chunked": self.chunked}


OFF = Oversized()  # fakehub's default: the real APIs answer in megabytes at most
