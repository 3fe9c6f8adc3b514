"""The ModelScope model API (modelscope.cn) over the synthetic world, in the shapes the official
client, ``modelscope_hub`` 0.5.1 (the hub half of the ``modelscope`` SDK, whose
``modelscope.hub.api.HubApi`` 1.40 delegates to it), reads.

The catalogue: the Chinese labs' models mirrored from the Hugging Face forest under their
ModelScope owners (:func:`ecometrics.core.ecosystem.modelscope_owners`; ``zai-org/glm-4-9b-chat`` is
``ZhipuAI/glm-4-9b-chat`` there), each with ModelScope's own download count, published a few
hours before its Hugging Face twin (the labs release there first); Meta's Llama models mirrored
by ``LLM-Research`` weeks later, with few downloads; about one lab model in five only on Hugging
Face; and per owner two models only on ModelScope (a ``-GPTQ-Int4`` quantization from before
the clock's start and an ``-AWQ`` one that appears as the clock advances), plus a private
``-Preview`` that only its owner would see (listed in the truth's ``private``, nowhere else).

Endpoints (paths of the official client; ``hub/...`` files are those of the ``modelscope`` SDK
before its hub became a shim over ``modelscope_hub``, commit 1804ac6,
https://github.com/modelscope/modelscope/tree/1804ac6bf8b6b76c9cc43974e4822e27536bc6e5/modelscope/hub):

- ``GET /openapi/v1/models?owner=&search=&sort=&page_number=&page_size=`` (``_openapi.py``
  ``OpenAPIClient.list_models``, lines 687-714) answers ``{"success": true, "request_id",
  "data": {"models": [...], "total_count", "page_number", "page_size"}}``; the client takes
  ``data`` out of the envelope (``_openapi.py`` ``_decode``, 638-656) and the page's items from
  ``models`` and the counts from ``total_count`` / ``page_number`` / ``page_size``
  (``api.py`` ``HubApi._extract_paged``, 353-388).
- ``GET /openapi/v1/models/{owner}/{name}`` (``OpenAPIClient.get_model``, 716-718): one record
  in ``data``; an unknown model answers 404 ``code: ResourceNotFound`` and the client then asks
  the legacy surface (``api.py`` ``HubApi.get_repo``, 1021-1025).
- ``GET /api/v1/models/{owner}/{name}`` (``_legacy_api.py`` ``LegacyClient.get_repo_info``,
  395-403): the legacy envelope ``{"Code": 200, "Data": {...}, "Message", "RequestId",
  "Success": true}`` (the ``modelscope`` SDK's ``is_ok`` checks ``Code == 200 and Success``,
  hub/errors.py 74-83) with the PascalCase fields the SDK's ``ModelInfo`` reads from it
  (hub/info.py 192-219):
  ``Id``, ``Path`` (the owner), ``Name``, ``ChineseName``, ``Visibility`` (5 public),
  ``Description``, ``Downloads``, ``Stars`` (the likes), ``CreatedTime`` / ``LastUpdatedTime``
  (epoch seconds, which its ``convert_timestamp`` takes), ``License``, ``Tags`` and ``Tasks``
  (a list of objects; the SDK's hub/api.py 4217 reads a task's ``name``). These are not the
  OpenAPI record's names: ``modelscope_hub``'s ``HubApi._repo_info_from_payload`` (api.py
  408-422) aliases ``Downloads`` but not ``Stars``, ``CreatedTime`` or ``Tasks``, so a
  ``RepoInfo`` read from this surface has no likes, times or tasks (the stricter of the two
  sources). An unknown model answers 404 ``{"Code": 404, "Message": "模型不存在",
  "Success": false}`` (the message ``errors.py`` ``_CN_TO_EN`` translates); a private one
  answers the body the SDK's hub/errors.py ``is_ok`` docstring records for a refused
  permission, ``{"Code": 10010101004, "Message": "get model info failed, err: unauthorized
  permission", "Success": false}``, with HTTP **200**: the legacy surface reports business
  failures inside a 200 (the SDK's hub/api.py ``HubApi.get_model`` calls ``is_ok`` only
  ``if r.status_code == HTTPStatus.OK`` and raises ``NotExistError`` when it fails;
  ``modelscope_hub`` itself checks ``Success`` on its file listing, "a business failure with
  HTTP 200", ``_legacy_api.py`` ``LegacyClient.iter_dataset_file_pages``). This is the stricter
  reading: ``modelscope_hub``'s ``LegacyClient.get_repo_info`` looks at the HTTP status only
  and ``_json_data`` hands back the whole envelope when it has no ``Data``, so
  ``HubApi.get_repo`` returns a ``RepoInfo`` of zeros (no downloads, likes or times) for the
  model instead of raising. The OpenAPI surface says 404 ``ResourceNotFound`` ("does not
  exist or is not visible to the caller", api.py 1005-1006) and its listing leaves it out.
  A caller with a token (fakehub takes any token for the owner's) is shown the private model
  in the owner's OpenAPI listing, ``private: true`` (``api.py`` ``HubApi._repo_info_from_payload``:
  "The OpenAPI surface uses ``private`` bool for visibility"; the stricter reading, as the
  Hugging Face Hub lists a token's private repos), and by the legacy surface, ``Visibility`` 1
  (``constants.py`` ``Visibility.PRIVATE``): it "supports private repositories (unlike the
  OpenAPI Bearer-only endpoint)" (``_legacy_api.py`` ``LegacyClient.get_repo_info``), and
  ``HubApi.get_repo`` falls back to it, so the ``RepoInfo`` it returns has no likes or times
  (the names above that it does not alias).

A record carries what ``types.py`` ``RepoInfo`` (392-419) keeps: ``id`` (``owner/name``: "The
OpenAPI list endpoints return ``id`` as owner/name", api.py 452), ``display_name``,
``description``, ``downloads`` (all time: ModelScope shows one cumulative count), ``likes``,
``created_at`` / ``last_modified`` (ISO 8601 with ``Z``, as ``RepoInfo.to_dict`` writes them),
``license``, ``tags``, ``tasks``, ``private``, ``gated``. ModelScope's client exposes no base
model ("model tree") field, so none is served.

The real API's behaviours, all on by default:

- **Page bounds.** ``page_size`` above 50 answers 400 ``InputParameterError`` (the compat
  layer caps the page at ``_OPENAPI_MAX_PAGE_SIZE = 50``, compat/hub_api.py 819) and so does
  ``page_number * page_size`` above 3,000 (the limit the client checks before sending,
  _openapi.py 702-703): no owner can be listed past its 3,000th model.
- **The default order moves.** Without ``sort`` (or with ``default``) a listing is ordered by
  downloads (most first; the order is not published, and one that changes as counts grow is
  the stricter model): a walk whose clock moves between pages can see a model twice or not at
  all. ``sort`` takes the SDK's ``SortKey`` values, ``default``, ``downloads``, ``likes`` and
  ``last_modified`` (hub/constants.py 191-201, the keys it checks before sending an OpenAPI
  listing, hub/api.py 1150-1153 for datasets), most first; any other answers 400 ``InputParameterError``.
- **Errors in the OpenAPI envelope.** ``{"success": false, "code", "message", "request_id"}``
  with the string codes ``errors.py`` maps (``_OPENAPI_CODE_MAP``, 521-532): 400
  ``InputParameterError``, 401 ``InvalidAuthentication`` (a token beginning with ``invalid``,
  on every call: the client attaches ``Authorization: Bearer`` whenever it has a token,
  _openapi.py 342-348, and the public reads do not retry anonymously, ``anonymous_retry`` is
  off), 404 ``ResourceNotFound``, 429 ``RateLimitExceed`` with ``Retry-After`` (read by
  ``raise_for_status``, errors.py 681-692; injected as a fault, since ModelScope publishes no
  rate limit), and a 5xx ``ServiceUnavailable`` (503) or ``InternalServerError`` (the two
  codes errors.py 529-530 says arrive with a 5xx status).
- Anonymous reads are allowed (``require_token=False`` on both calls). Every answer carries
  ``Date`` from the simulated clock.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass

import numpy as np

from ecometrics.core.ecosystem import LABS
from ecometrics.fakehub.clock import DAY, START_TS, Clock, iso
from ecometrics.fakehub.exchange import Request, Response
from ecometrics.fakehub.generator import stable_hash
from ecometrics.fakehub.model_forest import CURATED, ModelForest

MAX_PAGE_SIZE = 50
MAX_LISTING_DEPTH = 3000  # page_number * page_size
DEFAULT_PAGE_SIZE = 10
SORT_KEYS = ("default", "downloads", "likes", "last_modified")  # the SDK's SortKey
MIRROR_OWNER = "LLM-Research"  # mirrors another lab's releases: later, and far fewer downloads
_MODEL_PATH = re.compile(r"^/(openapi|api)/v1/models/([^/]+)/([^/]+)$")


@dataclass(frozen=True)
class MsModel:
    """One ModelScope model. Its downloads follow its Hugging Face twin's all-time count times
    ``factor`` (``hf_index``), or for a model only on ModelScope ``rate`` a day since creation."""

    id: str
    created: int
    hf_index: int | None  # the forest model it mirrors or derives from
    mirror: bool  # True: the same model as hf_index's (the same weights, another hub)
    factor: float
    rate: float
    like_ratio: float
    pipeline: str
    private: bool = False  # seen by its owner only: unlisted, and not found or forbidden to anyone else


def _owner_of_authors() -> dict[str, str]:
    """Hugging Face author -> the ModelScope owner that publishes (or mirrors) its models."""
    return {author: lab.modelscope_owners[0] for lab in LABS if lab.modelscope_owners for author in lab.hf_authors}


def _unit(*parts: object) -> float:
    return stable_hash("modelscope", *parts) / 2**64


class ModelScopeCatalog:
    """The models on the synthetic ModelScope, derived from the forest's curated models."""

    def __init__(self, forest: ModelForest, seed: int):
        self.forest = forest
        owners = _owner_of_authors()
        models: list[MsModel] = []
        first_of_owner: dict[str, tuple[int, str]] = {}  # owner -> its first model: (forest index, pipeline)
        for c in CURATED:
            author, name = c.id.split("/", 1)
            owner = owners.get(author)
            i = forest.index_of(c.id)
            if owner is None or i is None:
                continue
            first_of_owner.setdefault(owner, (i, c.pipeline))
            if _unit(seed, "hf-only", c.id) < 0.2:
                continue  # only on Hugging Face
            created = int(forest.created[i])
            if owner == MIRROR_OWNER:
                created, factor = created + 30 * DAY, 0.02 + 0.08 * _unit(seed, "factor", c.id)
            else:
                created, factor = created - 6 * 3600, 0.3 + 2.2 * _unit(seed, "factor", c.id)
            models.append(
                MsModel(f"{owner}/{name}", created, i, True, factor, 0.0, 0.5 + _unit(seed, "likes", c.id), c.pipeline)
            )
        for k, (owner, (i, pipeline)) in enumerate(first_of_owner.items()):
            name = forest.model_id(i).split("/", 1)[1]
            parent_created = int(forest.created[i])
            for suffix, created in (
                ("GPTQ-Int4", parent_created + 5 * DAY),
                ("AWQ", START_TS + (2 + 3 * k) * DAY),  # appears as the clock advances
            ):
                mid = f"{owner}/{name}-{suffix}"
                rate = 20 + 400 * _unit(seed, "rate", mid)
                models.append(MsModel(mid, created, i, False, 0.0, rate, 0.5 + _unit(seed, "likes", mid), pipeline))
            mid = f"{owner}/{name}-Preview"  # not yet released: private to its owner
            models.append(MsModel(mid, parent_created, i, False, 0.0, 50.0, 0.5, pipeline, private=True))
        self.models = models
        self.by_id = {m.id: m for m in models}

    def visible(self, now: int, *, owner_reads: bool = False) -> list[MsModel]:
        """The models at ``now`` a caller sees: the public ones (what an anonymous caller, or any but
        their owner, sees) and, with ``owner_reads`` (a token, taken for the owner's), the private
        ones too (see the module docstring)."""
        return [m for m in self.models if m.created <= now and (owner_reads or not m.private)]

    def stats(self, m: MsModel, now: int) -> tuple[int, int]:
        """(downloads, likes) at ``now``."""
        if m.hf_index is not None and m.mirror:
            twin = self.forest.stats(np.array([m.hf_index]), now)["downloadsAllTime"][0]
            downloads = int(m.factor * int(twin))
        else:
            downloads = int(m.rate * max(0, now - m.created) / DAY)
        return downloads, int(m.like_ratio * math.sqrt(downloads))

    def record(self, m: MsModel, now: int) -> dict:
        downloads, likes = self.stats(m, now)
        name = m.id.split("/", 1)[1]
        modified = self.modified(m, now)
        tags = ["transformers", "safetensors"] + (["gptq", "int4"] if "GPTQ" in name else [])
        tags += ["awq"] if name.endswith("-AWQ") else []
        return {
            "id": m.id,
            "display_name": name,
            "description": f"{name} on ModelScope",
            "downloads": downloads,
            "likes": likes,
            "created_at": iso(m.created),
            "last_modified": iso(modified),
            "license": "apache-2.0",
            "tags": tags,
            "tasks": [m.pipeline],
            "private": m.private,
            "gated": False,
        }

    def modified(self, m: MsModel, now: int) -> int:
        return min(now, m.created + int(_unit("modified", m.id) * 20) * DAY)

    def truth(self, now: int) -> dict:
        """``{"models": {ID: record + "hf_id"}, "owners", "private": [ID]}``: ``hf_id`` is the
        Hugging Face model a mirror is the same as (None for a model only on ModelScope);
        ``private`` the models no anonymous caller sees."""
        out = {}
        for m in sorted(self.visible(now), key=lambda m: m.id):
            rec = self.record(m, now)
            rec["hf_id"] = self.forest.model_id(m.hf_index) if m.mirror and m.hf_index is not None else None
            out[m.id] = rec
        return {
            "models": out,
            "owners": sorted({m.id.split("/", 1)[0] for m in self.models}),
            "private": sorted(m.id for m in self.models if m.private),
        }


def ms_error(status: int, code: str, message: str) -> Response:
    """The OpenAPI surface's error envelope."""
    return Response.json({"success": False, "code": code, "message": message, "request_id": uuid.uuid4().hex}, status)


def ms_server_error(status: int) -> Response:
    """A 5xx in the OpenAPI envelope: 503 says ``ServiceUnavailable``, the others ``InternalServerError``
    (the codes of errors.py 529-530; the message texts are fakehub's own, as no source records one)."""
    if status == 503:
        return ms_error(status, "ServiceUnavailable", "The service is temporarily unavailable, please retry later.")
    return ms_error(status, "InternalServerError", "Internal server error, please retry later.")


def legacy_error(status: int, message: str, code: int | None = None) -> Response:
    """The legacy surface's failure envelope; ``Code`` is the HTTP status unless ModelScope has its own
    code (a business failure, which may come with HTTP 200)."""
    body = {"Code": status if code is None else code, "Message": message, "RequestId": uuid.uuid4().hex}
    return Response.json({**body, "Success": False}, status)


class ModelScopeApi:
    """Routes ``/openapi/v1/models...`` and ``/api/v1/models/...``; see the module docstring."""

    def __init__(self, catalog: ModelScopeCatalog, clock: Clock):
        self.catalog = catalog
        self.clock = clock

    def route(self, req: Request) -> tuple[str, Response]:
        if req.token and req.token.startswith("invalid"):
            if req.path.startswith("/api/"):
                return "ms.auth", legacy_error(401, "Invalid or expired AccessToken")
            return "ms.auth", ms_error(401, "InvalidAuthentication", "The access token is invalid or expired.")
        if req.method != "GET":
            return "ms.other", ms_error(405, "InputParameterError", f"{req.method} {req.path} is not supported")
        if req.path == "/openapi/v1/models":
            return "ms.models", self.list_models(req)
        match = _MODEL_PATH.match(req.path)
        if match:
            surface, owner, name = match.groups()
            if surface == "openapi":
                return "ms.model", self.get_model(f"{owner}/{name}")
            return "ms.legacy_model", self.legacy_model(f"{owner}/{name}", owner_reads=bool(req.token))
        return "ms.other", ms_error(404, "ResourceNotFound", f"{req.path} not found")

    def list_models(self, req: Request) -> Response:
        try:
            page_number = int(req.arg("page_number") or 1)
            page_size = int(req.arg("page_size") or DEFAULT_PAGE_SIZE)
        except ValueError:
            return ms_error(400, "InputParameterError", "page_number and page_size must be integers")
        if page_number < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            return ms_error(400, "InputParameterError", f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if page_number * page_size > MAX_LISTING_DEPTH:
            return ms_error(400, "InputParameterError", f"page_number * page_size must be <= {MAX_LISTING_DEPTH}")
        now = self.clock.now
        owner = req.arg("owner")
        search = (req.arg("search") or "").lower()
        shown = self.catalog.visible(now, owner_reads=bool(req.token))  # the owner's listing shows its private models
        chosen = [
            m for m in shown if (not owner or m.id.split("/", 1)[0] == owner) and (not search or search in m.id.lower())
        ]
        sort = req.arg("sort") or "default"
        if sort in ("default", "downloads"):
            chosen.sort(key=lambda m: (-self.catalog.stats(m, now)[0], m.id))
        elif sort == "likes":
            chosen.sort(key=lambda m: (-self.catalog.stats(m, now)[1], m.id))
        elif sort == "last_modified":
            chosen.sort(key=lambda m: (self.catalog.modified(m, now), m.id), reverse=True)
        else:
            return ms_error(400, "InputParameterError", f"sort must be one of {', '.join(SORT_KEYS)}, not {sort!r}")
        page = chosen[(page_number - 1) * page_size : page_number * page_size]
        data = {
            "models": [self.catalog.record(m, now) for m in page],
            "total_count": len(chosen),
            "page_number": page_number,
            "page_size": page_size,
        }
        return Response.json({"success": True, "request_id": uuid.uuid4().hex, "data": data})

    def get_model(self, model_id: str) -> Response:
        m = self.catalog.by_id.get(model_id)
        if m is None or m.created > self.clock.now or m.private:
            return ms_error(404, "ResourceNotFound", f"Model {model_id} not found")
        return Response.json(
            {"success": True, "request_id": uuid.uuid4().hex, "data": self.catalog.record(m, self.clock.now)}
        )

    def legacy_model(self, model_id: str, *, owner_reads: bool = False) -> Response:
        """``/api/v1/models/{id}``; ``owner_reads``: the caller has a token, taken for the owner's,
        who is shown a private model (see the module docstring)."""
        m = self.catalog.by_id.get(model_id)
        now = self.clock.now
        if m is None or m.created > now:
            return legacy_error(404, "模型不存在")
        # a business failure in a 200, as the legacy surface reports them (module docstring)
        if m.private and not owner_reads:
            return legacy_error(200, "get model info failed, err: unauthorized permission", code=10010101004)
        rec = self.catalog.record(m, now)
        owner, name = model_id.split("/", 1)
        data = {
            "Id": stable_hash("ms-id", model_id) % 10**7,
            "Path": owner,
            "Name": name,
            "ChineseName": "",
            "Visibility": 1 if m.private else 5,
            "Description": rec["description"],
            "Downloads": rec["downloads"],
            "Stars": rec["likes"],
            "CreatedTime": m.created,
            "LastUpdatedTime": self.catalog.modified(m, now),
            "License": rec["license"],
            "Tags": rec["tags"],
            "Tasks": [{"name": task} for task in rec["tasks"]],
        }
        return Response.json(
            {"Code": 200, "Data": data, "Message": "success", "RequestId": uuid.uuid4().hex, "Success": True}
        )
