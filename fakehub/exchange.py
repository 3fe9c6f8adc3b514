"""Request and response values passed between the HTTP server and the API handlers,
and the helpers the APIs share (JSON bodies, tokens, ``Link`` headers)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import overload
from urllib.parse import parse_qsl, unquote, urlencode


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: list[tuple[str, str]]  # in order, repeated keys kept
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # "http://host:port" as the client addressed us
    client: str = ""

    @classmethod
    def parse(cls, method: str, target: str, headers: dict[str, str], body: bytes, client: str = "") -> Request:
        path, _, qs = target.partition("?")
        host = headers.get("host", "127.0.0.1")
        return cls(
            method, unquote(path), parse_qsl(qs, keep_blank_values=True), headers, body, f"http://{host}", client
        )

    @overload
    def arg(self, name: str, default: str) -> str: ...
    @overload
    def arg(self, name: str, default: None = None) -> str | None: ...
    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of ``name`` in the query, else ``default``."""
        value = default
        for key, v in self.query:
            if key == name:
                value = v
        return value

    def args(self, name: str) -> list[str]:
        """All values of ``name`` and ``name[]``."""
        return [v for key, v in self.query if key in (name, name + "[]")]

    def int_arg(self, name: str, default: int, lo: int = 1, hi: int | None = None) -> int:
        raw = self.arg(name)
        try:
            value = int(raw) if raw not in (None, "") else default
        except ValueError:
            value = default
        value = max(value, lo)
        return min(value, hi) if hi is not None else value

    @property
    def token(self) -> str | None:
        """The token of ``Authorization: token X`` or ``Bearer X``."""
        auth = self.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
        return None

    def url_with(self, **params: object) -> str:
        """This request's URL with some query parameters replaced."""
        query = [(k, v) for k, v in self.query if k not in params]
        query += [(k, str(v)) for k, v in params.items() if v is not None]
        return f"{self.base_url}{self.path}" + (f"?{urlencode(query)}" if query else "")

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.path}" + (f"?{urlencode(self.query)}" if self.query else "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, obj: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(obj, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def link_header(links: dict[str, str]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
