"""By country: repositories, stars, developers and OpenRank per country and month, and the
Hubs' models by origin, each figure with its coverage.

Whose country is what (see docs/countries.md):

- an **account** (developer or organisation) is in the country of OpenDigger's division label
  that lists it (``labels``/``label_entities``, ``:divisions/CN`` and the labels below it;
  ``import labels``), else the country its profile location names (:func:`ecometrics.analysis.geocode.geocode`
  of ``profiles.location``), else unknown. An account two division labels place in two
  countries is unknown by label and falls back to its location. Bots and GitHub's ``ghost``
  placeholder for deleted accounts are no people and are never counted;
- a **repository** is in its own division label's country, else its owner's (the
  organisation's label, else the organisation's location; for a user's repository the user's);
- a **model** is in its origin: the country of the lab family its lineage leads to
  (``model_lineage.origin``); a merge of families from two countries is unknown.

Every row carries the coverage of each figure for its month: the share of the entities counted
that month whose country is known (repositories, active developers, contributors, developers
with OpenRank, models), as OSS Insight shows the share of located accounts beside its maps.
A country's figures count only what is placed there; the unknown rest is what the coverage
leaves out, so two countries' figures compare only as far as their coverage allows.

Figures, per country and month: ``repos`` existing by the month's end, ``stars`` standing on them
at the month's end and ``stars_per_repo`` (the AI Index's "average likes per project"),
``active_developers`` (distinct people with an event in the month), ``contributors`` (distinct
people in the repositories' last contributor snapshot of the month), ``openrank`` (the sum of
its developers' global OpenRank that month) and ``openrank_share`` (of all developers' OpenRank
that month, located or not), ``models``, ``likes_per_model`` and ``downloads_per_model``
(Hugging Face, each model's last snapshot of the month). ``partial_month`` and
``openrank_warm_up`` flag, as in every monthly table, a month the data does not cover to its end
and one within OpenRank's warm-up (:func:`ecometrics.analysis.global_openrank.openrank_warm_up`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ecometrics.analysis import frames
from ecometrics.analysis.fields import COUNT, FLAG, MONTH, NAME, RATIO, SCORE
from ecometrics.analysis.geocode import geocode
from ecometrics.analysis.global_openrank import openrank_warm_up
from ecometrics.analysis.growth import partial_month

GHOST = "ghost"  # GitHub's placeholder for deleted accounts: no person, no country
DIVISION_PREFIX = ":divisions/"

COLUMNS = {
    "country": NAME,
    "month": MONTH,
    "repos": COUNT,
    "stars": COUNT,
    "stars_per_repo": RATIO,
    "repos_coverage": RATIO,
    "active_developers": COUNT,
    "active_developers_coverage": RATIO,
    "contributors": COUNT,
    "contributors_coverage": RATIO,
    "openrank": SCORE,
    "openrank_share": RATIO,
    "openrank_coverage": RATIO,
    "models": COUNT,
    "likes_per_model": RATIO,
    "downloads_per_model": RATIO,
    "models_coverage": RATIO,
    "partial_month": FLAG,
    "openrank_warm_up": FLAG,
}
_KEY = {"country": pl.String, "month": pl.String}


def division_labels(db: frames.Database) -> dict[tuple[str, int], str]:
    """(entity type, GitHub id) -> the country OpenDigger's division labels place it in, where
    they name one country (``:divisions/CN/CN-BJ`` is China's: the code after ``divisions/``)."""
    rows = frames.read_sql(
        db,
        "SELECT label_id, entity_type, entity_id FROM label_entities WHERE label_id LIKE ?",
        (DIVISION_PREFIX + "%",),
        schema={"label_id": pl.String, "entity_type": pl.String, "entity_id": pl.Int64},
    )
    found: dict[tuple[str, int], set[str]] = {}
    for label, kind, entity in rows.iter_rows():
        code = label[len(DIVISION_PREFIX) :].split("/", 1)[0].upper()
        if len(code) == 2:
            found.setdefault((kind, entity), set()).add(code)
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


def account_countries(db: frames.Database) -> pl.DataFrame:
    """Every account with a profile or a division label: account_id, login, type, location,
    country (None: unknown), reason (``label`` or the geocoder's reason)."""
    profiles = frames.read_sql(
        db,
        "SELECT account_id, login, type, location FROM profiles WHERE status = 'ok' AND account_id IS NOT NULL",
        schema={"account_id": pl.Int64, "login": pl.String, "type": pl.String, "location": pl.String},
    )
    labels = division_labels(db)
    places = {text: geocode(text) for text in profiles["location"].unique().to_list()}
    rows: dict[int, dict[str, Any]] = {}
    for account_id, login, kind, location in profiles.iter_rows():
        labelled = labels.get(("org" if kind == "Organization" else "user", account_id))
        place = places[location]
        rows[account_id] = {
            "account_id": account_id,
            "login": login,
            "type": kind,
            "location": location,
            "country": labelled or place.country,
            "reason": "label" if labelled else place.reason,
        }
    for (kind, entity), country in labels.items():
        if kind in ("org", "user") and entity not in rows:
            rows[entity] = {"account_id": entity, "login": None, "type": None, "location": None,
                            "country": country, "reason": "label"}  # fmt: skip
    schema = {"account_id": pl.Int64, "login": pl.String, "type": pl.String, "location": pl.String,
              "country": pl.String, "reason": pl.String}  # fmt: skip
    return pl.DataFrame(list(rows.values()), schema=schema)


def repo_countries(db: frames.Database, accounts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every stored repository: repo_id, full_name, created month, country (its label's, else its owner's)."""
    accounts = account_countries(db) if accounts is None else accounts
    labels = division_labels(db)
    by_login = {
        login.casefold(): country
        for login, country in accounts.filter(pl.col("login").is_not_null()).select("login", "country").iter_rows()
    }
    by_id = dict(accounts.select("account_id", "country").iter_rows())
    # an owner known only by its label is found by the label's id through the owner's profile id
    owner_ids = dict(
        frames.read_sql(
            db,
            "SELECT lower(login) AS login, max(account_id) AS account_id FROM profiles"
            " WHERE account_id IS NOT NULL GROUP BY 1",
            schema={"login": pl.String, "account_id": pl.Int64},
        ).iter_rows()
    )
    repos = frames.read_sql(
        db,
        "SELECT id AS repo_id, full_name, owner, substr(created_at, 1, 7) AS created FROM repos",
        schema={"repo_id": pl.Int64, "full_name": pl.String, "owner": pl.String, "created": pl.String},
    )
    countries = []
    for repo_id, _name, owner, _created in repos.iter_rows():
        owner_key = (owner or "").casefold()
        countries.append(
            labels.get(("repo", repo_id))
            or labels.get(("org", owner_ids.get(owner_key, -1)))
            or by_id.get(owner_ids.get(owner_key, -1))
            or by_login.get(owner_key)
        )
    return repos.with_columns(country=pl.Series(countries, dtype=pl.String))


def developer_countries(db: frames.Database, accounts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every stored person (no bots, no ``ghost``): developer_id, login, country."""
    accounts = account_countries(db) if accounts is None else accounts
    people = frames.read_sql(
        db,
        "SELECT id AS developer_id, login FROM developers WHERE is_bot = 0 AND lower(login) <> ?",
        (GHOST,),
        schema={"developer_id": pl.Int64, "login": pl.String},
    )
    return people.join(
        accounts.select(developer_id="account_id", country="country"), on="developer_id", how="left"
    ).unique("developer_id")


def countries_table(store: frames.Database, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """One row per country and month with every figure and its coverage (see the module docstring)."""
    accounts = account_countries(store)
    repos = repo_countries(store, accounts)
    people = developer_countries(store, accounts)
    parts = [
        _github_repos(store, repos),
        _people(_active(store), people, "active_developers"),
        _people(_contributors(store), people, "contributors"),
        _openrank(store, people),
        _models(store),
    ]
    frame = pl.DataFrame(schema=_KEY)
    for part in parts:
        frame = frame.join(part, on=["country", "month"], how="full", coalesce=True)
    if month:
        frame = frame.filter(pl.col("month") == month)
    frame = frame.filter(pl.col("country").is_not_null())
    for column in COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(column))
    # a coverage is its month's, whether or not this country has a figure there
    coverage = [c for c in COLUMNS if c.endswith("_coverage")]
    by_month = frame.group_by("month").agg(pl.col(c).max().alias(c) for c in coverage)
    frame = frame.drop(coverage).join(by_month, on="month", how="left")
    # a country without a figure in a month that has it elsewhere has none of it: 0, not unknown
    counted = {"repos": "repos_coverage", "stars": "repos_coverage", "models": "models_coverage",
               "active_developers": "active_developers_coverage", "contributors": "contributors_coverage",
               "openrank": "openrank_coverage", "openrank_share": "openrank_coverage"}  # fmt: skip
    frame = frame.with_columns(
        pl.when(pl.col(cover).is_not_null()).then(pl.col(column).fill_null(0)).otherwise(pl.col(column)).alias(column)
        for column, cover in counted.items()
    )
    frame = frame.with_columns(  # as every monthly table: which months still grow, which OpenRank still climbs in
        partial_month=partial_month(pl.col("month"), store), openrank_warm_up=openrank_warm_up(pl.col("month"), store)
    )
    return frame.select(list(COLUMNS)).sort(["month", "country"])


def _coverage(frame: pl.DataFrame, by: str = "month") -> pl.DataFrame:
    """Per ``by``: the share of rows with a known country."""
    return frame.group_by(by).agg(coverage=pl.col("country").is_not_null().mean())


def _github_repos(db: frames.Database, repos: pl.DataFrame) -> pl.DataFrame:
    stars = frames.monthly_stars(db)
    months = stars.select("month").unique()
    if not months.height or not repos.height:
        return pl.DataFrame(
            schema={
                **_KEY,
                "repos": pl.Int64,
                "stars": pl.Int64,
                "stars_per_repo": pl.Float64,
                "repos_coverage": pl.Float64,
            }  # fmt: skip
        )
    grid = (
        repos.join(months, how="cross")
        .filter(pl.col("created").is_null() | (pl.col("created") <= pl.col("month")))
        .join(stars, on=["repo_id", "month"], how="left")
        .sort("repo_id", "month")
        .with_columns(stars=pl.col("stars").fill_null(0).cum_sum().over("repo_id"))
    )
    # a repository created in a month without stars still counts from then on: the cumulative sum
    # runs over the months with stars in the store, which is every month a star was given
    coverage = _coverage(grid).rename({"coverage": "repos_coverage"})
    return (
        grid.filter(pl.col("country").is_not_null())
        .group_by("country", "month")
        .agg(repos=pl.len().cast(pl.Int64), stars=pl.col("stars").sum())
        .with_columns(stars_per_repo=pl.col("stars") / pl.col("repos"))
        .join(coverage, on="month", how="left")
    )


def _active(db: frames.Database) -> pl.DataFrame:
    return frames.read_sql(
        db,
        "SELECT DISTINCT substr(created_at, 1, 7) AS month, actor_id AS developer_id FROM events"
        " WHERE actor_id IS NOT NULL AND is_bot = 0",
        schema={"month": pl.String, "developer_id": pl.Int64},
    )


def _contributors(db: frames.Database) -> pl.DataFrame:
    """Distinct developers of each repository's last contributor snapshot of each month."""
    return frames.read_sql(
        db,
        """
        WITH last AS (SELECT repo_id, substr(date, 1, 7) AS month, max(date) AS date FROM contributors GROUP BY 1, 2)
        SELECT DISTINCT last.month, c.developer_id FROM contributors c JOIN last USING (repo_id, date)
        WHERE c.developer_id IS NOT NULL
        """,
        schema={"month": pl.String, "developer_id": pl.Int64},
    )


def _people(frame: pl.DataFrame, people: pl.DataFrame, name: str) -> pl.DataFrame:
    """Distinct people per country and month, and the month's share of them with a known country."""
    placed = frame.join(people, on="developer_id", how="inner")  # bots and ghost are not in people
    coverage = _coverage(placed).rename({"coverage": f"{name}_coverage"})
    return (
        placed.filter(pl.col("country").is_not_null())
        .group_by("country", "month")
        .agg(pl.col("developer_id").n_unique().cast(pl.Int64).alias(name))
        .join(coverage, on="month", how="left")
    )


def _openrank(db: frames.Database, people: pl.DataFrame) -> pl.DataFrame:
    values = frames.read_sql(
        db,
        "SELECT entity_id AS developer_id, month, value FROM openrank WHERE kind = 'developer'",
        schema={"developer_id": pl.Int64, "month": pl.String, "value": pl.Float64},
    )
    placed = values.join(people.select("developer_id", "country"), on="developer_id", how="left")
    totals = placed.group_by("month").agg(
        total=pl.col("value").sum(), openrank_coverage=pl.col("country").is_not_null().mean()
    )
    return (
        placed.filter(pl.col("country").is_not_null())
        .group_by("country", "month")
        .agg(openrank=pl.col("value").sum())
        .join(totals, on="month", how="left")
        .with_columns(openrank_share=pl.col("openrank") / pl.col("total"))
        .drop("total")
    )


def _models(db: frames.Database) -> pl.DataFrame:
    snapshots = frames.read_sql(
        db,
        """
        WITH last AS (
            SELECT model_id, substr(date, 1, 7) AS month, max(date) AS date FROM model_snapshots
            WHERE platform = 'huggingface' GROUP BY 1, 2
        )
        SELECT last.month, s.model_id, s.likes, s.downloads_all_time, l.origin FROM model_snapshots s
        JOIN last ON s.platform = 'huggingface' AND s.model_id = last.model_id AND s.date = last.date
        LEFT JOIN model_lineage l ON l.model_id = s.model_id
        """,
        schema={
            "month": pl.String,
            "model_id": pl.String,
            "likes": pl.Int64,
            "downloads_all_time": pl.Int64,
            "origin": pl.String,
        },  # fmt: skip
    )
    # an origin of two countries ("CN+US": a merge across families) is no one country
    placed = snapshots.with_columns(
        country=pl.when(pl.col("origin").str.contains(r"^[A-Z]{2}$")).then(pl.col("origin"))
    )
    coverage = _coverage(placed).rename({"coverage": "models_coverage"})
    return (
        placed.filter(pl.col("country").is_not_null())
        .group_by("country", "month")
        .agg(
            models=pl.len().cast(pl.Int64),
            likes_per_model=pl.col("likes").fill_null(0).mean(),
            downloads_per_model=pl.col("downloads_all_time").fill_null(0).mean(),
        )
        .join(coverage, on="month", how="left")
    )
