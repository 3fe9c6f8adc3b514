"""The one resumable walker of GitHub REST listings.

Every listing the collector reads goes through here, so the rules of walking GitHub's
pages live in one place:

- **Links as given.** The next page is the ``Link: rel="next"`` target, exactly: large
  listings name deep pages by an opaque ``after=`` cursor and answer 422 to page
  numbers past a limit ("Using pagination in the REST API",
  https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
  Nothing here makes up a page number.
- **Resumable, lossless under updates.** A listing sorted by update, oldest first
  (issues, issue and review comments) is walked from ``since`` = the newest update
  already stored (inclusive: the overlap is upserted again), and its checkpoint after
  every page is that newest update. An item updated while the walk goes on moves behind
  the walk and is read again; nothing is lost whether the walk is killed, the cursor
  forgotten, or the base URL changed.
- **Newest first** (commits, issue events): the walk goes down from the top until it
  meets what is stored (or, on a first run, an item older than ``activity_since``); an
  unfinished walk keeps the next page's ``Link`` target, relative to the API base, so
  a rerun resumes it. New items that arrive meanwhile sit above it and are read next time.
- **Conditional.** The first page of a walk is asked with the validators stored for its
  URL: an unchanged listing answers 304, which costs no rate limit. A walk that has not read
  its last page is unfinished whatever its first page says: its first page is then asked
  unconditionally.
- **Refused continuations.** A stored next-page target the API refuses later (422 on an
  ``after=`` cursor, octokit/octokit.net issue 1417, or on a page number past the "large
  dataset" limit, MeltanoLabs/tap-github pull 415) raises :class:`StaleCursor` and the walk
  falls back once: a listing by update asks again from ``since`` = the newest update stored,
  a newest-first listing walks again from the top down to what was stored before the
  unfinished walk began (a bounded re-walk; the pages it had read are read again).

A 404 raises :class:`RepoGone`; 409 (an empty repository) and 410 (issues disabled)
end the walk as empty.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ecometrics.collector.github_client import (
    CachedPage,
    GitHubClient,
    GitHubError,
    Response,
    canonical_url,
    raise_for_status,
)

PAGE_SIZE = 100  # the REST API's largest page

Validators = Callable[[str], CachedPage]


class RepoGone(GitHubError):
    """The repository answered 404: deleted, made private, or moved away."""


class RepoBlocked(RepoGone):
    """The repository answered 451, or 403 with a ``block``: access blocked (a takedown)."""


class StaleCursor(GitHubError):
    """A stored continuation the API no longer takes (REST 422 on an ``after=`` cursor or a page
    number, GraphQL ``INVALID_CURSOR_ARGUMENTS``): start again from what is stored."""


@dataclass
class Listing:
    """A REST listing read whole: ``items`` is None when every page answered 304."""

    items: list[Any] | None
    cache_rows: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200  # 404 when the owner or repository is not there


@dataclass
class Step:
    """One page of a walk: its items, its validator row, and the checkpoint to commit with it."""

    items: list[Any]
    cache_row: dict[str, Any] | None
    checkpoint: str


@dataclass
class NewestFirst:
    """Where a walk newest first stands, and when it ends (its checkpoint, one owner for every
    newest-first walk: REST listings here and GraphQL connections ordered by ``UPDATED_AT``
    descending in :mod:`ecometrics.collector.github`).

    ``newest`` is the newest stamp stored when the walk began, ``resume`` the next page's target
    (a link or a cursor) while it is unfinished, ``seen`` the newest stamp met so far (``newest``
    once the walk is done) and ``rewalk`` whether this is a re-walk from the top after a refused
    target."""

    newest: str | None = None
    seen: str | None = None
    resume: str | None = None
    rewalk: bool = False

    @classmethod
    def load(cls, checkpoint: str | None) -> NewestFirst:
        state = _state(checkpoint)
        return cls(state.get("newest"), state.get("seen"), state.get("resume"), bool(state.get("rewalk")))

    def page(
        self, stamps: list[str], following: str | None, *, floor: str | None, known: bool | None = None
    ) -> tuple[bool, str]:
        """Take one page with these ``stamps`` whose next page is ``following`` (its target as
        stored, None at the end): returns whether the walk goes on and the checkpoint to commit.

        The walk ends at the first page with an item not newer than ``newest`` (with ``known``,
        whether every item of the page is stored, at the first known page instead; in a re-walk
        only once its stamps are not newer than ``newest`` either: the pages the refused walk
        read are known but above it) or with an item older than ``floor``."""
        self.seen = max([self.seen or self.newest or "", *stamps]) or None
        if known is not None:
            reached = known
            if self.rewalk:  # known may be this walk's own earlier pages: stop only below them
                reached = reached and self.newest is not None and all(s <= self.newest for s in stamps)
        else:
            reached = self.newest is not None and any(s <= self.newest for s in stamps)
        more = bool(following) and not reached and not (floor and any(s < floor for s in stamps))
        if more:
            state: dict[str, Any] = {"newest": self.newest, "resume": following, "seen": self.seen}
            if self.rewalk:
                state["rewalk"] = True
        else:
            state = {"newest": self.seen}
        return more, json.dumps(state, sort_keys=True)


class ListingWalker:
    """Walks REST listings for one client, with the validators the store keeps."""

    def __init__(self, client: GitHubClient, validators: Validators, page_size: int = PAGE_SIZE):
        self.client = client
        self.validators = validators
        self.page_size = page_size  # per_page asked: GitHub's largest, smaller only to exercise deep walks

    def whole(self, path: str, params: dict[str, Any]) -> Listing:
        """Every page of a listing, conditionally; ``items`` None when all were 304.

        A listing that changed is returned whole: pages that answered 304 among changed
        ones are fetched again unconditionally (their old content is not stored)."""
        responses: list[Response] = []
        for response in self.client.pages(path, {**params, "per_page": self.page_size}, validators=self.validators):
            if response.status == 404:
                return Listing(items=None, status=404)
            if response.status not in (200, 204, 304):
                raise_for_status(response)
            responses.append(response)
        if responses and all(r.not_modified for r in responses):
            return Listing(items=None)
        items: list[Any] = []
        cache_rows = []
        for response in responses:
            if response.not_modified:
                response = self.client.get(response.url)
            if response.status not in (200, 204):
                raise_for_status(response)
            items.extend(response.data or [])
            row = response.cache_row(self.client.relative)
            if row:
                cache_rows.append(row)
        return Listing(items=items, cache_rows=cache_rows)

    def by_update(
        self,
        path: str,
        params: dict[str, Any],
        checkpoint: str | None,
        since: str | None,
        stamps: Callable[[list[Any]], list[str]],
    ) -> Iterator[Step]:
        """A listing sorted by update, oldest first, from where the last walk ended.

        Page-number links are offsets, which shift when an item is updated mid-walk, so
        the walk does not follow them: it asks again from ``since`` = the newest update
        stored (overlapping by the items of that second, upserted again). Only when a
        whole page shares one update second does it take the numbered link. A keyset
        ``after=`` cursor does not shift and is followed as given.

        The checkpoint keeps the newest update and, when the walk ended on a page that
        was not full, that page's URL: it is asked again conditionally (304: nothing
        changed). A full last page would answer 304 while new items sit behind it, so
        then the next walk starts from ``since``. A cursor the API no longer takes (422)
        also falls back to ``since``."""
        state = _state(checkpoint)
        newest = state.get("newest") or since

        def from_since(stamp: str | None) -> str:
            return canonical_url(self.client.url(path), {**params, "per_page": self.page_size, "since": stamp})

        url: str | None = (
            self.client.url(self.client.relative(state["url"])) if state.get("url") else from_since(newest)
        )
        conditional, refused = True, False
        while url:
            try:
                response = self._get(url, conditional)
            except StaleCursor:
                if refused:  # the fresh walk's own link refused too: end here, the checkpoint stands
                    raise
                url, conditional, refused = from_since(newest), False, True
                continue
            if response is None:
                return
            items = response.data or []
            asked_since = newest
            newest = max([newest or "", *stamps(items)]) or None
            following = response.next_url
            if following and not _is_cursor(following) and newest != asked_since:
                following = from_since(newest)  # an offset would shift under updates
            resume: str | None
            if following:
                resume = self.client.relative(following)
            else:
                resume = None if len(items) >= self.page_size else self.client.relative(url)
            # only the page the next walk asks again keeps its validator: the others are never reused
            cache_row = response.cache_row(self.client.relative) if resume == self.client.relative(url) else None
            yield Step(items, cache_row, json.dumps({"newest": newest, "url": resume}, sort_keys=True))
            url, conditional = following, False

    def newest_first(
        self,
        path: str,
        params: dict[str, Any],
        checkpoint: str | None,
        floor: str | None,
        stamps: Callable[[list[Any]], list[str]],
        known: Callable[[list[Any]], bool] | None = None,
    ) -> Iterator[Step]:
        """A listing newest first, down to what is stored (or to ``floor`` on a first walk).

        With ``known(items)`` (every item of the page is stored already) the walk stops at
        the first page that brings nothing new: for commits, whose listing follows the
        history, not the dates (a merged branch lands with older commit dates). Without
        it (issue events, whose ids and times grow together) it stops at the first item
        not newer than the newest stored.

        A stored ``resume`` target the API no longer takes starts a re-walk from the top
        (unconditionally: the walk below the first page is unfinished, whatever a 304 there
        would say), down to ``newest``, what was stored before the unfinished walk began: the
        pages that walk read are known but must not end the re-walk, so there a page ends it
        only when it is known and none of its items is newer than ``newest``. An interrupted
        re-walk keeps that rule (``rewalk`` in the checkpoint)."""
        walk = NewestFirst.load(checkpoint)
        top = canonical_url(self.client.url(path), {**params, "per_page": self.page_size})
        # a stored target is re-based: it may predate a change of GITHUB_API_URL
        url: str | None = self.client.url(self.client.relative(walk.resume)) if walk.resume else top
        conditional = not walk.resume
        while url:
            try:
                response = self._get(url, conditional)
            except StaleCursor:
                if url == top or (walk.rewalk and not walk.resume):  # the re-walk's own link refused too
                    raise
                url, conditional, walk.rewalk, walk.resume = top, False, True, None
                continue
            if response is None:
                return
            items = response.data or []
            following = response.next_url
            page_known = None if known is None else bool(items) and known(items)
            resume = self.client.relative(following) if following else None
            more, saved = walk.page(stamps(items), resume, floor=floor, known=page_known)
            cache_row = response.cache_row(self.client.relative) if url == top else None  # only the top is asked again
            yield Step(items, cache_row, saved)
            url, conditional = (following if more else None), False

    def _get(self, url: str, conditional: bool) -> Response | None:
        """The page, or None when the walk ends here (304 unchanged, 409 empty, 410 disabled)."""
        cached = self.validators(self.client.relative(url)) if conditional else CachedPage()
        response = self.client.get(url, etag=cached.etag, last_modified=cached.last_modified)
        if response.status == 404:
            raise RepoGone(f"{url}: HTTP 404")
        if response.status in (304, 409, 410):
            return None
        if response.status == 422 and _is_continuation(url):
            raise StaleCursor(f"{url}: HTTP 422: {(response.data or {}).get('message', '')}".rstrip(": "))
        if is_blocked(response):
            raise RepoBlocked(f"{url}: HTTP {response.status}: access blocked")
        if response.status != 200:
            raise_for_status(response)
        return response


def is_blocked(response: Response) -> bool:
    """451, or a 403 that carries GitHub's ``block`` object: a takedown, not a permission."""
    body = response.data if isinstance(response.data, dict) else {}
    return response.status == 451 or (response.status == 403 and bool(body.get("block")))


def _is_cursor(url: str) -> bool:
    """Whether a page URL names its page by a keyset cursor (``after=``), not by number."""
    return "after" in dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def _is_continuation(url: str) -> bool:
    """Whether a page URL is a link target (an ``after=`` cursor or a ``page`` number), which
    the API may refuse later, rather than a walk's own first query."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    return "after" in query or "page" in query


def _state(checkpoint: str | None) -> dict[str, Any]:
    try:
        state = json.loads(checkpoint or "{}")
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}
