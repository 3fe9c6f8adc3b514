"""Who is a person: the bot rule, which GitHub accounts are automation, and GitHub's ``ghost``,
decided in one place.

An account is a bot when its login ends in ``[bot]`` (GitHub Apps; OpenDigger's
``actor_login NOT LIKE '%[bot]'``, open-digger src/cron/tasks/globalOpenrank.ts line 133),
when GitHub says its ``type`` is ``Bot``, when its login is in :data:`BOT_LOGINS` (automation
named without the suffix) or among the configured logins (``[activity] bots``). Logins are
compared ignoring case: OpenDigger's LIKE is case-sensitive, but a ``[BOT]`` login is a
bot to us.

The collectors store the rule's answer in ``is_bot`` with the logins configured when the row
was collected; the analysis applies the rule again to the stored logins, so a login
configured later counts from then on (and OpenDigger's labelled bots, matched by GitHub id,
are added there: see ``ecometrics.analysis.activity.labelled_bot_ids``).

``ghost`` (id 10137) is no bot and no person either: GitHub credits the issues, pull requests
and comments of every deleted account to it ("Side effects of account deletion",
https://docs.github.com/account-and-profile/setting-up-and-managing-your-personal-account-on-github/managing-your-personal-account/deleting-your-personal-account#side-effects-of-account-deletion).
Its events are stored and count for their repository, but one login standing for many
people must not be ranked, counted as a contributor or link repositories in an OpenRank
network. :func:`is_person` and :func:`bot_expr` (what the analysis filters with) leave it
out as they leave out bots; the stored ``is_bot`` flag stays the bot rule's answer alone.
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


GHOST_LOGIN, GHOST_ID = "ghost", 10137  # https://api.github.com/users/ghost
NOT_PEOPLE: frozenset[str] = frozenset({GHOST_LOGIN})  # accounts that are no bot and no person


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


def is_person(login: str | None, extra: Iterable[str] = (), account_type: str | None = None) -> bool:
    """Whether ``login`` is a person: a login, not a bot (:func:`is_bot_login`) and not ``ghost``."""
    if not login:
        return False
    return login.lower() not in NOT_PEOPLE and not is_bot_login(login, extra, account_type)


def bot_expr(column: str = "login", extra: Iterable[str] = ()) -> pl.Expr:
    """The accounts that are no person, as a polars expression over the logins in ``column``:
    :func:`is_bot_login`'s bots and ``ghost`` (null: False). The analysis removes these from
    rankings, contributor counts and OpenRank networks."""
    login = pl.col(column).str.to_lowercase()
    return (login.str.ends_with("[bot]") | login.is_in(sorted(bot_logins(extra) | NOT_PEOPLE))).fill_null(False)
