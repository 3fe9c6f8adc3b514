"""The deterministic synthetic ecosystem fakehub serves: GitHub users, orgs, repos, stars
and activity, plus the Hugging Face model forest of :mod:`ecometrics.fakehub.model_forest`.

Everything is a function of ``(seed, scale)`` and the simulated clock
(:mod:`ecometrics.fakehub.clock`). Repos use the real organisation names of
``ecometrics.core.ecosystem`` (LABS, TRACKED_REPOS) plus generated ones, so a config written
for the real world runs offline. Per-repo stars and activity are generated lazily on
first use from an RNG seeded by ``(seed, repo index)``, so start-up is fast and the
order of requests never changes the data.

Scales (:data:`SCALES`): ``small`` (tens of repos, a few thousand developers, 3,500
models; for unit tests), ``medium`` (hundreds of repos, 40,000 models, repos above
40,000 stars), ``large`` (thousands of repos, 2,000,000 models).

Features the collectors must cope with, at every scale:

- a launch burst: ``Genesis-Embodied-AI/Genesis`` gains ~20,000 stars in its first 10
  days, ``zai-org/Open-AutoGLM`` ~10,000 in three;
- a renamed repo: ``THUDM/GLM-4`` is now ``zai-org/GLM-4`` (same id; the old name
  answers 301 to ``/repositories/{id}``);
- a blocked repo: ``deepseek-ai/DeepSeek-Blocked`` (451 / FORBIDDEN, see :data:`BLOCKED`);
- deleted repos: ``deepseek-ai/DeepSeek-Legacy`` (gone before the start, always 404)
  and ``MiniMax-AI/MiniMax-Text-Preview`` (listed until day 7, then 404);
- bots (logins ending in ``[bot]``, ``type: "Bot"``) opening PRs, commenting, committing;
- late commits: :data:`LATE_COMMIT_SHARE` of commits were made on a branch merged up to
  :data:`MERGE_DELAY_DAYS` later; they reach ``/commits`` then, with their older dates,
  in history order rather than date order (``/commits`` lists the history, whose dates
  need not be monotonic: github/rest-api-description issue 4814);
- stargazers of a repo are distinct users: star k of repo r is user
  ``(a_r * k + b_r) mod U`` (an affine bijection), so new stars never repeat a user;
- unstars: :data:`UNSTAR_SHARE` of all stars are removed again some time after they were
  given (users do remove stars; GitHub's counts and listings drop them), so a history
  read once and only extended goes stale;
- hidden stargazers: :data:`HIDDEN_STAR_SHARE` of stars belong to accounts GitHub no
  longer shows (suspended or flagged as spam). They count in ``stargazerCount`` and
  ``stargazers_count``, GraphQL gives ``null`` for their items in ``edges`` and ``nodes``
  (the public schema types both lists as ``[StargazerEdge]``/``[User]``, nullable items:
  https://docs.github.com/graphql/reference/objects#stargazerconnection), and REST leaves
  them out of its pages, so a page can be shorter than ``per_page`` with more to come.
  Whether GitHub's count includes them is not documented; the collector does not rely
  on it (after a walk from the start it takes count - shown as the hidden share).
- deleted accounts: :data:`DELETED_ACCOUNT_SHARE` of developer accounts were deleted, and
  GitHub credits their issues, pull requests, comments, review comments and closings to
  one placeholder account, ``ghost`` (id 10137): "Side effects of account deletion"
  (https://docs.github.com/account-and-profile/setting-up-and-managing-your-personal-account-on-github/managing-your-personal-account/deleting-your-personal-account#side-effects-of-account-deletion),
  seen by API clients in travisbrown/octocrabby issue 2, ropensci/allcontributors issue 58
  and WordPress/props-bot-action issue 198. The user index :data:`GHOST` stands for it;
  commits keep their git author (an account-less author stays so: only GitHub's own
  records are re-credited), and stars of deleted accounts are not modelled here.
- planted fake-star campaigns (:data:`CAMPAIGNS`, reported under ``star_campaigns`` in the
  truth), the two patterns StarScout finds (He et al., "Six Million (Suspected) Fake Stars
  on GitHub", ICSE 2026; hehao98/StarScout): accounts created the day they star one
  repository and never active again (the low-activity pattern), and aged accounts with
  followers and repositories that star the same dozen repositories within days of each
  other (the lockstep pattern). The organic launch bursts above (Genesis, Open-AutoGLM) are
  the viral bursts a detector must leave alone. Every account has public facts (creation
  time, followers, repositories, contributions: :meth:`GitHubWorld.account_facts`), served
  on GraphQL ``User`` nodes.
- profiles: every user has a ``location`` and ``company`` (free text, null when empty:
  https://docs.github.com/graphql/reference/objects#user) drawn from
  :data:`PROFILE_LOCATIONS`, in the shapes real profiles take (cities with or without a
  state or country, emoji flags, Chinese script, "Earth", "Remote", two places, web
  addresses, nothing at all); organisations a ``location`` (:data:`ORG_LOCATIONS`). The
  truth gives the country each text names, None where a reader could not tell.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ecometrics.core.ecosystem import LABS, TRACKED_REPOS
from ecometrics.fakehub.clock import DAY, FUTURE_DAYS, START_TS, Clock, iso

BOT_LOGINS = (
    "dependabot[bot]",
    "github-actions[bot]",
    "renovate[bot]",
    "pre-commit-ci[bot]",
    "codecov[bot]",
    "mergify[bot]",
    "stale[bot]",
    "copilot-swe-agent[bot]",
)
N_BOTS = len(BOT_LOGINS)
REVIEW_ID_BASE = 7_000_000_000_000  # review k of issue id i is REVIEW_ID_BASE + 10 i + k
GHOST = -1  # the user index of GitHub's placeholder for deleted accounts
GHOST_LOGIN, GHOST_ID = "ghost", 10137  # https://api.github.com/users/ghost
DELETED_ACCOUNT_SHARE = 0.03  # of developer accounts, deleted: their issues and comments are ghost's
USER_ID_BASE = 1_000_000  # GitHub database id of user index i is USER_ID_BASE + i
ORG_ID_BASE = 90_000_000
REPO_ID_BASE = 600_000_000
ACTIVITY_DAYS = 180  # activity history before START

_ADJ = (
    "quiet swift brave calm eager fuzzy gentle happy jolly keen lucky mellow nimble proud "
    "rapid shy sunny tidy witty zesty amber bold cosmic dusty electric frosty golden hidden "
    "icy lunar misty noble orange polar rusty silver tiny urban vivid wild young"
).split()
_NOUN = (
    "fox owl lynx otter panda koala raven tiger whale yak zebra badger bison cobra dingo "
    "eagle ferret gecko heron ibis jaguar lemur moose newt ocelot puffin quail robin "
    "salmon toucan walrus coder hacker tensor kernel vector matrix pixel"
).split()
_REPO_WORDS = (
    "agent bench chat coder diffusion engine eval forge graph hub infer kit lab lens llm "
    "mind nexus orbit pilot prompt quant rag runtime serve stack studio trainer vision"
).split()
_LANGS = ("Python", "Python", "Python", "C++", "Jupyter Notebook", "TypeScript", "Rust", "Go", "Cuda")
_LICENSES = (
    ("apache-2.0", "Apache License 2.0", "Apache-2.0"),
    ("mit", "MIT License", "MIT"),
    ("apache-2.0", "Apache License 2.0", "Apache-2.0"),
    ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause"),
    ("other", "Other", "NOASSERTION"),
)
_TOPICS = (
    "llm",
    "deep-learning",
    "pytorch",
    "transformers",
    "ai",
    "machine-learning",
    "inference",
    "multimodal",
    "agents",
    "robotics",
    "computer-vision",
    "nlp",
)


@dataclass(frozen=True)
class Scale:
    name: str
    generated_orgs: int
    repos_per_org: tuple[int, int]
    star_factor: float  # real-world star counts are multiplied by this
    star_cap: int  # ...and capped here, except the launch-burst repos
    users: int  # size of the user universe stargazers are drawn from
    developers: int  # users who open issues, comment and commit
    models: int  # HF models visible at START
    hf_authors: int  # generated HF authors
    activity: float  # multiplier on issue/comment/commit rates


SCALES: dict[str, Scale] = {
    "small": Scale("small", 4, (2, 4), 0.1, 9_000, 300_000, 3_000, 3_500, 300, 0.25),
    "medium": Scale("medium", 40, (4, 10), 1.0, 200_000, 3_000_000, 30_000, 40_000, 3_000, 0.6),
    "large": Scale("large", 400, (4, 10), 1.0, 200_000, 30_000_000, 300_000, 2_000_000, 100_000, 0.6),
}

# Lab repos under the real org names: (org, repo, stars in the real world, topics)
_LAB_REPOS: tuple[tuple[str, str, int], ...] = (
    ("QwenLM", "Qwen3", 24_000),
    ("QwenLM", "Qwen2.5-VL", 12_000),
    ("QwenLM", "Qwen-Agent", 10_000),
    ("QwenLM", "Qwen3-Coder", 14_000),
    ("deepseek-ai", "DeepSeek-V3", 100_000),
    ("deepseek-ai", "DeepSeek-R1", 91_000),
    ("deepseek-ai", "Janus", 17_000),
    ("deepseek-ai", "DeepEP", 8_500),
    ("THUDM", "CogVideo", 11_000),
    ("THUDM", "ChatGLM-6B", 41_000),
    ("zai-org", "GLM-4.5", 3_000),
    ("zai-org", "GLM-4", 6_500),
    ("MoonshotAI", "Kimi-K2", 9_000),
    ("MoonshotAI", "Kimi-VL", 1_000),
    ("MiniMax-AI", "MiniMax-M1", 2_800),
    ("MiniMax-AI", "MiniMax-01", 2_900),
    ("MiniMax-AI", "MiniMax-Text-Preview", 400),
    ("OpenBMB", "MiniCPM", 8_000),
    ("OpenBMB", "MiniCPM-V", 20_000),
    ("Tencent-Hunyuan", "HunyuanVideo", 11_000),
    ("Tencent-Hunyuan", "Hunyuan-A13B", 700),
    ("PaddlePaddle", "ERNIE", 7_000),
    ("PaddlePaddle", "PaddleOCR", 50_000),
    ("meta-llama", "llama-models", 7_000),
    ("meta-llama", "llama-stack", 8_000),
    ("meta-llama", "llama-cookbook", 17_000),
    ("mistralai", "mistral-inference", 10_000),
    ("mistralai", "mistral-common", 800),
    ("google-deepmind", "gemma", 3_000),
    ("google-deepmind", "gemma_pytorch", 5_500),
)
_TRACKED_STARS = {
    "microsoft/PhiCookBook": 3_200,
    "NVIDIA/NeMo": 15_000,
    "allenai/OLMo": 5_500,
    "vllm-project/vllm": 60_000,
    "ggml-org/llama.cpp": 85_000,
    "huggingface/lerobot": 20_000,
    "mindsdb/mindsdb": 36_000,
    "roboflow/supervision": 34_000,
    "Significant-Gravitas/AutoGPT": 178_000,
    "modular/modular": 25_000,
    "Genesis-Embodied-AI/Genesis": 27_000,
    "zai-org/Open-AutoGLM": 12_000,
}
# Launch bursts: full name -> (days before START it was created, stars in the burst, burst days)
_BURSTS = {
    "Genesis-Embodied-AI/Genesis": (257, 20_000, 10),
    "zai-org/Open-AutoGLM": (40, 10_000, 3),
}
RENAMED = {"THUDM/GLM-4": "zai-org/GLM-4"}
DELETED_BEFORE_START = "deepseek-ai/DeepSeek-Legacy"
DELETED_LATER = ("MiniMax-AI/MiniMax-Text-Preview", 7)  # full name, day it disappears
# Blocked for everyone (a DMCA takedown): REST answers 451 "Repository access blocked"
# with a ``block`` object (reported by API clients, e.g. josegonzalez/python-github-backup
# issue 163 and ossf/allstar issue 36; GitHub's REST description does not list 451 yet,
# github/rest-api-description issue 3314), GraphQL a FORBIDDEN error with the field's
# path. Its owner's listing still shows it as an ordinary public repository: clients that
# walk a listing meet the 451 on the repository afterwards (ossf/allstar issue 36: "repos
# can be listed ... but unavailable due to DMCA takedown"; josegonzalez/python-github-backup
# issue 163 and pull 454, a user's listing then 451 on its issues; PyGithub issue 1015,
# the public repository listing). It has no data of its own: no stars, no activity.
BLOCKED = ("deepseek-ai/DeepSeek-Blocked",)
UNSTAR_SHARE = 0.03  # of all stars, removed again later
UNSTAR_MEAN_DAYS = 90  # mean time from a star to its removal
HIDDEN_STAR_SHARE = 0.003  # of all stars, from accounts the API no longer shows
# Planted campaigns: (kind, targets, accounts per target or in all, days before START, window days).
# new_accounts: a fresh account per star, created the day it stars its one target (three small lab
# repositories every default config tracks). aged_accounts: the same aged accounts star every target
# inside the window; its targets (``None``) are the first AGED_TARGETS generated repositories, small
# ones as the repositories that buy stars usually are, so the campaign is most of their stars.
AGED_TARGETS = 10  # StarScout keeps m = 10 repositories per cluster: a campaign over more is found only in part
CAMPAIGNS: tuple[tuple[str, tuple[str, ...] | None, int, int, int], ...] = (
    ("new_accounts", ("MoonshotAI/Kimi-VL", "Tencent-Hunyuan/Hunyuan-A13B", "mistralai/mistral-common"), 80, 45, 4),
    ("aged_accounts", None, 70, 75, 3),
)
ACCOUNTS_SINCE = 1_199_145_600  # 2008-01-01: the earliest creation date of a generated account
NEVER = np.iinfo(np.int64).max
LATE_COMMIT_SHARE = 0.1  # of commits, made on a branch that is merged later
MERGE_DELAY_DAYS = 14  # at most this many days from a commit to its merge
# Continuation cursors (REST ``after=``, GraphQL ``endCursor``) stored between runs are later
# refused: REST answers 422 to a cursor it no longer takes (octokit/octokit.net issue 1417;
# MeltanoLabs/tap-github issue 120 and pull 415 on GitHub's cursor-only deep pages), GraphQL an
# ``INVALID_CURSOR_ARGUMENTS`` error ("`...` does not appear to be a valid cursor."). GitHub
# states no lifetime; fakehub refuses a cursor once it is older than this on the simulated clock
# (assumed: a week, so a nightly run resumes its cursors and a run after a week's pause meets
# the refusal). ``FakeHub(cursor_lifetime_seconds=None)`` keeps cursors forever.
CURSOR_LIFETIME_SECONDS = 7 * DAY

# GitHub's REST answer to a stargazer list it refuses to a token that is not the repository's
# admin or collaborator (hajisensai/Fushi pull 232 quotes "You do not have permission to view
# the stargazers"; the whole sentence is the one a public client's test records). GraphQL's own
# text for its FORBIDDEN is not recorded anywhere found, so fakehub gives the same (assumed).
STARGAZERS_REFUSED = "You do not have permission to view the stargazers of this repository"


# Profile locations as people type them (GitHub's ``location`` is free text, often empty), each
# with the country a careful reader gets from it (None where the text does not tell: "Earth",
# two countries, a city several countries share), and how often it is drawn. The shapes are
# those of real profiles: cities alone or with a state or country, emoji flags, Chinese script,
# "Remote", web addresses, two places. About half of the accounts say nothing, as on GitHub
# (OSS Insight's stargazer maps place well under half of the accounts).
PROFILE_LOCATIONS: tuple[tuple[str | None, str | None, int], ...] = (
    (None, None, 40), ("", None, 5),
    ("Beijing", "CN", 4), ("北京", "CN", 3), ("Shanghai, China", "CN", 3), ("中国 上海", "CN", 2), ("Hangzhou", "CN", 2),
    ("深圳", "CN", 2), ("China", "CN", 3), ("🇨🇳", "CN", 1), ("Beijing, China", "CN", 2), ("中国北京", "CN", 1),
    ("San Francisco, CA", "US", 4), ("Seattle, WA", "US", 2), ("New York", "US", 2), ("USA", "US", 2),
    ("Mountain View, CA", "US", 1), ("Boston, MA", "US", 1), ("🇺🇸", "US", 1), ("Austin, TX", "US", 1),
    ("Berlin", "DE", 2), ("Munich, Germany", "DE", 1), ("Berlin 🇩🇪", "DE", 1),
    ("London", "GB", 2), ("London, UK", "GB", 1), ("Cambridge, UK", "GB", 1),
    ("Bangalore", "IN", 2), ("Bengaluru, Karnataka", "IN", 1), ("Pune, Maharashtra, India", "IN", 1),
    ("Paris, France", "FR", 1), ("Paris", "FR", 1), ("Tokyo", "JP", 1), ("東京", "JP", 1),
    ("Seoul", "KR", 1), ("서울", "KR", 1), ("Toronto, ON, Canada", "CA", 1), ("São Paulo", "BR", 1),
    ("Earth", None, 2), ("Remote", None, 1), ("Beijing / San Francisco", None, 1), ("Cambridge", None, 1),
    ("https://example.com", None, 1), ("🌍", None, 1), ("Europe", None, 1), ("localhost", None, 1),
)  # fmt: skip
COMPANIES: tuple[str | None, ...] = (
    None, None, None, "", "@alibaba", "Microsoft", "@google", "ByteDance", "Tsinghua University", "@huggingface",
    "Freelancer", "Zhejiang University", "@meta",
)  # fmt: skip
# The organisations' own locations: the real labs' as they might be given, the rest drawn like users'.
ORG_LOCATIONS: dict[str, tuple[str | None, str | None]] = {
    "QwenLM": ("Hangzhou, China", "CN"), "deepseek-ai": ("China", "CN"), "THUDM": ("Beijing", "CN"),
    "zai-org": ("北京", "CN"), "MoonshotAI": ("Beijing, China", "CN"), "MiniMax-AI": ("上海", "CN"),
    "OpenBMB": (None, None), "Tencent-Hunyuan": ("Shenzhen, China", "CN"), "PaddlePaddle": ("Beijing", "CN"),
    "meta-llama": ("Menlo Park, CA", "US"), "mistralai": ("Paris, France", "FR"),
    "google-deepmind": ("London, UK", "GB"), "microsoft": ("Redmond, WA", "US"), "NVIDIA": ("Santa Clara, CA", "US"),
    "allenai": ("Seattle, WA", "US"), "vllm-project": ("", None), "ggml-org": ("Earth", None),
    "huggingface": ("NYC + Paris", None), "Genesis-Embodied-AI": (None, None),
}  # fmt: skip
_LOCATION_WEIGHTS = np.cumsum([w for _, _, w in PROFILE_LOCATIONS])


def drawn_location(*key: object) -> tuple[str | None, str | None]:
    """(location text, its country) drawn from :data:`PROFILE_LOCATIONS` by a stable hash of ``key``."""
    pick = stable_hash("location", *key) % int(_LOCATION_WEIGHTS[-1])
    text, country, _ = PROFILE_LOCATIONS[int(np.searchsorted(_LOCATION_WEIGHTS, pick, side="right"))]
    return text, country


def stable_hash(*parts: object) -> int:
    """A 64-bit hash that, unlike ``hash()``, is the same in every process."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _mix(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def user_login(index: int) -> str:
    """Login of user ``index``; the trailing digits give the index back."""
    if index < N_BOTS:
        return BOT_LOGINS[index]
    h = _mix(index)
    return f"{_ADJ[h % len(_ADJ)]}{_NOUN[(h >> 16) % len(_NOUN)]}{index}"


def iso_array(times: np.ndarray) -> list[str]:
    """:func:`ecometrics.fakehub.clock.iso` of many epoch seconds at once."""
    return [t + "Z" for t in np.datetime_as_string(times.astype("datetime64[s]"), unit="s")]


def user_index(login: str, universe: int) -> int | None:
    """Inverse of :func:`user_login`, or None when no user has that login."""
    if login.lower() == GHOST_LOGIN:
        return GHOST
    if login in BOT_LOGINS:
        return BOT_LOGINS.index(login)
    digits = len(login) - len(login.rstrip("0123456789"))
    if not digits:
        return None
    index = int(login[-digits:])
    if index >= universe or user_login(index) != login:
        return None
    return index


# Submitted reviews only: a PENDING review is its author's alone ("Before you submit your review,
# your line comments are pending and only visible to you", GitHub docs, "Reviewing proposed
# changes in a pull request"), so no other token lists it.
REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED")


@dataclass(frozen=True)
class PullDetails:
    """A pull request's size and its submitted reviews, as GitHub's ``PullRequest`` object
    gives them (https://docs.github.com/graphql/reference/objects#pullrequest: ``additions``,
    ``deletions``, ``changedFiles``, ``commits``, ``reviews``; REST ``GET /pulls/{number}``
    the same as ``additions``, ``deletions``, ``changed_files``, ``commits``)."""

    additions: int
    deletions: int
    changed_files: int
    commits: int
    reviews: tuple[tuple[int, int, str, int], ...] = ()  # (review id, reviewer index, state, submitted)


@dataclass
class Issue:
    number: int
    id: int
    user: int  # user index
    created: int
    closed: int | None
    is_pr: bool
    merged: bool
    title: str
    comments: list[int] = field(default_factory=list)  # created times of its comments
    closer: int | None = None  # user index of who closed it (None: the author)
    pull: PullDetails | None = None  # a pull request's size and reviews; None for an issue

    @property
    def closed_by(self) -> int:
        return self.user if self.closer is None else self.closer


@dataclass
class Activity:
    """A repo's issues/PRs, comments, review comments and commits, sorted by time."""

    issues: list[Issue]
    comments: list[tuple[int, int, int, int]]  # (id, issue number, user index, created)
    review_comments: list[tuple[int, int, int, int]]  # (id, PR number, user index, created)
    commits: list[tuple[str, int | None, int, str]]  # (sha, user index or None, created, author name)
    commit_landed: list[int] = field(default_factory=list)  # when each commit reached the default branch

    def landed(self, k: int) -> int:
        """When commit k became visible: its date, or later for a branch merged afterwards."""
        return self.commit_landed[k] if self.commit_landed else self.commits[k][2]

    def landed_commits(self, now: int) -> list[tuple[int, tuple[str, int | None, int, str]]]:
        """(k, commit) of the commits on the default branch at ``now``, in date order."""
        return [(k, c) for k, c in enumerate(self.commits) if self.landed(k) <= now]

    @cached_property
    def issue_events(self) -> list[tuple[int, str, int, int, int]]:
        """(id, event, issue number, actor index, created) of the repository's issue events,
        oldest first: ``closed`` for every closing and, before it, ``merged`` for a merged
        pull request (GitHub records both, by the same actor at the same second). Ids grow
        with time, as GitHub's do."""
        rows = []
        for issue in self.issues:
            if issue.closed is None:
                continue
            if issue.merged:
                rows.append((issue.closed, issue.number, 0, "merged", issue.closed_by))
            rows.append((issue.closed, issue.number, 1, "closed", issue.closed_by))
        rows.sort()
        base = (self.issues[0].id - self.issues[0].number) * 100 + 80_000_000 if self.issues else 0
        return [(base + k, event, number, actor, at) for k, (at, number, _, event, actor) in enumerate(rows, 1)]


@dataclass
class Repo:
    index: int
    owner: str
    name: str
    created: int
    stars_at_start: int
    description: str
    language: str
    license: tuple[str, str, str]
    topics: tuple[str, ...]
    fork_ratio: float
    burst: tuple[int, int] | None = None  # (stars, days) right after creation
    former_name: str | None = None  # full name before a rename
    deleted_day: int | None = None  # clock day from which it answers 404
    archived: bool = False
    seed: int = 0
    universe: int = 1
    database_id: int | None = None  # set by snapshots; else derived from index
    star_users: list[int] | None = None  # set by snapshots: user index of each star
    planted: list[tuple[int, int]] = field(default_factory=list)  # (starred_at, user index) of campaign stars

    @property
    def id(self) -> int:
        return self.database_id if self.database_id is not None else REPO_ID_BASE + self.index * 37

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    # -- stars -----------------------------------------------------------------
    @cached_property
    def star_times(self) -> np.ndarray:
        """starred_at (epoch seconds, ascending) of every star up to START + FUTURE_DAYS, planted ones included."""
        return self._stars[0]

    @cached_property
    def _stars(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, planted user or -1, organic rank) of every star: the organic stars merged
        with the planted ones in time order; an organic star's user is its rank's (the affine map)."""
        organic = self._organic_star_times
        times = np.concatenate([organic, np.array([t for t, _ in self.planted], dtype=np.int64)])
        users = np.concatenate(
            [np.full(len(organic), -1, dtype=np.int64), np.array([u for _, u in self.planted], dtype=np.int64)]
        )
        order = np.argsort(times, kind="stable")
        times, users = times[order], users[order]
        return times, users, np.cumsum(users < 0) - 1

    @cached_property
    def _organic_star_times(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.index, 1])
        age = START_TS - self.created
        past = self.stars_at_start
        parts = []
        if self.burst:
            n_burst, burst_days = self.burst
            n_burst = min(n_burst, past)
            # front-loaded inside the burst: most stars on the first days
            parts.append(self.created + burst_days * DAY * rng.random(n_burst) ** 1.6)
            past -= n_burst
        n_launch = past // 5
        parts.append(self.created + min(10 * DAY, age) * rng.random(n_launch))
        parts.append(self.created + age * rng.random(past - n_launch) ** 1.4)
        times = np.concatenate(parts) if parts else np.empty(0)
        recent = np.count_nonzero(times > START_TS - 30 * DAY) / 30.0
        daily = max(recent, self.stars_at_start / max(age / DAY, 1.0) * 0.5, 0.2)
        n_future = int(rng.poisson(daily * FUTURE_DAYS))
        future = START_TS + 1 + (FUTURE_DAYS * DAY - 1) * rng.random(n_future)
        times = np.sort(np.concatenate([times, future]).astype(np.int64))
        return np.minimum(times, START_TS + FUTURE_DAYS * DAY)

    @cached_property
    def unstar_times(self) -> np.ndarray:
        """When each star is removed again (epoch seconds), :data:`NEVER` for most."""
        times = self.star_times
        if self.star_users is not None:  # a snapshot lists the stars that stand
            return np.full(len(times), NEVER, dtype=np.int64)
        rng = np.random.default_rng([self.seed, self.index, 2])
        removed = (rng.random(len(times)) < UNSTAR_SHARE) & (self._stars[1] < 0)  # campaign stars stay
        later = times + (rng.exponential(UNSTAR_MEAN_DAYS * DAY, len(times)) + 60).astype(np.int64)
        return np.where(removed, later, NEVER)

    @cached_property
    def star_hidden(self) -> np.ndarray:
        """True for the stars of accounts the API no longer shows (see the module docstring)."""
        if self.star_users is not None:
            return np.zeros(len(self.star_times), dtype=bool)
        rng = np.random.default_rng([self.seed, self.index, 3])
        return (rng.random(len(self.star_times)) < HIDDEN_STAR_SHARE) & (self._stars[1] < 0)

    def standing_stars(self, now: int) -> np.ndarray:
        """Indices k (ascending) of the stars given by ``now`` and not removed by then."""
        cache = self.__dict__.setdefault("_standing", {})
        if now not in cache:
            n = int(np.searchsorted(self.star_times, now, side="right"))
            cache.clear()
            cache[now] = np.flatnonzero(self.unstar_times[:n] > now)
        return cache[now]

    def star_rows(self, n: int, users: UserDirectory) -> list[list]:
        """[[user id, login, starred_at], ...] of the first n stars ever given, removed or not."""
        rows = self.__dict__.setdefault("_star_rows", [])
        if len(rows) < n:
            start = len(rows)
            dates = iso_array(self.star_times[start:n])
            if self.star_users is not None:
                indices = self.star_users[start:n]
            else:
                a, b, m = self._star_perm
                _, planted, rank = self._stars
                organic = N_BOTS + (a * rank[start:n] + b) % m
                indices = np.where(planted[start:n] >= 0, planted[start:n], organic).tolist()
            rows.extend([users.user_id(u), users.login(u), at] for u, at in zip(indices, dates, strict=True))
        return rows[:n]

    def stars_until(self, now: int) -> int:
        """The star count at ``now``, as GitHub counts it: standing stars, hidden ones included."""
        return len(self.standing_stars(now))

    def shown_stars(self, now: int) -> np.ndarray:
        """The standing stars the API lists (hidden accounts left out): the ground truth."""
        standing = self.standing_stars(now)
        return standing[~self.star_hidden[standing]]

    @cached_property
    def _star_perm(self) -> tuple[int, int, int]:
        """(a, b, m): star k is user N_BOTS + (a*k + b) mod m, a bijection on [0, m)."""
        m = self.universe - N_BOTS
        h = stable_hash("stars", self.seed, self.index)
        a = (h % (m - 1)) + 1
        while np.gcd(a, m) != 1:
            a += 1
        return a, (h >> 20) % m, m

    def stargazer(self, k: int) -> int:
        """User index of the k-th star (oldest first)."""
        if self.star_users is not None:
            return self.star_users[k]
        _, planted, rank = self._stars
        if planted[k] >= 0:
            return int(planted[k])
        a, b, m = self._star_perm
        return N_BOTS + (a * int(rank[k]) + b) % m

    # -- activity ----------------------------------------------------------------
    def activity(self, developers: int, rate: float) -> Activity:
        cached = self.__dict__.get("_activity")
        if cached is None:
            cached = _generate_activity(self, developers, rate)
            self.__dict__["_activity"] = cached
        return cached


def _generate_activity(repo: Repo, developers: int, rate: float) -> Activity:
    """Issues, PRs, comments, review comments and commits from ``START - ACTIVITY_DAYS``
    (or creation) to ``START + FUTURE_DAYS``, with a core team, a heavy-tailed community
    and bots."""
    rng = random.Random(stable_hash("activity", repo.seed, repo.index))
    begin = max(repo.created, START_TS - ACTIVITY_DAYS * DAY)
    end = START_TS + FUTURE_DAYS * DAY
    days = max(1, (end - begin) // DAY)
    level = rate * (repo.stars_at_start**0.5)
    core = [N_BOTS + rng.randrange(developers) for _ in range(rng.randint(3, 12))]

    def person() -> int:
        roll = rng.random()
        if roll < 0.05:
            return rng.randrange(N_BOTS)
        if roll < 0.45:
            return core[min(int(rng.expovariate(0.6)), len(core) - 1)]
        return N_BOTS + min(int(rng.paretovariate(1.2)) - 1 + rng.randrange(developers // 4 + 1), developers - 1)

    def when(start: int) -> int:
        return start + rng.randrange(max(1, end - start))

    issues: list[Issue] = []
    comments, review_comments, unhashed = [], [], []  # commits get their sha once sorted
    n_issues = int(days * level * 0.02) + rng.randint(2, 8)
    n_prs = int(days * level * 0.025) + rng.randint(2, 8)
    created_times = sorted(begin + rng.randrange(end - begin) for _ in range(n_issues + n_prs))
    kinds = [True] * n_prs + [False] * n_issues
    rng.shuffle(kinds)
    id_base = repo.id * 1000
    for number, (created, is_pr) in enumerate(zip(created_times, kinds, strict=True), start=1):
        user = person()
        closed = created + int(rng.expovariate(1 / (6 * DAY))) if rng.random() < 0.7 else None
        if closed is not None and closed > end:
            closed = None
        merged = is_pr and closed is not None and rng.random() < 0.75
        word = rng.choice(_REPO_WORDS)
        title = (f"Add {word} support" if is_pr else f"{word} fails on startup") + f" (#{number})"
        issue = Issue(number, id_base + number, user, created, closed, is_pr, merged, title)
        if closed is not None:  # a maintainer closes pull requests and half the issues; authors close the rest
            pick = stable_hash("closer", repo.seed, repo.index, number)
            if is_pr or pick % 2:
                issue.closer = core[(pick >> 1) % len(core)]
        for _ in range(min(int(rng.expovariate(0.35)), 40)):
            at = when(created)
            comments.append((0, number, person(), at))
            issue.comments.append(at)
        issue.comments.sort()
        if is_pr:
            for _ in range(min(int(rng.expovariate(0.6)), 20)):
                review_comments.append((0, number, person(), when(created)))
        if is_pr:
            issue.pull = _pull_details(repo, issue, core, end)
        issues.append(issue)
    n_commits = int(days * level * 0.05) + rng.randint(3, 10)
    for _ in range(n_commits):
        roll = rng.random()
        author = None if roll < 0.04 else person()
        name = f"anon{rng.randrange(100)}" if author is None else user_login(author)
        unhashed.append((author, begin + rng.randrange(end - begin), name))
    # deleted accounts: GitHub credits what they opened, wrote and closed to ghost
    deleted = {
        u
        for u in {i.user for i in issues} | {c[2] for c in comments + review_comments}
        if account_deleted(repo.seed, u)
    }
    if deleted:
        for issue in issues:
            issue.user = GHOST if issue.user in deleted else issue.user
            issue.closer = GHOST if issue.closer in deleted else issue.closer
        comments = [(i, n, GHOST if u in deleted else u, t) for i, n, u, t in comments]
        review_comments = [(i, n, GHOST if u in deleted else u, t) for i, n, u, t in review_comments]
    comments.sort(key=lambda c: (c[3], c[1]))
    review_comments.sort(key=lambda c: (c[3], c[1]))
    unhashed.sort(key=lambda c: c[1])
    comments = [(id_base * 100 + i, n, u, t) for i, (_, n, u, t) in enumerate(comments, 1)]
    review_comments = [(id_base * 100 + 50_000_000 + i, n, u, t) for i, (_, n, u, t) in enumerate(review_comments, 1)]
    commits = [
        (hashlib.sha1(f"{repo.id}:{i}".encode()).hexdigest(), u, t, name) for i, (u, t, name) in enumerate(unhashed)
    ]
    # a share of commits were made on a branch merged days later: they land with older dates
    merges = random.Random(stable_hash("landed", repo.seed, repo.index))
    landed = [
        t + (merges.randrange(DAY, MERGE_DELAY_DAYS * DAY) if merges.random() < LATE_COMMIT_SHARE else 0)
        for _, _, t, _ in commits
    ]
    return Activity(issues, comments, review_comments, commits, landed)


def _pull_details(repo: Repo, issue: Issue, core: list[int], end: int) -> PullDetails:
    """A pull request's lines, files, commits and reviews, from an RNG of its own (the
    repository's other activity does not change with it). Reviews come from the core
    team, between the opening and the closing (or the end of the history)."""
    rng = random.Random(stable_hash("pull", repo.seed, repo.index, issue.number))
    files = min(1 + int(rng.expovariate(0.25)), 300)
    additions = sum(rng.randrange(0, 80) for _ in range(files))
    deletions = sum(rng.randrange(0, 30) for _ in range(files))
    commits = 1 + min(int(rng.expovariate(0.4)), 50)
    last = issue.closed if issue.closed is not None else end
    reviews = []
    for k in range(min(int(rng.expovariate(0.8)), 6)):
        at = issue.created + rng.randrange(max(1, last - issue.created))
        reviewer = core[rng.randrange(len(core))]
        reviews.append((REVIEW_ID_BASE + issue.id * 10 + k, reviewer, rng.choice(REVIEW_STATES), at))
    reviews.sort(key=lambda review: (review[3], review[0]))
    return PullDetails(additions, deletions, files, commits, tuple(reviews))


def account_deleted(seed: int, user: int) -> bool:
    """Whether developer ``user``'s account was deleted (:data:`DELETED_ACCOUNT_SHARE` of them;
    bots never): the same answer in every repository."""
    return user >= N_BOTS and _mix(stable_hash("deleted", seed) ^ user) % 10_000 < DELETED_ACCOUNT_SHARE * 10_000


def _generated_name(rng: random.Random, words: list[str], taken: set[str]) -> str:
    attempt = 0
    while True:
        name = f"{rng.choice(_ADJ)}-{rng.choice(words)}"
        attempt += 1
        if attempt > 50:  # the large scale wants more orgs than there are adjective-word pairs
            name += str(attempt)
        if name not in taken:
            taken.add(name)
            return name


def campaign_accounts() -> int:
    """How many accounts the planted campaigns use: they are numbered after the organic universe."""
    total = 0
    for kind, targets, accounts, _days, _window in CAMPAIGNS:
        total += accounts * len(targets or ()) if kind == "new_accounts" else accounts
    return total


@dataclass(frozen=True)
class Campaign:
    """One planted fake-star campaign: its kind, target repos, accounts (user indices), window and stars."""

    kind: str  # new_accounts | aged_accounts
    repos: tuple[str, ...]
    accounts: tuple[int, ...]
    start: int
    end: int
    stars: int


class UserDirectory:
    """User index <-> login and database id: generated names (:func:`user_login`), or the
    explicit list a snapshot brings."""

    def __init__(self, universe: int, logins: list[str] | None = None, ids: list[int] | None = None):
        self.universe = universe
        self._logins = logins
        self._ids = ids
        self._index = {login.lower(): k for k, login in enumerate(logins)} if logins else None

    def login(self, index: int) -> str:
        if index == GHOST:
            return GHOST_LOGIN
        return self._logins[index] if self._logins is not None else user_login(index)

    def user_id(self, index: int) -> int:
        if index == GHOST:
            return GHOST_ID
        return self._ids[index] if self._ids is not None else USER_ID_BASE + index

    def index(self, login: str) -> int | None:
        if self._index is not None:
            return self._index.get(login.lower())
        return user_index(login, self.universe)

    def index_of_id(self, user_id: int) -> int | None:
        """The user index of a GitHub database id, or None when no user has it."""
        if self._ids is not None:
            if "_by_id" not in self.__dict__:
                self.__dict__["_by_id"] = {uid: k for k, uid in enumerate(self._ids)}
            return self.__dict__["_by_id"].get(user_id)
        index = user_id - USER_ID_BASE
        return index if 0 <= index < self.universe else None

    def is_bot(self, index: int) -> bool:
        return self.login(index).endswith("[bot]")


class GitHubWorld:
    """Users, orgs and repos of the synthetic GitHub, with stars and activity on demand."""

    def __init__(self, seed: int, scale: Scale, clock: Clock):
        self.users = UserDirectory(scale.users + campaign_accounts())
        self.renamed = dict(RENAMED)
        self.seed = seed
        self.scale = scale
        self.clock = clock
        self.repos: list[Repo] = []
        self.orgs: dict[str, int] = {}  # login -> org id
        rng = random.Random(stable_hash("github", seed, scale.name))

        def add(owner: str, name: str, real_stars: int, **extra) -> Repo:
            if owner not in self.orgs:
                self.orgs[owner] = ORG_ID_BASE + len(self.orgs) * 11
            full = f"{owner}/{name}"
            burst = _BURSTS.get(full)
            stars = int(real_stars * scale.star_factor)
            if burst:
                stars = max(stars, burst[1] + 1_000)
                created = START_TS - burst[0] * DAY + rng.randrange(DAY)
            else:
                stars = max(20, min(stars, scale.star_cap))
                created = START_TS - rng.randrange(60, 2_200) * DAY + rng.randrange(DAY)
            lang = rng.choice(_LANGS)
            repo = Repo(
                index=len(self.repos),
                owner=owner,
                name=name,
                created=created,
                stars_at_start=stars,
                description=f"{name}: synthetic fakehub repository ({lang})",
                language=lang,
                license=rng.choice(_LICENSES),
                topics=tuple(sorted(rng.sample(_TOPICS, rng.randint(0, 4)))),
                fork_ratio=rng.uniform(0.05, 0.2),
                burst=(burst[1], burst[2]) if burst else None,
                seed=seed,
                universe=scale.users,
                **extra,
            )
            self.repos.append(repo)
            return repo

        for org, name, stars in _LAB_REPOS:
            extra = {}
            if f"{org}/{name}" == DELETED_LATER[0]:
                extra["deleted_day"] = DELETED_LATER[1]
            add(org, name, stars, **extra)
        for full in TRACKED_REPOS:
            owner, name = full.split("/", 1)
            if not any(r.full_name == full for r in self.repos):
                add(owner, name, _TRACKED_STARS.get(full, 2_000))
        for lab in LABS:  # every lab org exists, even without a listed repo
            for org in lab.github_orgs:
                self.orgs.setdefault(org, ORG_ID_BASE + len(self.orgs) * 11)
        for old, new in self.renamed.items():
            repo = self.by_name(new)
            assert repo is not None, new
            repo.former_name = old
        taken: set[str] = set(self.orgs)
        for _ in range(scale.generated_orgs):
            org = _generated_name(rng, ["labs", "ai", "research", "ml", "works", "org"], taken)
            names: set[str] = set()
            for _ in range(rng.randint(*scale.repos_per_org)):
                stars = int(30 * rng.paretovariate(0.9))
                add(org, _generated_name(rng, _REPO_WORDS, names), stars, archived=rng.random() < 0.05)
        self._by_lower = {r.full_name.lower(): r for r in self.repos}
        self._by_id = {r.id: r for r in self.repos}
        self.campaigns = self._plant_campaigns()

    campaigns: tuple[Campaign, ...] = ()  # a snapshot plants none
    snapshot_campaigns: list[dict] | None = None  # a snapshot's stars are as saved: it reports the saved campaigns

    def _plant_campaigns(self) -> tuple[Campaign, ...]:
        """Plant :data:`CAMPAIGNS` on their target repos (campaign accounts come after the
        organic user universe, so no organic star is theirs)."""
        planted = []
        next_account = self.scale.users
        for number, (kind, targets, accounts, days_before, window) in enumerate(CAMPAIGNS):
            rng = np.random.default_rng([self.seed, 7, number])
            start = (START_TS - days_before * DAY) // DAY * DAY  # midnight UTC: "the day" of a star
            if targets is None:
                lab = {f"{org}/{name}" for org, name, _ in _LAB_REPOS} | set(TRACKED_REPOS)
                generated = [r for r in self.repos if r.full_name not in lab and not r.archived]
                repos = generated[:AGED_TARGETS]
            else:
                repos = [r for r in (self.by_name(t) for t in targets) if r is not None]
            members: list[int] = []
            stars = 0
            if kind == "new_accounts":  # a fresh account per star, one target each
                for repo in repos:
                    for _ in range(accounts):
                        user, next_account = next_account, next_account + 1
                        day = start + int(rng.integers(window)) * DAY
                        created = day + int(rng.integers(3 * 3600, 18 * 3600))
                        self._created[user] = created
                        repo.planted.append((created + int(rng.integers(60, 3 * 3600)), user))
                        members.append(user)
                        stars += 1
            else:  # the same aged accounts star every target inside the window
                members = list(range(next_account, next_account + accounts))
                next_account += accounts
                for user in members:
                    self._created[user] = START_TS - int(rng.integers(3 * 365, 8 * 365)) * DAY
                    for repo in repos:
                        repo.planted.append((start + int(rng.integers(window * DAY)), user))
                        stars += 1
            planted.append(
                Campaign(kind, tuple(r.full_name for r in repos), tuple(members), start, start + window * DAY, stars)
            )
        return tuple(planted)

    def account_facts(self, index: int) -> dict[str, int]:
        """Public facts of account ``index``: created (epoch seconds), followers, repositories and
        contributions in the last year. Organic accounts are old and active (created 2008 up to
        seven years before START, before any star they gave); aged campaign accounts look like them;
        new campaign accounts were created the day they starred and have nothing else.

        The ranges (2-61 followers, 1-30 repositories, 5-804 contributions) are fakehub's
        assumption, not a published distribution. They are chosen against StarScout's
        low-activity heuristic (hehao98/StarScout ``scripts/dagster/simple_detector.py``,
        ``_validate_star``: fewer than 2 followers, fewer than 5 repositories, created after
        2022 and on the day of the star): an organic or aged campaign account has at least 2
        followers, so it is never flagged; fresh campaign accounts (zeros) are the only ones that heuristic flags."""
        h = _mix(stable_hash("account", self.seed, index))
        created = self._created.get(index)
        if created is not None and created > START_TS - 365 * DAY:  # a fresh campaign account
            return {"created": created, "followers": 0, "repositories": 0, "contributions": 0}
        if created is None:
            created = ACCOUNTS_SINCE + h % (START_TS - 7 * 365 * DAY - ACCOUNTS_SINCE)
        return {
            "created": created,
            "followers": 2 + (h >> 8) % 60,
            "repositories": 1 + (h >> 16) % 30,
            "contributions": 5 + (h >> 24) % 800,
        }

    @cached_property
    def _created(self) -> dict[int, int]:
        return {}

    def campaign_truth(self) -> list[dict]:
        """The planted campaigns, as :meth:`truth` reports them under ``star_campaigns``."""
        if self.snapshot_campaigns is not None:
            return self.snapshot_campaigns
        login = self.users.login
        return [
            {
                "kind": c.kind,
                "repos": list(c.repos),
                "accounts": [login(u) for u in c.accounts],
                "account_ids": [self.users.user_id(u) for u in c.accounts],
                "window_start": iso(c.start),
                "window_end": iso(c.end),
                "stars": c.stars,
            }
            for c in self.campaigns
        ]

    # -- lookups -----------------------------------------------------------------
    def by_name(self, full_name: str) -> Repo | None:
        repo = getattr(self, "_by_lower", {}).get(full_name.lower())
        if repo is None:
            repo = next((r for r in self.repos if r.full_name.lower() == full_name.lower()), None)
        return repo

    def by_id(self, repo_id: int) -> Repo | None:
        return self._by_id.get(repo_id)

    def renamed_to(self, full_name: str) -> Repo | None:
        new = next((n for o, n in self.renamed.items() if o.lower() == full_name.lower()), None)
        return self.by_name(new) if new else None

    def visible(self, repo: Repo) -> bool:
        return repo.deleted_day is None or self.clock.today < repo.deleted_day

    def org_repos(self, org: str) -> list[Repo]:
        return [r for r in self.repos if r.owner.lower() == org.lower() and self.visible(r)]

    def user_index(self, login: str) -> int | None:
        return self.users.index(login)

    def activity(self, repo: Repo) -> Activity:
        return repo.activity(self.scale.developers, self.scale.activity)

    # -- derived counts at the current clock -------------------------------------------
    def stars(self, repo: Repo) -> int:
        return repo.stars_until(self.clock.now)

    def forks(self, repo: Repo) -> int:
        return int(self.stars(repo) * repo.fork_ratio)

    def subscribers(self, repo: Repo) -> int:
        return self.stars(repo) // 120 + 1

    def visible_issues(self, repo: Repo) -> list[Issue]:
        now = self.clock.now
        return [i for i in self.activity(repo).issues if i.created <= now]

    def open_counts(self, repo: Repo) -> tuple[int, int]:
        """(open issues, open pull requests) at the clock."""
        now = self.clock.now
        issues = prs = 0
        for issue in self.visible_issues(repo):
            if issue.closed is None or issue.closed > now:
                if issue.is_pr:
                    prs += 1
                else:
                    issues += 1
        return issues, prs

    def issue_state(self, issue: Issue) -> tuple[str, int | None, int]:
        """(state, closed_at or None, updated_at) at the clock.

        GitHub documents ``updatedAt`` as "the date and time when the object was last updated"
        (https://docs.github.com/graphql/reference/objects#issue) without saying what counts.
        fakehub's assumption: a comment, the closing and (on a pull request) a submitted review
        each update it. That is the stricter choice for a walk ordered by update: more items move
        ahead of a walk under way, so a collector that loses none of them here loses none when
        GitHub moves fewer."""
        now = self.clock.now
        closed = issue.closed if issue.closed is not None and issue.closed <= now else None
        updated = issue.created
        for at in issue.comments:
            if at > now:
                break
            updated = at
        for *_, submitted in issue.pull.reviews if issue.pull else ():  # a review updates its pull request (assumed)
            if submitted <= now:
                updated = max(updated, submitted)
        if closed is not None:
            updated = max(updated, closed)
        return ("closed" if closed else "open"), closed, updated

    def pushed_at(self, repo: Repo) -> int:
        activity = self.activity(repo)
        times = [activity.landed(k) for k, _ in activity.landed_commits(self.clock.now)]
        return max(times) if times else repo.created

    def contributors(self, repo: Repo) -> tuple[dict[int, int], dict[str, int]]:
        """Commit counts at the clock: ({user index: n}, {anonymous author name: n})."""
        now = self.clock.now
        users: dict[int, int] = {}
        anon: dict[str, int] = {}
        for _, (_, user, _at, name) in self.activity(repo).landed_commits(now):
            if user is None:
                anon[name] = anon.get(name, 0) + 1
            else:
                users[user] = users.get(user, 0) + 1
        return users, anon

    contributor_email_limit = 500  # see ecometrics.fakehub.github_rest: /contributors links only these
    cursor_lifetime_seconds: int | None = None  # set by the server: CURSOR_LIFETIME_SECONDS, None never
    # set by the server (see may_list_stargazers): no repository, "*" every one, or a set of
    # lower-case "owner/name" ("owner/*": all of an owner's); and how a refusal looks, "forbidden" or "empty"
    collaborator_of: frozenset[str] | str = frozenset()
    stargazer_refusal: str = "forbidden"

    def may_list_stargazers(self, repo: Repo) -> bool:
        """Whether the caller may list ``repo``'s stargazers: only a repository's admins and
        collaborators may since July 2026 ("Upcoming access restrictions to public API endpoints
        and UI views", https://github.blog/changelog/2026-06-30-upcoming-access-restrictions-to-public-api-endpoints-and-ui-views:
        ``/repos/{owner}/{repo}/stargazers`` and ``/subscribers`` "will be limited to admins and
        collaborators"). fakehub's tokens are one caller, a collaborator of
        :attr:`collaborator_of` (``FakeHub(collaborator_of=...)``)."""
        mine = self.collaborator_of
        name = repo.full_name.lower()
        return mine == "*" or name in mine or f"{name.split('/')[0]}/*" in mine  # owner/*: an organisation's

    def cursor_expired(self, issued: int) -> bool:
        """Whether a cursor issued at ``issued`` (the simulated clock) is refused now: older than
        :data:`CURSOR_LIFETIME_SECONDS` (see there)."""
        lifetime = self.cursor_lifetime_seconds
        return lifetime is not None and self.clock.now - issued > lifetime

    def listed_contributors(self, repo: Repo) -> tuple[dict[int, int], dict[str, int]]:
        """What ``/contributors?anon=1`` lists: ({user index: n} for the first
        ``contributor_email_limit`` authors by commits, {anonymous name: n} for the rest
        and for commits without an account)."""
        users, anon = self.contributors(repo)
        ranked = sorted(users.items(), key=lambda row: (-row[1], row[0]))
        linked = dict(ranked[: self.contributor_email_limit])
        unlinked = {self.users.login(u): n for u, n in ranked[self.contributor_email_limit :]}
        return linked, {**anon, **unlinked}

    # -- profiles ---------------------------------------------------------------------
    def user_profile(self, index: int) -> tuple[str | None, str | None, str | None]:
        """(location, company, the location's country) of user ``index``; bots say nothing."""
        if index == GHOST or self.users.is_bot(index):  # ghost is no person: it says nothing
            return None, None, None
        login = self.users.login(index)  # drawn by login: a snapshot's user indices differ, its logins do not
        text, country = drawn_location(self.seed, "user", login)
        return text, COMPANIES[stable_hash("company", self.seed, login) % len(COMPANIES)], country

    def org_profile(self, org: str) -> tuple[str | None, str | None]:
        """(location, its country) of organisation ``org``."""
        return ORG_LOCATIONS.get(org) or drawn_location(self.seed, "org", org)

    # -- ground truth ---------------------------------------------------------------

    def pull_truth(self, issue: Issue, now: int) -> dict:
        """A pull request's merge time, size and submitted reviews at the clock; {} for an issue."""
        if issue.pull is None:
            return {}
        pull = issue.pull
        merged = issue.merged and issue.closed is not None and issue.closed <= now
        return {
            "merged_at": iso(issue.closed) if merged and issue.closed is not None else None,
            "additions": pull.additions,
            "deletions": pull.deletions,
            "changed_files": pull.changed_files,
            "commits_count": pull.commits,
            "reviews": [
                {"id": rid, "user": self.users.login(who), "state": state, "submitted_at": iso(at)}
                for rid, who, state, at in pull.reviews
                if at <= now
            ],
        }

    deleted_names: tuple[str, ...] = (DELETED_BEFORE_START,)

    def _user_countries(self, active: set[int]) -> dict[str, str | None]:
        """Every active developer's and shown stargazer's profile country, by login."""
        now = self.clock.now
        people = set(active)
        for repo in self.repos:
            if self.visible(repo):
                people.update(repo.stargazer(int(k)) for k in repo.shown_stars(now))
        return {self.users.login(u): self.user_profile(u)[2] for u in sorted(people)}

    def truth(self) -> dict:
        now = self.clock.now
        login = self.users.login
        repos = {}
        ghost_events = 0
        for repo in self.repos:
            if not self.visible(repo):
                continue
            n = self.stars(repo)
            standing, shown = repo.standing_stars(now), repo.shown_stars(now)
            every = repo.star_rows(int(shown[-1]) + 1 if len(shown) else 0, self.users)
            activity = self.activity(repo)
            users, anon = self.listed_contributors(repo)
            # by login, not by the GHOST index: a snapshot's ghost is an ordinary user index
            ghost_events += sum(login(i.user) == GHOST_LOGIN for i in activity.issues if i.created <= now)
            ghost_events += sum(
                i.closed_by is not None and login(i.closed_by) == GHOST_LOGIN
                for i in activity.issues
                if i.closed and i.closed <= now
            )
            ghost_events += sum(
                login(c[2]) == GHOST_LOGIN for c in activity.comments + activity.review_comments if c[3] <= now
            )
            repos[repo.full_name] = {
                "id": repo.id,
                "full_name": repo.full_name,
                "owner": repo.owner,
                "created_at": iso(repo.created),
                "former_name": repo.former_name,
                "stargazers_count": n,
                "forks_count": self.forks(repo),
                "subscribers_count": self.subscribers(repo),
                "open_issues": self.open_counts(repo)[0],
                "open_pull_requests": self.open_counts(repo)[1],
                "language": repo.language,
                "archived": repo.archived,
                "stars": [every[k] for k in shown.tolist()],  # standing, shown stars
                "hidden_stars": iso_array(repo.star_times[standing[repo.star_hidden[standing]]]),
                "contributors": {login(u): c for u, c in users.items()},
                "anonymous_contributors": anon,
                "issues": [
                    {
                        "number": i.number,
                        "id": i.id,
                        "user": login(i.user),
                        "title": i.title,
                        "is_pull_request": i.is_pr,
                        "created_at": iso(i.created),
                        "closed_at": iso(i.closed) if i.closed and i.closed <= now else None,
                        "merged": bool(i.merged and i.closed and i.closed <= now),
                        "closed_by": login(i.closed_by) if i.closed and i.closed <= now else None,
                        "updated_at": iso(self.issue_state(i)[2]),
                        "comments": sum(1 for at in i.comments if at <= now),
                        **self.pull_truth(i, now),
                    }
                    for i in activity.issues
                    if i.created <= now
                ],
                "issue_comments": [
                    {"id": c[0], "issue_number": c[1], "user": login(c[2]), "created_at": iso(c[3])}
                    for c in activity.comments
                    if c[3] <= now
                ],
                "review_comments": [
                    {"id": c[0], "pull_number": c[1], "user": login(c[2]), "created_at": iso(c[3])}
                    for c in activity.review_comments
                    if c[3] <= now
                ],
                "commits": [
                    {
                        "sha": sha,
                        "author": login(u) if u is not None else None,
                        "date": iso(at),
                        "landed_at": iso(activity.landed(k)),
                    }
                    for k, (sha, u, at, _) in activity.landed_commits(now)
                ],
            }
        active: set[int] = set()
        for repo in self.repos:
            if self.visible(repo):
                a = self.activity(repo)
                active.update(i.user for i in a.issues if i.created <= now)
                active.update(i.closed_by for i in a.issues if i.closed is not None and i.closed <= now)
                active.update(c[2] for c in a.comments + a.review_comments if c[3] <= now)
                active.update(r[1] for i in a.issues if i.pull for r in i.pull.reviews if r[3] <= now)
                active.update(c[1] for _, c in a.landed_commits(now) if c[1] is not None)
        return {
            "repos": repos,
            "users": {login(u): self.users.user_id(u) for u in sorted(active)},
            # the country each account's profile location names (None: it does not tell)
            "user_countries": self._user_countries(active),
            "org_countries": {org: self.org_profile(org)[1] for org in self.orgs},
            # deleted accounts' issues, pull requests (opened, closed) and comments, credited to ghost
            "ghost": {"login": GHOST_LOGIN, "id": GHOST_ID, "events": ghost_events},
            "orgs": {org: sorted(r.full_name for r in self.org_repos(org)) for org in self.orgs},
            "org_ids": dict(self.orgs),
            "renamed": dict(self.renamed),
            "deleted": sorted(set(self.deleted_names) | {r.full_name for r in self.repos if not self.visible(r)}),
            "star_campaigns": self.campaign_truth(),
            "viral_bursts": sorted(name for name in _BURSTS if self.by_name(name) is not None),
            "bots": sorted(
                BOT_LOGINS if self.users._logins is None else (u for u in self.users._logins if u.endswith("[bot]"))
            ),
        }
