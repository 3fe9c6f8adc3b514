"""The configuration file: TOML parsed into typed, validated objects.

Every key of the config file is a field below, with its type and default; this module
is the one place where configuration lives. Unknown keys are errors (they are usually
typos), and every error is one line naming the file, the key and what is expected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import os
import re
import reprlib
import stat
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecometrics.core import ecosystem
from ecometrics.core.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_CONFIG_PATH = "ecometrics.toml"
DEFAULT_DB_PATH = "ecometrics.db"

# Matched with fullmatch: ``$`` also matches before a final newline, so "o/r\n" would pass.
_REPO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")
_OWNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
# A family or origin name: no "+" (ecometrics.analysis.frames.FAMILY_SEPARATOR joins the families of a
# merge, "Llama+Qwen", so "A+B" would be read back as two families) and no control characters.
_FAMILY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,95}")
_SINCE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?")  # a date, or a UTC time as GitHub's `since`
EXPORT_FORMATS = ("csv", "parquet", "json", "md")
MAX_DERIVATIVE_DEPTH = 50  # the Hub's deepest derivative chains are about a dozen levels


class ConfigError(InputError):
    """The configuration file is malformed; the message names the file and key."""


@dataclass
class StorageConfig:
    db: str = DEFAULT_DB_PATH


@dataclass
class GithubConfig:
    orgs: list[str] = field(default_factory=list)
    repos: list[str] = field(default_factory=list)
    star_history: bool = True  # full stargazer history (cursor-resumed)
    activity: bool = True  # issues, PRs, comments, commits -> events
    issue_details: bool = True  # with activity and a token: GraphQL created/closed/merged times, PR lines, reviews
    contributors: bool = True
    activity_since: str | None = None  # ISO date; None collects all history on the first run
    max_rate_wait: float = 900.0  # seconds to wait for a spent budget before ending as partial
    stats_wait: float = 15.0  # seconds between polls of /stats/contributors answering 202
    bots: list[str] = field(default_factory=list)  # deprecated alias of [activity].bots, merged into it
    profiles: bool = True  # developers' and owners' profile location and company (GraphQL nodes, monthly)
    profiles_per_run: int = 50_000  # profiles read at most per run (100 a request); the rest wait for the next
    # stargazer accounts whose public facts (created, followers, repositories, contributions) one
    # run fetches at most, 100 per GraphQL query, for the suspected-fake-star detectors; 0 (the
    # default): none, and the low-activity detector reads only imported GH Archive activity
    account_facts: int = 0


@dataclass
class HuggingFaceConfig:
    authors: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    derivative_depth: int = 3
    full_hub: bool = False
    max_children_per_root: int = 20_000
    hub_models: int = 2_300_000  # models on the Hub: prices one full listing against a crawl node by node
    max_rate_wait: float = 900.0  # seconds to wait for a spent rate budget before ending as partial


@dataclass
class ModelScopeConfig:
    """``[modelscope]``: models on ModelScope (modelscope.cn), the hub where Chinese labs often release first."""

    owners: list[str] = field(default_factory=list)  # every model of these users or organisations
    models: list[str] = field(default_factory=list)  # OWNER/NAME, tracked one by one
    # The same model on both hubs: an owner -> the Hugging Face authors whose models it publishes
    # under the same names, or OWNER/NAME -> AUTHOR/NAME. A model with the same id on both is
    # linked without an entry.
    same_as: dict[str, list[str]] = field(default_factory=dict)


# OpenDigger's global-OpenRank weights, one per counted action (X-lab open-digger,
# src/cron/tasks/globalOpenrank.ts, commit cbb348b, lines 101-133): the defaults that
# ``[activity] weights`` overrides one by one.
ACTIVITY_WEIGHTS: dict[str, float] = {
    "issues_opened": 22.235,
    "issue_comments": 5.252,
    "issues_closed": 9.712,
    "review_comments": 7.427,
    "prs_opened": 40.679,
    "pushes": 14.695,
}
# The GitHub event types those actions are counted from (the same lines): what the activity
# query reads and what the GH Archive engine import keeps of a file.
ACTIVITY_EVENT_TYPES: tuple[str, ...] = (
    "IssuesEvent",
    "IssueCommentEvent",
    "PullRequestReviewCommentEvent",
    "PullRequestEvent",
    "PushEvent",
)


@dataclass
class ActivityConfig:
    """OpenDigger's activity definition, as ecometrics.analysis.activity applies it."""

    weights: dict[str, float] = field(default_factory=dict)  # overrides of ACTIVITY_WEIGHTS, e.g. {pushes = 10.0}
    bots: list[str] = field(default_factory=list)  # bot logins besides "*[bot]" and the built-in list
    max_repos: int = 300  # a developer active in more repos in a month is taken for a bot


@dataclass
class FamilyConfig:
    authors: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    origin: str | None = None


@dataclass
class ScheduleConfig:
    collect: str = "0 2 * * *"
    analyze: str = "30 4 * * *"
    openrank: str = "0 5 1 * *"


@dataclass
class ExportConfig:
    dir: str = "exports"
    formats: list[str] = field(default_factory=lambda: ["csv", "md"])
    top: int | None = None


@dataclass
class ReportConfig:
    """``ecometrics report``: the static site of the rankings and charts (see ecometrics.analysis.report)."""

    dir: str = "report"
    enabled: bool = False  # true: the nightly run rewrites the site after the exports
    models: int = 30  # models with a page of their own, the most derived first


@dataclass
class Config:
    storage: StorageConfig = field(default_factory=StorageConfig)
    github: GithubConfig = field(default_factory=GithubConfig)
    huggingface: HuggingFaceConfig = field(default_factory=HuggingFaceConfig)
    modelscope: ModelScopeConfig = field(default_factory=ModelScopeConfig)
    activity: ActivityConfig = field(default_factory=ActivityConfig)
    families: dict[str, FamilyConfig] = field(default_factory=dict)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    path: Path | None = None  # where it was read from; relative paths inside resolve against it

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return (base / path) if not os.path.isabs(path) else Path(path)


def load_config(path: str | os.PathLike[str], *, missing_ok: bool = False) -> Config:
    """Read and validate a config file; a missing file is an error unless ``missing_ok``."""
    path = Path(path)
    if not path.exists():
        if missing_ok:
            return Config()
        raise ConfigError(f"{path}: no such config file; run 'ecometrics init' or pass --config")
    if not path.is_dir() and not stat.S_ISREG(path.stat().st_mode):  # a FIFO's read waits for ever
        raise ConfigError(f"{path}: not a regular file; pass the .toml file itself")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except IsADirectoryError:
        raise ConfigError(
            f"{path}: cannot read the config file (Is a directory); pass the .toml file inside it"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the config file ({exc.strerror}); check the path and its permissions"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(
            f"{path}: nests arrays or tables too deeply to read; a config needs at most a list of strings"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    config = parse_config(data, source=str(path))
    config.path = path
    return config


def parse_config(data: dict[str, Any], *, source: str = DEFAULT_CONFIG_PATH) -> Config:
    """Build a :class:`Config` from parsed TOML, validating every key."""
    config = Config()
    sections = {f.name: f for f in dataclasses.fields(Config) if f.name != "path"}
    for name, value in data.items():
        if name not in sections:
            raise ConfigError(f"{source}: unknown section [{_key(name)}]; expected one of {_names(sections)}")
        if name == "families":
            config.families = _parse_families(value, source)
        else:
            setattr(config, name, _parse_section(sections[name].type, value, source, name))
    _merge_bots(config, source)
    _validate(config, source)
    return config


def _merge_bots(config: Config, source: str) -> None:
    """Fold the deprecated ``github.bots`` into ``activity.bots``, the one list of bot logins.

    ``github.bots`` then holds the same list: the GitHub collector stores the bot rule's
    answer with it in ``is_bot``, and the analysis applies the rule with ``activity.bots``.
    """
    if config.github.bots:
        log.warning("%s: github.bots is deprecated; list the logins in [activity].bots", source)
    merged: dict[str, str] = {}
    for login in config.activity.bots + config.github.bots:
        merged.setdefault(login.lower(), login)
    config.activity.bots = list(merged.values())
    config.github.bots = list(config.activity.bots)


def _parse_section(cls_name: Any, value: Any, source: str, section: str) -> Any:
    cls = _SECTION_CLASSES[cls_name] if isinstance(cls_name, str) else cls_name
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{section}] must be a table, not {_toml_type(value)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    values = {}
    for key, item in value.items():
        if key not in fields:
            raise ConfigError(f"{source}: unknown key {section}.{_key(key)}; expected one of {_names(fields)}")
        values[key] = _check_type(item, hints[key], source, f"{section}.{key}")
    return cls(**values)


def _parse_families(value: Any, source: str) -> dict[str, FamilyConfig]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [families] must hold tables like [families.Qwen]")
    return {name: _parse_section(FamilyConfig, item, source, f"families.{_key(name)}") for name, item in value.items()}


def _check_type(value: Any, expected: Any, source: str, key: str) -> Any:
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        options = [t for t in typing.get_args(expected) if t is not type(None)]
        return _check_type(value, options[0], source, key)
    if origin is dict:
        _, value_type = typing.get_args(expected)
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {key} must be a table, not {_toml_type(value)}")
        return {name: _check_type(item, value_type, source, f"{key}.{_key(name)}") for name, item in value.items()}
    if origin is list:
        (item_type,) = typing.get_args(expected)
        if not isinstance(value, list):
            raise ConfigError(f"{source}: {key} must be a list of {item_type.__name__}s, not {_toml_type(value)}")
        for index, item in enumerate(value):
            _check_type(item, item_type, source, f"{key}[{index}]")
        return value
    ok = (
        isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if expected is not float
        else isinstance(value, (int, float)) and not isinstance(value, bool)
    )
    if not ok:
        raise ConfigError(f"{source}: {key} must be {_type_word(expected)}, not {_toml_type(value)} {_shown(value)}")
    return float(value) if expected is float else value


def _validate(config: Config, source: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    for index, owner in enumerate(config.github.orgs):
        if not _OWNER_NAME.fullmatch(owner):
            raise ConfigError(f"{source}: github.orgs[{index}] {_shown(owner)} is not a GitHub owner name")
    for index, name in enumerate(config.github.repos):
        if not _REPO_NAME.fullmatch(name) or name.split("/")[1] in (".", ".."):  # GitHub reserves . and ..
            raise ConfigError(
                f"{source}: github.repos[{index}] {_shown(name)} is not OWNER/NAME; write it like 'vllm-project/vllm'"
            )
    if config.github.activity_since is not None:
        _check_date(config.github.activity_since, source, "github.activity_since")
    for section, key in (("github", "max_rate_wait"), ("github", "stats_wait"), ("huggingface", "max_rate_wait")):
        if not 0 <= getattr(getattr(config, section), key) < math.inf:  # also NaN
            raise ConfigError(f"{source}: {section}.{key} must be 0 or more seconds (a finite number)")
    if config.github.profiles_per_run < 0:
        raise ConfigError(f"{source}: github.profiles_per_run must be 0 or more profiles a run")
    if config.github.account_facts < 0:
        raise ConfigError(f"{source}: github.account_facts must be 0 or more accounts")
    for index, name in enumerate(config.huggingface.authors):
        if not _OWNER_NAME.fullmatch(name):
            raise ConfigError(f"{source}: huggingface.authors[{index}] {_shown(name)} is not a Hugging Face author")
    for index, name in enumerate(config.huggingface.models):
        if not _MODEL_ID.fullmatch(name) or not _hub_repo_id(name):
            raise ConfigError(
                f"{source}: huggingface.models[{index}] {_shown(name)} is not AUTHOR/NAME; "
                "write it like 'mistralai/Mistral-7B-v0.1'"
            )
    for index, name in enumerate(config.modelscope.models):
        if not _MODEL_ID.fullmatch(name):
            raise ConfigError(
                f"{source}: modelscope.models[{index}] {_shown(name)} is not OWNER/NAME; write it like 'Qwen/Qwen3-8B'"
            )
    for index, owner in enumerate(config.modelscope.owners):
        if not _OWNER_NAME.fullmatch(owner):
            raise ConfigError(
                f"{source}: modelscope.owners[{index}] {_shown(owner)} is not an owner; write it like 'Qwen'"
            )
    for key, targets in config.modelscope.same_as.items():
        if any(("/" in key) != ("/" in target) for target in targets):
            raise ConfigError(
                f"{source}: modelscope.same_as.{key} maps an owner to authors or OWNER/NAME to AUTHOR/NAME, "
                f'not {_shown(targets)}; e.g. ZhipuAI = ["zai-org"]'
            )
        for name in (key, *targets):
            if not (_MODEL_ID if "/" in name else _OWNER_NAME).fullmatch(name):
                raise ConfigError(
                    f"{source}: modelscope.same_as.{_key(key)}: {_shown(name)} is not a model or owner name"
                )
    if not 0 <= config.huggingface.derivative_depth <= MAX_DERIVATIVE_DEPTH:
        raise ConfigError(
            f"{source}: huggingface.derivative_depth must be between 0 and {MAX_DERIVATIVE_DEPTH}, "
            f"not {config.huggingface.derivative_depth}"
        )
    if config.huggingface.hub_models < 1:
        raise ConfigError(f"{source}: huggingface.hub_models must be at least 1 (the Hub has ~2,300,000 models)")
    if config.huggingface.max_children_per_root < 1:
        raise ConfigError(f"{source}: huggingface.max_children_per_root must be at least 1")
    for name, weight in config.activity.weights.items():
        if name not in ACTIVITY_WEIGHTS:
            raise ConfigError(
                f"{source}: unknown key activity.weights.{_key(name)}; expected one of {_names(ACTIVITY_WEIGHTS)}"
            )
        if not 0 <= weight < math.inf:  # NaN and inf would make every OpenRank NaN
            raise ConfigError(f"{source}: activity.weights.{name} must be 0 or more (a finite number), not {weight}")
    for index, login in enumerate(config.activity.bots):
        if not login or not login.isprintable():
            raise ConfigError(f"{source}: activity.bots[{index}] {_shown(login)} is not a login")
    for name, family in config.families.items():
        if not _FAMILY_NAME.fullmatch(name):
            raise ConfigError(
                f"{source}: [families.{_key(name)}] is not a family name; use letters, digits, space, '.', '_' "
                "or '-' ('+' joins the families of a merge)"
            )
        if family.origin is not None and not _FAMILY_NAME.fullmatch(family.origin):
            raise ConfigError(
                f"{source}: families.{_key(name)}.origin {_shown(family.origin)} is not an origin; write a country code like 'CN'"
            )
        for key in ("authors", "orgs"):
            for index, owner in enumerate(getattr(family, key)):
                if not _OWNER_NAME.fullmatch(owner):
                    raise ConfigError(
                        f"{source}: families.{_key(name)}.{key}[{index}] {_shown(owner)} is not an owner name"
                    )
    if config.activity.max_repos < 1:
        raise ConfigError(f"{source}: activity.max_repos must be at least 1")
    for name in ("collect", "analyze", "openrank"):
        expression = getattr(config.schedule, name)
        try:
            trigger = CronTrigger.from_crontab(expression, timezone="UTC")
        except ValueError as exc:
            raise ConfigError(
                f'{source}: schedule.{name} {_shown(expression)} is not a 5-field cron expression ({exc}); e.g. "0 2 * * *"'
            ) from None
        # A day that no month has (31 February) parses but never fires: APScheduler answers None.
        if trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC)) is None:
            raise ConfigError(
                f'{source}: schedule.{name} {_shown(expression)} never fires (no month has that day); e.g. "0 2 * * *"'
            )
    for index, fmt in enumerate(config.export.formats):
        if fmt not in EXPORT_FORMATS:
            raise ConfigError(
                f"{source}: export.formats[{index}] {_shown(fmt)} is not one of {', '.join(EXPORT_FORMATS)}"
            )
    if config.export.top is not None and config.export.top < 1:
        raise ConfigError(f"{source}: export.top must be at least 1")
    if config.report.models < 0:
        raise ConfigError(f"{source}: report.models must be 0 or more")


def _hub_repo_id(name: str) -> bool:
    """Whether the Hub accepts ``name`` as a repo id (huggingface_hub.utils.validate_repo_id:
    no leading or trailing '-' or '.', no '--' or '..', at most 96 characters)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return True


def _check_date(value: str, source: str, key: str) -> None:
    """``value`` is a whole date, YYYY-MM-DD, or a UTC time YYYY-MM-DDTHH:MM:SSZ; nothing after it."""
    try:
        if not _SINCE.fullmatch(value):
            raise ValueError(value)
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{source}: {key} {_shown(value)} is not a date; write it as YYYY-MM-DD") from None


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 2, 80, 80, 4, 4


def _shown(value: Any) -> str:
    """``value`` as Python writes it, cut short: an error stays one readable line (no 5,000-deep list)."""
    return _REPR.repr(value)


def _key(name: str) -> str:
    """A key or section name as typed when it is plain text, else quoted and escaped (a newline in it)."""
    return name if name.isprintable() and len(name) <= 80 else _shown(name)


def _names(mapping: dict[str, Any]) -> str:
    return ", ".join(mapping)


def _type_word(expected: type) -> str:
    return {str: "a string", bool: "true or false", int: "an integer", float: "a number"}.get(
        expected, expected.__name__
    )


def _toml_type(value: Any) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


_SECTION_CLASSES = {
    cls.__name__: cls
    for cls in (
        StorageConfig,
        GithubConfig,
        HuggingFaceConfig,
        ModelScopeConfig,
        ActivityConfig,
        ScheduleConfig,
        ExportConfig,
        ReportConfig,
        FamilyConfig,
    )
}


def default_config_text() -> str:
    """The commented config that ``ecometrics init`` writes."""
    orgs = _toml_list(ecosystem.github_orgs())
    repos = _toml_list(ecosystem.TRACKED_REPOS)
    authors = _toml_list(ecosystem.hf_authors())
    ms_owners = _toml_list(ecosystem.modelscope_owners())
    same_as = ", ".join(f"{owner} = {_toml_list(names)}" for owner, names in ecosystem.modelscope_same_as().items())
    models = _toml_list(ecosystem.TRACKED_MODELS)
    # Every value written is the field's default, so the two cannot drift apart.
    d = Config()
    gh, hf, schedule = d.github, d.huggingface, d.schedule
    weights = ", ".join(f"{name} = {weight}" for name, weight in ACTIVITY_WEIGHTS.items())
    return f"""\
# ecometrics configuration. Unknown keys are errors: they are usually typos.
# Tokens are never written here: set GITHUB_TOKEN, HF_TOKEN and MODELSCOPE_API_TOKEN in the environment.
# GITHUB_API_URL and HF_ENDPOINT change the API base URLs (fakehub, GitHub Enterprise).

[storage]
db = "{d.storage.db}"                 # relative to this file

[github]
# Every public, non-fork repository of these owners: the model labs of the open-source AI
# ecosystem (Qwen, DeepSeek, GLM, Kimi, MiniMax, MiniCPM, Hunyuan, ERNIE, Llama, Mistral, Gemma).
orgs = {orgs}
# Repositories tracked one by one: labs' repos under very large orgs and the tooling reports name.
repos = {repos}
star_history = {_toml(gh.star_history)}                  # full stargazer history, resumed from a saved cursor
activity = {_toml(gh.activity)}                      # issues, PRs, comments, commits -> events (for OpenRank)
issue_details = {_toml(gh.issue_details)}                 # and their times, PR lines and reviews (GraphQL, needs a token)
contributors = {_toml(gh.contributors)}
# activity_since = "2025-01-01"      # first-run horizon for activity; default: all history
max_rate_wait = {gh.max_rate_wait:g}                  # seconds to wait for a spent rate budget, then end as partial
stats_wait = {gh.stats_wait:g}                      # seconds between polls while GitHub computes /stats/contributors
profiles = {_toml(gh.profiles)}                      # location and company of developers and owners (docs/countries.md)
profiles_per_run = {gh.profiles_per_run}             # profiles read at most a run (100 a request, each again a month on)
account_facts = {gh.account_facts}                    # stargazer accounts whose facts a run fetches at most, 100 a query (suspected fake stars; 0: none)

[huggingface]
authors = {authors}
models  = {models}
derivative_depth = {hf.derivative_depth}                 # breadth-first levels of children to crawl
full_hub = {_toml(hf.full_hub)}                     # crawl every model on the Hub (~2 million; resumable)
max_children_per_root = {hf.max_children_per_root}        # cap per tracked model's tree; reported when it bites
hub_models = {hf.hub_models}                 # models on the Hub: prices one full listing against a crawl node by node
max_rate_wait = {hf.max_rate_wait:g}                  # seconds to wait for a spent rate budget, then end as partial

[modelscope]                         # modelscope.cn: MODELSCOPE_ENDPOINT and MODELSCOPE_API_TOKEN in the environment
# The labs above that publish on ModelScope (LLM-Research mirrors Meta's Llama releases there).
owners = {ms_owners}
models = []                          # OWNER/NAME, tracked one by one
# The same model on both hubs, never counted twice: owner -> Hugging Face authors whose models it
# publishes under the same names (or OWNER/NAME -> AUTHOR/NAME); equal ids need no entry.
same_as = {{ {same_as} }}

[activity]                           # OpenDigger's activity definition, for OpenRank
# weights = {{ {weights} }}
bots = []                            # bot logins besides "*[bot]" and a built-in list
max_repos = {d.activity.max_repos}                      # active in more repos in a month -> taken for a bot

# Families map organisations to a model family and origin country for lineage rollups.
# The built-in table covers the labs above; override or add entries like this:
# [families.Qwen]
# authors = ["Qwen"]
# origin  = "CN"

[schedule]                           # cron expressions (5 fields), UTC
collect  = "{schedule.collect}"
analyze  = "{schedule.analyze}"
openrank = "{schedule.openrank}"

[export]
dir = "{d.export.dir}"                      # relative to this file
formats = {_toml_list(d.export.formats)}              # any of csv, parquet, json, md

[report]                             # ecometrics report: a static site of the rankings and charts
dir = "{d.report.dir}"                       # relative to this file
enabled = {_toml(d.report.enabled)}                      # true: the nightly run rewrites it after the exports
models = {d.report.models}                          # models with a page of their own, the most derived first
"""


def _toml(flag: bool) -> str:
    return "true" if flag else "false"


def _toml_list(items: typing.Iterable[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"
