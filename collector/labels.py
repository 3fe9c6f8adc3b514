"""OpenDigger's labeled data (``labeled_data/`` in X-lab2017/open-digger) -> ``labels``, ``label_entities``.

OpenDigger keeps its bot list and its groupings of repositories, organisations and
developers (companies, foundations, divisions i.e. countries and regions, projects,
universities, ...) as YAML files, read by ``src/labelDataUtils.ts`` (open-digger commit
9dbe621), which :func:`read_labels` follows:

- every ``*.yml`` file under the folder is one label; its id is ``:`` + its path without
  ``.yml``, an ``index.yml`` naming its folder (``companies/alibaba/index.yml`` is
  ``:companies/alibaba``, ``companies/alibaba/arthas.yml`` ``:companies/alibaba/arthas``;
  ``getLabelData``, lines 80-102);
- a file has ``name``, ``type`` (one of :data:`LABEL_TYPES`, ``checkKeysAndTypes``, lines
  10-18) and ``data`` with ``labels`` (the labels it includes: relative to its own id, or an
  absolute id starting with ``:``) and ``platforms`` (``name: GitHub``, ``type: Code
  Hosting``, and ``repos`` / ``orgs`` / ``users`` lists of ``{id, name}``); any other key of
  ``data`` is refused, as is an included label that does not exist (``parseItem``, lines
  160-199);
- a label's repos, orgs and users are its own and those of every label it includes,
  transitively (``mergePlatforms``), as OpenDigger's ``flatten_labels`` table holds them.

Each file is checked against one declared schema (:class:`LabelFile`, msgspec: strict types,
GitHub ids positive 64-bit integers), after YAML within bounds (:data:`MAX_FILE_BYTES`,
:data:`MAX_NODES`: a "billion laughs" is refused before it is built). Only regular files
inside the folder are read (:func:`ecometrics.core.files.regular_file_inside`): a folder named
``x.yml`` is a folder, a FIFO or a link out of the folder is refused. Only the GitHub platform is kept (the one ecometrics collects). The whole
folder is read and checked before anything is written; an import then replaces the stored labels in one
transaction, so a bad file stores nothing and names itself. Point it at a clone of
open-digger or at its ``labeled_data`` folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import msgspec
import yaml

from ecometrics.collector.store import Store
from ecometrics.core.dates import utc_now
from ecometrics.core.errors import InputError
from ecometrics.core.files import regular_file_inside
from ecometrics.core.outcome import Completed

LABEL_TYPES = frozenset(
    {
        "Division-0",
        "Division-1",
        "Company",
        "Community",
        "Project",
        "Foundation",
        "University-0",
        "University-1",
        "Agency-0",
        "Agency-1",
        "Institution-0",
        "Institution-1",
        "Tech-0",
        "Tech-1",
        "Tech-2",
        "Tech-3",
        "Domain-0",
        "Bot",
    }
)
DATA_KEYS = frozenset({"labels", "platforms"})
ENTITY_KEYS = {"repos": "repo", "orgs": "org", "users": "user"}
PLATFORM = "GitHub"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: ~10x faster
MAX_FILE_BYTES = 16 * 2**20  # OpenDigger's largest label file is under 1 MB
MAX_NODES = 1_000_000  # values in one file, aliases expanded; OpenDigger's largest holds tens of thousands

GitHubId = Annotated[int, msgspec.Meta(gt=0, le=2**63 - 1)]


class Entity(msgspec.Struct):
    """A repo, org or user of a label's GitHub platform."""

    id: GitHubId
    name: str | None = None


class GitHubPlatform(msgspec.Struct):
    name: str
    type: str | None = None
    repos: list[Entity] | None = None
    orgs: list[Entity] | None = None
    users: list[Entity] | None = None


class LabelData(msgspec.Struct, forbid_unknown_fields=True):
    labels: list[str] | None = None
    platforms: list[dict[str, Any]] | None = None  # each platform's own schema: GitHubPlatform for GitHub's


class LabelFile(msgspec.Struct):
    """One label file (``checkKeysAndTypes``, ``parseItem`` in labelDataUtils.ts); other keys (``meta``) are not read.

    ``name`` may be a number: OpenDigger's ``companies/360/index.yml`` is ``name: 360``, which
    YAML reads as an integer and labelDataUtils.ts takes as it is; it is stored as its text."""

    name: str | int | None = None
    type: str | None = None
    data: LabelData | None = None


@dataclass
class Label:
    """One YAML file: its id, type, name, included labels and own GitHub entities."""

    id: str
    path: Path
    type: str | None
    name: str | None
    includes: list[str] = field(default_factory=list)
    entities: set[tuple[str, int, str | None]] = field(default_factory=set)  # (repo|org|user, id, name)
    parents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LabelImport(Completed):
    """What ``import labels`` stored."""

    folder: str
    labels: int
    entities: int
    bots: int

    @property
    def rows_written(self) -> int:
        return self.labels + self.entities

    def summary(self) -> str:
        return (
            f"labels: {self.labels:,} label(s) from {self.folder}, {self.entities:,} labelled repos, orgs and users "
            f"({self.bots:,} bot accounts)"
        )

    __str__ = summary


def labels_folder(path: str | Path) -> Path:
    """The ``labeled_data`` folder at ``path``: the folder itself or the one inside an open-digger clone."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder; pass open-digger's labeled_data folder or a clone of open-digger")
    if (folder / "labeled_data").is_dir():
        folder = folder / "labeled_data"
    return folder


def read_labels(path: str | Path) -> dict[str, Label]:
    """Every label under ``path`` by id, with its includes resolved and checked (see the module docstring)."""
    folder = labels_folder(path)
    inside = folder.resolve()
    labels: dict[str, Label] = {}
    for file in sorted(folder.rglob("*.yml")):
        if not regular_file_inside(file, inside):
            continue  # a folder named x.yml
        relative = file.relative_to(folder).as_posix()
        ident = ":" + (relative[: -len("/index.yml")] if relative.endswith("/index.yml") else relative[: -len(".yml")])
        labels[ident] = _read_label(ident, file)
    if not labels:
        raise InputError(f"{folder}: no .yml label files; pass open-digger's labeled_data folder")
    for label in labels.values():
        for included in label.includes:
            if included not in labels:
                raise InputError(f"{label.path}: includes {included}, which has no file; fix the label or the folder")
            labels[included].parents.append(label.id)
    return labels


def _load_yaml(file: Path) -> Any:
    """The YAML document of ``file``, within :data:`MAX_FILE_BYTES` and :data:`MAX_NODES`."""
    if file.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{file}: larger than {MAX_FILE_BYTES // 2**20} MiB; not one of OpenDigger's label files")
    try:
        text = file.read_text(encoding="utf-8")
        # Composed first, counted with each alias expanded, built only when small: aliases of
        # aliases ("billion laughs") expand exponentially in whatever walks the document.
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if _expanded_size(node) > MAX_NODES:
                raise InputError(
                    f"{file}: its YAML aliases expand to more than {MAX_NODES:,} values; label files need no aliases"
                )
            return None if node is None else loader.construct_document(node)  # the composed node, parsed once
        finally:
            loader.dispose()
    except UnicodeDecodeError:
        raise InputError(f"{file}: not UTF-8 text; labels are YAML files") from None
    except RecursionError:
        raise InputError(f"{file}: nested too deeply to be a label file; fix the file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line
        raise InputError(f"{file}:{where} is not valid YAML ({problem}); fix the file") from None


def _expanded_size(root: yaml.Node | None) -> int:
    """How many values the document under ``root`` holds with every alias expanded (each node counted
    once per reference; a node's size is computed once)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            sizes[id(node)] = min(1 + sum(sizes[id(child)] for child in children), MAX_NODES + 1)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes.get(id(root), 0)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _read_label(ident: str, file: Path) -> Label:
    content = _load_yaml(file)
    if not isinstance(content, dict):
        raise InputError(f"{file}: a label file holds a mapping with name, type and data")
    data = content.get("data")
    if isinstance(data, dict) and (unknown := set(data) - DATA_KEYS):
        raise InputError(f"{file}: data has {', '.join(sorted(map(str, unknown)))}; only labels and platforms are read")
    record = _convert(content, LabelFile, file)
    if record.type is not None and record.type not in LABEL_TYPES:
        raise InputError(
            f"{file}: type {record.type!r} is not one of OpenDigger's label types ({', '.join(sorted(LABEL_TYPES))})"
        )
    label = Label(ident, file, record.type, None if record.name is None else str(record.name))
    data_record = record.data or LabelData()
    for included in data_record.labels or []:
        label.includes.append(included if included.startswith(":") else _join(ident, included))
    for number, platform in enumerate(data_record.platforms or []):
        if platform.get("name") != PLATFORM:
            continue
        github = _convert(platform, GitHubPlatform, file, f"$.data.platforms[{number}]")
        for key, entity_type in ENTITY_KEYS.items():
            for item in getattr(github, key) or []:
                label.entities.add((entity_type, item.id, item.name))
    return label


def _convert(value: Any, schema: type[msgspec.Struct], file: Path, at: str = "$") -> Any:
    """``value`` as ``schema``, else an :class:`InputError` naming the file and the key."""
    try:
        return msgspec.convert(value, schema, strict=True)
    except msgspec.ValidationError as exc:
        reason = str(exc).replace("at `$", f"at `{at}", 1) if at != "$" else str(exc)
        if " - at `" not in reason:
            reason += f" - at `{at}`"
        raise InputError(f"{file}: {reason}; fix the file") from None
    except RecursionError:
        raise InputError(f"{file}: nested too deeply to be a label file; fix the file") from None


def _join(ident: str, relative: str) -> str:
    """A relative include, as ``path.join(item.identifier, label)`` resolves it (labelDataUtils.ts line 184)."""
    parts: list[str] = []
    for part in f"{ident}/{relative}".lstrip(":").split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return ":" + "/".join(parts)


def flatten(labels: dict[str, Label]) -> dict[str, set[tuple[str, int, str | None]]]:
    """Each label's entities with those of every label it includes, transitively (depth first,
    with a stack of its own: an include chain of any length)."""
    done: dict[str, set[tuple[str, int, str | None]]] = {}
    for root in labels:
        if root in done:
            continue
        path: list[str] = [root]  # the labels being flattened, each including the next
        pending: list[list[str]] = [list(labels[root].includes)]
        while path:
            if pending[-1]:
                included = pending[-1].pop()
                if included in done:
                    continue
                if included in path:
                    cycle = path[path.index(included) :]
                    raise InputError(
                        f"{labels[included].path}: includes itself through {', '.join(sorted(cycle))}; break the cycle"
                    )
                path.append(included)
                pending.append(list(labels[included].includes))
                continue
            ident = path.pop()
            pending.pop()
            found = set(labels[ident].entities)
            for included in labels[ident].includes:
                found |= done[included]
            done[ident] = found
    return done


def import_labels(store: Store, path: str | Path, labels: dict[str, Label] | None = None) -> LabelImport:
    """Read the labels under ``path`` (``labels``: what :func:`read_labels` read of it already,
    as the command line does before it opens the database) and replace the stored ones with them."""
    labels = read_labels(path) if labels is None else labels
    flat = flatten(labels)
    now = utc_now()
    label_rows = [
        (label.id, label.type, label.name, json.dumps(sorted(label.parents)), now) for label in labels.values()
    ]
    entity_rows: dict[tuple[str, str, int], str | None] = {}
    for ident, entities in flat.items():
        for entity_type, entity_id, name in sorted(entities, key=lambda e: (e[0], e[1], e[2] or "")):
            entity_rows.setdefault((ident, entity_type, entity_id), name)
    with store.transaction():
        store.replace_rows("labels", ("id", "type", "name", "parents", "imported_at"), label_rows)
        store.replace_rows(
            "label_entities",
            ("label_id", "entity_type", "entity_id", "name"),
            [(*key, name) for key, name in entity_rows.items()],
        )
    bots = sum(1 for (ident, entity_type, _), _name in entity_rows.items() if ident == ":bot" and entity_type == "user")
    return LabelImport(str(labels_folder(path)), len(label_rows), len(entity_rows), bots)
