"""HTTP rules the API clients share: HTTP dates, ``Retry-After``, retry backoff, ``Link``, the
bounds on an answer's size and depth, and what keeps a connection from being made.

:class:`ecometrics.collector.github_client.GitHubClient`, :class:`ecometrics.collector.hf_client.HfClient` and
:class:`ecometrics.collector.modelscope_client.ModelScopeClient` each own their retry loop (their APIs
signal limits differently); what the loops have in common lives here, once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ecometrics.core.errors import InputError

# The environment variables that point the clients elsewhere, and those that hold their tokens.
ENDPOINT_VARIABLES = ("GITHUB_API_URL", "HF_ENDPOINT", "MODELSCOPE_ENDPOINT")
TOKEN_VARIABLES = ("GITHUB_TOKEN", "HF_TOKEN", "MODELSCOPE_API_TOKEN")


# A bare host (``modelscope.ai``, ``host:8080/base``): modelscope_hub prefixes ``https://`` to one
# (modelscope_hub/config.py, HubConfig.normalize_endpoint); ``javascript:`` is not one.
_BARE_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?(/\S*)?")


MIB = 1024 * 1024


@dataclass(frozen=True)
class AnswerLimits:
    """The most bytes one API answer's body may hold, per API (as the client reads it, after any
    ``gzip`` is undone: a small compressed answer that inflates past its bound is refused too).

    Each is far above what the API answers, so only a broken or hostile server, or a proxy in
    between, meets it; without a bound, ``requests`` and ``httpx`` read a whole body into memory,
    however many gigabytes it holds. Tests pass smaller ones.
    """

    # A REST page holds at most 100 items, and the largest item ecometrics reads is an issue,
    # pull request or comment whose body GitHub caps at 65,536 characters ("body is too long
    # (maximum is 65536 characters)"): 100 x 65,536 characters of 4-byte UTF-8 is 26 MB at worst.
    github_rest: int = 32 * MIB
    # A GraphQL document of ecometrics asks for at most 100 nodes per connection (GitHub's
    # ``first``/``last`` bound) of a few fields each, the issue details with their bodies
    # capped as above: the same worst case as REST; real answers are a few MB at most.
    github_graphql: int = 32 * MIB
    # A listing page holds at most 1,000 models (PAGE_SIZE, the Hub's largest ``limit``) of a
    # few KB each with their tags and safetensors summary: ten or so MB; a model's own answer less.
    hub: int = 64 * MIB
    # A listing page holds at most 50 models (modelscope_client.PAGE_SIZE), a model page one.
    modelscope: int = 16 * MIB


ANSWER_LIMITS = AnswerLimits()
READ_CHUNK = 64 * 1024  # bytes read at a time: the most a refused answer is read past its bound


class AnswerTooLarge(Exception):
    """An answer whose body is over its bound (:class:`AnswerLimits`): refused whole, never parsed
    nor stored. Not a ``requests`` or ``httpx`` failure, so the client libraries' own retry loops
    (modelscope_hub's) let it through to the project's clients, which do not retry it: the same
    server would send the same body again."""

    def __init__(self, url: str, limit: int, declared: int | None = None):
        if declared is not None:
            what = f"declares {declared:,} bytes, over this API's bound of {limit:,}; refused unread"
        else:
            what = f"holds more than this API's bound of {limit:,} bytes; refused, read no further"
        super().__init__(f"{url}: the answer {what}")
        self.url, self.limit, self.declared = url, limit, declared


def read_within(chunks: Iterable[bytes], *, limit: int, url: str, content_length: str | None = None) -> bytes:
    """An answer's body from the ``chunks`` its HTTP library streams, at most ``limit`` bytes, else
    :class:`AnswerTooLarge`: at once, before any of it is read, when its ``Content-Length`` says
    more (RFC 9110 8.6; a value that is not a number is left to the HTTP library, which refuses
    it), else as soon as the bytes read pass the bound."""
    declared = content_length.strip() if content_length else ""
    if declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge(url, limit, int(declared))
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise AnswerTooLarge(url, limit)
    return bytes(body)


def read_requests_body(response: Any, limit: int) -> bytes:
    """The body of a ``requests`` answer not read yet (asked with ``stream=True``, or seen by a
    response hook, which ``Session.send`` calls before it reads the body: requests/sessions.py),
    read within ``limit`` (:func:`read_within`) and kept as the answer's content, so that
    ``.content``, ``.text`` and ``.json()`` read it as they would have. The content is kept the
    way requests' own ``Response.content`` keeps it (``_content``, ``_content_consumed``,
    requests/models.py), as modelscope_hub does for its bounded reads (``OpenAPIClient._send``,
    modelscope_hub/_openapi.py). An answer refused is closed unread: its connection is dropped."""
    try:
        body = read_within(
            response.iter_content(READ_CHUNK),
            limit=limit,
            url=response.url,
            content_length=response.headers.get("Content-Length"),
        )
    except AnswerTooLarge:
        response.close()
        raise
    response._content = body
    response._content_consumed = True
    return body


def bounded_body_hook(limit: int) -> Callable[..., None]:
    """A ``requests`` response hook that reads each answer's body within ``limit``
    (:func:`read_requests_body`). ``Session.send`` calls response hooks before it reads a body
    and before it follows a redirect (requests/sessions.py), whose body it would otherwise read
    whole to release the connection; so every hop of a request is bounded, not only the last."""

    def bound(response: Any, *_args: Any, **_kwargs: Any) -> None:  # None: requests keeps the response
        read_requests_body(response, limit)

    return bound


def json_body(content: bytes | str) -> Any:
    """An API answer's JSON. ``ValueError`` (what the clients retry as an unreadable body) also when
    it nests deeper than Python's parser follows: ``json.loads`` raises ``RecursionError`` there,
    which no caller expects. GitHub's, the Hub's and ModelScope's answers nest a few levels."""
    try:
        return json.loads(content)
    except RecursionError:
        raise ValueError("the JSON nests too deeply to read") from None


def check_endpoint(variable: str, url: str | None, *, bare_host_ok: bool = False) -> None:
    """Refuse an API base URL that is not ``http(s)://HOST...`` (``javascript:``, ``file:``, a bare word).

    Such a value can never be answered: every request would fail alike, and a failure that
    looks like the network's would be retried for minutes. One line names the variable.
    ``bare_host_ok``: a host without a scheme is accepted, for a client that reads it as https.
    """
    if not url:
        return
    if bare_host_ok and _BARE_HOST.fullmatch(url.strip()):
        url = f"https://{url.strip()}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not url.isprintable():
        raise InputError(
            f"{variable} {url[:80]!r} is not an http(s) URL; set it like https://api.example.com, or unset it"
        )


def check_token(variable: str, token: str | None) -> None:
    """Refuse a token that cannot be sent in an HTTP header: a control character (a pasted
    newline) or a character outside Latin-1, which http.client cannot encode (RFC 9110 5.5:
    field values are visible ASCII, space and tab, and obs-text). The token is never shown."""
    if not token:
        return
    try:
        token.encode("latin-1")
    except UnicodeEncodeError:
        raise InputError(
            f"{variable} holds characters an HTTP header cannot carry (not Latin-1); copy the token again"
        ) from None
    if not token.isprintable():
        raise InputError(f"{variable} holds a newline or another control character; copy the token again")


def check_environment(environ: Mapping[str, str] | None = None) -> None:
    """Every endpoint and token variable that is set, checked before a run starts (see above)."""
    environ = os.environ if environ is None else environ
    for variable in ENDPOINT_VARIABLES:
        check_endpoint(variable, environ.get(variable), bare_host_ok=variable == "MODELSCOPE_ENDPOINT")
    for variable in TOKEN_VARIABLES:
        check_token(variable, environ.get(variable))


def http_date(value: str | None) -> dt.datetime | None:
    """An HTTP-date (RFC 9110 5.6.7, e.g. ``Sun, 06 Nov 1994 08:49:37 GMT``) as an aware UTC datetime.

    None when absent or unreadable. A date written with ``-0000`` parses without a zone;
    it is UTC all the same (RFC 5322 3.3), never the local time.
    """
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def retry_after_seconds(
    headers_or_value: Mapping[str, str] | str | None, now: dt.datetime | None = None
) -> float | None:
    """Seconds to wait from ``Retry-After`` (RFC 9110 10.2.3): delay-seconds or an HTTP-date.

    Takes the response headers (any mapping; the name is matched in either case) or the
    header's value. An HTTP-date counts from ``now`` (default: the UTC clock); a date in
    the past means 0. None when the header is absent or unreadable.
    """
    if isinstance(headers_or_value, Mapping):
        value = headers_or_value.get("Retry-After") or headers_or_value.get("retry-after")
    else:
        value = headers_or_value
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = http_date(value)
    if when is None:
        return None
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def backoff_delay(retry: int, base: float, cap: float) -> float:
    """The wait before retry number ``retry`` (1, 2, ...): exponential backoff with full jitter.

    Uniform in ``[0, min(cap, base * 2 ** (retry - 1))]`` ("Exponential Backoff And
    Jitter", AWS Architecture Blog, 2015): clients retrying the same failure spread out
    instead of returning together.
    """
    return random.uniform(0.0, min(cap, base * 2 ** (retry - 1)))


def retry_delay(attempt: int, retry_after: float | None, base: float, cap: float) -> float:
    """The wait after failed attempt ``attempt`` (0, 1, ...): the server's ``retry_after`` when it
    gave one, else :func:`backoff_delay`; never more than ``cap``."""
    if retry_after is None:
        retry_after = backoff_delay(attempt + 1, base, cap)
    return min(cap, retry_after)


def next_link(response: Any) -> str | None:
    """The ``Link: <...>; rel="next"`` target of a response (RFC 8288), absolute; None on a last page.

    Read by the HTTP library's own parser, ``response.links`` (requests ``Response.links``,
    requests/models.py; httpx ``Response.links``), as huggingface_hub's pagination
    (``_get_next_page``, huggingface_hub/utils/_pagination.py) and GrimoireLab Perceval's
    clients (``r.links['next']['url']``, perceval/backends/core/meetup.py) do. Both libraries
    key a link by its ``rel`` value as written, which is how GitHub and the Hub send it:
    one ``rel`` per link.
    """
    link = response.links.get("next")
    return link.get("url") if link else None


# What a failure to connect says of itself, first match wins: a class name anywhere in the
# failure's chain, or a phrase of its text (the OS's strerror, urllib3's wording).
_CONNECT_FAILURES: tuple[tuple[str, set[str], tuple[str, ...]], ...] = (
    ("TLS failed", {"SSLError"}, ("[SSL",)),
    (
        "the host name does not resolve",
        {"gaierror", "NameResolutionError"},
        ("Name or service not known", "Temporary failure in name resolution", "nodename nor servname"),
    ),
    ("connection refused", {"ConnectionRefusedError"}, ("Connection refused",)),
    ("no route to the host", set(), ("Network is unreachable", "No route to host")),
    ("no connection", {"NewConnectionError", "ConnectError"}, ("Failed to establish a new connection",)),
)
# The OpenSSL reason and its words ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed:
# self-signed certificate in certificate chain (_ssl.c:1006)"), and the OS's reason urllib3
# quotes ("Failed to establish a new connection: [Errno 99] Cannot assign requested address"):
# the words a user acts on (a CA bundle, a proxy, a local address).
_TLS_REASON = re.compile(r"\[SSL: ([A-Z_]+)\] ?([^(\'\"\]]*)")
_OS_REASON = re.compile(r"Failed to establish a new connection: ([^\'\")]+)")


class Unreachable(InputError):
    """The first request of a client could not connect at all (no network, a wrong host, refused,
    TLS): every request would fail alike, so the run stops at once instead of retrying for minutes.

    A client's subclass names its API, the environment variable that points it elsewhere, and
    what to point it at.
    """

    api = "the API"
    variable = "the endpoint"
    instead = "one you can reach"

    @classmethod
    def check(cls, exc: BaseException, *, answered: bool, endpoint: str) -> None:
        """Raise one, in one line naming ``endpoint``, why and the fix, when ``exc`` kept a request
        from connecting and nothing has ``answered`` yet; else return (the failure is retried)."""
        problem = None if answered else connection_failure(exc)
        if problem:
            raise cls(
                f"cannot reach {cls.api} at {endpoint} ({problem}); check the network, "
                f"or set {cls.variable} to {cls.instead}"
            ) from None


def connection_failure(exc: BaseException) -> str | None:
    """Why a request never reached the server, in a few words (``connection refused``,
    ``the host name does not resolve``, ``no route to the host``, ``TLS failed: wrong version
    number``), or None when a connection was made and then failed (a transient failure, retried).

    Every client meets it in its own library's wrapping: requests' ``ConnectionError`` holds
    urllib3's ``MaxRetryError`` whose ``reason`` is a ``NewConnectionError`` or
    ``NameResolutionError`` (urllib3/connection.py, ``_new_conn``: "Failed to establish a new
    connection: ..."); httpx's ``ConnectError`` chains the socket's ``OSError`` as its cause
    (httpx/_transports/default.py, ``map_httpcore_exceptions``); modelscope_hub's
    ``NetworkError`` keeps only the text of requests' error (_openapi.py ``_send``:
    ``NetworkError(f"Connection error: {exc}")``). So the failure is read by the class names
    and the text along its whole chain. A connect timeout is not one of these: a slow
    network is worth the retries.
    """
    chain = list(_chain(exc))
    names = {cls.__name__ for failure in chain for cls in type(failure).__mro__}
    text = " ".join(str(failure) for failure in chain)
    for reason, classes, phrases in _CONNECT_FAILURES:
        if names & classes or any(phrase in text for phrase in phrases):
            return reason + _detail(reason, text)
    return None


def _detail(reason: str, text: str) -> str:
    """``": <the words behind it>"`` for a TLS failure or a connection the OS would not make."""
    if reason == "TLS failed" and (tls := _TLS_REASON.search(text)):
        words = tls.group(2).strip() or tls.group(1).lower().replace("_", " ")
        return f": {words[:120]}"
    if reason == "no connection" and (os_reason := _OS_REASON.search(text)):
        return f": {os_reason.group(1).strip()[:120]}"
    return ""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every failure inside it: causes, contexts, exceptions among its arguments and
    urllib3's ``reason``."""
    pending, seen = [exc], set()
    while pending:
        failure = pending.pop()
        if id(failure) in seen:
            continue
        seen.add(id(failure))
        yield failure
        inner = [failure.__cause__, failure.__context__, getattr(failure, "reason", None), *failure.args]
        pending += [item for item in inner if isinstance(item, BaseException)]
