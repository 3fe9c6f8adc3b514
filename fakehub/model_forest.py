"""The synthetic Hugging Face Hub: a forest of derivative models, generated as numpy
arrays and rendered to JSON records only when a page is served.

Model ``i`` (0-based) is described by a few arrays (creation time, main parent, relation,
author code, download rate, trend, like ratio); the record the API returns is computed
from them and the clock on demand, so the ``large`` scale (2,000,000 models visible at
START) never holds its records as JSON.

- Indices ``0 .. C-1`` are the labs' own models (:data:`CURATED`, real HF authors and
  names such as ``Qwen/Qwen3-8B``, ``meta-llama/Llama-3.1-8B-Instruct``, gated) created
  before START; generated models follow in creation order, so the models visible at a
  clock time are the curated ones plus a prefix of the generated ones, and the models
  created after START appear as the clock advances.
- About 60% of the generated models are derivatives. Relation of a derivative
  (:data:`RELATIONS`): finetune 45%, quantized 39%, merge 15%, adapter 1% (the real
  Hub's mix). A merge has 2-4 parents; quantized models are never
  parents. Parents are curated models (weighted, Qwen first) or earlier generated ones,
  biased to older ones, which gives heavy-tailed families and depths of 4 and more.
- Downloads of model i on its day of age ``a`` are ``rate_i * (1 + trend_i * a)``;
  ``downloads`` is the sum over the last 30 days, ``downloadsAllTime`` over its whole
  life, both exact at the clock. ``likes = floor(like_ratio_i * sqrt(downloadsAllTime))``.
- Generated ids end in ``-{index in base 36}`` (``someauthor/Orbit-7B-GGUF-2s5``), which
  lets a lookup by id work without an index of all ids.

What the real Hub does to a long crawl, modelled here (each on by default):

- ``trendingScore`` moves while a crawl runs: the Hub recomputes it continuously (it is the
  default order of ``/api/models``, huggingface_hub issue #2741). :attr:`ModelForest.trending_epoch`
  counts the recomputations (:class:`ecometrics.fakehub.hf.HfApi` advances it every few listing pages);
  epoch 0 is the plain ``rate * (1 + trend * age) / 40`` and each later epoch multiplies it by a
  per-model factor in [0.5, 1.5).
- Repos created before the Hub recorded creation dates report ``createdAt =
  2022-03-02T23:29:04.000Z`` (:data:`CREATED_AT_SENTINEL`); ``google-bert/bert-base-uncased``
  and ``openai-community/gpt2`` are such models (on the real Hub too).
- About 0.5% of the generated models existing at START are deleted at a time within the
  future days (:attr:`ModelForest.deleted_at`): from then on they are listed nowhere and
  ``/api/models/{id}`` does not find them.
- About 0.2% are disabled (``/api/models/{id}`` answers 403 "Access to this resource is
  disabled.", huggingface_hub ``utils/_http.py`` ``hf_raise_for_status``, to a caller with a
  token and 401 ``RepoNotFound`` to an anonymous one, huggingface_hub PR #1965), still listed.
- :data:`RENAMED`: repos transferred to a new owner; the old id redirects to the new one
  (Hub docs, repositories-settings.md: "renaming ... redirects"); the forest knows only the
  new id.
- ``_id`` is an ObjectId-like 24-hex string, creation time then a per-model hash: stable for
  the life of a model, and the tie-breaker of the listing's keyset cursors.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from ecometrics.fakehub.clock import DAY, FUTURE_DAYS, START_TS, iso_ms
from ecometrics.fakehub.generator import _ADJ, _NOUN, _mix, stable_hash

# What the Hub reports as createdAt for repos older than its creation-date records.
CREATED_AT_SENTINEL = "2022-03-02T23:29:04.000Z"
CREATED_AT_SENTINEL_TS = int(dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=dt.UTC).timestamp())
# Old id -> new id of repos renamed or transferred (THUDM's GLM models moved to zai-org).
RENAMED = {"THUDM/glm-4-9b-chat": "zai-org/glm-4-9b-chat"}
NEVER = np.iinfo(np.int64).max
_ID_HASH_MASK = np.uint64(0x7FFF_FFFF_FFFF_FFFF)


def hub_created_at(ts: int) -> str:
    """``createdAt`` as the Hub reports it: the sentinel for repos older than its records."""
    return CREATED_AT_SENTINEL if ts < CREATED_AT_SENTINEL_TS else iso_ms(ts)


def hub_score(value: float) -> int | float:
    """A trending score as the Hub's JSON has it: a whole score is a number without a fraction
    (``146``), a small one keeps its decimal (``0.2``; see :meth:`ModelForest.stats`)."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _splitmix(x: np.ndarray) -> np.ndarray:
    """:func:`ecometrics.fakehub.generator._mix` of a uint64 array."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


RELATIONS = ("finetune", "quantized", "merge", "adapter")  # codes 1..4; 0 = no parent
RELATION_MIX = (0.45, 0.39, 0.15, 0.01)
FT, QUANT, MERGE, ADAPTER = 1, 2, 3, 4


@dataclass(frozen=True)
class Curated:
    id: str
    days_before_start: int
    weight: float  # how often generated models derive from it
    pipeline: str = "text-generation"
    params_b: float = 7.0
    gated: str | bool = False
    parent: str | None = None  # (parent id) for the labs' own finetunes
    relation: str = "finetune"


CURATED: tuple[Curated, ...] = (
    Curated("Qwen/Qwen3-8B-Base", 130, 6, params_b=8.2),
    Curated("Qwen/Qwen3-8B", 130, 40, params_b=8.2, parent="Qwen/Qwen3-8B-Base"),
    Curated("Qwen/Qwen3-0.6B", 130, 6, params_b=0.6),
    Curated("Qwen/Qwen3-32B", 130, 5, params_b=32.8),
    Curated("Qwen/Qwen3-235B-A22B", 130, 2, params_b=235),
    Curated("Qwen/Qwen2.5-7B", 350, 6, params_b=7.6),
    Curated("Qwen/Qwen2.5-7B-Instruct", 350, 30, params_b=7.6, parent="Qwen/Qwen2.5-7B"),
    Curated("Qwen/Qwen2.5-72B-Instruct", 350, 3, params_b=72.7),
    Curated("Qwen/Qwen2.5-VL-7B-Instruct", 220, 5, "image-text-to-text", 8.3),
    Curated("Qwen/Qwen2.5-Coder-7B-Instruct", 300, 4, params_b=7.6),
    Curated("deepseek-ai/DeepSeek-V3", 250, 2, params_b=671),
    Curated("deepseek-ai/DeepSeek-R1", 225, 4, params_b=671),
    Curated("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 225, 5, params_b=7.6, parent="Qwen/Qwen2.5-7B"),
    Curated("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", 225, 4, params_b=8.0, parent="meta-llama/Llama-3.1-8B"),
    Curated("deepseek-ai/deepseek-coder-6.7b-instruct", 660, 1, params_b=6.7),
    Curated("THUDM/chatglm3-6b", 680, 1, params_b=6.2),
    Curated("zai-org/glm-4-9b-chat", 450, 2, params_b=9.4),  # was THUDM/glm-4-9b-chat (RENAMED)
    Curated("zai-org/GLM-4.5", 35, 1, params_b=358),
    Curated("zai-org/GLM-4.5-Air", 35, 1, params_b=110),
    Curated("moonshotai/Kimi-K2-Instruct", 50, 1, params_b=1000),
    Curated("moonshotai/Kimi-VL-A3B-Instruct", 150, 1, "image-text-to-text", 16),
    Curated("MiniMaxAI/MiniMax-M1-80k", 75, 0.5, params_b=456),
    Curated("MiniMaxAI/MiniMax-Text-01", 230, 0.5, params_b=456),
    Curated("openbmb/MiniCPM-V-2_6", 390, 2, "image-text-to-text", 8.1),
    Curated("openbmb/MiniCPM4-8B", 85, 1, params_b=8.2),
    Curated("tencent/Hunyuan-A13B-Instruct", 65, 0.5, params_b=80),
    Curated("tencent/HunyuanVideo", 270, 0.5, "text-to-video", 13),
    Curated("baidu/ERNIE-4.5-21B-A3B-PT", 60, 0.5, params_b=21.8),
    Curated("baidu/ERNIE-4.5-0.3B-PT", 60, 0.5, params_b=0.36),
    Curated("meta-llama/Llama-2-7b-hf", 770, 3, params_b=6.7, gated="manual"),
    Curated("meta-llama/Llama-3.1-8B", 405, 8, params_b=8.0, gated="manual"),
    Curated(
        "meta-llama/Llama-3.1-8B-Instruct", 405, 12, params_b=8.0, gated="manual", parent="meta-llama/Llama-3.1-8B"
    ),
    Curated("meta-llama/Llama-3.2-1B", 340, 5, params_b=1.2, gated="manual"),
    Curated("meta-llama/Llama-3.3-70B-Instruct", 280, 4, params_b=70.6, gated="manual"),
    Curated("mistralai/Mistral-7B-v0.1", 710, 6, params_b=7.2),
    Curated("mistralai/Mistral-7B-Instruct-v0.3", 460, 5, params_b=7.2),
    Curated("mistralai/Mixtral-8x7B-v0.1", 630, 2, params_b=46.7),
    Curated("mistralai/Mistral-Small-24B-Instruct-2501", 215, 2, params_b=23.6),
    Curated("google/gemma-2-9b", 430, 4, params_b=9.2, gated="manual"),
    Curated("google/gemma-3-1b-it", 175, 3, params_b=1.0, gated="manual"),
    Curated("google/gemma-3-27b-it", 175, 3, "image-text-to-text", 27.4, gated="manual"),
    Curated("microsoft/phi-4", 260, 4, params_b=14.7),
    Curated("microsoft/Phi-3-mini-4k-instruct", 495, 3, params_b=3.8),
    Curated("microsoft/Phi-4-mini-instruct", 185, 2, params_b=3.8),
    Curated(
        "nvidia/Llama-3.1-Nemotron-70B-Instruct-HF", 325, 1, params_b=70.6, parent="meta-llama/Llama-3.3-70B-Instruct"
    ),
    Curated("nvidia/Nemotron-H-8B-Base-8K", 150, 0.5, params_b=8.1),
    Curated("allenai/OLMo-2-1124-7B", 285, 1, params_b=7.3),
    Curated("allenai/OLMo-2-0425-1B", 130, 1, params_b=1.5),
    # Older than the Hub's creation dates: they report CREATED_AT_SENTINEL.
    Curated("google-bert/bert-base-uncased", 2480, 2, "fill-mask", 0.11),
    Curated("openai-community/gpt2", 2400, 2, params_b=0.137),
)

_STEM_WORDS = (
    "Orbit",
    "Nova",
    "Aurora",
    "Falcon",
    "Zephyr",
    "Hermes",
    "Tiny",
    "Atlas",
    "Nexus",
    "Vega",
    "Lumen",
    "Sage",
    "Pixel",
    "Quill",
    "Ember",
    "Cobalt",
)
_SIZES = (0.5, 1, 1.5, 3, 7, 8, 13, 14, 32, 70)
_SUFFIXES = {
    FT: ("Instruct", "Chat", "SFT", "DPO", "Coder", "Math", "RP", "Reasoning"),
    QUANT: ("GGUF", "AWQ", "GPTQ-Int4", "FP8", "4bit", "MLX-4bit", "bnb-4bit", "Q8_0-GGUF"),
    MERGE: ("Merge", "SLERP", "TIES", "DARE"),
    ADAPTER: ("LoRA", "QLoRA"),
}
_HISTORY_DAYS = 1000  # generated models span START - 1000 days .. START
_GROWTH = math.log(20) / _HISTORY_DAYS  # the Hub grows ~20x over that span


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _sum_daily(a0: np.ndarray, a1: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Sum over ages a0..a1-1 of (1 + trend * a)."""
    return (a1 - a0) + trend * (a1 * (a1 - 1) - a0 * (a0 - 1)) / 2.0


class ModelForest:
    # Defaults that a snapshot's forest (ecometrics.fakehub.snapshot) shares: nothing renamed, deleted or disabled.
    renamed: dict[str, str] = RENAMED
    trending_epoch = 0
    deleted_at: np.ndarray | None = None
    recorded_deleted: tuple[str, ...] = ()  # a snapshot's list, when there are no deletion times
    disabled: np.ndarray | None = None
    _id_hashes: np.ndarray | None = None

    def __init__(self, seed: int, n_models: int, n_authors: int, lab_authors: list[str]):
        rng = np.random.default_rng([seed, 7])
        self.seed = seed
        cur = CURATED
        C = self.n_curated = len(cur)
        n_hist = max(n_models - C, 1)
        # creation times: exponential growth up to START, then a steady stream
        q = np.arange(n_hist) / n_hist
        e = math.exp(_GROWTH * _HISTORY_DAYS)
        day = -_HISTORY_DAYS + np.log1p((e - 1) * q) / _GROWTH
        rate_now = n_hist * _GROWTH * e / (e - 1)
        n_future = int(min(rate_now * FUTURE_DAYS, 0.2 * n_hist))
        day = np.concatenate([day, np.linspace(0, FUTURE_DAYS, n_future + 1)[1:]])
        gen_created = START_TS + (day * DAY).astype(np.int64)
        self.gen_created = gen_created
        N = self.n_total = C + len(gen_created)
        self.curated_index = {c.id: k for k, c in enumerate(cur)}
        cur_created = np.array(
            [START_TS - c.days_before_start * DAY - 3_600 * (k % 13) for k, c in enumerate(cur)], dtype=np.int64
        )
        self.created = np.concatenate([cur_created, gen_created])

        # authors: the labs first, then generated ones (Zipf-like activity)
        self.authors = list(dict.fromkeys([c.id.split("/")[0] for c in cur] + list(lab_authors)))
        n_labs = len(self.authors)
        for k in range(n_authors):
            h = stable_hash("hf-author", seed, k)
            self.authors.append(f"{_ADJ[h % len(_ADJ)]}-{_NOUN[(h >> 16) % len(_NOUN)]}{k}")
        self.author_codes = {a: k for k, a in enumerate(self.authors)}

        # relations and parents
        rel = np.zeros(N, dtype=np.int8)
        G = N - C
        derived = rng.random(G) < 0.6
        rel_codes = rng.choice(np.array([FT, QUANT, MERGE, ADAPTER], dtype=np.int8), size=G, p=RELATION_MIX)
        rel[C:] = np.where(derived, rel_codes, 0)
        parent = np.full(N, -1, dtype=np.int64)
        for k, c in enumerate(cur):
            if c.parent:
                parent[k] = self.curated_index[c.parent]
                rel[k] = RELATIONS.index(c.relation) + 1
        order = np.argsort(cur_created, kind="stable")
        weights = np.array([cur[k].weight for k in order], dtype=float)
        cum_w = np.cumsum(weights)
        sorted_created = cur_created[order]

        def pick(size_rng: np.random.Generator, kids: np.ndarray) -> np.ndarray:
            """A parent for each of the models ``kids``: a curated one created before it,
            or an earlier generated one (biased to older)."""
            n = len(kids)
            eligible = np.searchsorted(sorted_created, self.created[kids], side="right")
            use_curated = (size_rng.random(n) < 0.55) & (eligible > 0)
            top = np.maximum(eligible, 1) - 1
            k = np.minimum(np.searchsorted(cum_w, size_rng.random(n) * cum_w[top]), top)
            generated = C + ((kids - C) * size_rng.random(n) ** 2).astype(np.int64)
            choice = np.where(use_curated, order[k], generated)
            return np.where(choice < kids, choice, -1)  # the very first models have none

        def lift_quantized(p: np.ndarray) -> np.ndarray:
            """Quantized models are not derived from: move up to their parent."""
            for _ in range(64):
                bad = (p >= 0) & (rel[np.maximum(p, 0)] == QUANT)
                if not bad.any():
                    break
                p = np.where(bad, parent[np.maximum(p, 0)], p)
            return p

        derived_idx = C + np.nonzero(rel[C:] > 0)[0]
        parent[derived_idx] = pick(rng, derived_idx)
        parent[derived_idx] = lift_quantized(parent[derived_idx])
        rel[C:] = np.where(parent[C:] >= 0, rel[C:], 0)
        self.parent = parent
        self.rel = rel

        # extra parents of merges
        merge_children = np.nonzero(rel == MERGE)[0]
        extra_child, extra_parent = [], []
        for extra in range(3):
            keep = rng.random(len(merge_children)) < (1.0, 0.3, 0.1)[extra]
            kids = merge_children[keep]
            candidates = lift_quantized(pick(rng, kids))
            ok = (candidates >= 0) & (candidates != parent[kids])
            extra_child.append(kids[ok])
            extra_parent.append(candidates[ok])
        pairs = np.unique(np.concatenate(extra_child) * N + np.concatenate(extra_parent))
        self.extra_child = pairs // N
        self.extra_parent = pairs % N

        self._index_edges()

        # authors of the generated models
        n_gen_authors = len(self.authors) - n_labs
        zipf = np.minimum(rng.zipf(1.6, G) - 1, n_gen_authors - 1)
        author = n_labs + zipf
        quantizer = (rel[C:] == QUANT) & (rng.random(G) < 0.4)
        author = np.where(quantizer, n_labs + rng.integers(0, min(8, n_gen_authors), G), author)
        p_idx = parent[C:]
        official = (p_idx >= 0) & (p_idx < C) & (rng.random(G) < 0.03)
        author = np.where(official, self._curated_author_codes()[np.clip(p_idx, 0, C - 1)], author)
        self.author = np.concatenate([self._curated_author_codes(), author]).astype(np.int32)

        # popularity
        rate = np.exp(rng.normal(0.8, 1.8, N))
        rate[:C] = np.array([c.weight for c in cur]) * 3_000 * np.exp(rng.normal(0, 0.5, C))
        rate[C:][rel[C:] == QUANT] *= 2
        self.rate = rate
        self.trend = rng.uniform(0.0, 0.004, N)
        self.like_ratio = np.exp(rng.normal(-1.5, 0.8, N))
        self.modify_days = rng.integers(0, 90, N)
        self.gated_generated = rng.random(N) < 0.01
        self._count_cache: tuple[tuple[int, int], np.ndarray] | None = None

        # deletions and disabled repos, from their own generator so the forest above
        # stays what it was without them
        churn = np.random.default_rng([seed, 11])
        before_start = np.nonzero(gen_created <= START_TS)[0] + C
        doomed = before_start[churn.random(len(before_start)) < 0.005]
        self.deleted_at = np.full(N, NEVER, dtype=np.int64)
        self.deleted_at[doomed] = START_TS + (churn.random(len(doomed)) * FUTURE_DAYS * DAY).astype(np.int64) + 1
        self.disabled = np.zeros(N, dtype=bool)
        self.disabled[C:] = churn.random(G) < 0.002

    def _index_edges(self) -> None:
        """Edges grouped by parent (children ascending), and each model's root and depth
        along its main parent; from ``parent``, ``rel``, ``extra_child/extra_parent``."""
        parent, rel, N = self.parent, self.rel, self.n_total
        has = parent >= 0
        e_child = np.concatenate([np.nonzero(has)[0], self.extra_child]).astype(np.int64)
        e_parent = np.concatenate([parent[has], self.extra_parent]).astype(np.int64)
        by = np.lexsort((e_child, e_parent))
        self.e_child = e_child[by]
        self.e_parent = e_parent[by]
        self.e_rel = rel[self.e_child]
        self.e_ptr = np.searchsorted(self.e_parent, np.arange(N + 1))
        root = np.arange(N)
        depth = np.zeros(N, dtype=np.int16)
        for _ in range(256):
            new_root = np.where(parent >= 0, root[np.maximum(parent, 0)], np.arange(N))
            new_depth = np.where(parent >= 0, depth[np.maximum(parent, 0)] + 1, 0).astype(np.int16)
            if np.array_equal(new_root, root) and np.array_equal(new_depth, depth):
                break
            root, depth = new_root, new_depth
        self.root = root
        self.depth = depth

    def gated_ids(self, now: int) -> list[str]:
        n_visible = self.n_visible(now)
        curated = [self.model_id(i) for i in range(min(self.n_curated, n_visible)) if self.gated(i)]
        generated = np.nonzero(self.gated_generated[self.n_curated : n_visible])[0] + self.n_curated
        generated = generated[self.alive(generated, now)]
        return curated + [self.model_id(int(i)) for i in generated]

    def _curated_author_codes(self) -> np.ndarray:
        return np.array([self.author_codes[c.id.split("/")[0]] for c in CURATED], dtype=np.int64)

    # -- visibility and lookup ----------------------------------------------------------
    def n_visible(self, now: int) -> int:
        """Models created by ``now``: indices below this (some of them since deleted)."""
        return self.n_curated + int(np.searchsorted(self.gen_created, now, side="right"))

    def alive(self, idx: np.ndarray, now: int) -> np.ndarray:
        """Mask of the models among ``idx`` (all created by ``now``) not deleted by ``now``."""
        if self.deleted_at is None:
            return np.ones(len(idx), dtype=bool)
        return self.deleted_at[idx] > now

    def exists(self, i: int, now: int) -> bool:
        return i < self.n_visible(now) and (self.deleted_at is None or int(self.deleted_at[i]) > now)

    def existing(self, now: int) -> np.ndarray:
        """Indices of the models on the Hub at ``now``, ascending."""
        idx = np.arange(self.n_visible(now))
        return idx[self.alive(idx, now)]

    def deleted_ids(self, now: int) -> list[str]:
        """Models created and then deleted by ``now``, sorted."""
        if self.deleted_at is None:
            return sorted(self.recorded_deleted)
        created = np.arange(self.n_visible(now))
        return sorted(self.model_id(int(i)) for i in created[~self.alive(created, now)])

    def is_disabled(self, i: int) -> bool:
        return self.disabled is not None and bool(self.disabled[i])

    def id_hashes(self) -> np.ndarray:
        """A 63-bit hash per model: the second half of its ``_id``."""
        if self._id_hashes is None:
            raw = _splitmix(np.arange(self.n_total, dtype=np.uint64) + np.uint64(self.seed * 0x1000003))
            self._id_hashes = (raw & _ID_HASH_MASK).astype(np.int64)
        return self._id_hashes

    def object_id(self, i: int) -> str:
        return f"{int(self.created[i]) & 0xFFFFFFFF:08x}{int(self.id_hashes()[i]):016x}"

    def stem(self, root: int) -> str:
        if root < self.n_curated:
            return CURATED[root].id.split("/", 1)[1]
        h = _mix(self.seed * 0x1000003 + root)
        return f"{_STEM_WORDS[h % len(_STEM_WORDS)]}-{_SIZES[(h >> 8) % len(_SIZES)]:g}B"

    def model_id(self, i: int) -> str:
        if i < self.n_curated:
            return CURATED[i].id
        author = self.authors[self.author[i]]
        r = int(self.rel[i])
        stem = self.stem(int(self.root[i]))
        if r == 0:
            return f"{author}/{stem}-{_b36(i)}"
        suffixes = _SUFFIXES[r]
        return f"{author}/{stem}-{suffixes[_mix(i) % len(suffixes)]}-{_b36(i)}"

    def index_of(self, model_id: str) -> int | None:
        if model_id in self.curated_index:
            return self.curated_index[model_id]
        tail = model_id.rsplit("-", 1)[-1]
        try:
            i = int(tail, 36)
        except ValueError:
            return None
        if self.n_curated <= i < self.n_total and self.model_id(i) == model_id:
            return i
        return None

    def parents(self, i: int) -> list[int]:
        if self.parent[i] < 0:
            return []
        lo, hi = np.searchsorted(self.extra_child, [i, i + 1])
        return [int(self.parent[i])] + [int(p) for p in self.extra_parent[lo:hi]]

    def children(self, i: int, now: int, relation: int | None = None) -> np.ndarray:
        """Children of model i on the Hub at ``now`` (ascending), of one relation or all."""
        lo, hi = self.e_ptr[i], self.e_ptr[i + 1]
        kids = self.e_child[lo:hi]
        rels = self.e_rel[lo:hi]
        keep = (kids < self.n_visible(now)) & self.alive(kids, now)
        if relation is not None:
            keep &= rels == relation
        return kids[keep]

    def children_counts(self, now: int) -> np.ndarray:
        """Array (n_total, 4): children on the Hub at ``now`` of each model, per relation."""
        n_visible = self.n_visible(now)
        gone = 0 if self.deleted_at is None else int(np.count_nonzero(self.deleted_at <= now))
        if self._count_cache is None or self._count_cache[0] != (n_visible, gone):
            visible = (self.e_child < n_visible) & self.alive(self.e_child, now)
            counts = np.zeros((self.n_total, 4), dtype=np.int32)
            for r in range(1, 5):
                sel = visible & (self.e_rel == r)
                counts[:, r - 1] = np.bincount(self.e_parent[sel], minlength=self.n_total)
            self._count_cache = ((n_visible, gone), counts)
        return self._count_cache[1]

    # -- time-dependent statistics --------------------------------------------------------
    def stats(self, idx: np.ndarray, now: int) -> dict[str, np.ndarray]:
        """downloads (30 days), downloadsAllTime, likes, trendingScore at the clock."""
        age = np.maximum((now - self.created[idx]) // DAY, 0)
        trend = self.trend[idx]
        rate = self.rate[idx]
        all_time = np.floor(rate * _sum_daily(np.zeros_like(age), age, trend)).astype(np.int64)
        d30 = np.floor(rate * _sum_daily(np.maximum(age - 30, 0), age, trend)).astype(np.int64)
        likes = np.floor(self.like_ratio[idx] * np.sqrt(all_time)).astype(np.int64)
        trending = rate * (1 + trend * age) / 40
        if self.trending_epoch:  # recomputed since START: each model's score moved
            draw = _splitmix(self.id_hashes()[idx].astype(np.uint64) ^ np.uint64(self.trending_epoch * 0x9E3779B1))
            trending = trending * (0.5 + (draw >> np.uint64(11)).astype(np.float64) / 2.0**53)
        # Scores below 10 keep one decimal: the Hub's own cursor holds {"trendingScore": 0.2, ...}
        # (huggingface_hub issue #2741), though ModelInfo.trending_score says int.
        trending = np.where(trending < 10, np.floor(trending * 10) / 10, np.floor(trending))
        return {"downloads": d30, "downloadsAllTime": all_time, "likes": likes, "trendingScore": trending, "age": age}

    def gated(self, i: int) -> str | bool:
        if i < self.n_curated:
            return CURATED[i].gated
        return "auto" if self.gated_generated[i] else False

    def pipeline_tag(self, i: int) -> str:
        root = int(self.root[i])
        if root < self.n_curated:
            return CURATED[root].pipeline
        return "image-text-to-text" if _mix(root) % 10 == 0 else "text-generation"

    def params(self, i: int) -> int | None:
        root = int(self.root[i])
        if root < self.n_curated:
            billions = CURATED[root].params_b
        else:
            billions = _SIZES[(_mix(self.seed * 0x1000003 + root) >> 8) % len(_SIZES)]
        return int(billions * 1e9) + int(self.rate[i] * 1000) % 1_000_000

    def library(self, i: int) -> str:
        r = int(self.rel[i])
        if r == ADAPTER:
            return "peft"
        if r == QUANT:
            mid = self.model_id(i)
            if "GGUF" in mid:
                return "gguf"
            if "MLX" in mid:
                return "mlx"
        return "transformers"

    def record(
        self, i: int, st: dict[str, int], now: int, counts: np.ndarray, fields: frozenset[str] | None = None
    ) -> dict:
        """The record of model i: every field the API can show, or only ``fields``
        (plus ``_id`` and ``id``); computing only what is asked keeps pages cheap."""

        def want(name: str) -> bool:
            return fields is None or name in fields

        mid = self.model_id(i)
        created = int(self.created[i])
        modified = created + min(int(self.modify_days[i]), int(st["age"])) * DAY
        h = _mix(self.seed * 0x9E3779B1 + i * 0x10001 + modified)
        rec: dict = {"_id": self.object_id(i), "id": mid}
        if want("modelId"):
            rec["modelId"] = mid
        if want("author"):
            rec["author"] = mid.split("/", 1)[0]
        if want("sha"):
            rec["sha"] = f"{h:016x}{_mix(h):016x}{h & 0xFFFFFFFF:08x}"
        if want("createdAt"):
            rec["createdAt"] = hub_created_at(created)
        if want("lastModified"):
            rec["lastModified"] = iso_ms(modified)
        if want("private"):
            rec["private"] = False
        if want("disabled"):
            rec["disabled"] = self.is_disabled(i)
        if want("gated"):
            rec["gated"] = self.gated(i)
        for key in ("downloads", "downloadsAllTime", "likes"):
            if want(key):
                rec[key] = st[key]
        if want("trendingScore"):
            rec["trendingScore"] = hub_score(st["trendingScore"])
        r = int(self.rel[i])
        parents = self.parents(i) if r else []
        library = self.library(i) if (want("library_name") or want("tags") or want("safetensors")) else None
        if want("library_name"):
            rec["library_name"] = library
        if want("pipeline_tag") or want("tags"):
            pipeline = self.pipeline_tag(i)
            if want("pipeline_tag"):
                rec["pipeline_tag"] = pipeline
        parent_ids = [self.model_id(p) for p in parents]
        if want("tags"):
            tags = [library] if library != "gguf" else ["gguf"]
            if library == "transformers":
                tags.append("safetensors")
            tags += [pipeline, "conversational"] if pipeline == "text-generation" else [pipeline]
            for pid in parent_ids:
                tags += [f"base_model:{pid}", f"base_model:{RELATIONS[r - 1]}:{pid}"]
            tags += ["license:apache-2.0", "endpoints_compatible", "region:us"]
            rec["tags"] = tags
        if want("childrenModelCount"):
            c = counts[i]
            rec["childrenModelCount"] = {
                "finetune": int(c[0]),
                "quantized": int(c[1]),
                "merge": int(c[2]),
                "adapter": int(c[3]),
            }
        if want("safetensors") and library != "gguf" and (n := self.params(i)):
            rec["safetensors"] = {"parameters": {"BF16": n}, "total": n}
        if want("baseModels") and parents:
            rec["baseModels"] = {"relation": RELATIONS[r - 1], "models": [{"id": pid} for pid in parent_ids]}
        return rec
