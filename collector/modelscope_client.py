"""The one client for ModelScope's model API: endpoint, token, retries, counts.

It is ModelScope's official client, ``modelscope_hub`` (the ``modelscope`` SDK's
``modelscope.hub.api.HubApi`` is a shim over it since 1.40), used as it reads the
environment and as it calls the API:

- the endpoint: ``MODELSCOPE_ENDPOINT``, else the deprecated ``MODELSCOPE_DOMAIN``, else
  ``https://modelscope.cn`` (``config.py`` ``HubConfig.__post_init__``, lines 129-146);
- the token: ``MODELSCOPE_API_TOKEN``, else the credential ``ms-hub login`` saved under
  ``MODELSCOPE_HOME`` (config.py 151-160); the client sends it as ``Authorization: Bearer``
  (``_openapi.py`` ``_auth_headers``, 342-348). The public reads need none;
- a model listing by owner, ``HubApi.list_repos("model", owner=, page_number=, page_size=)``
  (``api.py`` 1047-1165: ``GET /openapi/v1/models``, ``_openapi.py`` 687-714), and one model,
  ``HubApi.get_repo(id, "model")`` (api.py 980-1045: ``GET /openapi/v1/models/{owner}/{name}``,
  then the legacy ``GET /api/v1/models/{id}`` when that says not found; a private model is
  not found there either, see :meth:`ModelScopeClient.model`). Both return
  ``RepoInfo`` (``types.py`` 392-419): ``downloads``, ``likes``, ``created_at``,
  ``last_modified``, ``license``, ``tags``, ``tasks``. The client exposes no base model.

What it does not take from the SDK is the retry loop: the OpenAPI client retries 429/5xx and
network errors up to ``MODELSCOPE_API_MAX_RETRIES`` (5) times with ``time.sleep`` (_openapi.py
``_send``, 590-633) and the legacy client mounts urllib3's ``Retry(backoff_factor=0.5)``
(``_legacy_api.py`` 139-151): waits nobody can bound, count or cancel. Here both try once and
:meth:`ModelScopeClient.call` retries, honouring ``Retry-After`` (``RateLimitError.retry_after``,
errors.py 681-692) up to ``max_wait``, with the project's backoff and a ``sleep`` hook that a stop
request wakes. A requests ``Session`` hook counts every answer by status and keeps the last
``Date`` (ModelScope's "today"; fakehub's clock is simulated).

Bounded answers: both clients of the library ask without ``stream=True``, so requests would read
a body of any size whole, and then ``json.loads`` it. The same hook, which ``Session.send`` calls
before it reads the body (requests/sessions.py), reads it within
:attr:`ecometrics.collector.http.AnswerLimits.modelscope` (:func:`ecometrics.collector.http.read_requests_body`,
which keeps it as the answer's content, as the library itself does for its bounded reads); an
answer over it raises :class:`ecometrics.collector.http.AnswerTooLarge`, which the library's retry
loops, catching only requests' failures, let through. :meth:`ModelScopeClient.call` refuses it
without retrying, counted by endpoint in ``refused_answers``.

Fatal answers stop the run with an :class:`ecometrics.core.errors.InputError` naming the fix: a token the
API refuses (401 ``InvalidAuthentication``, ``AuthenticationError``: every call would meet it),
and a first request that cannot connect at all (a wrong host, no network).
"""

from __future__ import annotations

import functools
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TypeVar

import requests
from modelscope_hub import HubApi
from modelscope_hub._legacy_api import LegacyClient
from modelscope_hub._openapi import OpenAPIClient
from modelscope_hub.config import HubConfig
from modelscope_hub.constants import Visibility
from modelscope_hub.errors import (
    AuthenticationError,
    NetworkError,
    NotExistError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from modelscope_hub.types import PagedResult, RepoInfo

from ecometrics.collector import cancel
from ecometrics.collector.http import (
    ANSWER_LIMITS,
    AnswerLimits,
    AnswerTooLarge,
    Unreachable,
    check_endpoint,
    check_token,
    http_date,
    read_requests_body,
    retry_delay,
)
from ecometrics.core.errors import InputError

log = logging.getLogger(__name__)

# The listing's bounds: at most 50 a page (compat/hub_api.py ``_OPENAPI_MAX_PAGE_SIZE``) and
# page_number * page_size <= 3,000 (_openapi.py ``list_models`` refuses more before sending).
PAGE_SIZE = 50
LISTING_DEPTH = 3000
TOKEN_SETTINGS_URL = "https://modelscope.cn/my/myaccesstoken"

T = TypeVar("T")


class ModelScopeTokenRejected(InputError):
    """ModelScope refused the token itself: every call would."""


class ModelScopeUnreachable(Unreachable):
    """The first request could not reach the endpoint at all."""

    api, variable, instead = "ModelScope", "MODELSCOPE_ENDPOINT", "an endpoint you can reach"


class ModelScopeUnavailable(Exception):
    """ModelScope kept failing for one request; the message names it."""


class _EnvelopeCheckingLegacyClient(LegacyClient):
    """``LegacyClient`` that reads a business failure in a 200 as the failure it is.

    The legacy surface reports some refusals inside an HTTP 200 envelope, ``{"Code":
    10010101004, "Message": "get model info failed, err: unauthorized permission", "Success":
    false}`` for a private model (the ``modelscope`` SDK's hub/errors.py ``is_ok`` docstring;
    its hub/api.py ``HubApi.get_model`` raises ``NotExistError`` when ``is_ok`` fails on a 200).
    ``LegacyClient.get_repo_info`` checks the HTTP status only, and ``_json_data`` returns the
    whole envelope when it has no ``Data``, which ``HubApi.get_repo`` turns into a ``RepoInfo``
    of zeros: a private model would be stored with no downloads. The check follows the one
    ``modelscope_hub`` makes on its own file listing (``_legacy_api.py``
    ``LegacyClient.iter_dataset_file_pages``: "a business failure with HTTP 200"): ``Success``
    false, or a ``Code`` other than 200, is a failure and a body without ``Code`` is not; unlike
    it, a ``Code`` of null is a failure too, as the SDK's ``is_ok`` wants ``Code`` 200. A body
    that is not an object is left to ``LegacyClient._json_data``. This overrides a private
    method: pyproject.toml pins ``modelscope-hub`` below 0.6 for it."""

    def _json_data(self, resp: requests.Response) -> object:
        body = resp.json()
        if isinstance(body, dict) and (body.get("Success") is False or body.get("Code", 200) not in (200, "200")):
            raise NotExistError(
                str(body.get("Message") or "the legacy API refused the request"),
                status_code=resp.status_code,
                response_body=body,
                url=resp.url,
                method="GET",
            )
        return super()._json_data(resp)


class _OneAttemptHubApi(HubApi):
    """``HubApi`` whose two HTTP clients try each request once (the retries are the caller's), the
    legacy one reading a business failure in a 200 as a failure (:class:`_EnvelopeCheckingLegacyClient`)."""

    def __init__(self, config: HubConfig, session: requests.Session):
        super().__init__(config)
        self._openapi = OpenAPIClient(config, session=session, max_retries=1)
        self._legacy = _EnvelopeCheckingLegacyClient(token=config.token, endpoint=config.endpoint or "", max_retries=0)
        self._legacy._session.hooks = session.hooks  # its answers are counted with the others


def is_private(info: RepoInfo) -> bool:
    """Whether ModelScope shows ``info`` to its owner only: ``private`` (the OpenAPI record) or
    ``Visibility`` 1 (the legacy record, ``constants.py`` ``Visibility.PRIVATE``). A gated record
    without ``private`` is not taken for one, though ``HubApi._repo_info_from_payload`` marks it
    ``Visibility.PRIVATE`` ("visibility unknown + gated=True"): gated models are public."""
    if info.private is not None:
        return info.private is True
    return info.visibility == Visibility.PRIVATE and not info.gated


class ModelScopeClient:
    """ModelScope's model API through its official client, with retries and counts.

    >>> client = ModelScopeClient()     # MODELSCOPE_ENDPOINT, MODELSCOPE_API_TOKEN from the environment
    >>> [m.repo_id for m in client.owner_models("Qwen")][:1]
    ['Qwen/Qwen3-8B']
    """

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        *,
        max_retries: int = 8,
        backoff: float = 1.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = cancel.sleep,
        answer_limits: AnswerLimits = ANSWER_LIMITS,
    ):
        check_endpoint(
            "endpoint" if endpoint else "MODELSCOPE_ENDPOINT",
            endpoint or os.environ.get("MODELSCOPE_ENDPOINT"),
            bare_host_ok=True,  # modelscope_hub reads a bare domain as https://DOMAIN
        )
        check_token("MODELSCOPE_API_TOKEN", token if token is not None else os.environ.get("MODELSCOPE_API_TOKEN"))
        self.answer_limits = answer_limits
        self.refused_answers: Counter[str] = Counter()  # answers over their bound, by endpoint
        self.session = requests.Session()
        self.session.hooks["response"].append(self._note)
        self.config = HubConfig(endpoint=endpoint, token=token)
        self.api = _OneAttemptHubApi(self.config, self.session)
        self.endpoint: str = self.config.endpoint or ""  # always set after HubConfig.__post_init__ (config.py 149)
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests: dict[str, int] = {}
        self.server_date: str | None = None  # the Date of the last answer, YYYY-MM-DD
        self._answered = False

    # -- the two reads ------------------------------------------------------------------

    def owner_models(self, owner: str) -> list[RepoInfo]:
        """Every model ``owner`` lists (at most the listing's 3,000), each once.

        The listing's order follows download counts, which move while the pages are read, so
        a model can slip from one page to the next: when fewer distinct models than the
        listing's ``total_count`` came back, the walk is read again and the two joined. A private
        model the listing shows its owner's token counts in that total, and is left out of what
        is returned (:func:`is_private`).
        """
        seen: dict[str, RepoInfo] = {}
        total = 0
        for _walk in range(3):
            for page in self._pages(owner):
                total = page.total_count
                for info in page.items:
                    if info.repo_id:
                        seen.setdefault(info.repo_id, info)
            if len(seen) >= min(total, LISTING_DEPTH):
                break
            log.info("modelscope %s: %d of %d models seen; the order moved, reading again", owner, len(seen), total)
        return [info for info in seen.values() if not is_private(info)]

    def model(self, model_id: str) -> RepoInfo | None:
        """One model, or None when ModelScope does not show it to this caller.

        A model that does not exist and a private one look alike on the OpenAPI surface (404
        ``ResourceNotFound``, "does not exist or is not visible to the caller", ``api.py``
        ``HubApi.get_repo`` 1005-1006); the legacy surface the client then asks refuses a private
        one with an error status (``PermissionDeniedError``: the ``modelscope`` SDK's
        ``hub/errors.py`` ``handle_http_response``, "may not exist or may be private. Please login
        first") or inside a 200 (``NotExistError``, see :class:`_EnvelopeCheckingLegacyClient`).
        To a caller with its owner's token the legacy surface shows a private model (``Visibility``
        1): it is treated as not shown, as for an anonymous caller (:func:`is_private`), so a run
        stores what an anonymous run stores.
        """
        try:
            info = self.call(f"model {model_id}", lambda: self.api.get_repo(model_id, "model"))
        except (NotExistError, PermissionDeniedError):
            return None
        return None if is_private(info) else info

    def _pages(self, owner: str) -> Iterator[PagedResult[RepoInfo]]:
        for number in range(1, LISTING_DEPTH // PAGE_SIZE + 1):
            page = self.call(f"models of {owner} (page {number})", functools.partial(self._page, owner, number))
            yield page
            if not page.items or number * PAGE_SIZE >= page.total_count:
                return

    def _page(self, owner: str, number: int) -> PagedResult[RepoInfo]:
        return self.api.list_repos("model", owner=owner, page_number=number, page_size=PAGE_SIZE)

    # -- retries --------------------------------------------------------------------------

    def call(self, what: str, request: Callable[[], T]) -> T:
        """``request()`` with retries of 429, 5xx and network failures; see the module docstring."""
        failure = ""
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                return request()
            except AnswerTooLarge as exc:  # raised by _note: the same server would send it again
                self.refused_answers["models"] += 1
                raise ModelScopeUnavailable(
                    f"modelscope {what}: {exc}; check MODELSCOPE_ENDPOINT ({self.endpoint}) and any proxy in between"
                ) from None
            except AuthenticationError as exc:
                body = getattr(exc, "response_body", None)
                code = body.get("code") or body.get("Code") if isinstance(body, dict) else None
                raise ModelScopeTokenRejected(
                    f"the ModelScope token (MODELSCOPE_API_TOKEN or a saved login) was refused by {self.endpoint} "
                    f"(401{f' {code}' if code else ''}); set "
                    f"MODELSCOPE_API_TOKEN to a valid token from {TOKEN_SETTINGS_URL}, or unset it to collect "
                    "anonymously"
                ) from None
            except RateLimitError as exc:
                failure = "HTTP 429"
                retry_after = getattr(exc, "retry_after", None)
            except ServerError as exc:
                failure = f"HTTP {getattr(exc, 'status_code', None) or '5xx'}"
            except NetworkError as exc:
                self._count("error")
                ModelScopeUnreachable.check(exc, answered=self._answered, endpoint=self.endpoint)
                failure = type(exc).__name__
            except requests.RequestException as exc:  # a body cut short: the legacy client lets it through
                self._count("error")
                failure = type(exc).__name__
            # the library's json.loads on a body nested too deeply (ecometrics.collector.http.json_body)
            except RecursionError:
                self._count("error")
                failure = "unreadable JSON body (the JSON nests too deeply to read)"
            if attempt == self.max_retries:
                break
            delay = retry_delay(attempt, retry_after, self.backoff, self.max_wait)
            log.debug("modelscope %s: %s; retrying in %.3gs", what, failure, delay)
            self.sleep(delay)
        raise ModelScopeUnavailable(f"modelscope {what}: {failure}, still failing after {self.max_retries} retries")

    def _note(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self._answered = True
        self._count(response.status_code)
        when = http_date(response.headers.get("Date"))
        if when is not None:
            self.server_date = when.date().isoformat()
        read_requests_body(response, self.answer_limits.modelscope)  # before requests reads it whole

    def _count(self, key: int | str) -> None:
        self.requests[str(key)] = self.requests.get(str(key), 0) + 1
