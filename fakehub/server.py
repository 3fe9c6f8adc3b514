"""fakehub's HTTP server: one loopback server speaking GitHub REST (at the root, like
``api.github.com``), GitHub GraphQL (``/graphql``) and the Hugging Face model API
(``/api/models``) and the ModelScope model API (``/openapi/v1/models``, ``/api/v1/models``, see
:mod:`ecometrics.fakehub.modelscope`), over one synthetic world (:mod:`ecometrics.fakehub.world`).

In tests::

    from ecometrics.fakehub import FakeHub
    with FakeHub(seed=0, scale="small") as hub:
        os.environ["GITHUB_API_URL"] = hub.url    # GraphQL at hub.url + "/graphql"
        os.environ["HF_ENDPOINT"] = hub.url
        os.environ["MODELSCOPE_ENDPOINT"] = hub.url
        ...
        hub.truth()        # ground truth, shape in ecometrics.fakehub.world
        hub.advance(1)     # the simulated clock moves one day
        hub.stats()        # request counters; hub.reset_stats()
        hub.sleep(3600)    # an hour passes on the rate limits' clock: budgets reset, no wall-clock wait
        held = hub.pause_after(10)  # the 11th API request waits (held.wait() until it does)
        hub.resume()       # ... until now

Knobs (keyword arguments of :class:`FakeHub`; the CLI exposes the first five, ``snapshot`` and,
with ``--demo-windows``, the demo's short rate windows): ``seed``, ``scale`` (small|medium|large), ``faults`` (see :mod:`ecometrics.fakehub.faults`),
``host``/``port`` (port 0 picks a free one), ``rest_budget`` (REST requests per token
per window, default 5,000), ``graphql_budget`` (points, 5,000),
``unauthenticated_budget`` (REST requests per client address, 60),
``rate_window_seconds`` (3,600; tests pass it with ``hub.sleep``), ``hf_budget`` / ``hf_anonymous_budget`` /
``hf_window_seconds`` (Hub API requests per token, per client address without one, and the
window: 1,000 / 500 per 300 s, a free account's and an anonymous caller's "Hub APIs" bucket,
https://huggingface.co/docs/hub/rate-limits), ``hf_page_size`` (1,000),
``hf_trending_refresh_pages`` (listing pages between recomputations of the trending scores,
20; 0 keeps them still), ``hf_permissive`` (listings accept the detail-only expands and
trending scores stay still: only to compare with the crawl that relied on it; see
:mod:`ecometrics.fakehub.hf`),
``retry_after_seconds`` (the ``Retry-After`` of faults, 1), ``fault_delay_seconds``
(how long a ``timeout`` fault holds the connection before dropping it, 0), ``snapshot``
(a JSON file in the ground-truth shape to serve instead of a generated world; see
:mod:`ecometrics.fakehub.snapshot`); for GitHub's secondary limits ``secondary_rest_points`` /
``secondary_graphql_points`` / ``secondary_window_seconds`` (900 / 2,000 per 60 s, GitHub's
published numbers; see :meth:`FakeHub._secondary_limit`), ``page_number_limit`` (the last
page an activity listing serves by number, 10), ``contributor_email_limit`` (500),
``stats_commit_limit`` (10,000) and ``contributors_history_limit`` (200,000 commits, past which
``/contributors`` is "too large to list") (see :mod:`ecometrics.fakehub.github_rest`), and
``clock_step_seconds`` (the simulated clock moves this much per API request, 0: time
passing while a client walks its pages), and ``still_rate_clock`` (False: the rate
limits' clock is the wall clock plus what ``hub.sleep`` skipped, as GitHub's is; True
moves it only by ``hub.sleep``, so a test's windows open and close at the same requests
however loaded the machine is), and ``graphql_timeout_nodes`` (10,000: a GraphQL document
asking for more nodes than that times out as a whole, 502 or 504, and is charged; see
:data:`ecometrics.fakehub.graphql.TIMEOUT_NODES`), and ``enterprise`` (False; True serves GitHub in
GitHub Enterprise Server's layout: REST under ``/api/v3``, GraphQL at ``/api/graphql``,
nothing at the root, and ``/api/v3/graphql`` answers REST's 404, as on a real server: "Forming
calls with GraphQL", https://docs.github.com/enterprise-server@latest/graphql/guides/forming-calls-with-graphql#the-graphql-endpoint,
and PyGithub's ``Requester.get_graphql_prefix``, which strips ``/v3`` before adding ``/graphql``),
``cursor_lifetime_seconds`` (a week on the simulated clock: REST ``after=`` and GraphQL star
cursors older than that are refused, 422 / ``INVALID_CURSOR_ARGUMENTS``; None keeps them; see
:data:`ecometrics.fakehub.generator.CURSOR_LIFETIME_SECONDS`), ``collaborator_of`` (none: the repositories
whose stargazer lists the caller's token may read, as GitHub allows only a repository's admins
and collaborators since July 2026; ``"*"`` every one, or ``{"owner/name", ...}``; the command line's
``--collaborator-of`` or ``FAKEHUB_COLLABORATOR_OF``, comma-separated; see
:meth:`ecometrics.fakehub.generator.GitHubWorld.may_list_stargazers`) and ``stargazer_refusal``
(``"forbidden"``: REST 403 and GraphQL ``FORBIDDEN``; ``"empty"``: the empty 200 page the same
changelog also names).

Every GitHub answer carries ``Date`` from the simulated clock (collectors take "today"
from it), ``x-ratelimit-limit/remaining/used/reset/resource`` (reset in real epoch
seconds), and, for 200s, a weak ``ETag``; a request whose ``If-None-Match`` matches
gets 304 and is not charged. An exhausted REST budget answers 403 "API rate limit
exceeded ..." with remaining 0 until the reset time. Tokens beginning with
``invalid`` answer 401 "Bad credentials". Hub answers carry ``RateLimit: "api";r=R;t=T`` /
``RateLimit-Policy: "fixed window";"api";q=Q;w=W`` (the IETF draft huggingface_hub's
``parse_ratelimit_headers`` reads, utils/_http.py); a spent budget answers 429 with those
headers and no ``Retry-After`` (the Hub does not always send one); :meth:`FakeHub.expire_hf_budget`
ends the windows at once, for a client's ``sleep`` hook. A Hub token beginning with
``invalid`` (bad or expired) answers every call with 401 ``X-Error-Message: Invalid
credentials in Authorization header``, as the Hub does.

Control endpoints (never faulted, never charged, not counted in the stats):

- ``GET /_fakehub/stats`` -> ``{"requests", "dropped", "by_status", "by_endpoint": {name:
  {"requests", "by_status"}}, "faults": {kind: n}, "log": [last 200 requests]}``;
  ``dropped`` counts connections their client closed before its answer was written (a
  client killed while :meth:`FakeHub.pause_after` held it): fakehub drops them silently,
  as a real server does, and :meth:`FakeHub.wait_dropped` waits for them;
  endpoint names are the route names of :mod:`ecometrics.fakehub.github_rest` (``repos``,
  ``repos.stargazers``, ``orgs.repos``, ...), ``graphql``, ``hf.models``,
  ``hf.model_info``, ``ms.models``, ``ms.model``, ``ms.legacy_model``, ``ms.auth``, plus
  ``rate_limited``/``graphql.rate_limited``/``hf.rate_limited`` for refusals, ``graphql.timeout`` for documents too heavy to finish, and ``fault``/``hf.fault``/``ms.fault`` for injected 429/403/5xx answers
- ``POST /_fakehub/stats/reset``
- ``POST /_fakehub/advance?days=N`` -> ``{"day", "now"}``
- ``POST /_fakehub/sleep?seconds=N``: N seconds pass on the rate limits' clock
  (:meth:`FakeHub.sleep`; budgets reset as if a client had waited)
- ``GET /_fakehub/truth`` (``?models=0`` leaves out the per-model records)
- ``POST /_fakehub/hostile?on=1`` (``on=0``): the hostile control of :mod:`ecometrics.fakehub.hostile`, off by
  default (``FakeHub(hostile_records=...)``): one star a page carries a time that is not a time,
  one repository of a metadata answer a ``createdAt`` that is not one, one contributor a page a
  negative count
- ``POST /_fakehub/oversized?bytes=N`` (``endpoints=NAME,...``, ``chunked=1``; ``bytes=0`` off): the
  oversized-answer control of :mod:`ecometrics.fakehub.oversized`, off by default
  (``FakeHub(oversized=...)``): each 200 answer of the endpoints named carries ``N`` bytes of
  spaces after its JSON, with its whole ``Content-Length`` or chunked without one
"""

from __future__ import annotations

import argparse
import hashlib
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ecometrics.core.errors import InputError
from ecometrics.fakehub.clock import http_date, iso
from ecometrics.fakehub.exchange import Request, Response
from ecometrics.fakehub.faults import FIELD_KINDS, Faults
from ecometrics.fakehub.gate import RequestGate
from ecometrics.fakehub.generator import CURSOR_LIFETIME_SECONDS, stable_hash
from ecometrics.fakehub.github_rest import CONTRIBUTORS_HISTORY_LIMIT, GitHubRest
from ecometrics.fakehub.graphql import TIMEOUT_NODES, GraphQLApi, timeout_response, top_level_fields
from ecometrics.fakehub.hf import HfApi
from ecometrics.fakehub.hostile import corrupted
from ecometrics.fakehub.limits import Budget, Window
from ecometrics.fakehub.modelscope import ModelScopeApi, ms_error, ms_server_error
from ecometrics.fakehub.options import (
    DEMO_HF_WINDOW_SECONDS,
    DEMO_SECONDARY_WINDOW_SECONDS,
    add_serve_arguments,
    export_line,
)
from ecometrics.fakehub.oversized import OFF, Oversized
from ecometrics.fakehub.world import World

ENTERPRISE_REST = "/api/v3"  # GitHub Enterprise Server's REST root, https://HOST/api/v3
ENTERPRISE_GRAPHQL = "/api/graphql"  # ... and its GraphQL endpoint, https://HOST/api/graphql
GITHUB_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


class Stats:
    """Request counters, per endpoint and status, and a short request log."""

    def __init__(self):
        self._lock = threading.Lock()
        self._dropped_changed = threading.Condition(self._lock)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.dropped = 0  # connections the client closed before its answer was written
            self.by_status: Counter[str] = Counter()
            self.by_endpoint: dict[str, Counter[str]] = {}
            self.faults: Counter[str] = Counter()
            self.log: deque = deque(maxlen=200)

    def record(self, endpoint: str, status: int, method: str, target: str, fault: str | None) -> None:
        with self._lock:
            self.requests += 1
            self.by_status[str(status)] += 1
            self.by_endpoint.setdefault(endpoint, Counter())[str(status)] += 1
            if fault:
                self.faults[fault] += 1
            self.log.append({"method": method, "path": target, "endpoint": endpoint, "status": status, "fault": fault})

    def record_dropped(self) -> None:
        with self._lock:
            self.dropped += 1
            self._dropped_changed.notify_all()

    def wait_dropped(self, count: int, timeout: float) -> bool:
        with self._lock:
            return self._dropped_changed.wait_for(lambda: self.dropped >= count, timeout)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": self.requests,
                "dropped": self.dropped,
                "by_status": dict(self.by_status),
                "by_endpoint": {
                    name: {"requests": sum(c.values()), "by_status": dict(c)}
                    for name, c in sorted(self.by_endpoint.items())
                },
                "faults": dict(self.faults),
                "log": list(self.log),
            }


class FakeHub:
    """The server, usable as a context manager; see the module docstring."""

    def __init__(
        self,
        seed: int = 0,
        scale: str = "small",
        faults: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rest_budget: int = 5000,
        graphql_budget: int = 5000,
        unauthenticated_budget: int = 60,
        rate_window_seconds: float = 3600,
        hf_budget: int = 1000,
        hf_anonymous_budget: int = 500,
        hf_window_seconds: float = 300,
        hf_page_size: int = 1000,
        hf_trending_refresh_pages: int = 20,
        hf_permissive: bool = False,
        retry_after_seconds: int = 1,
        fault_delay_seconds: float = 0.0,
        snapshot: str | None = None,
        secondary_rest_points: int = 900,
        secondary_graphql_points: int = 2000,
        secondary_window_seconds: float = 60,
        contributor_email_limit: int = 500,
        stats_commit_limit: int = 10_000,
        contributors_history_limit: int = CONTRIBUTORS_HISTORY_LIMIT,
        page_number_limit: int = 10,
        clock_step_seconds: float = 0,
        still_rate_clock: bool = False,
        graphql_timeout_nodes: int = TIMEOUT_NODES,
        enterprise: bool = False,
        cursor_lifetime_seconds: int | None = CURSOR_LIFETIME_SECONDS,
        hostile_records: bool = False,
        oversized: Oversized = OFF,
        collaborator_of: Iterable[str] | str = (),
        stargazer_refusal: str = "forbidden",
    ):
        self.enterprise = enterprise
        self.hostile_records = hostile_records  # ecometrics.fakehub.hostile: off, as the real APIs send no garbage
        self.oversized = oversized  # ecometrics.fakehub.oversized: off, as the real APIs answer in megabytes at most
        self.world = World.from_snapshot(snapshot) if snapshot else World(seed, scale)
        self.faults = Faults(faults, seed)
        self.world.github.contributor_email_limit = contributor_email_limit
        self.world.github.cursor_lifetime_seconds = cursor_lifetime_seconds
        self.world.github.collaborator_of = collaborators(collaborator_of)
        if stargazer_refusal not in ("forbidden", "empty"):
            raise ValueError(f"stargazer_refusal={stargazer_refusal!r}: use 'forbidden' or 'empty'")
        self.world.github.stargazer_refusal = stargazer_refusal
        self.rest = GitHubRest(
            self.world.github,
            stats_commit_limit=stats_commit_limit,
            page_number_limit=page_number_limit,
            contributors_history_limit=contributors_history_limit,
        )
        self.secondary_rest = Budget(secondary_rest_points, secondary_window_seconds, self.rate_time)
        self.secondary_graphql = Budget(secondary_graphql_points, secondary_window_seconds, self.rate_time)
        self._refusals: Counter[str] = Counter()  # answers per refusal kind, so the real shapes alternate
        self.clock_step_seconds = clock_step_seconds
        self.graphql = GraphQLApi(self.world.github)
        self.graphql_timeout_nodes = graphql_timeout_nodes
        self.hf = HfApi(
            self.world.models,
            self.world.clock,
            hf_page_size,
            permissive=hf_permissive,
            trending_refresh_pages=hf_trending_refresh_pages,
            private_models=snapshot is None,  # a snapshot lists only the models it was taken with
        )
        self.modelscope = ModelScopeApi(self.world.modelscope, self.world.clock)
        self._skipped = 0.0  # seconds hub.sleep() passed on the rate limits' clock
        self._rate_clock_start = time.time() if still_rate_clock else None
        self.rest_budget = Budget(rest_budget, rate_window_seconds, self.rate_time)
        self.graphql_budget = Budget(graphql_budget, rate_window_seconds, self.rate_time)
        self.unauthenticated_budget = unauthenticated_budget
        self.hf_budget = Budget(100_000 if hf_permissive else hf_budget, hf_window_seconds)
        self.hf_anonymous_budget = 100_000 if hf_permissive else hf_anonymous_budget
        self.retry_after = retry_after_seconds
        self.fault_delay = fault_delay_seconds
        self._stats = Stats()
        self._gate = RequestGate()
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeHub:
        hub = self

        class Handler(_Handler):
            pass

        Handler.hub = hub
        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fakehub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._gate.resume()  # a held request ends with the server, not after it
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeHub is not started"
        return f"http://{self._host}:{self._server.server_port}"

    # -- Python API ------------------------------------------------------------------
    def truth(self, include_models: bool = True) -> dict:
        truth = self.world.truth(include_models)
        # the private models a token lists (ecometrics.fakehub.hf): never among the public models above
        private = self.hf.private_records() if self.hf.private_models else []
        truth["hf"]["private"] = sorted(rec["id"] for _, _, rec in private)
        return truth

    def advance(self, days: int) -> None:
        self.world.advance(days)

    def rate_time(self) -> float:
        """The clock of GitHub's rate limits: wall-clock epoch seconds plus those skipped.

        ``x-ratelimit-reset`` and ``Retry-After`` are read on it; a test gives a client
        ``clock=hub.rate_time`` and ``sleep=hub.sleep`` and every wait takes no time."""
        now = time.time() if self._rate_clock_start is None else self._rate_clock_start
        return now + self._skipped

    def sleep(self, seconds: float) -> None:
        """A client's wait, passed on the rate limits' clock instead of waited out.

        Tests hand this to a client as its ``sleep``: a ``Retry-After`` or a backoff is
        then honoured exactly, at no wall-clock cost (also ``POST /_fakehub/sleep?seconds=N``).
        """
        with self.world.lock:
            self._skipped += max(0.0, seconds)

    def pause_after(self, requests: int) -> threading.Event:
        """Answer ``requests`` more API requests, then hold the rest until :meth:`resume`; the
        event returned is set once a request is held (see :mod:`ecometrics.fakehub.gate`)."""
        return self._gate.pause_after(requests)

    def resume(self) -> None:
        """Answer the requests :meth:`pause_after` held, and every later one."""
        self._gate.resume()

    def stats(self) -> dict:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    def wait_dropped(self, count: int = 1, timeout: float = 30.0) -> bool:
        """Wait until ``count`` connections were dropped by their clients (``stats()["dropped"]``:
        killed or gone while fakehub held or wrote their answer); False after ``timeout`` seconds."""
        return self._stats.wait_dropped(count, timeout)

    def expire_hf_budget(self, _seconds: float = 0.0) -> None:
        """End the Hub's rate-limit windows now; usable as a client's ``sleep`` hook."""
        self.hf_budget.clear()

    # -- dispatch ----------------------------------------------------------------------
    def respond(self, req: Request) -> tuple[str, Response, str | None]:
        """(endpoint name, response, fault kind) for one request."""
        if req.path.startswith("/_fakehub/"):
            return self._control(req) + (None,)
        self._gate.enter()
        if self.clock_step_seconds:  # time moves while a client walks its pages
            with self.world.lock:
                self.world.clock.tick(self.clock_step_seconds)
        is_ms = req.path.startswith(("/openapi/v1/", "/api/v1/"))  # ModelScope's OpenAPI and legacy surfaces
        is_hf = req.path.startswith("/api/") and not is_ms
        is_graphql = req.path == "/graphql"
        if self.enterprise:
            req, is_graphql, is_hf = self._enterprise_layout(req, is_hf)
        key = f"{req.method} {req.path}?{req.query}" + (
            hashlib.blake2b(req.body, digest_size=8).hexdigest() if req.body else ""
        )
        fault = self.faults.draw(key, skip=FIELD_KINDS)
        if fault in ("429", "secondary", "5xx"):
            if is_ms:
                return "ms.fault", self._ms_fault_response(fault, key), fault
            endpoint = "hf.fault" if is_hf else "fault"
            return endpoint, self._fault_response(fault, key, is_hf, graphql=is_graphql), fault
        if is_ms:
            with self.world.lock:
                endpoint, resp = self.modelscope.route(req)
            resp.headers["Date"] = http_date(self.world.clock.now)
        elif is_hf:
            endpoint, resp = self._hf(req)
        elif is_graphql:
            endpoint, resp = self._graphql(req)
        else:
            endpoint, resp = self._github_rest(req)
        return endpoint, resp, fault

    def _enterprise_layout(self, req: Request, is_hf: bool) -> tuple[Request, bool, bool]:
        """(request as the GitHub routes see it, is GraphQL, is the Hub) in GitHub Enterprise
        Server's layout: REST under ``/api/v3`` (its links too), GraphQL at ``/api/graphql``.
        A GitHub path at the root, or ``/api/v3/graphql``, reaches the REST routes as a path
        they do not know, and answers their 404."""
        if req.path == ENTERPRISE_GRAPHQL:
            return replace(req, path="/graphql"), True, False
        if req.path == ENTERPRISE_REST or req.path.startswith(ENTERPRISE_REST + "/"):
            rest_path = req.path[len(ENTERPRISE_REST) :] or "/"
            return replace(req, path=rest_path, base_url=req.base_url + ENTERPRISE_REST), False, False
        if is_hf:
            return req, False, True
        return replace(req, path="/_not_here" + req.path), False, False

    def _fault_response(self, fault: str, key: str, is_hf: bool, *, graphql: bool = False) -> Response:
        """An injected fault's answer. GraphQL's passing 502 carries the same body as a whole
        document GitHub timed out on ("Something went wrong ... may be the result of a
        timeout", cli/cli issue 6247): a client cannot tell a brief failure from a document
        too heavy by the answer alone, only by asking again."""
        retry = {"Retry-After": str(self.retry_after)}
        if fault == "5xx":
            status = (500, 502, 503)[self.faults.variant(key) % 3]
            if graphql and status == 502:
                return timeout_response(1)
            if is_hf:
                return Response.json({"error": "Internal Error"}, status)
            return Response.json({"message": "Server Error"}, status)
        if is_hf:
            return Response.json({"error": "You have been rate-limited; retry later."}, 429, retry)
        status = 429 if fault == "429" else 403
        return Response.json(
            {"message": SECONDARY_MESSAGE, "documentation_url": GITHUB_DOCS + "#about-secondary-rate-limits"},
            status,
            retry,
        )

    def _ms_fault_response(self, fault: str, key: str) -> Response:
        """ModelScope's answers to an injected fault, in its OpenAPI error envelope (see ecometrics.fakehub.modelscope)."""
        if fault == "5xx":
            status = (500, 502, 503)[self.faults.variant(key) % 3]
            return ms_server_error(status)
        resp = ms_error(429, "RateLimitExceed", "Too many requests, please retry later.")
        resp.headers["Retry-After"] = str(self.retry_after)
        return resp

    def _control(self, req: Request) -> tuple[str, Response]:
        path = req.path
        if path == "/_fakehub/stats":
            return "control", Response.json(self.stats())
        if path == "/_fakehub/stats/reset":
            self.reset_stats()
            return "control", Response.json({"ok": True})
        if path == "/_fakehub/advance":
            try:
                days = int(req.arg("days", "1"))
                self.advance(days)
            except ValueError as e:
                return "control", Response.json({"error": str(e)}, 400)
            return "control", Response.json({"day": self.world.clock.today, "now": iso(self.world.clock.now)})
        if path == "/_fakehub/sleep":
            try:
                self.sleep(float(req.arg("seconds", "0")))
            except ValueError as e:
                return "control", Response.json({"error": str(e)}, 400)
            return "control", Response.json({"ok": True})
        if path == "/_fakehub/hostile":
            self.hostile_records = req.arg("on", "0") == "1"
            return "control", Response.json({"hostile_records": self.hostile_records})
        if path == "/_fakehub/oversized":
            self.oversized = Oversized.of(
                req.int_arg("bytes", 0, lo=0), req.arg("endpoints", "").split(","), req.arg("chunked", "0") == "1"
            )
            return "control", Response.json(self.oversized.describe())
        if path == "/_fakehub/truth":
            include = req.arg("models", "1") not in ("0", "false")
            return "control", Response.json(self.truth(include))
        return "control", Response.json({"error": f"unknown control endpoint {path}"}, 404)

    # GitHub ---------------------------------------------------------------------------
    def _github_identity(self, req: Request) -> tuple[str, int | None]:
        token = req.token
        if token is None:
            return f"anon:{req.client}", self.unauthenticated_budget
        return f"token:{token}", None

    @staticmethod
    def _rate_headers(w: Window, resource: str) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(w.limit),
            "X-RateLimit-Remaining": str(w.remaining),
            "X-RateLimit-Reset": str(w.reset),
            "X-RateLimit-Used": str(w.used),
            "X-RateLimit-Resource": resource,
        }

    def _github_headers(self, resp: Response) -> Response:
        resp.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        resp.headers["Date"] = http_date(self.world.clock.now)
        resp.headers.setdefault("X-GitHub-Media-Type", "github.v3; format=json")
        resp.headers.setdefault("X-GitHub-Api-Version-Selected", "2022-11-28")
        return resp

    def _github_rest(self, req: Request) -> tuple[str, Response]:
        if req.token and req.token.startswith("invalid"):
            return "auth", self._github_headers(
                Response.json(
                    {
                        "message": "Bad credentials",
                        "documentation_url": "https://docs.github.com/rest",
                        "status": "401",
                    },
                    401,
                )
            )
        key, limit = self._github_identity(req)
        if req.path == "/rate_limit":
            core = self.rest_budget.peek(key, limit)
            gql = self.graphql_budget.peek(key) if req.token else Window(0, 0, core.reset)
            body = {
                "resources": {
                    "core": self._window_json(core),
                    "graphql": self._window_json(gql),
                    "search": {"limit": 30, "used": 0, "remaining": 30, "reset": core.reset},
                },
                "rate": self._window_json(core),
            }
            return "rate_limit", self._github_headers(Response.json(body, 200, self._rate_headers(core, "core")))
        with self.world.lock:
            tripped = self._secondary_limit(self.secondary_rest, key, "core", self.rest_budget.peek(key, limit))
            if tripped is not None:
                return "secondary_limited", self._github_headers(tripped)
            ok, window = self.rest_budget.spend(key, 1, limit)
            if not ok:
                who = f"user ID {stable_hash(key) % 10**7}" if req.token else req.client
                resp = Response.json(
                    {
                        "message": f"API rate limit exceeded for {who}. (But here's the good news: "
                        "Authenticated requests get a higher rate limit. Check out the "
                        "documentation for more details.)"
                        if not req.token
                        else f"API rate limit exceeded for {who}.",
                        "documentation_url": GITHUB_DOCS + "#about-the-primary-rate-limit",
                    },
                    403,
                )
                resp.headers.update(self._rate_headers(window, "core"))
                return "rate_limited", self._github_headers(resp)
            endpoint, resp = self.rest.route(req)
            if resp.status == 200:
                etag = 'W/"' + hashlib.sha256(resp.body).hexdigest() + '"'
                resp.headers["ETag"] = etag
                resp.headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
                if req.headers.get("if-none-match") == etag:
                    window = self.rest_budget.refund(key, 1)
                    resp = Response(304, b"", {"ETag": etag, "Cache-Control": resp.headers["Cache-Control"]})
        resp.headers.update(self._rate_headers(window, "core"))
        return endpoint, self._github_headers(resp)

    def _partial_fault(self, field: str, kind: str = "partial") -> bool:
        """Whether this resolution of one GraphQL field times out: an aliased repository
        (fault kind ``partial``, ``field`` its full name) or a ``nodes(ids:)`` item (``node``, its id)."""
        key = f"graphql-alias {field}" if kind == "partial" else f"graphql-node {field}"
        if self.faults.draw(key, only=kind) != kind:
            return False
        with self._stats._lock:
            self._stats.faults[kind] += 1
        return True

    def _secondary_limit(self, budget: Budget, key: str, resource: str, primary: Window) -> Response | None:
        """GitHub's secondary rate limit, or None when the request may go on.

        Points per minute, one a GET or a query: "No more than 900 points per minute are
        allowed for REST API endpoints, and no more than 2,000 points per minute are allowed
        for the GraphQL API endpoint" (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits).
        The REST answer is 403 or 429 ("If you exceed a secondary rate limit, you will
        receive a 403 or 429 response and an error message that indicates that you exceeded
        a secondary rate limit"), with only sometimes a ``retry-after`` ("If the retry-after
        response header is present ... Otherwise, if the x-ratelimit-remaining header is 0
        ... Otherwise, wait for at least one minute"): here the 1st of every four refusals and
        the 4th have one, the 2nd and 3rd do not, and every third REST refusal is a 429.
        GraphQL's refusal is a 403 or an HTTP 200 whose ``errors`` carry the message with
        no ``path`` and no ``type`` (GitHub's GraphQL docs, "Rate limits and query limits
        for the GraphQL API", exceeding the rate limit: "the response status will be 200 or
        403"); they alternate, 200 first. So any two refusals in a row show both GraphQL
        shapes and both kinds of REST wait. The primary budget's headers go along unchanged.
        """
        ok, window = budget.spend(key, 1)
        if ok:
            return None
        self._refusals[resource] += 1
        trip = self._refusals[resource]
        headers = self._rate_headers(primary, resource)
        if trip % 4 in (0, 1):
            headers["Retry-After"] = str(max(1, int(window.reset - self.rate_time() + 0.999)))
        if resource == "graphql" and trip % 2:
            return Response.json({"errors": [{"message": SECONDARY_MESSAGE}]}, 200, headers)
        status = 429 if resource == "core" and trip % 3 == 0 else 403
        return Response.json(
            {"message": SECONDARY_MESSAGE, "documentation_url": GITHUB_DOCS + "#about-secondary-rate-limits"},
            status,
            headers,
        )

    @staticmethod
    def _window_json(w: Window) -> dict:
        return {"limit": w.limit, "used": w.used, "remaining": w.remaining, "reset": w.reset}

    def _graphql(self, req: Request) -> tuple[str, Response]:
        if req.method != "POST":
            return "graphql", self._github_headers(
                Response.json({"message": "Not Found", "documentation_url": "https://docs.github.com/graphql"}, 404)
            )
        if req.token is None or req.token.startswith("invalid"):
            return "graphql", self._github_headers(
                Response.json(
                    {
                        "message": "This endpoint requires you to be authenticated."
                        if req.token is None
                        else "Bad credentials",
                        "documentation_url": "https://docs.github.com/graphql",
                    },
                    401,
                )
            )
        key = f"token:{req.token}"
        with self.world.lock:
            tripped = self._secondary_limit(self.secondary_graphql, key, "graphql", self.graphql_budget.peek(key))
            if tripped is not None:
                return "graphql.secondary_limited", self._github_headers(tripped)
            prepared = self.graphql.prepare(req)
            if isinstance(prepared, Response):
                window = self.graphql_budget.peek(key)
                prepared.headers.update(self._rate_headers(window, "graphql"))
                return "graphql", self._github_headers(prepared)
            cost = prepared[3]
            ok, window = self.graphql_budget.spend(key, cost)
            if not ok:
                # Two shapes are seen: the documented RATE_LIMITED with remaining 0, and
                # RATE_LIMIT / graphql_rate_limit whose headers still show what is left when the
                # query costs more than that (yanyongyu/githubkit issue 271, githubkit/graphql/
                # __init__.py accepts both; octokit/plugin-throttling.js issue 632). They alternate.
                self._refusals["graphql-primary"] += 1
                who = f"user ID {stable_hash(key) % 10**7}"
                if self._refusals["graphql-primary"] % 2:
                    body = {"type": "RATE_LIMITED", "message": f"API rate limit exceeded for {who}."}
                    shown = Window(window.limit, window.limit, window.reset)
                else:
                    body = {
                        "type": "RATE_LIMIT",
                        "code": "graphql_rate_limit",
                        "message": f"API rate limit already exceeded for {who}.",
                    }
                    shown = window
                resp = Response.json({"errors": [body]})
                resp.headers.update(self._rate_headers(shown, "graphql"))
                return "graphql.rate_limited", self._github_headers(resp)
            if prepared[4] > self.graphql_timeout_nodes:  # too heavy for GitHub's 10 seconds; charged all the same
                self._refusals["graphql-timeout"] += 1
                resp = timeout_response(self._refusals["graphql-timeout"])
                resp.headers.update(self._rate_headers(window, "graphql"))
                return "graphql.timeout", self._github_headers(resp)
            resp = self.graphql.execute(req, prepared, window, self._partial_fault)
        resp.headers.update(self._rate_headers(window, "graphql"))
        # profile look-ups are counted apart from the repository documents
        endpoint = (
            "graphql.nodes" if top_level_fields(prepared[0], prepared[2]) <= {"nodes", "rateLimit"} else "graphql"
        )
        return endpoint, self._github_headers(resp)

    # Hugging Face -----------------------------------------------------------------------
    def _hf(self, req: Request) -> tuple[str, Response]:
        key = f"token:{req.token}" if req.token else f"anon:{req.client}"
        with self.world.lock:
            ok, window = self.hf_budget.spend(key, 1, None if req.token else self.hf_anonymous_budget)
            reset_in = max(0, int(window.reset - time.time()))
            headers = {
                "RateLimit": f'"api";r={window.remaining};t={reset_in}',
                "RateLimit-Policy": f'"fixed window";"api";q={window.limit};w={int(self.hf_budget.window)}',
            }
            if not ok:
                resp = Response.json(
                    {"error": f"You have been rate-limited; you can retry this action in about {reset_in} seconds."},
                    429,
                )
                endpoint = "hf.rate_limited"
            elif req.token and req.token.startswith("invalid"):
                message = "Invalid credentials in Authorization header"
                resp = Response.json({"error": message}, 401, {"X-Error-Message": message})
                endpoint = "hf.auth"
            else:
                endpoint, resp = self.hf.route(req)
        resp.headers.update(headers)
        resp.headers["Date"] = http_date(self.world.clock.now)
        return endpoint, resp


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakehub"
    # Headers and body leave in two writes; with Nagle on, every keep-alive response
    # waited ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    hub: FakeHub

    def log_message(self, format, *args) -> None:  # quiet: stats keep the log
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            # The client went away (killed, or gave up) before its answer was written: a real
            # server drops the connection without a word, where socketserver prints a traceback.
            self.close_connection = True
            self.hub._stats.record_dropped()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request.parse(self.command, self.path, headers, body, self.client_address[0])
        endpoint, resp, fault = self.hub.respond(req)
        if self.hub.hostile_records:
            resp = corrupted(endpoint, resp)
        if endpoint != "control":  # the stats describe API traffic only
            self.hub._stats.record(endpoint, 0 if fault == "timeout" else resp.status, req.method, self.path, fault)
        if fault == "timeout":
            if self.hub.fault_delay:
                time.sleep(self.hub.fault_delay)
            self.close_connection = True
            return
        self.log_request(resp.status)
        self.send_response_only(resp.status)
        self.send_header("Server", "fakehub")
        if "Date" not in resp.headers:
            self.send_header("Date", http_date(self.hub.world.clock.now))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        oversized = self.hub.oversized
        grown = (
            endpoint != "control"
            and fault is None
            and self.command != "HEAD"
            and oversized.applies(endpoint, resp.status)
        )
        for name, value in (oversized.headers(resp.body) if grown else {"Content-Length": str(len(resp.body))}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD" or resp.status == 304:
            return
        if grown:
            oversized.write(self.wfile, resp.body)
            return
        if fault == "truncate":
            self.wfile.write(resp.body[: len(resp.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(resp.body)

    do_GET = do_POST = do_HEAD = _serve


def collaborators(names: Iterable[str] | str) -> frozenset[str] | str:
    """``collaborator_of`` as :class:`ecometrics.fakehub.generator.GitHubWorld` keeps it: ``"*"``, or the
    lower-case ``owner/name`` of each repository named (a string is comma-separated)."""
    if isinstance(names, str):
        names = names.split(",")
    wanted = frozenset(name.strip().lower() for name in names if name.strip())
    return "*" if "*" in wanted else wanted


def main(argv: list[str] | None = None) -> int:
    """``fakehub serve``: print the base URL on the first line, serve until stopped."""
    parser = argparse.ArgumentParser(
        prog="ecometrics fakehub serve", description="Serve the offline GitHub + Hugging Face API double."
    )
    add_serve_arguments(parser)
    args = parser.parse_args(argv)
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    """Serve until stopped: the base URL on the first line, then the environment that points
    ecometrics at it (URLs and fakehub's tokens), ready for a shell's ``eval``."""
    windows: dict[str, Any] = {}  # the real windows unless asked for the demo's
    if args.demo_windows:
        windows = {
            "hf_window_seconds": DEMO_HF_WINDOW_SECONDS,
            "secondary_window_seconds": DEMO_SECONDARY_WINDOW_SECONDS,
        }
    hub = FakeHub(
        seed=args.seed,
        scale=args.scale,
        faults=args.faults,
        host=args.host,
        port=args.port,
        snapshot=args.snapshot,
        collaborator_of=args.collaborator_of,
        stargazer_refusal=args.stargazer_refusal,
        **windows,
    )
    try:
        hub.start()
    except OSError as exc:  # the port taken or privileged, the host not this machine's
        raise InputError(
            f"--port {args.port}: cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
            "pass another --port, or 0 for a free one"
        ) from None
    print(hub.url, flush=True)
    print("# point ecometrics at this fakehub (synthetic data; any token but 'invalid...' is accepted):", flush=True)
    print(export_line(hub.url), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
