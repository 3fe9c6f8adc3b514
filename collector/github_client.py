"""The one HTTP layer for GitHub: REST and GraphQL, rate limits, retries, conditional requests.

Every request ecometrics makes to GitHub goes through :class:`GitHubClient`, serially,
so one object knows the budgets that are left and owns every retry decision:

- **Authentication** from ``GITHUB_TOKEN``; without it requests go out unauthenticated
  (60 REST requests an hour, no GraphQL) and a warning is logged once; ``authenticated``
  tells collectors to use their REST fallbacks. The token is sent, never
  logged or stored.
- **Base URL** from ``GITHUB_API_URL`` (default ``https://api.github.com``); GraphQL is
  ``GITHUB_GRAPHQL_URL`` when set, else derived from the base as PyGithub's
  ``Requester.get_graphql_prefix`` does (:func:`graphql_url_for`): ``{base}/graphql``, with a
  trailing ``/v3`` dropped first, so GitHub Enterprise Server's ``https://HOST/api/v3`` (what
  GitHub Actions sets there) gives ``https://HOST/api/graphql`` ("Forming calls with GraphQL",
  https://docs.github.com/enterprise-server@latest/graphql/guides/forming-calls-with-graphql#the-graphql-endpoint).
- **Conditional requests.** A caller passes the validators it stored in ``http_cache``;
  a ``304 Not Modified`` answer does not count against the primary rate limit (GitHub
  REST docs, "Use conditional requests if appropriate"). The client never writes the
  cache itself: :meth:`Response.cache_row` hands the validator back so the collector
  commits it in the same transaction as the rows it describes. Storing an ETag before
  its rows would make a killed run believe later that it already has them.
- **Primary rate limit.** When a ``403``/``429`` arrives with ``x-ratelimit-remaining: 0``
  (or GraphQL answers ``RATE_LIMITED``) the client sleeps until ``x-ratelimit-reset``
  (wall-clock epoch seconds) as long as that is at most ``max_rate_wait`` seconds; otherwise it raises
  :class:`BudgetExhausted` and the run ends as *partial*, to resume from checkpoints.
- **Secondary limits.** A ``403``/``429`` saying "secondary rate limit", and on GraphQL
  also an HTTP 200 whose path-less ``errors`` say it: in GitHub's order ("Rate limits for
  the REST API", https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#handle-rate-limit-errors-appropriately),
  wait ``retry-after`` when given, else until ``x-ratelimit-reset`` when remaining is 0,
  else ``secondary_wait`` (at least a minute), doubling on each repeat.
- **Pagination.** A listing is walked by its ``Link: rel="next"`` targets exactly as
  given (GitHub names deep pages of large listings by an opaque ``after=`` cursor and
  refuses page numbers there); the client never makes up a page number.
- **Base URL changes.** Stored URLs (checkpoints, ``http_cache`` keys) are relative to
  the base (:meth:`GitHubClient.relative`) and re-based by :meth:`GitHubClient.url`,
  so pointing ``GITHUB_API_URL`` elsewhere moves every resumed walk with it.
- **No network.** A first request that cannot connect at all (the name does not
  resolve, the connection is refused, TLS fails) is not retried for minutes: it raises
  :class:`GitHubUnreachable` at once, naming ``GITHUB_API_URL``.
- **Transient failures.** ``5xx``, timeouts, dropped connections and truncated or
  invalid JSON bodies are retried with exponential backoff and full jitter
  (:func:`ecometrics.collector.http.backoff_delay`, shared with the Hub client), up to
  ``max_attempts``; then :class:`GitHubUnavailable` names the URL. Such waits since the
  last good answer, across requests, stop at ``max_retry_seconds`` (10 minutes): an API
  that went away ends the run as partial instead of holding it for hours, while a flaky
  one that answers now and then goes on. A GraphQL document GitHub timed out on (502/504
  with its timeout message) is retried the same way, unless its caller can ask for less
  (``graphql(..., can_ask_less=True)``): then :class:`GraphQLTimeout` comes back at once,
  since a heavy document times out again, while a passing 502 carries the same body.
- **Bounded answers.** A body is read as a stream within its bound
  (:class:`ecometrics.collector.http.AnswerLimits`: ``github_rest``, ``github_graphql``), a
  redirect's too (:func:`ecometrics.collector.http.bounded_body_hook`); one over it, or whose
  ``Content-Length`` says so, is refused unread and not retried:
  :class:`AnswerTooLarge` names the URL (the caller's repository ends the pass partial, as an
  unavailable one does), and ``refused_answers`` counts it by API (``REST``, ``GraphQL``).
- **Counters.** ``requests_by_status`` counts every answer by status (``"error"`` for
  no answer) for the run log; ``budgets`` keeps the last ``x-ratelimit-*`` seen per
  resource (``core``, ``graphql``); ``today`` is the UTC date of the last ``Date`` header,
  so daily snapshots follow the API's clock (fakehub's is simulated).

Why plain ``requests`` and not PyGithub: PyGithub's ``Requester`` owns its own retry
policy (``GithubRetry``) and rate-limit sleeping, keeps ETags only on the objects it
returned in this process, and hides the ``since``/``Link`` page URLs we checkpoint.
Using it for part of the traffic would make two layers deciding when to wait; using it
for all of it would leave no place to commit ETags with their rows. So requests does
the HTTP, and this module is the one place with GitHub's rules in it. (PyGithub, which only the
tests use, to hold fakehub to the real client, reads every body whole: its connection classes,
``HTTPSRequestsConnectionClass.getresponse`` in github/Requester.py, build a ``requests.Session``
of their own and read ``.text``; bounding it would take replacing those classes process-wide,
``Requester.injectConnectionClasses``.)
"""

from __future__ import annotations

import logging
import os
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import requests

from ecometrics.collector.http import (
    ANSWER_LIMITS,
    AnswerLimits,
    Unreachable,
    backoff_delay,
    bounded_body_hook,
    check_endpoint,
    check_token,
    http_date,
    json_body,
    next_link,
    retry_after_seconds,
)
from ecometrics.collector.http import AnswerTooLarge as TooLarge
from ecometrics.core.config import GithubConfig
from ecometrics.core.dates import utc_now
from ecometrics.core.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
USER_AGENT = "ecometrics (+https://github.com/ecometrics)"


class GitHubError(Exception):
    """A GitHub request that cannot succeed; the message names the URL."""


class BudgetExhausted(GitHubError):
    """The rate-limit budget is spent for longer than we may wait: end the run as partial."""


class GitHubUnavailable(GitHubError):
    """A request kept failing (5xx, timeouts, bad bodies) after every retry."""


class GitHubDown(GitHubError):
    """Retries waited ``max_retry_seconds`` without one answer: the API went away; end the run."""


class AnswerTooLarge(GitHubError):
    """An answer over its bound (:class:`ecometrics.collector.http.AnswerLimits`), refused unread."""


class GraphQLError(GitHubError):
    """GraphQL answered with errors that are not about missing objects."""


class GraphQLTimeout(GraphQLError):
    """GitHub gave up on a whole GraphQL document (502/504 past its 10 seconds): asking the
    same document again takes as long, so the caller asks for less."""


class GitHubUnreachable(Unreachable):
    """Not one answer from the API: no route, no such host, refused, or TLS failed."""

    api, variable, instead = "the GitHub API", "GITHUB_API_URL", "a reachable GitHub API"


class TokenRefused(InputError):
    """GitHub answered 401: the token is wrong, expired or revoked (a fix for the operator)."""


@dataclass
class Budget:
    """The last ``x-ratelimit-*`` headers seen for one resource (core, graphql, search)."""

    limit: int
    remaining: int
    reset: int  # epoch seconds


@dataclass
class Response:
    """One answered request: status, parsed JSON body, headers, and the URL asked for."""

    status: int
    data: Any
    headers: Mapping[str, str]
    url: str  # the URL asked for (the cache key)
    next_url: str | None = None  # the Link rel="next" target, absolute (ecometrics.collector.http.next_link)
    key: str = ""  # the URL relative to the API base: how it is stored

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def cache_row(self, relative: Callable[[str], str] | None = None) -> dict[str, Any] | None:
        """The ``http_cache`` row that lets the next run ask for this URL conditionally.

        It keeps the page's ``next`` link too: a ``304`` carries no ``Link``, so a walk
        that meets one goes on to the next page it stored."""
        etag = self.headers.get("ETag")
        last_modified = self.headers.get("Last-Modified")
        if self.status != 200 or not (etag or last_modified):
            return None
        following = self.next_url
        return {
            "url": self.key or self.url,
            "etag": etag,
            "last_modified": last_modified,
            "next_url": (relative(following) if relative else following) if following else None,
            "items": len(self.data) if isinstance(self.data, list) else None,
            "updated_at": utc_now(),
        }


class CachedPage(NamedTuple):
    """What ``http_cache`` keeps of one page: its validators, its ``next`` link and how many items it held."""

    etag: str | None = None
    last_modified: str | None = None
    next_url: str | None = None
    items: int | None = None


def canonical_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL with ``params`` merged into its query, keys sorted: one spelling per resource."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    for key, value in (params or {}).items():
        if value is not None:
            query[key] = str(value).lower() if isinstance(value, bool) else str(value)
    encoded = urllib.parse.urlencode(sorted(query.items()), safe=":,[]")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, encoded, ""))


class GitHubClient:
    """Serial, budget-aware access to the GitHub REST and GraphQL APIs.

    >>> client = GitHubClient()                  # GITHUB_TOKEN, GITHUB_API_URL
    >>> client.get("/repos/vllm-project/vllm").data["stargazers_count"]
    >>> client.graphql("query { viewer { login } }")

    ``sleep`` is the function used for every wait and ``clock`` the epoch clock
    ``x-ratelimit-reset`` is compared with (tests pass fakehub's ``sleep`` and
    ``rate_time``); ``backoff`` is the first retry delay for transient failures in seconds.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        base_url: str | None = None,
        graphql_url: str | None = None,
        max_rate_wait: float = GithubConfig.max_rate_wait,
        timeout: float = 30.0,
        max_attempts: int = 8,
        backoff: float = 1.0,
        max_backoff: float = 120.0,
        max_retry_seconds: float = 600.0,
        secondary_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
        answer_limits: AnswerLimits = ANSWER_LIMITS,
    ):
        check_endpoint("base_url" if base_url else "GITHUB_API_URL", base_url or os.environ.get("GITHUB_API_URL"))
        self.base_url = (base_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        self.graphql_url = graphql_url or os.environ.get("GITHUB_GRAPHQL_URL") or graphql_url_for(self.base_url)
        self.max_rate_wait = max_rate_wait
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_seconds = max_retry_seconds  # transient-failure waits since the last answer
        self.retried_seconds = 0.0
        self.secondary_wait = secondary_wait
        self.sleep = sleep
        self.clock = clock  # epoch seconds, the clock x-ratelimit-reset is read on
        self._answered = False  # any answer at all yet (else a connection error is fatal)
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "User-Agent": USER_AGENT,
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            }
        )
        token = token if token is not None else os.environ.get("GITHUB_TOKEN")
        check_token("GITHUB_TOKEN", token)
        self.authenticated = bool(token)
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        else:
            log.warning(
                "GITHUB_TOKEN is not set: GitHub requests go out unauthenticated (60 REST requests an hour); "
                "set GITHUB_TOKEN for 5,000"
            )
        self.answer_limits = answer_limits
        self.requests_by_status: Counter[str] = Counter()
        self.refused_answers: Counter[str] = Counter()  # answers over their bound, by API: REST, GraphQL
        self.budgets: dict[str, Budget] = {}
        self._server_date: float | None = None

    # -- what the run log reads -------------------------------------------------------

    @property
    def today(self) -> str:
        """UTC date of the API's clock (last ``Date`` header), else of the local clock."""
        moment = self._server_date if self._server_date is not None else time.time()
        return time.strftime("%Y-%m-%d", time.gmtime(moment))

    # -- REST -------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """An absolute URL under the base; a stored relative URL is re-based onto it."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def relative(self, url: str) -> str:
        """``url`` without the base and with its query keys sorted, as checkpoints and
        ``http_cache`` store it.

        A URL under another host (a checkpoint written before ``GITHUB_API_URL`` changed,
        or a ``Link`` GitHub spells on its own host) keeps its path and query."""
        url = canonical_url(url)  # one spelling per resource: Link targets come in any order
        if url.startswith(self.base_url + "/"):
            return url[len(self.base_url) :]
        if url.startswith(("http://", "https://")):
            parts = urllib.parse.urlsplit(url)
            return urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))
        return url

    def get(
        self,
        path_or_url: str,
        params: Mapping[str, Any] | None = None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        api_version: str | None = None,
    ) -> Response:
        """GET a REST resource; 304, 202, 404, 422 and other 4xx are returned, not raised.

        ``etag``/``last_modified`` are the stored validators for exactly this URL;
        ``api_version`` asks another REST API version than the session's (an endpoint only a
        newer version serves: ``X-GitHub-Api-Version``).
        """
        url = canonical_url(self.url(path_or_url), params)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        if api_version:
            headers["X-GitHub-Api-Version"] = api_version
        response = self._send("GET", url, headers=headers, resource="core")
        response.key = self.relative(url)
        return response

    def pages(
        self,
        path_or_url: str,
        params: Mapping[str, Any] | None = None,
        *,
        validators: Callable[[str], CachedPage] | None = None,
        api_version: str | None = None,
    ) -> Iterator[Response]:
        """Every page of a REST listing, following ``Link: rel="next"`` as given (each asked in
        ``api_version``, as :meth:`get` does).

        With ``validators(relative_url) -> CachedPage`` (what :meth:`Response.cache_row`
        stored) each page is asked for conditionally; a 304 carries no ``Link``, so the
        walk goes on to the ``next_url`` stored with it. A last page that was full is
        asked again without validators: items added behind it leave it unchanged (304)
        but give it a next page.
        """
        url: str | None = canonical_url(self.url(path_or_url), params)
        while url:
            cached = validators(self.relative(url)) if validators else CachedPage()
            stored_next = cached.next_url
            etag, last_modified = cached.etag, cached.last_modified
            per_page = int(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)).get("per_page", 30))
            if not stored_next and cached.items is not None and cached.items >= per_page:
                etag = last_modified = None
            response = self.get(url, etag=etag, last_modified=last_modified, api_version=api_version)
            yield response
            if response.not_modified:
                url = self.url(stored_next) if stored_next else None
            elif response.status == 200:
                url = response.next_url
            else:
                url = None

    # -- GraphQL ----------------------------------------------------------------------

    def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, *, can_ask_less: bool = False
    ) -> tuple[dict[str, Any], list[dict]]:
        """Run a GraphQL document; returns ``(data, errors)``.

        Errors about one field (with a ``path``, e.g. ``NOT_FOUND`` for an aliased
        repository that does not exist, whose value is ``null``) come back to the caller;
        a document GitHub timed out on as a whole is retried like any 5xx, or, when the
        caller ``can_ask_less`` (a batch it can split), raises :class:`GraphQLTimeout` at
        once (asked again, a heavy document times out again); any other error raises :class:`GraphQLError`,
        except a spent points budget
        (``RATE_LIMITED``, or ``RATE_LIMIT`` with code ``graphql_rate_limit`` while the
        headers may still show points left) which waits for the reset like a spent REST budget.
        """
        body = {"query": query, "variables": dict(variables or {})}
        while True:
            response = self._send(
                "POST", self.graphql_url, json_body=body, resource="graphql", retry_timeouts=not can_ask_less
            )
            if _is_graphql_timeout(response.status, response.data):
                raise GraphQLTimeout(f"{self.graphql_url}: GitHub timed out on the document (HTTP {response.status})")
            if response.status != 200 or not isinstance(response.data, dict):
                raise GraphQLError(f"{self.graphql_url}: HTTP {response.status}: {_message(response.data)}")
            errors = response.data.get("errors") or []
            if any(_is_primary_limit(e) for e in errors):
                self._wait_for_reset(response, "graphql")
                continue
            # errors with a path belong to one field (one aliased repository): its value is null
            fatal = [e for e in errors if not e.get("path") and e.get("type") != "NOT_FOUND"]
            if fatal or response.data.get("data") is None:
                raise GraphQLError(f"{self.graphql_url}: {_message(response.data)}")
            return response.data["data"], errors

    # -- the retry loop ---------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        resource: str,
        retry_timeouts: bool = True,
    ) -> Response:
        transient_failures = 0
        secondary_hits = 0
        graphql = resource == "graphql"
        bound = bounded_body_hook(self.answer_limits.github_graphql if graphql else self.answer_limits.github_rest)
        while True:
            try:
                raw = self.session.request(
                    method, url, headers=headers, json=json_body, timeout=self.timeout, hooks={"response": bound}
                )
                status = raw.status_code
                self.requests_by_status[str(status)] += 1
                self._answered = True
                self._note_headers(raw.headers, resource)
                data = _parse_body(raw.content) if status not in (202, 204, 304) else None
            except TooLarge as exc:
                self.refused_answers["GraphQL" if graphql else "REST"] += 1
                raise AnswerTooLarge(
                    f"{exc}; check GITHUB_API_URL ({self.base_url}) and any proxy in between"
                ) from None
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
            ) as exc:
                raise InputError(
                    f"GITHUB_API_URL {self.base_url!r} is not a usable URL ({exc}); set it like {DEFAULT_API_URL}"
                ) from None
            except requests.exceptions.ConnectionError as exc:
                self.requests_by_status["error"] += 1
                GitHubUnreachable.check(exc, answered=self._answered, endpoint=self.base_url)
                transient_failures += 1
                self._retry_or_fail(url, transient_failures, type(exc).__name__)
                continue
            except requests.RequestException as exc:  # timeout, cut-off body
                self.requests_by_status["error"] += 1
                transient_failures += 1
                self._retry_or_fail(url, transient_failures, type(exc).__name__)
                continue
            except ValueError:  # a truncated or invalid JSON body
                transient_failures += 1
                self._retry_or_fail(url, transient_failures, f"invalid JSON body (HTTP {status})")
                continue

            secondary = _is_secondary(data)
            if status in (403, 429) or secondary:
                remaining = raw.headers.get("x-ratelimit-remaining")
                if remaining == "0" and not secondary:  # the primary budget is spent
                    self._wait_for_reset(raw, resource)
                    continue
                if secondary or status == 429 or "retry-after" in raw.headers:
                    secondary_hits += 1
                    self._wait_secondary(url, raw, secondary_hits, resource)
                    continue
            if status == 401 and "Authorization" in self.session.headers:
                raise TokenRefused(f"GITHUB_TOKEN was refused by {self.base_url} ({_message(data)}); set a valid token")
            if status >= 500 and (retry_timeouts or not _is_graphql_timeout(status, data)):
                transient_failures += 1
                self._retry_or_fail(url, transient_failures, f"HTTP {status}")
                continue
            self.retried_seconds = 0.0  # an answer: the API is there
            return Response(status=status, data=data, headers=raw.headers, url=url, next_url=next_link(raw))

    def _note_headers(self, headers: Mapping[str, str], resource: str) -> None:
        date = headers.get("Date")
        if date:
            when = http_date(date)
            if when is not None:
                self._server_date = when.timestamp()
        if "x-ratelimit-remaining" in headers:
            try:
                self.budgets[headers.get("x-ratelimit-resource", resource)] = Budget(
                    limit=int(headers.get("x-ratelimit-limit", 0)),
                    remaining=int(headers["x-ratelimit-remaining"]),
                    reset=int(headers.get("x-ratelimit-reset", 0)),
                )
            except ValueError:
                pass

    def _retry_or_fail(self, url: str, failures: int, what: str) -> None:
        if failures >= self.max_attempts:
            raise GitHubUnavailable(f"{url}: {what} after {failures} attempts; rerun later to resume")
        delay = backoff_delay(failures, self.backoff, self.max_backoff)
        if self.retried_seconds + delay > self.max_retry_seconds:  # the API is down, not flaky: stop the run
            raise GitHubDown(
                f"GitHub kept failing ({what} on {url}): retries already waited {self.retried_seconds:.0f}s "
                f"without an answer (max_retry_seconds {self.max_retry_seconds:.0f}s); the next run resumes from checkpoints"
            )
        self.retried_seconds += delay
        log.debug("github: %s for %s; retry %d in %.2fs", what, url, failures, delay)
        self.sleep(delay)

    def _wait_secondary(self, url: str, raw: Any, hits: int, resource: str) -> None:
        """A secondary limit, in GitHub's order: retry-after; else the reset when no budget
        is left; else at least ``secondary_wait``, doubling while it repeats."""
        retry_after = retry_after_seconds(raw.headers)
        if retry_after is None and raw.headers.get("x-ratelimit-remaining") == "0":
            self._wait_for_reset(raw, resource)
            return
        if retry_after is not None:
            delay = retry_after
        else:
            delay = min(self.secondary_wait * 2 ** (hits - 1), 3600.0)
        if hits > self.max_attempts or delay > self.max_rate_wait:
            raise BudgetExhausted(
                f"GitHub secondary rate limit on {url}: asked to wait {delay:.0f}s "
                f"(max_rate_wait {self.max_rate_wait:.0f}s); the next run resumes from checkpoints"
            )
        log.info("github: secondary rate limit, waiting %.1fs", delay)
        self.sleep(delay)

    def _wait_for_reset(self, raw: Any, resource: str) -> None:
        headers = raw.headers
        retry_after = retry_after_seconds(headers)
        try:
            reset = int(headers.get("x-ratelimit-reset", 0))
        except ValueError:
            reset = 0
        # x-ratelimit-reset is epoch seconds on the wall clock (PyGithub compares it with
        # the local clock too); +1 s because the header rounds down.
        delay = retry_after if retry_after is not None else max(0.0, reset - self.clock()) + 1.0
        budget = self.budgets.get(headers.get("x-ratelimit-resource", resource))
        limit = f" of {budget.limit}" if budget else ""
        if delay > self.max_rate_wait:
            when = time.strftime("%H:%M:%SZ", time.gmtime(reset)) if reset else "later"
            raise BudgetExhausted(
                f"GitHub {resource} budget spent (0{limit} left) until {when}, {delay:.0f}s away, "
                f"longer than max_rate_wait {self.max_rate_wait:.0f}s; the next run resumes from checkpoints"
            )
        log.info("github: %s budget spent; waiting %.0fs for the reset", resource, delay)
        self.sleep(delay)


def raise_for_status(response: Response) -> None:
    """Raise :class:`GitHubError` naming the URL, status and GitHub's message."""
    raise GitHubError(f"{response.url}: HTTP {response.status}: {_message(response.data)}")


def _parse_body(body: bytes) -> Any:
    """The JSON body; ``ValueError`` when it is truncated or not JSON (so the caller retries).
    A body shorter than its ``Content-Length`` never gets here: urllib3 raises while reading it."""
    if not body.strip():
        return None
    return json_body(body)


def _is_secondary(data: Any) -> bool:
    """GitHub's secondary-limit refusal: REST's ``message``, or GraphQL ``errors`` without a path."""
    if not isinstance(data, dict):
        return False
    messages = [data.get("message") or ""]
    messages += [e.get("message") or "" for e in data.get("errors") or () if isinstance(e, dict) and not e.get("path")]
    return any("secondary rate limit" in str(m).lower() for m in messages)


def graphql_url_for(base_url: str) -> str:
    """The GraphQL endpoint of the REST API at ``base_url``, as PyGithub derives it
    (``github/Requester.py``, ``Requester.get_graphql_prefix``): the base's path without a
    trailing ``/v3``, then ``/graphql``. ``https://api.github.com`` gives
    ``https://api.github.com/graphql``; ``https://HOST/api/v3`` gives ``https://HOST/api/graphql``."""
    base = base_url.rstrip("/")
    base = base.removesuffix("/v3")
    return f"{base}/graphql"


def _is_graphql_timeout(status: int, data: Any) -> bool:
    """GitHub's answer to a GraphQL document it could not finish in 10 seconds: 502 with a
    null ``data`` and "Something went wrong while executing your query. This may be the
    result of a timeout" (cli/cli issue 6247), or 504 "We couldn't respond to your request
    in time" ("Timeouts", https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#timeouts)."""
    if status not in (502, 504) or not isinstance(data, dict):
        return False
    text = _message(data).lower()
    return "may be the result of a timeout" in text or "respond to your request in time" in text


def _is_primary_limit(error: Any) -> bool:
    """A GraphQL error saying the points budget is spent, in either shape GitHub sends."""
    return isinstance(error, dict) and (
        error.get("type") in ("RATE_LIMITED", "RATE_LIMIT") or error.get("code") == "graphql_rate_limit"
    )


def _message(data: Any) -> str:
    if isinstance(data, dict):
        if data.get("errors"):
            return "; ".join(str(e.get("message", e)) for e in data["errors"])[:300]
        return str(data.get("message", data))[:300]
    return str(data)[:300]
