"""The one HTTP client for the Hugging Face Hub API: endpoint, token, retries, counts.

It is built from huggingface_hub's own pieces — the endpoint from ``HF_ENDPOINT`` (as
``huggingface_hub.constants.ENDPOINT`` reads it), the token from ``HF_TOKEN`` or the
library's token store through ``build_hf_headers``, and the library's shared
``httpx2`` session (``get_session``) — but owns the retry loop and the paging itself,
because huggingface_hub 2.x's ``http_backoff`` and ``paginate`` do not fit a resumable
crawl:

- ``paginate`` hides the ``Link: <...>; rel="next"`` cursor, so a crawl killed on page
  1,200 of 2,200 could not resume from its last committed page; :meth:`HfClient.pages`
  yields each page with its next URL and starts from a saved one.
- ``http_backoff`` retries 408/429/5xx and timeouts, but a body cut short surfaces
  later, in ``response.json()``, and is not retried; here it is.
- its waits are at least one second and cannot be bounded; ``max_wait`` bounds them
  (tests shrink it) while ``Retry-After`` is honoured up to that bound.
- it keeps no counts; :attr:`HfClient.requests` counts every attempt by status, for
  the run log.

A 429 waits for ``Retry-After``, else for the reset of the Hub's ``RateLimit`` header
(parsed by the library's own ``parse_ratelimit_headers``), else backs off exponentially
with full jitter (:func:`collector.http.backoff_delay`, as the GitHub client does).

Statuses that are answers rather than failures — 401 and 403 (gated or private), 404
(deleted or renamed) — are returned to the caller, which records them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import queue
import threading

import httpx2
from huggingface_hub import constants
from huggingface_hub.utils import build_hf_headers, get_session, parse_ratelimit_headers

from collector import cancel
from collector.http import backoff_delay, http_date, retry_after_seconds

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Answers the collector records (gated/private, deleted/renamed) instead of retrying.
ANSWER_STATUSES = frozenset({200, 401, 403, 404})
RETRY_EXCEPTIONS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


class HubUnavailable(Exception):
    """The Hub kept failing for one request, or refused it; the message names the URL."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the refusing HTTP status (e.g. 400), None after exhausted retries


@dataclass
class HubResponse:
    status: int
    data: Any  # the parsed JSON body for 200, else None
    next_url: str | None  # the Link rel="next" URL, absolute
    date: str | None  # the response's Date header as YYYY-MM-DD (the Hub's "today")
    error_code: str | None = None  # the Hub's X-Error-Code: RepoNotFound, GatedRepo, ...


class HfClient:
    """GET JSON from the Hub API with retries; pages through ``Link`` cursors.

    >>> client = HfClient()                      # HF_ENDPOINT, HF_TOKEN from the environment
    >>> client.get("/api/models/Qwen/Qwen3-8B").data["id"]
    'Qwen/Qwen3-8B'
    >>> client.requests
    {'200': 1}
    """

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | bool | None = None,
        *,
        timeout: float = 60.0,
        max_retries: int = 8,
        backoff: float = 1.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = cancel.sleep,  # wakes when a stop is requested
    ):
        # Read at call time: constants.ENDPOINT froze HF_ENDPOINT when the library was imported.
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
        self.headers = build_hf_headers(token=token, library_name="ecometrics")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests: dict[str, int] = {}
        self.server_date: str | None = None  # Date of the last response, YYYY-MM-DD

    # -- requests -------------------------------------------------------------------

    def get(self, path_or_url: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None) -> HubResponse:
        """GET one API URL; retries 408/429/5xx, timeouts and cut-short bodies.

        Returns the answer for 200/401/403/404; raises :class:`HubUnavailable` after
        ``max_retries`` failed retries or on any other status.
        """
        url = self.url(path_or_url)
        for attempt in range(self.max_retries + 1):
            failure: str
            retry_after: float | None = None
            try:
                response = get_session().get(url, params=params, headers=self.headers, timeout=self.timeout)
            except RETRY_EXCEPTIONS as exc:
                self._count("error")
                failure = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                self._note_date(response.headers.get("date"))
                if status in ANSWER_STATUSES:
                    if status != 200:
                        self._count(status)
                        code = response.headers.get("x-error-code")
                        return HubResponse(status, None, None, self.server_date, code)
                    try:
                        data = json.loads(response.content)
                    except ValueError as exc:  # a body cut short by the network or the server
                        self._count("truncated")
                        failure = f"unreadable JSON body ({exc})"
                    else:
                        self._count(status)
                        return HubResponse(200, data, _next_link(response), self.server_date)
                elif status in RETRY_STATUSES:
                    self._count(status)
                    failure = f"HTTP {status}"
                    retry_after = retry_after_seconds(response.headers)
                    limit = parse_ratelimit_headers(response.headers) if status == 429 else None
                    if retry_after is None and limit is not None and limit.remaining == 0:
                        retry_after = float(limit.reset_in_seconds)  # the Hub's RateLimit header
                else:
                    self._count(status)
                    raise HubUnavailable(f"{url}: HTTP {status} {response.text[:200]!r}", status)
            if attempt == self.max_retries:
                raise HubUnavailable(f"{url}: {failure}, still failing after {self.max_retries} retries")
            if retry_after is None:
                retry_after = backoff_delay(attempt + 1, self.backoff, self.max_wait)
            delay = min(self.max_wait, retry_after)
            log.debug("%s: %s; retrying in %.3gs", url, failure, delay)
            self.sleep(delay)
        raise AssertionError("unreachable")

    def pages(
        self,
        path: str,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        *,
        resume_from: str | None = None,
    ) -> Iterator[HubResponse]:
        """Yield each page of a listing with its ``next_url`` (None on the last page).

        ``resume_from`` is a ``next_url`` saved from an earlier run: the listing goes on
        from there (it already carries the query, so ``params`` are not sent again).
        """
        if resume_from:
            response = self.get(resume_from)
        else:
            response = self.get(path, params)
        while True:
            yield response
            if response.status != 200 or response.next_url is None:
                return
            response = self.get(response.next_url)

    # -- helpers --------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """An absolute URL on this client's endpoint.

        Absolute URLs (``Link`` cursors, saved checkpoints) are re-based onto the current
        endpoint, so a cursor saved against one host resumes against another.
        """
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            base = urlsplit(self.endpoint)
            path_or_url = parts.path + (f"?{parts.query}" if parts.query else "")
            return f"{base.scheme}://{base.netloc}{path_or_url}"
        return self.endpoint + ("" if path_or_url.startswith("/") else "/") + path_or_url

    def _count(self, key: int | str) -> None:
        key = str(key)
        self.requests[key] = self.requests.get(key, 0) + 1

    def _note_date(self, header: str | None) -> None:
        when = http_date(header)
        if when is not None:
            self.server_date = when.date().isoformat()


T = TypeVar("T")
_END = object()


def read_ahead(items: Iterable[T], ahead: int = 1) -> Iterator[T]:
    """Yield ``items`` while a thread already fetches the next ``ahead`` of them.

    Paging is sequential (each page names the next), so this is the one overlap there
    is: the Hub composes page n+1 while page n is written to SQLite. At most ``ahead``
    + 1 pages are held; an exception in the fetching thread is raised here, in order.
    """
    pending: queue.Queue = queue.Queue(maxsize=ahead)
    finished = threading.Event()

    def put(entry: tuple[Any, BaseException | None]) -> bool:
        while not finished.is_set():
            try:
                pending.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            put((None, exc))
            return
        put((_END, None))

    threading.Thread(target=fetch, name="hf-read-ahead", daemon=True).start()
    try:
        while True:
            item, error = pending.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        finished.set()  # the thread stops after the request in flight


def _next_link(response: httpx2.Response) -> str | None:
    link = response.links.get("next")
    return link.get("url") if link else None

