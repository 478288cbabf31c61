"""What each setting may hold, beyond the kind of its default (which `settings._merge` checks).

`check_values(settings)` returns one line per bad value, naming the dotted key,
what it must be and what it is, so a typo never silently changes behaviour.
Choices come from the schema where it has them (rep roles, target metrics).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salesops.i18n import N_, _
from salesops.schema import REP_ROLE, TARGET_METRIC

CHOICES: dict[str, tuple[str, ...]] = {
    "format": ("xlsx", "csv"),
    "lang": ("en", "zh"),
    "date_order": ("MDY", "DMY"),
}
PLAN_CHOICES: dict[str, tuple[str, ...]] = {
    "basis": ("collections", "bookings"),
    "attainment_of": TARGET_METRIC.codes,
}


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _days(x: Any) -> str | None:
    if isinstance(x, int) and not isinstance(x, bool) and x >= 0:
        return None
    return N_("a whole number of days, 0 or more")


def _count(x: Any) -> str | None:
    if isinstance(x, int) and not isinstance(x, bool) and x >= 0:
        return None
    return N_("a whole number, 0 or more")


def _percent(x: Any) -> str | None:
    return None if _is_number(x) and 0 <= x <= 100 else N_("a percentage from 0 to 100")


def _levels(x: Any) -> str | None:
    """[[days overdue from, name], …]: days 1 or more, rising; names unique and not empty."""
    shape = N_(
        'a list of [days overdue from, level name] with days rising from 1, e.g. [[1, "reminder"], [30, "notice"]]'
    )
    if not isinstance(x, list):
        return shape
    days, names = [], []
    for item in x:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], int)
            and not isinstance(item[0], bool)
            and isinstance(item[1], str)
            and item[1].strip()
        ):
            return shape
        days.append(item[0])
        names.append(item[1].strip())
    if days and (days[0] < 1 or any(b <= a for a, b in zip(days, days[1:], strict=False))):
        return shape
    if len(set(names)) != len(names):
        return N_("a list of levels with different names")
    return None


def _tiers(x: Any) -> str | None:
    """[[attainment % from, rate %], …]: from 0, rising; rates 0–100."""
    shape = N_(
        "a list of [attainment % from, rate %] starting at 0 with rising attainment, e.g. [[0, 1.0], [100, 3.0]]"
    )
    if not isinstance(x, list) or not x:
        return shape
    for item in x:
        if not (isinstance(item, list) and len(item) == 2 and all(_is_number(v) for v in item)):
            return shape
        if not 0 <= item[1] <= 100:
            return N_("a list of tiers whose rates are percentages from 0 to 100")
    starts = [item[0] for item in x]
    if starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
        return shape
    return None


def _names(x: Any) -> str | None:
    if isinstance(x, list) and all(isinstance(v, str) and v.strip() for v in x):
        return None
    return N_("a list of names")


def _roles(x: Any) -> str | None:
    if isinstance(x, list) and all(isinstance(v, str) and REP_ROLE.parse(v) for v in x):
        return None
    return N_("a list of roles (rep, manager, director, finance, legal)")


VALUE_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "approval.director_discount_pct": _percent,
    "pool.reclaim_days": _days,
    "pool.max_held": _count,
    "pool.claim_cooldown_days": _days,
    "dunning.levels": _levels,
    "credit.block_overdue_days": _days,
    "forecast.delivery_days": _days,
    "forecast.acceptance_days": _days,
}
PLAN_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "tiers": _tiers,
    "roles": _roles,
    "teams": _names,
    "reps": _names,
}


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node[part]
    return node


def check_values(data: dict[str, Any]) -> list[str]:
    """Problems with the values of merged settings `data` (every key present)."""
    problems = []
    for key, choices in CHOICES.items():
        problems += _choice(key, data[key], choices)
    for key, check in VALUE_CHECKS.items():
        problems += _want(key, _get(data, key), check)
    problems += _check_plans(data["commission"])
    return problems


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> list[str]:
    if value in choices:
        return []
    message = _("setting {key} must be one of {choices}, not {value}")
    return [message.format(key=key, choices=", ".join(choices), value=repr(value))]


def _want(key: str, value: Any, check: Callable[[Any], str | None]) -> list[str]:
    want = check(value)
    if not want:
        return []
    return [
        _("setting {key} must be {want}, not {value}").format(
            key=key, want=_(want), value=repr(value)
        )
    ]


def _check_plans(commission: dict[str, Any]) -> list[str]:
    """Each plan's values; the default plan exists; no rep, team or role is named by two plans."""
    problems = []
    plans = commission["plans"]
    problems += _choice("commission.default_plan", commission["default_plan"], tuple(plans))
    claimed: dict[tuple[str, str], str] = {}
    for name, plan in plans.items():
        where = f"commission.plans.{name}"
        for key, choices in PLAN_CHOICES.items():
            problems += _choice(f"{where}.{key}", plan[key], choices)
        for key, check in PLAN_CHECKS.items():
            trouble = _want(f"{where}.{key}", plan[key], check)
            problems += trouble
            if trouble or key == "tiers":
                continue
            for who in plan[key]:
                canon = REP_ROLE.parse(who) if key == "roles" else who.strip().casefold()
                other = claimed.setdefault((key, canon), name)
                if other != name:
                    message = _(
                        'setting {key}: "{who}" is also in {other} (each rep is paid by one plan)'
                    )
                    problems.append(
                        message.format(
                            key=f"{where}.{key}", who=who, other=f"commission.plans.{other}.{key}"
                        )
                    )
    return problems
