"""The one HTTP client for the Hugging Face Hub API: endpoint, token, retries, counts.

It is built from huggingface_hub's own pieces — the endpoint from ``HF_ENDPOINT`` (as
``huggingface_hub.constants.ENDPOINT`` reads it), the token from ``HF_TOKEN`` or the
library's token store through ``build_hf_headers``, and the library's shared session
(``get_session``) — but owns the retry loop and the paging itself,
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
- the session's ``get`` reads a body of any size whole; here each body is streamed within
  :attr:`ecometrics.collector.http.AnswerLimits.hub` (the session's ``stream``, httpx and httpx2
  alike), and an answer over it is refused unread, not retried, and counted by endpoint in
  :attr:`HfClient.refused_answers` (:class:`HubAnswerTooLarge`).

Rate limits: the Hub allows about 500 API requests per 5 minutes to an anonymous caller
and 1,000 to a free account (https://huggingface.co/docs/hub/rate-limits), and says where
a caller stands in every answer's ``RateLimit: "api";r=R;t=T`` and ``RateLimit-Policy``
headers (read with the library's own ``parse_ratelimit_headers``, utils/_http.py). The
client paces itself from them: once ``r`` reaches 0 it waits ``t`` + 1 s before the next
request instead of spending one on a 429. A 429 waits for ``Retry-After`` when the Hub sends
one, else for the ``RateLimit`` reset + 1 s (a 429 may come without ``Retry-After``), else
backs off exponentially with full jitter (:func:`ecometrics.collector.http.backoff_delay`, as the
GitHub client does). A wait longer than ``max_rate_wait`` ends the request as unavailable.
:attr:`HfClient.budget` is the last budget seen, for ``ecometrics status``.

Fatal answers stop the run with an :class:`ecometrics.core.errors.InputError` naming the fix:
a 401 "Invalid credentials in Authorization header" (a bad or expired ``HF_TOKEN``; the Hub
gives it to every call, huggingface_hub ``hf_raise_for_status`` tells it apart from a
private repo's 401 by that message), and a first request that cannot reach the endpoint at
all (the name does not resolve, the connection is refused, TLS fails): that is a setup
problem, not a transient one, and retrying it for minutes helps nobody.

Versions: huggingface_hub 1.2 added ``parse_ratelimit_headers``, so it is the floor. The
library's session is an ``httpx`` client in 1.x (its METADATA: ``httpx<1,>=0.23.0``) and an
``httpx2`` one from 2.0 (``httpx2<3,>=2.0.0``); both raise the same-named failures, so the
failures retried (:func:`retry_exceptions`) are those of the module the installed release's
session comes from: a body cut short raises that module's ``RemoteProtocolError`` and is retried
under either. ``bench/hf_floor_versions.py`` runs the Hub tests against both floors.

Statuses that are answers rather than failures — 401 and 403 (private, missing or
disabled), 404 (deleted) — are returned to the caller, which records them. Redirects
(a renamed repo) are followed by the library's session.
"""

from __future__ import annotations

import importlib
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from huggingface_hub import constants
from huggingface_hub.utils import build_hf_headers, get_session, parse_ratelimit_headers

from ecometrics.collector import cancel
from ecometrics.collector.http import (
    ANSWER_LIMITS,
    READ_CHUNK,
    AnswerLimits,
    AnswerTooLarge,
    Unreachable,
    check_endpoint,
    check_token,
    http_date,
    json_body,
    next_link,
    read_within,
    retry_after_seconds,
    retry_delay,
)
from ecometrics.core.config import HuggingFaceConfig
from ecometrics.core.errors import InputError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Answers the collector records (gated/private, deleted/renamed) instead of retrying.
ANSWER_STATUSES = frozenset({200, 401, 403, 404})
# A query as httpx and httpx2 take it (their QueryParamTypes): a mapping, or pairs with repeated keys kept.
QueryParams = Mapping[str, str | int | float | bool | None] | list[tuple[str, str | int | float | bool | None]]


@cache
def session_transport() -> ModuleType:
    """The HTTP library the installed huggingface_hub builds its session on: ``httpx`` (1.x) or
    ``httpx2`` (2.x), read from the session's own class rather than from a version number."""
    return importlib.import_module(type(get_session()).__module__.partition(".")[0])


def retry_exceptions() -> tuple[type[BaseException], ...]:
    """The session's failures worth another attempt: timeouts, network errors and a body cut
    short (``RemoteProtocolError``), of :func:`session_transport`'s library."""
    transport = session_transport()
    return (transport.TimeoutException, transport.NetworkError, transport.RemoteProtocolError)


INVALID_TOKEN_MESSAGE = "Invalid credentials in Authorization header"
RATE_LIMIT_MARGIN = 1.0  # seconds past the announced reset before spending the new window


class HubTokenRejected(InputError):
    """The Hub refused ``HF_TOKEN`` itself (401 "Invalid credentials ..."): every call would."""


class HubUnreachable(Unreachable):
    """The first request could not reach the endpoint at all: no network, a wrong host, TLS."""

    api, variable, instead = "the Hugging Face Hub", "HF_ENDPOINT", "a Hub you can reach (e.g. a mirror)"


@dataclass
class HubBudget:
    """The Hub's rate-limit budget as its last answer stated it."""

    remaining: int
    limit: int | None
    window_seconds: int | None
    reset_at: float  # time.monotonic() of the window's reset

    def describe(self) -> str:
        """``640 of 1000 left per 300 s, reset 2025-09-01T12:03:05Z``, for ``ecometrics status``."""
        window = f" per {self.window_seconds} s" if self.window_seconds else ""
        limit = f" of {self.limit}" if self.limit is not None else ""
        reset = time.gmtime(time.time() + max(0.0, self.reset_at - time.monotonic()))
        return f"{self.remaining}{limit} left{window}, reset {time.strftime('%Y-%m-%dT%H:%M:%SZ', reset)}"


class HubUnavailable(Exception):
    """The Hub kept failing for one request, or refused it; the message names the URL."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the refusing HTTP status (e.g. 400), None after exhausted retries


class HubAnswerTooLarge(HubUnavailable):
    """An answer over its bound (:class:`ecometrics.collector.http.AnswerLimits`), refused unread
    and not retried: the same server would send it again. The request is failed as an
    unavailable one is (the listing or model ends the run partial)."""


class RateLimitTooLong(HubUnavailable):
    """The budget is spent and its reset is further off than this run may wait: every
    request would meet the same answer, so the run ends here (the next one resumes)."""


@dataclass
class HubResponse:
    status: int
    data: Any  # the parsed JSON body for 200, else None
    next_url: str | None  # the Link rel="next" URL, absolute
    date: str | None  # the response's Date header as YYYY-MM-DD (the Hub's "today")
    error_code: str | None = None  # the Hub's X-Error-Code: RepoNotFound, GatedRepo, ...
    error_message: str | None = None  # the Hub's X-Error-Message


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
        max_rate_wait: float = HuggingFaceConfig.max_rate_wait,
        sleep: Callable[[float], None] = cancel.sleep,  # wakes when a stop is requested
        answer_limits: AnswerLimits = ANSWER_LIMITS,
    ):
        # Read at call time: constants.ENDPOINT froze HF_ENDPOINT when the library was imported.
        check_endpoint("endpoint" if endpoint else "HF_ENDPOINT", endpoint or os.environ.get("HF_ENDPOINT"))
        check_token("HF_TOKEN", token if isinstance(token, str) else os.environ.get("HF_TOKEN"))
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
        self.headers = build_hf_headers(token=token, library_name="ecometrics")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait  # bound of one backoff wait
        self.max_rate_wait = max_rate_wait  # bound of one wait for the rate-limit window
        self.sleep = sleep
        self.answer_limits = answer_limits
        self.requests: dict[str, int] = {}
        self.refused_answers: Counter[str] = Counter()  # answers over their bound, by endpoint
        self.server_date: str | None = None  # Date of the last response, YYYY-MM-DD
        self.budget: HubBudget | None = None
        self.rate_waits = 0  # waits for a spent budget, paced or after a 429
        self._answered = False  # has the endpoint answered anything yet

    # -- requests -------------------------------------------------------------------

    def get(self, path_or_url: str, params: QueryParams | None = None) -> HubResponse:
        """GET one API URL; retries 408/429/5xx, timeouts and cut-short bodies.

        Returns the answer for 200/401/403/404; raises :class:`HubUnavailable` after
        ``max_retries`` failed retries or on any other status, :class:`HubTokenRejected`
        for a refused token and :class:`HubUnreachable` when the first request of this
        client cannot connect.
        """
        url = self.url(path_or_url)
        for attempt in range(self.max_retries + 1):
            failure: str
            retry_after: float | None = None
            self._pace(url)
            try:
                response, body = self._fetch(url, params)
            except retry_exceptions() as exc:
                self._count("error")
                HubUnreachable.check(exc, answered=self._answered, endpoint=self.endpoint)
                failure = f"{type(exc).__name__}: {exc}"
            else:
                self._answered = True
                status = response.status_code
                self._note_date(response.headers.get("date"))
                self._note_budget(response.headers)
                if status in ANSWER_STATUSES:
                    if status != 200:
                        self._count(status)
                        code = response.headers.get("x-error-code")
                        message = response.headers.get("x-error-message")
                        if status == 401 and message == INVALID_TOKEN_MESSAGE:
                            raise HubTokenRejected(
                                f"HF_TOKEN was refused by {self.endpoint} (401 {INVALID_TOKEN_MESSAGE}); "
                                "set HF_TOKEN to a valid token from https://huggingface.co/settings/tokens, "
                                "or unset it to collect anonymously"
                            )
                        return HubResponse(status, None, None, self.server_date, code, message)
                    try:
                        data = json_body(body)
                    except ValueError as exc:  # a body cut short by the network or the server
                        self._count("truncated")
                        failure = f"unreadable JSON body ({exc})"
                    else:
                        self._count(status)
                        return HubResponse(200, data, next_link(response), self.server_date)
                elif status in RETRY_STATUSES:
                    self._count(status)
                    failure = f"HTTP {status}"
                    retry_after = retry_after_seconds(response.headers)
                    limit = parse_ratelimit_headers(response.headers) if status == 429 else None
                    if retry_after is None and limit is not None and limit.remaining == 0:
                        retry_after = limit.reset_in_seconds + RATE_LIMIT_MARGIN  # the Hub's RateLimit header
                    if status == 429 and retry_after is not None:
                        self._wait_for_budget(url, retry_after)
                        continue
                else:
                    self._count(status)
                    raise HubUnavailable(f"{url}: HTTP {status} {body[:200].decode(errors='replace')!r}", status)
            if attempt == self.max_retries:
                raise HubUnavailable(f"{url}: {failure}, still failing after {self.max_retries} retries")
            delay = retry_delay(attempt, retry_after, self.backoff, self.max_wait)
            log.debug("%s: %s; retrying in %.3gs", url, failure, delay)
            self.sleep(delay)
        raise HubUnavailable(f"{url}: rate limited, still refused after {self.max_retries} retries")

    def _fetch(self, url: str, params: QueryParams | None) -> tuple[Any, bytes]:
        """One GET through the library's session, each body streamed within ``answer_limits.hub``
        (:func:`ecometrics.collector.http.read_within`): the session's ``.get`` would read a body of
        any size whole, and so would its redirects, whose bodies it reads before following them
        (httpx ``Client._send_handling_redirects``). So redirects are followed here, hop by hop,
        each hop's request built by the session (``next_request``: an ``Authorization`` header is
        dropped on the way to another host, as the session would). An answer over the bound is
        counted by endpoint in ``refused_answers`` and raises :class:`HubAnswerTooLarge`."""
        session = get_session()
        request = session.build_request("GET", url, params=params, headers=self.headers, timeout=self.timeout)
        for _hop in range(session.max_redirects + 1):
            response = session.send(request, stream=True, follow_redirects=False)
            try:
                body = read_within(
                    response.iter_bytes(READ_CHUNK),
                    limit=self.answer_limits.hub,
                    url=str(request.url),
                    content_length=response.headers.get("content-length"),
                )
            except AnswerTooLarge as exc:
                self._count(response.status_code)
                path = self.relative(url).partition("?")[0]
                self.refused_answers["/api/models" if path == "/api/models" else "/api/models/{id}"] += 1
                raise HubAnswerTooLarge(
                    f"{exc}; check HF_ENDPOINT ({self.endpoint}) and any proxy in between"
                ) from None
            finally:
                response.close()
            if response.next_request is None:
                return response, body
            request = response.next_request
        raise HubUnavailable(f"{url}: redirected more than {session.max_redirects} times")

    def _pace(self, url: str) -> None:
        """Wait for the next window when the last answer said the budget is spent."""
        budget = self.budget
        if budget is not None and budget.remaining <= 0:
            wait = budget.reset_at - time.monotonic() + RATE_LIMIT_MARGIN
            if wait > 0:
                self._wait_for_budget(url, wait)
            self.budget = None  # unknown until the next answer says

    def _wait_for_budget(self, url: str, seconds: float) -> None:
        if seconds > self.max_rate_wait:
            raise RateLimitTooLong(
                f"{url}: the Hub's rate limit resets in {seconds:.0f} s, more than the {self.max_rate_wait:.0f} s "
                "this run may wait (max_rate_wait); the next run goes on from here"
            )
        self.rate_waits += 1
        log.info("hf: rate limit spent (%s); waiting %.0f s", self.budget.describe() if self.budget else "429", seconds)
        self.sleep(seconds)
        self.budget = None

    def pages(
        self,
        path: str,
        params: QueryParams | None = None,
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

        Absolute URLs (``Link`` cursors, checkpoints saved by older versions) are re-based
        onto the current endpoint, so a cursor saved against one host resumes against another.
        """
        return self.endpoint + self.relative(path_or_url)

    def relative(self, path_or_url: str) -> str:
        """``path_or_url`` relative to the endpoint (``/api/models?...``): what checkpoints hold,
        so that ``HF_ENDPOINT`` is the only thing that says where the Hub is."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            path = parts.path
            prefix = urlsplit(self.endpoint).path.rstrip("/")
            if prefix and path.startswith(prefix + "/"):
                path = path[len(prefix) :]
            return path + (f"?{parts.query}" if parts.query else "")
        return ("" if path_or_url.startswith("/") else "/") + path_or_url

    def _note_budget(self, headers: Mapping[str, str]) -> None:
        info = parse_ratelimit_headers(headers)
        if info is not None:
            self.budget = HubBudget(
                info.remaining, info.limit, info.window_seconds, time.monotonic() + info.reset_in_seconds
            )

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
            try:
                item, error = pending.get(timeout=0.2)
            except queue.Empty:  # a page is still on its way: a stop need not wait for it
                cancel.raise_if_stopped()
                continue
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        finished.set()  # the thread stops after the request in flight
