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

Only the GitHub platform is kept (the one ecometrics collects). The whole folder is read
and checked before anything is written; an import then replaces the stored labels in one
transaction, so a bad file stores nothing and names itself. Point it at a clone of
open-digger or at its ``labeled_data`` folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from collector.store import Store
from core.dates import utc_now
from core.errors import InputError
from core.outcome import Completed

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
    labels: dict[str, Label] = {}
    for file in sorted(folder.rglob("*.yml")):
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


def _read_label(ident: str, file: Path) -> Label:
    try:
        content = yaml.load(file.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError:
        raise InputError(f"{file}: not UTF-8 text; labels are YAML files") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{file}:{where} is not valid YAML ({getattr(exc, 'problem', exc)}); fix the file") from None
    if not isinstance(content, dict):
        raise InputError(f"{file}: a label file holds a mapping with name, type and data")
    kind = content.get("type")
    if kind is not None and kind not in LABEL_TYPES:
        raise InputError(
            f"{file}: type {kind!r} is not one of OpenDigger's label types ({', '.join(sorted(LABEL_TYPES))})"
        )
    data = content.get("data") or {}
    if not isinstance(data, dict):
        raise InputError(f"{file}: data must be a mapping of labels and platforms")
    unknown = set(data) - DATA_KEYS
    if unknown:
        raise InputError(f"{file}: data has {', '.join(sorted(map(str, unknown)))}; only labels and platforms are read")
    label = Label(ident, file, kind, content.get("name"))
    for included in data.get("labels") or []:
        included = str(included)
        label.includes.append(included if included.startswith(":") else _join(ident, included))
    for platform in data.get("platforms") or []:
        if not isinstance(platform, dict) or platform.get("name") != PLATFORM:
            continue
        for key, entity_type in ENTITY_KEYS.items():
            for item in platform.get(key) or []:
                if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                    raise InputError(f"{file}: every one of {key} needs a numeric GitHub id, not {item!r}")
                label.entities.add((entity_type, item["id"], item.get("name")))
    return label


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
    """Each label's entities with those of every label it includes, transitively."""
    done: dict[str, set[tuple[str, int, str | None]]] = {}

    def entities_of(ident: str, seen: frozenset[str]) -> set[tuple[str, int, str | None]]:
        if ident in done:
            return done[ident]
        if ident in seen:
            raise InputError(
                f"{labels[ident].path}: includes itself through {', '.join(sorted(seen))}; break the cycle"
            )
        found = set(labels[ident].entities)
        for included in labels[ident].includes:
            found |= entities_of(included, seen | {ident})
        done[ident] = found
        return found

    for ident in labels:
        entities_of(ident, frozenset())
    return done


def import_labels(store: Store, path: str | Path) -> LabelImport:
    """Read the labels under ``path`` and replace the stored ones with them."""
    labels = read_labels(path)
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
