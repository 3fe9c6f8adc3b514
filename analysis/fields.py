"""The types of export columns: each table's schema maps its column names to these.

A builder module states its tables' schemas with them; :mod:`ecometrics.analysis.export` casts
every table to its schema and formats each cell by its field (see its docstring for
how each type is written in CSV, Parquet, JSON and Markdown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Field:
    """The type of an export column: its polars dtype, decimals for floats, whether it is an id."""

    dtype: Any
    decimals: int | None = None
    identifier: bool = False


ID = Field(pl.Int64, identifier=True)  # GitHub's numeric ids
NAME = Field(pl.String, identifier=True)  # OWNER/NAME, a Hub model id, a login, a family: the row's key
COUNT = Field(pl.Int64)
TEXT = Field(pl.String)
FLAG = Field(pl.Boolean)
TIMESTAMP = Field(pl.Datetime("us", "UTC"))
DATE = Field(pl.Date)
MONTH = Field(pl.String)  # YYYY-MM
SCORE = Field(pl.Float64, decimals=3)  # OpenRank, activity, influence
RATIO = Field(pl.Float64, decimals=4)

# Column name -> field; a name ending in ``*`` stands for every column starting with what precedes it.
Schema = Mapping[str, Field]
