"""Dunning levels (催款), SPEC 9.4: how overdue a receivable or an account is, in words.

`[dunning] levels` maps days overdue to a level: `[[1, "reminder"], [30,
"notice"], [60, "warning"], [90, "legal"]]` puts a receivable 45 days
overdue at `notice`. An account's level is its most overdue receivable's.
The four names above read in the report language (提醒, 催告, 警告, 法务);
a workspace's own names show as written.
"""

from __future__ import annotations


def levels(settings) -> list[tuple[int, str]]:
    """The dunning levels as (days overdue from, name), rising."""
    return [(int(days), str(name).strip()) for days, name in settings.get("dunning.levels") or []]


def level_of(days: float | int | None, table: list[tuple[int, str]]) -> str | None:
    """The level of a receivable `days` overdue (None when not overdue or below the first level)."""
    if days is None or days != days:
        return None
    reached = [name for start, name in table if days >= start]
    return reached[-1] if reached else None


def level_label(name: str | None, lang: str) -> str | None:
    """A level in `lang`: the built-in names translated, the workspace's own as written."""
    from salesops.schema import DUNNING_LEVEL

    if name is None:
        return None
    code = DUNNING_LEVEL.parse(name)
    return DUNNING_LEVEL.label(code, lang) if code and code in DUNNING_LEVEL.codes else name


def highest(names: list[str | None], table: list[tuple[int, str]]) -> str | None:
    """The most severe of `names` (by the order of the levels)."""
    order = {name: i for i, (_, name) in enumerate(table)}
    got = [n for n in names if n in order]
    return max(got, key=order.__getitem__) if got else None
