"""OpenDigger's published files: written from our metrics, read back, and compared.

OpenDigger publishes one JSON file per repository and metric,
``github/{owner}/{repo}/{metric}.json``, a developer's ``github/{login}/`` and a label's
``{type}/{name}/`` (X-lab2017/open-digger
``src/cron/tasks/monthlyExport.ts`` ``processMetric``: ``join(exportBasePath,
platform.toLowerCase(), name, targetKey + '.json')``, written with ``JSON.stringify``).
:func:`write_tree` writes that layout from :func:`ecometrics.analysis.opendigger.compute`;
:func:`read_tree` reads it (OpenDigger's own files, a mirror, or ours), checking every
file against the one declared schema of its metric (:data:`SCHEMAS`) and its size, and
only regular files inside the folder (:func:`ecometrics.core.files.regular_file_inside`); a
file that fails is skipped and reported with its path. :func:`compare` lists where two
trees differ and by how much.
"""

from __future__ import annotations

import decimal
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import msgspec

from ecometrics.analysis.opendigger import (
    DEVELOPER_FILES,
    FILES,
    LABEL_FILES,
    TIME_FIELDS,
    TIME_FILES,
    RepoMetrics,
    Window,
    months_of,
    ordered,
    period_key,
)
from ecometrics.analysis.output import output_file
from ecometrics.core.dates import utc_now
from ecometrics.core.errors import InputError
from ecometrics.core.files import regular_file_inside

PLATFORM = "github"
META = "meta"  # monthlyExport.ts updateMetaData: each folder's meta.json
MAX_FILE_BYTES = 16 * 2**20  # OpenDigger's largest repo files are a few hundred KB
MAX_REPORTED = 50
# A key of monthlyExport.ts: YYYY, YYYY-MM (and 2021-10-raw), YYYYQn.
Key = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2])(-raw)?|Q[1-4])?$")]
Login = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
# As JSON has it (3 stays 3); an integer SQLite can store (a larger one would stop the import).
Number = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)] | float
Numbers = dict[Key, Number]
Levels = dict[Key, list[Annotated[int, msgspec.Meta(ge=0)]]]


class TimeFile(msgspec.Struct, forbid_unknown_fields=True):
    """A time metric's file (monthlyExport.ts getDurationFields): each field keyed by period."""

    avg: Numbers = {}
    levels: Levels = {}
    quantile_0: Numbers = {}
    quantile_1: Numbers = {}
    quantile_2: Numbers = {}
    quantile_3: Numbers = {}
    quantile_4: Numbers = {}


_LOGIN_LISTS = dict[Key, list[Login]]
_TEXT = Annotated[str, msgspec.Meta(max_length=100)]
_PAIRS = dict[Key, list[tuple[Login, Number]]]
_HOURS = dict[Key, Annotated[list[Annotated[int, msgspec.Meta(ge=0)]], msgspec.Meta(min_length=168, max_length=168)]]
SCHEMAS: dict[str, Any] = {
    **dict.fromkeys(FILES, Numbers),
    "contributors_detail": _LOGIN_LISTS,
    "new_contributors_detail": _LOGIN_LISTS,
    "bus_factor_detail": _PAIRS,
    "activity_details": _PAIRS,
    "active_dates_and_times": _HOURS,
    "contributor_email_suffixes": dict[Key, list[tuple[str, Annotated[int, msgspec.Meta(ge=1)]]]],
    **dict.fromkeys(TIME_FILES, TimeFile),
    # [platform, id, login, openrank] (indices.ts getRepoCommunityOpenrank; the id quoted or not; a
    # login may be '' where the events gave none)
    "community_openrank_details": dict[Key, list[tuple[_TEXT, _TEXT | int, _TEXT, Number]]],
}
DECODERS = {name: msgspec.json.Decoder(schema) for name, schema in SCHEMAS.items()}
# Lists whose order OpenDigger does not fix (ClickHouse's groupArray): compared as multisets.
UNORDERED = {
    "contributors_detail",
    "new_contributors_detail",
    "bus_factor_detail",
    "activity_details",
    "contributor_email_suffixes",  # arraySort by count leaves ties in groupArray order
    "community_openrank_details",  # arraySort by openrank leaves ties in groupArray order
}
UNROUNDED = {"community_openrank_details"}  # getGroupArrayInsertAtClause noPrecision: written as summed
_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_LABEL = re.compile(r"^:[a-z0-9_-]+(/[A-Za-z0-9_.-]+)+$")  # :companies/alibaba -> DIR/companies/alibaba
_LABEL_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(\[bot\])?$")  # a developer's folder: github/LOGIN


def _json(content: Any) -> str:
    """As JavaScript's JSON.stringify writes it: no spaces, integers without a point."""
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False)


def js_number(value: float) -> str:
    """A number as JavaScript writes it (ECMA-262 Number::toString): the shortest digits that
    read back the same, as Python's ``repr``, but a whole number without a point and the
    exponent form only below 1e-6 or from 1e21 (``1e-7``, ``1e+21``), where Python's begins
    below 1e-4 or from 1e16 (``1e-05``, ``1e+16``)."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    exponent = int(text.split("e")[1])
    if -7 < exponent < 21:
        return format(decimal.Decimal(text), "f")
    mantissa = text.split("e")[0]
    return f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def _js_json(content: Any) -> str:
    """JSON.stringify of a file whose numbers are not rounded (the community OpenRank details)."""
    if isinstance(content, dict):
        return "{" + ",".join(f"{_json(str(k))}:{_js_json(v)}" for k, v in content.items()) + "}"
    if isinstance(content, list):
        return "[" + ",".join(map(_js_json, content)) + "]"
    if isinstance(content, float):
        return js_number(content)
    return _json(content)


def file_content(metric: str, content: dict[str, Any]) -> dict[str, Any]:
    if metric in TIME_FILES:
        return {name: ordered(content[name]) for name in TIME_FIELDS if content.get(name)}
    return ordered(content)


def _folder_name(name: str, *patterns: re.Pattern[str]) -> bool:
    """Whether ``name`` matches one of ``patterns`` and can be a folder below the output (no ``..``)."""
    return any(pattern.match(name) for pattern in patterns) and ".." not in name


def check_tree_root(out: str | Path) -> Path:
    """The folder ``out`` to write OpenDigger's layout in: new, or a folder; refused when it or a
    folder above it is a file (checked before the metrics are computed, and again when written)."""
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise InputError(f"--out {out}: is a file; pass a folder for OpenDigger's layout")
    if above := next((p for p in root.parents if p.exists() and not p.is_dir()), None):
        raise InputError(f"--out {out}: {above} is a file; pass a folder for OpenDigger's layout")
    return root


def write_tree(
    repos: Iterable[RepoMetrics],
    out: str | Path,
    developers: Iterable[RepoMetrics] = (),
    labels: Iterable[RepoMetrics] = (),
    metas: Mapping[str, dict[str, Any]] | None = None,
) -> tuple[int, list[str]]:
    """Write ``out/github/{owner}/{repo}/{metric}.json`` of each repo's metrics,
    ``out/github/{login}/{metric}.json`` of each developer's and ``out/{label}/{metric}.json``
    of each label's (``:companies/acme`` -> ``companies/acme``: monthlyExport.ts
    ``row.id.substring(1)``), and ``meta.json`` of each entry ``metas`` names
    (:func:`ecometrics.analysis.opendigger_meta.meta_files`); a metric without any value has no
    file, as in OpenDigger's export. Returns the files written and the names that cannot be a
    folder (skipped)."""
    root = check_tree_root(out)
    written, skipped = 0, []
    entries = [(repo, _NAME, FILES) for repo in repos] + [(dev, _LOGIN, DEVELOPER_FILES) for dev in developers]
    entries += [(label, _LABEL, LABEL_FILES) for label in labels]
    for entry, pattern, metrics in entries:
        if not _folder_name(entry.name, pattern):
            skipped.append(entry.name)
            continue
        folder = root / entry.name[1:] if pattern is _LABEL else root / PLATFORM / entry.name
        folder.mkdir(parents=True, exist_ok=True)
        if metas and entry.name in metas:
            with output_file(folder / f"{META}.json") as path:
                path.write_text(_json(metas[entry.name]), encoding="utf-8")
            written += 1
        for metric in metrics:
            content = entry.values.get(metric)
            if not content:
                continue
            with output_file(folder / f"{metric}.json") as path:
                written_as = _js_json if metric in UNROUNDED else _json
                path.write_text(written_as(file_content(metric, content)), encoding="utf-8")
            written += 1
    return written, skipped


def write_networks(out: str | Path, networks: Mapping[str, Mapping[str, Any]]) -> tuple[int, list[str]]:
    """Write ``out/github/{name}/{file}.json`` of each repository's or developer's network files
    (:func:`ecometrics.analysis.opendigger_network.networks`, by folder name) as networkExport.ts
    ``processData`` writes them (``JSON.stringify``, numbers as JavaScript writes them). Returns
    the files written and the names that cannot be a folder (skipped)."""
    written, skipped = 0, []
    for name, files in networks.items():
        if not _folder_name(name, _NAME, _LOGIN):
            skipped.append(name)
            continue
        folder = Path(out) / PLATFORM / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, content in files.items():
            with output_file(folder / f"{file}.json") as path:
                path.write_text(_js_json(content), encoding="utf-8")
            written += 1
    return written, skipped


# monthlyExport.ts exportAllRepoList / exportAllUserList: DIR/{file} with this header line.
LISTS = {"repo": ("repo_list.csv", "id,platform,repo_name"), "developer": ("user_list.csv", "id,platform,actor_login")}


def write_list(out: str | Path, kind: str, entries: Iterable[RepoMetrics], latest: dict[int, float]) -> Path:
    """``out/repo_list.csv`` (``kind`` repo) or ``out/user_list.csv`` (developer): a line
    ``id,github,name`` of each entry with a global OpenRank, highest latest value first (ties by
    id), as monthlyExport.ts writes them (``ORDER BY openrank DESC``, the platform lower case,
    ``os.EOL`` line ends)."""
    name, header = LISTS[kind]
    ranked = sorted((e for e in entries if e.repo_id in latest), key=lambda e: (-latest[e.repo_id], e.repo_id))
    lines = [header, *(f"{entry.repo_id},{PLATFORM},{entry.name}" for entry in ranked)]
    with output_file(Path(out) / name) as path:
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return Path(out) / name


@dataclass
class Tree:
    """A folder of OpenDigger's files: ``values[(name, metric)]`` (a repo's owner/name, a
    developer's login or a label's id, ``:companies/acme``, lower case), and what was skipped."""

    values: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # lower case -> as its folder spells it
    files: dict[tuple[str, str], str] = field(default_factory=dict)
    other_files: int = 0
    bad_count: int = 0
    bad: list[str] = field(default_factory=list)  # "PATH: reason", the first MAX_REPORTED

    def report(self, where: str) -> None:
        self.bad_count += 1
        if len(self.bad) < MAX_REPORTED:
            self.bad.append(where)

    def summary(self) -> str:
        labels = {name for name in self.names if name.startswith(":")}
        repos = sum("/" in name for name in self.names if name not in labels)
        of_labels = sum(name in labels for name, _ in self.values)
        developers = len(self.names) - repos - len(labels)
        parts = [
            f"{len(self.values) - of_labels:,} metric file(s) of {repos:,} repo(s) and {developers:,} developer(s)"
        ]
        if labels:
            parts.append(f"{of_labels:,} of {len(labels):,} label(s)")
        if self.other_files:
            parts.append(f"{self.other_files:,} other file(s) left alone")
        if self.bad_count:
            parts.append(f"{self.bad_count:,} bad file(s) skipped: {'; '.join(self.bad[:5])}")
        return ", ".join(parts)


# OpenDigger's platform folders (its events' platforms: GitHub, Gitee, GitLab, AtomGit, lower case):
# every other top-level folder holds labels' files.
PLATFORM_FOLDERS = {"github", "gitee", "gitlab", "atomgit"}
LABEL_DEPTH = 4  # a label id's parts below DIR (:divisions/CN is 2); deeper folders are not read


def _metric_files(root: Path) -> Iterator[tuple[Path, str, str]]:
    """(path, kind, name) of each JSON file of the layout: a repository's (``github/OWNER/REPO``,
    kind ``repo``), a developer's (``github/LOGIN``) and a label's (``DIR/companies/acme``:
    ``:companies/acme``, monthlyExport.ts ``row.id.substring(1)``)."""
    platform = root / PLATFORM
    labels = [
        top
        for top in sorted(root.iterdir())
        if top.is_dir() and top.name.lower() not in PLATFORM_FOLDERS and _LABEL.match(f":{top.name}/x")
    ]
    if not platform.is_dir() and not labels:
        raise InputError(f"{root}: no {PLATFORM}/ folder; pass the folder holding {PLATFORM}/OWNER/REPO/METRIC.json")
    if platform.is_dir():
        for owner in sorted(platform.iterdir()):
            if owner.is_dir():
                yield from ((path, "developer", owner.name) for path in sorted(owner.glob("*.json")))
                for repo in sorted(owner.iterdir()):
                    if repo.is_dir():
                        name = f"{owner.name}/{repo.name}"
                        yield from ((path, "repo", name) for path in sorted(repo.glob("*.json")))
    folders = [(top, 1) for top in labels]
    while folders:
        folder, depth = folders.pop(0)
        if depth > 1:
            name = ":" + "/".join(folder.relative_to(root).parts)
            yield from ((path, "label", name) for path in sorted(folder.glob("*.json")))
        if depth < LABEL_DEPTH:  # bounded, and a linked folder (which may lead back up the tree) is not followed
            children = (
                child
                for child in sorted(folder.iterdir())
                if child.is_dir() and not child.is_symlink() and _LABEL_PART.match(child.name)
            )
            folders += [(child, depth + 1) for child in children]


def _checked_name(path: Path, kind: str, name: str) -> str | None:
    """Why ``name``, a folder's, is no name GitHub allows for ``kind`` (it names stored rows and
    reaches SQL as a value), else None."""
    pattern = {"repo": _NAME, "developer": _LOGIN}.get(kind)
    if pattern is None or pattern.match(name):
        return None
    what = "a repository's OWNER/REPO" if kind == "repo" else "a developer's login"
    return f"{path.parent}: not a repository or developer folder ({name!r} is not {what}); rename or remove it"


def read_tree(folder: str | Path) -> Tree:
    """Read every metric file of ``folder``'s OpenDigger layout (:func:`_metric_files`: the
    repositories' and developers' under ``github/``, the labels' beside it), each checked
    against its schema."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{folder}: not a folder; pass a folder with OpenDigger's {PLATFORM}/OWNER/REPO files")
    tree = Tree()
    inside = root.resolve()
    for path, kind, name in _metric_files(root):
        if problem := _checked_name(path, kind, name):
            tree.report(problem)
            continue
        metric = path.stem
        wanted = {"developer": DEVELOPER_FILES, "label": LABEL_FILES}.get(kind, FILES)
        # a developer's files are all numbers by period, as a repository's activity
        decoder = (DECODERS["activity"] if kind == "developer" else DECODERS[metric]) if metric in wanted else None
        if decoder is None:  # meta.json, talent.json, ...: not a metric computed here
            tree.other_files += 1
            continue
        try:
            if not regular_file_inside(path, inside):  # a folder named x.json
                continue
            info = path.stat()
            if info.st_size > MAX_FILE_BYTES:
                tree.report(f"{path}: {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,} a metric file may hold")
                continue
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)  # bounded, should the file grow meanwhile
            if len(data) > MAX_FILE_BYTES:
                tree.report(f"{path}: over the {MAX_FILE_BYTES:,} bytes a metric file may hold")
                continue
            decoded = decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            tree.report(f"{path}: not OpenDigger's {metric} file ({exc})")
            continue
        except InputError as exc:  # a pipe, a device, a link out of the folder
            tree.report(str(exc))
            continue
        except OSError as exc:
            tree.report(f"{path}: cannot read it ({exc.strerror})")
            continue
        content = msgspec.structs.asdict(decoded) if isinstance(decoded, TimeFile) else decoded
        if metric in TIME_FILES:
            content = {key: value for key, value in content.items() if value}
        content = msgspec.to_builtins(content)
        tree.names[name.lower()] = name
        tree.values[name.lower(), metric] = content
        tree.files[name.lower(), metric] = str(path)
    return tree


def value_rows(tree: Tree) -> dict[str, list[tuple]]:
    """``opendigger_values`` rows per repo: (repo, metric, field, period, value, detail, file, imported_at)."""
    now = utc_now()
    rows: dict[str, list[tuple]] = {}
    for (repo, metric), content in tree.values.items():
        name, path = tree.names[repo], tree.files[repo, metric]
        for field_name, period, value in _flat(metric, content):
            number = value if isinstance(value, (int, float)) else None
            detail = None if number is not None else _json(value)
            rows.setdefault(name, []).append((name, metric, field_name, period, number, detail, path, now))
    return rows


def _flat(metric: str, content: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    if metric in TIME_FILES:
        for field_name, per_key in content.items():
            for key, value in per_key.items():
                yield field_name, key, value
    else:
        for key, value in content.items():
            yield "", key, value


def tree_of(
    repos: Iterable[RepoMetrics], developers: Iterable[RepoMetrics] = (), labels: Iterable[RepoMetrics] = ()
) -> Tree:
    """Our metrics as a :class:`Tree` (what :func:`read_tree` reads back from :func:`write_tree`)."""
    tree = Tree()
    entries = [(repo, FILES) for repo in repos] + [(developer, DEVELOPER_FILES) for developer in developers]
    entries += [(label, LABEL_FILES) for label in labels]
    for entry, metrics in entries:
        tree.names[entry.name.lower()] = entry.name
        for metric in metrics:
            if entry.values.get(metric):
                tree.values[entry.name.lower(), metric] = json.loads(_json(file_content(metric, entry.values[metric])))
    return tree


@dataclass(frozen=True)
class Difference:
    repo: str
    metric: str
    period: str  # with the field for a time metric: "avg 2024-01"
    ours: Any
    theirs: Any
    difference: float | None  # ours - theirs for numbers; for lists the entries in one and not the other

    def row(self) -> tuple:
        return (self.repo, self.metric, self.period, _cell(self.ours), _cell(self.theirs), self.difference)


COLUMNS = ("repo", "metric", "period", "ours", "theirs", "difference")


def _cell(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else _json(value)


def in_window(key: str, window: Window) -> bool:
    """Whether a period key lies wholly within the window's months."""
    key = key.removesuffix("-raw")
    if "-" in key:
        return window.first <= key <= window.last
    months = [f"{key[:4]}-{m:02d}" for m in range(1, 13)]
    if "Q" in key:
        months = [m for m in months if period_key(m + "-01", "quarter") == key]
    return window.first <= months[0] and months[-1] <= window.last


@dataclass
class Comparison:
    """What :func:`compare` found: the values compared, where they differ, and the values of
    theirs left out because they fall in months we hold no data of (``uncovered``)."""

    compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    not_covered: int = 0
    uncovered: set[str] = field(default_factory=set)


def compare(ours: Tree, theirs: Tree, window: Window, covered: set[str] | None = None) -> Comparison:
    """Every value of the repos and metrics both trees hold, over the window's periods: the
    number compared and where they differ. A period none of whose months is in ``covered``
    (when given: the months we hold data of) is not compared but counted as not covered,
    as :func:`ecometrics.analysis.opendigger.drop_uncovered` leaves it out of our export: a month we read
    nothing of is unknown here, not a difference."""
    result = Comparison()
    for (repo, metric), their_content in sorted(theirs.values.items()):
        if repo not in ours.names:
            continue
        mine = dict(((f, k), v) for f, k, v in _flat(metric, ours.values.get((repo, metric), {})))
        them = dict(((f, k), v) for f, k, v in _flat(metric, their_content))
        for field_name, key in sorted(set(mine) | set(them)):
            if not in_window(key, window):
                continue
            months = months_of(key)
            if covered is not None and not covered.intersection(months):
                result.not_covered += 1
                result.uncovered.update(months)
                continue
            result.compared += 1
            a, b = mine.get((field_name, key)), them.get((field_name, key))
            if _same(metric, a, b):
                continue
            period = f"{field_name} {key}" if field_name else key
            result.differences.append(Difference(theirs.names[repo], metric, period, a, b, _by(metric, a, b)))
    return result


def _same(metric: str, a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list) and metric in UNORDERED:
        return sorted(map(_json, a)) == sorted(map(_json, b))
    return bool(a == b)


def _by(metric: str, a: Any, b: Any) -> float | None:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return round(a - b, 6)
    if isinstance(a, list) and isinstance(b, list):
        if metric in UNORDERED:
            left, right = sorted(map(_json, a)), sorted(map(_json, b))
            return float(len(set(left) ^ set(right)))
        return float(sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b)))
    return None


SUMMARY_COLUMNS = ("repo", "metric", "differing", "largest")


def summarize(differences: Iterable[Difference]) -> list[tuple]:
    """Per repo and metric: how many values differ and the largest difference (by size)."""
    grouped: dict[tuple[str, str], list[float | None]] = {}
    for difference in differences:
        grouped.setdefault((difference.repo, difference.metric), []).append(difference.difference)
    rows = []
    for (repo, metric), sizes in grouped.items():
        known = [size for size in sizes if size is not None]
        rows.append((repo, metric, len(sizes), max(known, key=abs) if known else None))
    return rows
