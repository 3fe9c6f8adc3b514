"""The bot rule: which GitHub accounts are automation, decided in one place.

An account is a bot when its login ends in ``[bot]`` (GitHub Apps; OpenDigger's
``actor_login NOT LIKE '%[bot]'``, open-digger src/cron/tasks/globalOpenrank.ts line 133),
when GitHub says its ``type`` is ``Bot``, when its login is in :data:`BOT_LOGINS` (automation
named without the suffix) or among the configured logins (``[activity] bots``). Logins are
compared ignoring case: OpenDigger's LIKE is case-sensitive, but a ``[BOT]`` login is a
bot to us.

The collectors store the rule's answer in ``is_bot`` with the logins configured when the row
was collected; the analysis applies the rule again to the stored logins, so a login
configured later counts from then on (and OpenDigger's labelled bots, matched by GitHub id,
are added there: see ``analysis.activity.labelled_bot_ids``).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

# Bot accounts whose logins do not end in "[bot]" (lower case).
BOT_LOGINS: frozenset[str] = frozenset(
    {
        "copilot",  # GitHub's coding agent: a "Bot" account without the suffix
        "dependabot-preview",
        "renovate-bot",
        "greenkeeperio-bot",
        "codecov-io",
        "codecov-commenter",
        "coveralls",
        "k8s-ci-robot",
        "k8s-merge-robot",
        "k8s-triage-robot",
        "mergify",
        "stale",
        "pull",
        "sonarcloud",
        "allcontributors",
        "gitter-badger",
        "googlebot",
        "azure-pipelines",
        "vercel",
        "netlify",
        "pre-commit-ci",
        "github-actions",
    }
)


def bot_logins(extra: Iterable[str] = ()) -> frozenset[str]:
    """:data:`BOT_LOGINS` and the configured logins ``extra``, lower case."""
    return BOT_LOGINS | {name.lower() for name in extra}


def is_bot_login(login: str | None, extra: Iterable[str] = (), account_type: str | None = None) -> bool:
    """The bot rule for one account: ``login`` ends in ``[bot]``, GitHub's ``account_type`` is
    ``Bot``, or ``login`` is in :data:`BOT_LOGINS` or ``extra``, ignoring case. No login: not a bot."""
    if not login:
        return False
    login = login.lower()
    return (
        login.endswith("[bot]")
        or account_type == "Bot"
        or login in BOT_LOGINS
        or any(login == name.lower() for name in extra)
    )


def bot_expr(column: str = "login", extra: Iterable[str] = ()) -> pl.Expr:
    """:func:`is_bot_login` as a polars expression over the logins in ``column`` (null: False)."""
    login = pl.col(column).str.to_lowercase()
    return (login.str.ends_with("[bot]") | login.is_in(sorted(bot_logins(extra)))).fill_null(False)
