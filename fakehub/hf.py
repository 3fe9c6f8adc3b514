"""The Hugging Face Hub model API over the synthetic model forest, in the shapes
huggingface_hub's ``HfApi.list_models`` / ``model_info`` parse into ``ModelInfo``.

- ``GET /api/models``: ``author``, ``search`` (substring of the id, any case),
  ``filter`` (repeatable; ``base_model:{relation}:{id}``, ``base_model:{id}``, or any
  tag such as ``gguf``, ``text-generation``, ``transformers``), ``pipeline_tag``,
  ``gated``, ``sort`` (``trendingScore`` when absent, ``downloads``, ``downloadsAllTime``,
  ``likes``, ``createdAt``, ``lastModified``; always descending: huggingface_hub 1.x's
  ``list_models`` has no ``direction`` any more, hf_api.py ``list_models`` docstring of
  ``sort``), ``limit`` (page size, at most the server's ``hf_page_size``, default 1,000),
  ``expand`` / ``expand[]``, ``full``, ``cardData``.
- ``GET /api/models/{id}`` (and ``/api/models/{id}/revision/{rev}``): the full record,
  or ``_id``, ``id`` and the ``expand[]`` properties.

The real Hub's behaviours that a long crawl meets, all on by default:

- **Keyset cursors.** Pages follow ``Link: <...&cursor=...>; rel="next"``; the cursor holds
  the last record's sort value and ``_id`` and the next page starts strictly after it in
  (value, ``_id``) order, as the Hub's opaque base64 cursors do. A listing without ``sort``
  is ordered by ``trendingScore``, which the Hub recomputes continuously (huggingface_hub
  issue #2741): here the forest's ``trending_epoch`` advances every
  ``trending_refresh_pages`` listing pages, so models jump across a cursor (skipped or seen
  twice) and a cursor saved earlier resumes from a stale threshold. ``createdAt`` never
  changes, so a ``sort=createdAt`` walk sees every model that existed when it started exactly
  once; models created since sort before its cursor and are not listed by it.
- **Detail-only properties.** Listings answer 400 to ``expand=baseModels``,
  ``childrenModelCount`` or ``usedStorage``: "only accepted when using the
  /api/models/repo_id endpoint" (huggingface_hub PR #3182). Parents are in the records'
  ``base_model:{relation}:{id}`` tags.
- **Gated is public metadata.** ``/api/models/{id}`` of a gated model answers 200 with
  ``gated: "auto" | "manual"`` to anyone (https://huggingface.co/docs/hub/models-gated:
  users share their contact information "to access the model files"; a gated repository
  page says it "is publicly accessible, but you have to accept the conditions to access its
  files and content"). A missing, deleted or private repo
  answers 401 ``X-Error-Code: RepoNotFound`` without a token and 404 with one (the Hub will not
  say whether a private repo exists; huggingface_hub utils/_http.py ``hf_raise_for_status``:
  "401 is misleading as it is returned for private and gated repos ... missing repos"); a
  disabled one answers 403 "Access to this resource is disabled." to a caller with a token and,
  like a missing one, 401 ``RepoNotFound`` to an anonymous one (huggingface_hub PR #1965, which
  added ``DisabledRepoError``: "if user is not authenticated -no token sent-, a HTTP 401 is
  returned by the server as if the repo doesn't exist at all").
- **Renames.** ``/api/models/{old id}`` of a renamed or transferred repo answers 307 to
  ``/api/models/{new id}`` with the same query (huggingface_hub's session follows redirects,
  utils/_http.py ``default_client_factory``: ``follow_redirects=True``).
- **Private models.** Each lab author with curated models has a private model
  (``{author}/{stem}-internal-preview``, :meth:`HfApi.private_records`), a root with no
  downloads yet. A listing asked with a token lists it among the public ones, in its place
  by the sort key, because the token's owner can read it: huggingface_hub issue #634 and
  PR #638 made ``list_models`` send the token "to do things such as retrieving all datasets
  (including private) of an organization", and huggingface.js ``hub/src/lib/list-models.ts``
  always expands ``private`` (``MODEL_EXPAND_KEYS``) to tell them apart. Without a token it
  is listed nowhere and ``/api/models/{id}`` answers 401 as for a missing repo; with one,
  200 with ``private: true``. fakehub takes every token for a member of every lab
  (``private_models=False`` leaves them out).
- **createdAt sentinel.** Repos older than the Hub's creation-date records report
  ``2022-03-02T23:29:04.000Z`` (:data:`ecometrics.fakehub.model_forest.CREATED_AT_SENTINEL`).

Rate limits and bad tokens are the server's (:meth:`ecometrics.fakehub.server.FakeHub._hf`). With
``permissive=True`` (only for comparisons with the crawl that relied on it) listings accept
the detail-only properties and trending scores stay still.

Records carry ``downloads`` (30 days), ``downloadsAllTime``, ``likes``,
``trendingScore`` (below 10 with one decimal, ``0.2``: the Hub's own cursor holds
``{"trendingScore": 0.2, ...}``, huggingface_hub issue #2741, though ``ModelInfo.trending_score``
says int; the stricter reading has both), ``createdAt``, ``lastModified``, ``tags`` (with
``base_model:{id}`` and ``base_model:{relation}:{id}``), ``pipeline_tag``,
``library_name``, ``safetensors``, ``baseModels`` (``{"relation", "models": [{"id"}]}``,
absent for root models) and ``childrenModelCount`` (all four relations).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlencode

import numpy as np

from ecometrics.fakehub.clock import DAY, START_TS
from ecometrics.fakehub.exchange import Request, Response, link_header
from ecometrics.fakehub.generator import stable_hash
from ecometrics.fakehub.model_forest import CURATED, RELATIONS, ModelForest, hub_created_at, hub_score

DEFAULT_FIELDS = (
    "_id",
    "id",
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "modelId",
)
FULL_FIELDS = DEFAULT_FIELDS + ("author", "sha", "lastModified", "gated", "disabled", "siblings")
EXPANDABLE = (
    "author",
    "baseModels",
    "cardData",
    "childrenModelCount",
    "config",
    "createdAt",
    "disabled",
    "downloads",
    "downloadsAllTime",
    "gated",
    "gguf",
    "inference",
    "inferenceProviderMapping",
    "lastModified",
    "library_name",
    "likes",
    "mask_token",
    "model-index",
    "pipeline_tag",
    "private",
    "resourceGroup",
    "safetensors",
    "sha",
    "siblings",
    "spaces",
    "tags",
    "transformersInfo",
    "trendingScore",
    "usedStorage",
    "widgetData",
    "xetEnabled",
    "evalResults",
)
DETAIL_ONLY_EXPAND = ("baseModels", "childrenModelCount", "usedStorage")  # refused in listings
EXTRA_KEYS = ("cardData", "siblings", "spaces", "usedStorage")  # derived by _extras
SORT_KEYS = ("downloads", "downloadsAllTime", "likes", "trendingScore", "createdAt", "lastModified")
DEFAULT_SORT = "trendingScore"
TRENDING_REFRESH_PAGES = 20  # listing pages between two recomputations of the trending scores


def hf_error(status: int, message: str, code: str | None = None) -> Response:
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return Response.json({"error": message}, status, headers)


def _encode_cursor(value: int | float, object_id: str) -> str:
    raw = json.dumps({"value": value, "_id": object_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int | float, int]:
    """(sort value, the _id's hash half) of a cursor; the _id's time half only repeats it. A
    trending score may be fractional (``0.2``, :func:`ecometrics.fakehub.model_forest.hub_score`)."""
    padded = cursor + "=" * (-len(cursor) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded))
    value = data["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a sort value: {value!r}")
    return value, int(data["_id"][8:], 16)


class HfApi:
    def __init__(
        self,
        forest: ModelForest,
        clock,
        page_size: int = 1000,
        *,
        permissive: bool = False,
        trending_refresh_pages: int = TRENDING_REFRESH_PAGES,
        private_models: bool = True,
    ):
        self.private_models = private_models
        self._private: list[tuple[int, int, dict]] | None = None  # (curated template, hash, record)
        self.forest = forest
        self.clock = clock
        self.page_size = page_size
        self.permissive = permissive
        self.trending_refresh_pages = 0 if permissive else trending_refresh_pages
        self._listing_pages = 0
        self._created_order: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def route(self, req: Request) -> tuple[str, Response]:
        if req.method not in ("GET", "HEAD"):
            return "hf.unsupported", hf_error(405, "fakehub serves only GET on /api/models")
        if req.path in ("/api/models", "/api/models/"):
            return "hf.models", self.list_models(req)
        match = re.match(r"^/api/models/(?P<id>[^/]+(?:/[^/]+)?)(?:/revision/[^/]+)?$", req.path)
        if match:
            return "hf.model_info", self.model_info(req, match["id"])
        return "hf.unknown", hf_error(404, "Sorry, we can't find the page you are looking for.")

    # -- records -------------------------------------------------------------------------
    def _records(self, idx: np.ndarray, now: int, fields: frozenset[str] | None = None) -> list[dict]:
        forest = self.forest
        counts = forest.children_counts(now)
        st = forest.stats(idx, now)
        cols = {k: v.tolist() for k, v in st.items()}
        keys = list(cols)
        return [
            forest.record(i, dict(zip(keys, row, strict=True)), now, counts, fields)
            for i, row in zip(idx.tolist(), zip(*(cols[k] for k in keys), strict=True), strict=True)
        ]

    @staticmethod
    def _extras(rec: dict) -> dict:
        """Properties derived from a record that only ``full``/``cardData``/expand show."""
        parents = rec.get("baseModels", {}).get("models", [])
        card = {
            "license": "apache-2.0",
            "library_name": rec["library_name"],
            "pipeline_tag": rec["pipeline_tag"],
            "tags": ["synthetic", "fakehub"],
        }
        if parents:
            card["base_model"] = [p["id"] for p in parents] if len(parents) > 1 else parents[0]["id"]
            card["base_model_relation"] = rec["baseModels"]["relation"]
        files = ["README.md", "config.json"]
        files += ["model.gguf"] if rec["library_name"] == "gguf" else ["model.safetensors"]
        return {
            "cardData": card,
            "siblings": [{"rfilename": f} for f in files],
            "spaces": [],
            "usedStorage": rec.get("safetensors", {}).get("total", 10**9) * 2,
        }

    @staticmethod
    def _fields(expand: list[str], full: bool, card: bool) -> frozenset[str] | None:
        """The record fields a page needs (None: all of them)."""
        if full or card or any(e in EXTRA_KEYS for e in expand):
            return None
        return frozenset(expand) if expand else frozenset(DEFAULT_FIELDS)

    @classmethod
    def _shape(cls, rec: dict, expand: list[str], full: bool, card: bool) -> dict:
        if expand:
            out = {"_id": rec["_id"], "id": rec["id"]}
            extras = None
            for key in expand:
                if key in rec:
                    out[key] = rec[key]
                elif key in EXTRA_KEYS:
                    extras = extras or cls._extras(rec)
                    out[key] = extras[key]
            return out
        fields = FULL_FIELDS if full else DEFAULT_FIELDS
        out = {k: rec[k] for k in fields if k in rec}
        if full:
            out["siblings"] = cls._extras(rec)["siblings"]
        if card:
            out["cardData"] = cls._extras(rec)["cardData"]
        return out

    # -- /api/models ------------------------------------------------------------------------
    def list_models(self, req: Request) -> Response:
        forest = self.forest
        now = self.clock.now
        self._listing_pages += 1
        if self.trending_refresh_pages and self._listing_pages % self.trending_refresh_pages == 0:
            forest.trending_epoch += 1
        expand = req.args("expand")
        bad = [e for e in expand if e not in EXPANDABLE]
        if bad:
            return hf_error(400, f'"expand" must be one of {list(EXPANDABLE)}, got {bad[0]!r}')
        detail_only = [] if self.permissive else [e for e in expand if e in DETAIL_ONLY_EXPAND]
        if detail_only:
            return hf_error(
                400, f'"expand" {detail_only[0]!r} is only accepted when using the /api/models/repo_id endpoint'
            )
        sort = req.arg("sort") or DEFAULT_SORT
        if sort not in SORT_KEYS:
            return hf_error(400, f'"sort" must be one of {list(SORT_KEYS)}, got {sort!r}')
        full = req.arg("full") in ("1", "true", "True")
        card = req.arg("cardData") in ("1", "true", "True")

        cand: np.ndarray | None = None  # None = every model on the Hub
        cand_filtered_by_parent = False  # a private model has no parents: no base_model: listing shows it
        author = req.arg("author")
        if author:
            code = forest.author_codes.get(author)
            if code is None:
                code = next((c for a, c in forest.author_codes.items() if a.lower() == author.lower()), None)
            n_vis = forest.n_visible(now)
            cand = np.nonzero(forest.author[:n_vis] == code)[0] if code is not None else np.empty(0, dtype=np.int64)
            cand = cand[forest.alive(cand, now)]
        tag_filters: list[str] = []
        for raw in req.args("filter"):
            for f in raw.split(","):
                f = f.strip()
                if not f:
                    continue
                if f.startswith("base_model:"):
                    cand_filtered_by_parent = True
                    rest = f[len("base_model:") :]
                    named, _, pid = rest.partition(":")
                    relation = named if named in RELATIONS and pid else None
                    if relation is None:  # base_model:ID, any relation
                        pid = rest
                    parent = forest.index_of(pid)
                    if parent is None or parent >= forest.n_visible(now):
                        kids = np.empty(0, dtype=np.int64)
                    else:
                        code = RELATIONS.index(relation) + 1 if relation else None
                        kids = forest.children(parent, now, code)
                    cand = kids if cand is None else np.intersect1d(cand, kids)
                else:
                    tag_filters.append(f)
        if pipeline_tag := req.arg("pipeline_tag"):
            tag_filters.append(pipeline_tag)
        search = (req.arg("search") or "").lower()
        gated = req.arg("gated")

        cursor = req.arg("cursor")
        try:
            after = _decode_cursor(cursor) if cursor else None
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            return hf_error(400, f"Invalid cursor {cursor!r}")
        limit = req.int_arg("limit", self.page_size, 1, self.page_size)
        lazy = bool(tag_filters or search or gated is not None)
        want = limit if not lazy else None
        ordered, keys = self._ordered(cand, sort, after, now, want)

        fields = self._fields(expand, full, card)
        page: list[dict] = []
        positions: list[int] = []  # position in ``ordered`` of each record of the page
        if lazy:
            for pos, i in enumerate(ordered.tolist()):
                if search and search not in forest.model_id(i).lower():
                    continue
                rec = self._records(np.array([i], dtype=np.int64), now)[0]
                if not self._matches(rec, tag_filters, gated):
                    continue
                page.append(rec)
                positions.append(pos)
                if len(page) == limit:
                    break
        else:
            chosen = ordered[:limit]
            page = self._records(chosen, now, fields)
            positions = list(range(len(chosen)))
        hashes = forest.id_hashes()
        entries = [(hub_score(keys[p]), int(hashes[ordered[p]]), rec) for p, rec in zip(positions, page, strict=True)]
        if req.token and self.private_models and cand_filtered_by_parent is False:
            entries += self._private_entries(author, tag_filters, search, gated, sort, after, now)
            entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
        taken = entries[:limit]
        shaped = [self._shape(rec, expand, full, card) for _, _, rec in taken]
        headers = {}
        if taken and (len(entries) > limit or (positions and positions[-1] + 1 < len(ordered))):
            value, _, rec = taken[-1]
            headers["Link"] = link_header({"next": req.url_with(cursor=_encode_cursor(value, rec["_id"]))})
        return Response.json(shaped, 200, headers)

    # -- private models -------------------------------------------------------------------
    def private_records(self) -> list[tuple[int, int, dict]]:
        """(curated model it is made from, ``_id`` hash, full record) of each private model:
        one per lab author, named after the author's first curated root model, created 3 days
        before the start, never downloaded or liked yet."""
        if self._private is None:
            forest, authors = self.forest, set()
            made: list[tuple[int, int, dict]] = []
            for i, curated in enumerate(CURATED):
                author, stem = curated.id.split("/", 1)
                if curated.parent or author in authors:
                    continue
                authors.add(author)
                model_id = f"{author}/{stem}-internal-preview"
                created = START_TS - 3 * DAY - 600 * len(made)
                tie = stable_hash("private", forest.seed, model_id) & 0x7FFF_FFFF_FFFF_FFFF
                zero = dict.fromkeys(("downloads", "downloadsAllTime", "likes", "trendingScore"), 0) | {"age": 0}
                rec = forest.record(i, zero, START_TS, np.zeros((i + 1, 4), dtype=np.int32))
                rec |= {"_id": f"{created & 0xFFFFFFFF:08x}{tie:016x}", "id": model_id, "modelId": model_id}
                rec |= {"private": True, "gated": False, "createdAt": hub_created_at(created)}
                rec["lastModified"] = rec["createdAt"]
                made.append((i, tie, rec))
            self._private = made
        return self._private

    def _private_entries(
        self, author: str | None, tags: list[str], search: str, gated: str | None, sort: str,
        after: tuple[int | float, int] | None, now: int,
    ) -> list[tuple[int, int, dict]]:  # fmt: skip
        """(sort value, ``_id`` hash, record) of the private models a listing with a token
        shows: the author's (or all), matching the filters, after the cursor."""
        entries = []
        for _, tie, rec in self.private_records():
            created = int(rec["_id"][:8], 16)
            if created > now or (author and rec["author"].lower() != author.lower()):
                continue
            if (search and search not in rec["id"].lower()) or not self._matches(rec, tags, gated):
                continue
            value = created if sort in ("createdAt", "lastModified") else 0
            if after is not None and not (value < after[0] or (value == after[0] and tie < after[1])):
                continue
            entries.append((value, tie, rec))
        return entries

    def _sort_keys(self, idx: np.ndarray, sort: str, now: int) -> np.ndarray:
        forest = self.forest
        if sort == "createdAt":
            return forest.created[idx]
        if sort == "lastModified":
            age = np.maximum((now - forest.created[idx]) // DAY, 0)
            return forest.created[idx] + np.minimum(forest.modify_days[idx], age) * DAY
        return forest.stats(idx, now)[sort]

    def _ordered(
        self, cand: np.ndarray | None, sort: str, after: tuple[int | float, int] | None, now: int, want: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The candidates after the cursor, in descending (sort value, ``_id``) order, with
        their sort values; with ``want``, possibly only the first ``want + 1`` of them."""
        forest = self.forest
        if cand is None and sort == "createdAt" and want is not None:
            return self._created_page(after, now, want)
        idx = forest.existing(now) if cand is None else cand
        keys = self._sort_keys(idx, sort, now)
        hashes = forest.id_hashes()[idx]
        if after is not None:
            value, tie = after
            keep = (keys < value) | ((keys == value) & (hashes < tie))
            idx, keys, hashes = idx[keep], keys[keep], hashes[keep]
        order = np.lexsort((hashes, keys))[::-1]
        return idx[order], keys[order]

    def _created_page(
        self, after: tuple[int | float, int] | None, now: int, want: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The next ``want + 1`` models of the whole-Hub ``sort=createdAt`` walk, without
        sorting the Hub for each page: one ascending (createdAt, ``_id``) order of every
        model, searched for the cursor and read backwards."""
        forest = self.forest
        if self._created_order is None:
            hashes = forest.id_hashes()
            order = np.lexsort((hashes, forest.created))
            self._created_order = (order, forest.created[order], hashes[order])
        order, created, hashes = self._created_order
        if after is None:
            pos = int(np.searchsorted(created, now, side="right"))
        else:
            value, tie = after
            lo, hi = np.searchsorted(created, [value, value + 1])
            pos = int(lo + np.searchsorted(hashes[lo:hi], tie, side="left"))
        picked: list[np.ndarray] = []
        need = want + 1
        while pos > 0 and need > 0:
            start = max(0, pos - 2 * need)
            chunk = order[start:pos][::-1]
            chunk = chunk[forest.alive(chunk, now)][:need]
            picked.append(chunk)
            need -= len(chunk)
            pos = start
        idx = np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)
        return idx, forest.created[idx]

    @staticmethod
    def _matches(rec: dict, tags: list[str], gated: str | None) -> bool:
        for tag in tags:
            if tag not in rec["tags"] and tag not in (rec["pipeline_tag"], rec["library_name"]):
                return False
        return gated is None or bool(rec["gated"]) == (gated in ("1", "true", "True"))

    # -- /api/models/{id} -----------------------------------------------------------------
    def model_info(self, req: Request, model_id: str) -> Response:
        forest = self.forest
        now = self.clock.now
        if model_id in forest.renamed:
            target = f"/api/models/{forest.renamed[model_id]}" + (f"?{urlencode(req.query)}" if req.query else "")
            return Response(307, b"", {"Location": target})
        private = next((rec for _, _, rec in self.private_records() if rec["id"] == model_id), None)
        if private is not None and req.token and self.private_models:
            return Response.json(
                self._shape(private, expand, False, False) if (expand := req.args("expand")) else private
            )
        i = forest.index_of(model_id)
        if i is None or not forest.exists(i, now):
            # The Hub will not tell a missing repo from a private one, and says 401 to anonymous callers.
            if req.token is None:
                return hf_error(401, "Invalid username or password.", "RepoNotFound")
            return hf_error(404, "Repository not found", "RepoNotFound")
        if forest.is_disabled(i):  # anonymous callers are told it does not exist (module docstring)
            if req.token is None:
                return hf_error(401, "Invalid username or password.", "RepoNotFound")
            return hf_error(403, "Access to this resource is disabled.")
        expand = req.args("expand")
        bad = [e for e in expand if e not in EXPANDABLE]
        if bad:
            return hf_error(400, f'"expand" must be one of {list(EXPANDABLE)}, got {bad[0]!r}')
        rec = self._records(np.array([i], dtype=np.int64), now)[0]
        if expand:
            return Response.json(self._shape(rec, expand, False, False))
        return Response.json({**rec, **self._extras(rec)})
