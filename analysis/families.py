"""Model families and origins: who the builders' base models come from .

A model's *families* are those of its root ancestors, the models of the lineage graph
with no parent (a model with no parent is its own root). A root belongs to the family
of its organisation, the Hugging Face author before the ``/`` of its id: the built-in
table of labs (:data:`ecometrics.core.ecosystem.LABS`: family, origin country, HF authors),
changed or extended by ``[families.NAME]`` entries in the config (``authors``,
``origin``). A root whose organisation is in no family forms a family named after the
organisation, with no origin. A merge of models from several families belongs to each
of them: it counts once in every family (and origin) it descends from, so per-family
totals can add up to more than the number of models.

Rollups per family and per origin (:func:`family_table`, :func:`origin_table`):
models, root models, derivatives (models with a parent) in total and by the relation to
their parents, downloads (latest snapshot) and influence (the summed model influence of
the family's root models, where the value of the derivatives collects; see
:mod:`ecometrics.analysis.influence`); the downloads and models are Hugging Face's, and beside them
``modelscope_models``, ``modelscope_downloads``, ``all_models`` (a model on both hubs once) and
``total_downloads`` (both hubs' all-time downloads; see :mod:`ecometrics.analysis.hubs`).
:func:`family_months` is the series of derivatives created
per month (``models.created_at``) behind "which base family do builders pick".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.analysis.fields import COUNT, FLAG, MONTH, NAME, SCORE, TEXT
from ecometrics.analysis.growth import partial_month
from ecometrics.analysis.hubs import MODELSCOPE_FIELDS, with_modelscope
from ecometrics.collector.store import Store
from ecometrics.core.config import FamilyConfig
from ecometrics.core.ecosystem import LABS, RELATIONS


@dataclass(frozen=True)
class Family:
    name: str
    origin: str | None
    authors: tuple[str, ...]
    source: str  # builtin | config


def family_definitions(overrides: Mapping[str, FamilyConfig] | None = None) -> list[Family]:
    """The built-in lab table with the config's ``[families.NAME]`` entries applied.

    An entry for a built-in family replaces its authors (when given) and origin (when
    given); an entry with a new name adds a family. An author named by a config entry
    leaves any other family it was in.
    """
    families = {lab.family: Family(lab.family, lab.origin, lab.hf_authors, "builtin") for lab in LABS}
    claims: dict[str, str] = {}  # case-folded author -> the config family naming it
    for name, entry in (overrides or {}).items():
        authors, origin = tuple(entry.authors), entry.origin
        old = families.get(name)
        families[name] = Family(
            name,
            origin if origin is not None else (old.origin if old else None),
            authors or (old.authors if old else ()),
            "config",
        )
        claims.update((author.casefold(), name) for author in authors)
    return [
        Family(f.name, f.origin, tuple(a for a in f.authors if claims.get(a.casefold(), f.name) == f.name), f.source)
        for f in families.values()
    ]


def author_families(families: list[Family]) -> dict[str, Family]:
    """Case-folded HF author -> family (Hub ids are case-insensitive)."""
    return {author.casefold(): family for family in families for author in family.authors}


def organisation(model_id: str) -> str:
    """The organisation of a Hub id: the author before the ``/`` (legacy ids have none)."""
    return model_id.split("/", 1)[0]


def save_families(store: Store, families: list[Family]) -> None:
    """Persist the family table the lineage analysis used, for the rollups to join."""
    store.replace_rows(
        "lineage_families",
        ("family", "origin", "authors", "source"),
        [(f.name, f.origin, json.dumps(list(f.authors)), f.source) for f in families],
    )


# -- rollups ----------------------------------------------------------------------------


def model_memberships(store: Store) -> pl.DataFrame:
    """One row per (model, family) with the model's lineage figures and latest snapshot."""
    models = frames.models_frame(store)
    origins = frames.read_sql(
        store,
        "SELECT family, origin AS family_origin FROM lineage_families",
        schema={"family": pl.String, "family_origin": pl.String},
    )
    return (
        models.filter(pl.col("family").is_not_null())  # collected after the last analysis
        .with_columns(pl.col("family").str.split(frames.FAMILY_SEPARATOR))
        .explode("family")
        .join(origins, on="family", how="left")
        .with_columns(origin=pl.col("family_origin"))
        .drop("family_origin")
    )


def _rollup(members: pl.DataFrame, key: str) -> pl.DataFrame:
    derived = pl.col("parents") > 0
    return members.group_by(key).agg(
        models=pl.len(),
        root_models=(~derived).sum(),
        derivatives=derived.sum(),
        **{relation: (derived & pl.col("relations").str.contains(relation)).sum() for relation in RELATIONS},
        downloads_30d=pl.col("downloads_30d").sum(),
        downloads_all_time=pl.col("downloads_all_time").sum(),
        influence=pl.when(~derived).then(pl.col("influence")).otherwise(0.0).sum(),
    )


def _ranked(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    return frame.sort(["derivatives", "downloads_30d", key], descending=[True, True, False], nulls_last=True)


def _rollup_columns() -> list[str]:
    return [
        "models",
        "root_models",
        "derivatives",
        *RELATIONS,
        "downloads_30d",
        "downloads_all_time",
        "influence",
    ]


ROLLUP_FIELDS = {**dict.fromkeys(_rollup_columns(), COUNT), "influence": SCORE}


FAMILY_COLUMNS = {"family": NAME, "origin": TEXT, **ROLLUP_FIELDS, **MODELSCOPE_FIELDS}


def family_table(store: Store, **_: Any) -> pl.DataFrame:
    """Per family: origin, models, roots, derivatives (total and by relation), downloads, influence."""
    members = model_memberships(store)
    origins = members.group_by("family").agg(pl.col("origin").first())
    table = _rollup(members, "family").join(origins, on="family", how="left")
    table = with_modelscope(table.select("family", "origin", *_rollup_columns()), store, "family")
    return _ranked(table.select(list(FAMILY_COLUMNS)), "family")


ORIGIN_COLUMNS = {"origin": NAME, **ROLLUP_FIELDS, **MODELSCOPE_FIELDS}


def origin_table(store: Store, **_: Any) -> pl.DataFrame:
    """Per origin country (None: organisations outside the family table), each model once."""
    members = model_memberships(store).unique(["model_id", "origin"])
    table = with_modelscope(_rollup(members, "origin").select("origin", *_rollup_columns()), store, "origin")
    return _ranked(table.select(list(ORIGIN_COLUMNS)), "origin")


FAMILY_MONTH_COLUMNS = {
    "family": NAME,
    "origin": TEXT,
    "month": MONTH,
    "partial_month": FLAG,
    "derivatives": COUNT,
    **dict.fromkeys(RELATIONS, COUNT),
}


def family_months(store: Store, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """Derivatives created per family and month (YYYY-MM of ``models.created_at``).

    ``partial_month`` marks a month the collected data does not cover to its end (its
    counts are still growing); see :func:`ecometrics.analysis.growth.partial_month`.
    """
    members = model_memberships(store).filter((pl.col("parents") > 0) & pl.col("created_at").is_not_null())
    frame = (
        members.with_columns(month=pl.col("created_at").dt.strftime("%Y-%m"))
        .group_by(["family", "origin", "month"])
        .agg(derivatives=pl.len(), **{r: pl.col("relations").str.contains(r).sum() for r in RELATIONS})
        .sort(["month", "derivatives", "family"], descending=[False, True, False])
        .with_columns(partial_month=partial_month(pl.col("month"), store))
    )
    return frame.filter(pl.col("month") == month) if month else frame
