"""The Hugging Face Hub model API over the synthetic model forest, in the shapes
huggingface_hub's ``HfApi.list_models`` / ``model_info`` parse into ``ModelInfo``.

- ``GET /api/models``: ``author``, ``search`` (substring of the id, any case),
  ``filter`` (repeatable; ``base_model:{relation}:{id}``, ``base_model:{id}``, or any
  tag such as ``gguf``, ``text-generation``, ``transformers``), ``pipeline_tag``,
  ``gated``, ``sort`` (``downloads``, ``downloadsAllTime``, ``likes``, ``trendingScore``,
  ``createdAt``, ``lastModified``; descending unless ``direction=1``), ``limit`` (page
  size, at most the server's ``hf_page_size``, default 1,000), ``expand`` /
  ``expand[]``, ``full``, ``cardData``. Pages follow ``Link: <...&cursor=...>;
  rel="next"``. Without ``sort`` models come in creation order. With
  ``detail_only_expand`` the listing answers 400 to ``expand=baseModels`` or
  ``expand=childrenModelCount``, as the real Hub has done (huggingface_hub PR #3182:
  "only accepted when using the /api/models/repo_id endpoint").
- ``GET /api/models/{id}`` (and ``/api/models/{id}/revision/{rev}``): the full record,
  or ``_id``, ``id`` and the ``expand[]`` properties. 404 with ``X-Error-Code:
  RepoNotFound``; gated models (``meta-llama/*``, ``google/gemma-*``) answer 401 with
  ``X-Error-Code: GatedRepo`` when no token is sent.

Records carry ``downloads`` (30 days), ``downloadsAllTime``, ``likes``,
``trendingScore``, ``createdAt``, ``lastModified``, ``tags`` (with
``base_model:{id}`` and ``base_model:{relation}:{id}``), ``pipeline_tag``,
``library_name``, ``safetensors``, ``baseModels`` (``{"relation", "models": [{"id"}]}``,
absent for root models) and ``childrenModelCount`` (all four relations).
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np

from fakehub.clock import DAY
from fakehub.exchange import Request, Response, link_header
from fakehub.model_forest import RELATIONS, ModelForest

DEFAULT_FIELDS = ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags",
                  "pipeline_tag", "library_name", "createdAt", "modelId")
FULL_FIELDS = DEFAULT_FIELDS + ("author", "sha", "lastModified", "gated", "disabled", "siblings")
EXPANDABLE = ("author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt",
              "disabled", "downloads", "downloadsAllTime", "gated", "gguf", "inference",
              "inferenceProviderMapping", "lastModified", "library_name", "likes",
              "mask_token", "model-index", "pipeline_tag", "private", "resourceGroup",
              "safetensors", "sha", "siblings", "spaces", "tags", "transformersInfo",
              "trendingScore", "usedStorage", "widgetData", "xetEnabled", "evalResults")
DETAIL_ONLY_EXPAND = ("baseModels", "childrenModelCount")  # refused in listings with detail_only_expand
EXTRA_KEYS = ("cardData", "siblings", "spaces", "usedStorage")   # derived by _extras
SORT_KEYS = ("downloads", "downloadsAllTime", "likes", "trendingScore", "createdAt", "lastModified")


def hf_error(status: int, message: str, code: str | None = None) -> Response:
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return Response.json({"error": message}, status, headers)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"$offset": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["$offset"])


class HfApi:
    def __init__(self, forest: ModelForest, clock, page_size: int = 1000, detail_only_expand: bool = False):
        self.forest = forest
        self.clock = clock
        self.page_size = page_size
        self.detail_only_expand = detail_only_expand

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
        counts = forest.children_counts(forest.n_visible(now))
        st = forest.stats(idx, now)
        cols = {k: v.tolist() for k, v in st.items()}
        keys = list(cols)
        return [forest.record(i, dict(zip(keys, row)), now, counts, fields)
                for i, row in zip(idx.tolist(), zip(*(cols[k] for k in keys)))]

    @staticmethod
    def _extras(rec: dict) -> dict:
        """Properties derived from a record that only ``full``/``cardData``/expand show."""
        parents = rec.get("baseModels", {}).get("models", [])
        card = {"license": "apache-2.0", "library_name": rec["library_name"],
                "pipeline_tag": rec["pipeline_tag"], "tags": ["synthetic", "fakehub"]}
        if parents:
            card["base_model"] = [p["id"] for p in parents] if len(parents) > 1 else parents[0]["id"]
            card["base_model_relation"] = rec["baseModels"]["relation"]
        files = ["README.md", "config.json"]
        files += ["model.gguf"] if rec["library_name"] == "gguf" else ["model.safetensors"]
        return {"cardData": card, "siblings": [{"rfilename": f} for f in files],
                "spaces": [], "usedStorage": rec.get("safetensors", {}).get("total", 10**9) * 2}

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
        n_vis = forest.n_visible(now)
        expand = req.args("expand")
        bad = [e for e in expand if e not in EXPANDABLE]
        if bad:
            return hf_error(400, f'"expand" must be one of {list(EXPANDABLE)}, got {bad[0]!r}')
        detail_only = [e for e in expand if e in DETAIL_ONLY_EXPAND] if self.detail_only_expand else []
        if detail_only:
            return hf_error(400, f'"expand" {detail_only[0]!r} is only accepted when using the /api/models/repo_id endpoint')
        full = req.arg("full") in ("1", "true", "True")
        card = req.arg("cardData") in ("1", "true", "True")

        cand: np.ndarray | None = None            # None = every visible model, in order
        author = req.arg("author")
        if author:
            code = forest.author_codes.get(author)
            if code is None:
                code = next((c for a, c in forest.author_codes.items() if a.lower() == author.lower()), None)
            cand = (np.nonzero(forest.author[:n_vis] == code)[0] if code is not None
                    else np.empty(0, dtype=np.int64))
        tag_filters: list[str] = []
        for raw in req.args("filter"):
            for f in raw.split(","):
                f = f.strip()
                if not f:
                    continue
                if f.startswith("base_model:"):
                    rest = f[len("base_model:"):]
                    relation, _, pid = rest.partition(":")
                    if relation not in RELATIONS or not pid:
                        relation, pid = None, rest
                    parent = forest.index_of(pid)
                    if parent is None or parent >= n_vis:
                        kids = np.empty(0, dtype=np.int64)
                    else:
                        code = RELATIONS.index(relation) + 1 if relation else None
                        kids = forest.children(parent, n_vis, code)
                    cand = kids if cand is None else np.intersect1d(cand, kids)
                else:
                    tag_filters.append(f)
        if req.arg("pipeline_tag"):
            tag_filters.append(req.arg("pipeline_tag"))
        search = (req.arg("search") or "").lower()
        gated = req.arg("gated")

        sort = req.arg("sort")
        if sort in SORT_KEYS:
            idx = cand if cand is not None else np.arange(n_vis)
            if sort in ("createdAt",):
                key = forest.created[idx]
            elif sort == "lastModified":
                age = np.maximum((now - forest.created[idx]) // DAY, 0)
                key = forest.created[idx] + np.minimum(forest.modify_days[idx], age) * DAY
            else:
                key = forest.stats(idx, now)[sort]
            ascending = req.arg("direction") in ("1", "asc")
            order = np.lexsort((idx, key if ascending else -key))
            cand = idx[order]
        total = n_vis if cand is None else len(cand)

        cursor = req.arg("cursor")
        try:
            offset = _decode_cursor(cursor) if cursor else 0
        except (ValueError, KeyError, json.JSONDecodeError):
            return hf_error(400, f"Invalid cursor {cursor!r}")
        limit = req.int_arg("limit", self.page_size, 1, self.page_size)

        fields = self._fields(expand, full, card)
        page: list[dict] = []
        pos = offset
        lazy = bool(tag_filters or search or gated is not None)
        while pos < total and len(page) < limit:
            step = limit if not lazy else max(limit * 4, 1000)
            chunk = (np.arange(pos, min(pos + step, total)) if cand is None
                     else cand[pos: pos + step])
            if lazy:
                for j, i in enumerate(chunk.tolist()):
                    if search and search not in forest.model_id(i).lower():
                        continue
                    rec = self._records(np.array([i], dtype=np.int64), now)[0]
                    if not self._matches(rec, tag_filters, gated):
                        continue
                    page.append(rec)
                    if len(page) == limit:
                        pos += j + 1
                        break
                else:
                    pos += len(chunk)
            else:
                page.extend(self._records(chunk, now, fields))
                pos += len(chunk)
        shaped = [self._shape(rec, expand, full, card) for rec in page]
        headers = {}
        if pos < total:
            headers["Link"] = link_header({"next": req.url_with(cursor=_encode_cursor(pos))})
        return Response.json(shaped, 200, headers)

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
        i = forest.index_of(model_id)
        if i is None or i >= forest.n_visible(now):
            return hf_error(404, "Repository not found", "RepoNotFound")
        if forest.gated(i) and req.token is None:
            return hf_error(401, f"Access to model {model_id} is restricted. You must have access "
                                 "to it and be authenticated to access it. Please log in.", "GatedRepo")
        expand = req.args("expand")
        bad = [e for e in expand if e not in EXPANDABLE]
        if bad:
            return hf_error(400, f'"expand" must be one of {list(EXPANDABLE)}, got {bad[0]!r}')
        rec = self._records(np.array([i], dtype=np.int64), now)[0]
        if expand:
            return Response.json(self._shape(rec, expand, False, False))
        return Response.json({**rec, **self._extras(rec)})
