"""`report funnel`: how far the deals (and leads) created in a period got, and where they stall.

Everything is seen as of the as-of date: a deal won after it is still open at
the stage it had then, a deal lost after it is not lost.

A deal at stage k has reached every earlier stage; a won deal reached all;
a lost deal reached its `lost_at_stage` (else the furthest stage its history
shows up to as-of, else the first). Conversion of a stage = reached it ÷
reached the previous one. The bottleneck is the stage with the lowest
conversion (the weakest step into it from the stage before); on a tie the
earliest such stage is named, since deals are lost there first.

The stage of a deal as of a date D comes from history.csv. Each change of the
stage field has an event date: the `stage_changed_on` written with it (same
`at`; that is the `--on` date, or today), else the value `stage_changed_on`
had then (a command leaves it alone when it already holds the day), else the
day of `at` (hand-written histories without it). A change made in the
spreadsheet (`edited outside salesops`) happened on the day of its `at`, the
file's modification time, unless the same save changed `stage_changed_on`.
`at` itself is when the change was recorded: for a backfill (`--on` in the
past) later than the event.
The stage as of D is the new value of the record's last change dated ≤ D (in
`at` order, then file order); when its changes are all after D, the old value
of the first (for the row that created the record: the stage it was created
at). A record without changes after D has its register stage, unless its
`stage_changed_on` is after D and history knows an earlier stage (the
register was then edited by hand after D). A record with no history at all
has its register stage even when its `stage_changed_on` is after D: there is
no way to know what it was before. History rows of records not in the
register, and rows whose new value is not a stage, are ignored; values may be
codes or labels in any language the enum knows.

Days in a stage: each change ends the stay in the old stage and starts one in
the new, on the change's event date; the first stay starts at `created_on`.
A deal without history stays in its stage since `stage_changed_on` (no stay
is counted when that is after as-of). The stay in a stage still open at as-of
counts up to as-of; changes after as-of are not seen. The median is per stage.
The lead funnel is the same over lead statuses (`status_changed_on`;
disqualified leads reached the furthest status their history shows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesops.core.handedits import HAND
from salesops.reports.activity import stalled
from salesops.reports.data import (
    NONE_KEY,
    Attribution,
    ReportData,
    among,
    between,
    days_between,
    map_unique,
    order_keys,
)
from salesops.reports.periods import Period
from salesops.schema import REGISTERS, STATE_DATE_FIELDS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass
class FunnelResult:
    period: Period
    as_of: dt.date
    by: str | None
    opportunities: dict[str, Any]
    leads: dict[str, Any]
    groups: list[dict[str, Any]] = field(default_factory=list)
    stalled: list[dict[str, Any]] = field(default_factory=list)  # open deals gone quiet at as-of

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start,
            "to": self.period.end,
            "as_of": self.as_of,
            "by": self.by,
            **self.opportunities,
            "leads": self.leads,
            "groups": self.groups,
            "stalled": self.stalled,
        }

    def frame(self) -> pd.DataFrame:
        """One row per opportunity stage: reached, conversion, median_days, open, lost."""
        import pandas as pd

        return pd.DataFrame(self.opportunities["stages"]).set_index("stage")


def funnel(data: ReportData, period: Period, as_of: dt.date, by: str | None = None) -> FunnelResult:
    """The opportunity and lead funnels of the deals/leads created in `period`, as of `as_of`."""
    end = min(period.end, as_of)
    opp, cohort, view = _opportunities(data, period, as_of)
    lost_rows = opp[cohort][view.lost]
    opportunities = {
        "opportunities": int(cohort.sum()),
        "stages": view.stages,
        "bottleneck": bottleneck(view.stages),
        "lost_reasons": _counts(lost_rows["lost_reason"], "reason"),
        "lost_at_stage": _counts(lost_rows["lost_at_stage"], "stage", view.order),
    }
    leads = _lead_funnel(data, period, end, as_of)
    result = FunnelResult(period, as_of, None, opportunities, leads, stalled=stalled(data, as_of))
    if by:
        attr = Attribution(data, by)
        keys = attr.keys("opportunities")[cohort]
        result.by = attr.label
        for key in order_keys(list(keys.unique())):
            sel = (keys == key).to_numpy(dtype=bool)
            g = _stages(view.reached[sel], view.order)
            result.groups.append(
                {
                    "key": key,
                    "opportunities": int(sel.sum()),
                    "stages": g,
                    "bottleneck": bottleneck(g),
                }
            )
    return result


def opportunity_stages(data: ReportData, period: Period, as_of: dt.date) -> tuple[list[dict[str, Any]], str | None]:
    """The opportunity funnel's stages (reached, conversion, open, lost; no median days) and its
    bottleneck, without the rest of `funnel` (the weekly summary shows these alone)."""
    _opp, _cohort, view = _opportunities(data, period, as_of, days=False)
    return view.stages, bottleneck(view.stages)


def _opportunities(data: ReportData, period: Period, as_of: dt.date, days: bool = True):
    """(the opportunities, the cohort created in `period`, its `_View` as of `as_of`)."""
    opp = data.frame(
        "opportunities",
        ["stage", "created_on", _dated("opportunities"), "lost_reason", "lost_at_stage"],
    )
    cohort = between(opp["created_on"], period.start, min(period.end, as_of))
    return opp, cohort, _view(data, "opportunities", opp, cohort, as_of, lost_at="lost_at_stage", days=days)


def _lead_funnel(data: ReportData, period: Period, end: dt.date, as_of: dt.date) -> dict[str, Any]:
    leads = data.frame("leads", ["status", "created_on", _dated("leads"), "disqualify_reason"])
    cohort = between(leads["created_on"], period.start, end)
    view = _view(data, "leads", leads, cohort, as_of, lost_at=None)
    dq = leads[cohort][view.lost]
    return {
        "leads": int(cohort.sum()),
        "stages": view.stages,
        "bottleneck": bottleneck(view.stages),
        "disqualify_reasons": _counts(dq["disqualify_reason"], "reason"),
    }


# ---------------------------------------------------------------- one register's funnel


@dataclass
class _View:
    """A register's funnel over its cohort, as of a date."""

    order: list[str]
    stages: list[dict[str, Any]]  # stage, reached, conversion, median_days, open, lost
    reached: np.ndarray  # furthest stage index of each cohort record
    lost: np.ndarray  # bool: lost (disqualified) by as-of, per cohort record


def _view(
    data: ReportData,
    register: str,
    df: pd.DataFrame,
    cohort: np.ndarray,
    as_of: dt.date,
    lost_at: str | None,
    days: bool = True,
) -> _View:
    """Reached, conversion, median days, open and lost per stage of the `cohort` rows of `df`
    (each record's stages are its own: only the cohort's records and their history are looked at,
    not every record of the register and every change history.csv holds)."""
    reg = REGISTERS[register]
    machine = reg.machine
    order = list(machine.order)
    lost = machine.side[0]
    df = df[cohort]
    changes = _stage_changes(data, register, df[reg.id_column])
    now = _state_as_of(register, df, changes, as_of)
    furthest = _furthest_in_history(changes, as_of)
    reached = _stage_index(df, reg.id_column, now, order, lost, lost_at, furthest)
    is_lost = now == lost
    stay = _median_days(register, changes, df, now, order, as_of, machine.terminal) if days else {}
    stages = _stages(reached, order)
    for s in stages:
        s["median_days"] = stay.get(s["stage"])
        s["open"] = int((now == s["stage"]).sum()) if s["stage"] not in machine.terminal else 0
        s["lost"] = int((is_lost & (reached == order.index(s["stage"]))).sum())
    return _View(order, stages, reached, is_lost)


# ---------------------------------------------------------------- stages from history


def _dated(register: str) -> str:
    """The column a register's stage machine stamps on every change (stage_changed_on…)."""
    return STATE_DATE_FIELDS[(register, "*")]


def _stage_changes(data: ReportData, register: str, ids: pd.Series) -> pd.DataFrame:
    """The changes of `register`'s stage field in history.csv, in the order they were made.

    One row per change: `id`, `old` and `new` (stage codes; `old` is None when
    blank or not a stage), `when` (the event date, see the module docstring),
    `old_rank` and `new_rank` (index in the machine's order, -1 off it).
    Sorted by record, then `at` (as an instant), then file order. Rows of
    records not in `ids`, rows whose new value is not a stage and rows with no
    date at all are left out.
    """
    import numpy as np
    import pandas as pd

    reg = REGISTERS[register]
    name, dated = reg.machine.field, _dated(register)
    empty = pd.DataFrame(
        {
            "id": pd.Series([], dtype=object),
            "old": pd.Series([], dtype=object),
            "new": pd.Series([], dtype=object),
            "when": pd.Series([], dtype="datetime64[s]"),
            "old_rank": pd.Series([], dtype="int64"),
            "new_rank": pd.Series([], dtype="int64"),
        }
    )
    h = data.history((register,), (name, dated))
    h = h[among(h["record_id"], ids)]
    if h.empty:
        return empty
    at_key = _per_value(h["at"], _instants, np.iinfo(np.int64).min)  # unreadable: first
    rid = pd.factorize(h["record_id"])[0]
    o = np.lexsort((np.arange(len(h)), at_key, rid))
    h, rid, at_key = h.iloc[o], rid[o], at_key[o]

    # For each row, the nearest date row before/after it and the next stage row after
    # it, within the same record (rows are grouped by record after the sort).
    n = len(h)
    i = np.arange(n)
    is_date = (h["field"] == dated).to_numpy(dtype=bool)
    new_group = np.r_[True, rid[1:] != rid[:-1]]
    first_of = np.maximum.accumulate(np.where(new_group, i, 0))
    last_of = np.minimum.accumulate(np.where(np.r_[new_group[1:], True], i, n)[::-1])[::-1]
    prev = np.maximum.accumulate(np.where(is_date, i, -1))
    prev_ok = prev >= first_of
    nxt = np.minimum.accumulate(np.where(is_date, i, n)[::-1])[::-1]
    nxt_ok = nxt <= last_of
    next_stage = np.r_[np.minimum.accumulate(np.where(~is_date, i, n)[::-1])[::-1][1:], n]
    prev_c, nxt_c = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
    nat = np.datetime64("NaT", "s")
    stamped = _per_value(h["new_value"], _iso_days, nat)
    same_prev = prev_ok & (at_key[prev_c] == at_key)
    same_next = nxt_ok & (at_key[nxt_c] == at_key) & (nxt < next_stage)
    when = np.where(
        same_prev,
        stamped[prev_c],
        np.where(same_next, stamped[nxt_c], np.where(prev_ok, stamped[prev_c], nat)),
    )
    on = np.asarray(h["on"]).astype("datetime64[s]")
    when = np.where(np.isnat(when), on, when)
    # an edit made by hand happened when the file was saved (its `at`), unless the same save set the date
    by_hand = (h["command"] == HAND).to_numpy(dtype=bool) & ~same_prev & ~same_next
    when = np.where(by_hand, on, when)

    stage_rows = ~is_date
    enum = reg.column(name).enum
    rank = {st: k for k, st in enumerate(reg.machine.order)}

    def code(v):
        return enum.parse(v) if isinstance(v, str) and v.strip() else None

    def ranks(values):
        return np.array([rank.get(code(v), -1) for v in values], dtype=np.int64)

    s = h[stage_rows]
    out = pd.DataFrame(
        {
            "id": s["record_id"].to_numpy(dtype=object),
            "old": map_unique(s["old_value"], code).to_numpy(dtype=object),
            "new": map_unique(s["new_value"], code).to_numpy(dtype=object),
            "when": when[stage_rows],
            "old_rank": _per_value(s["old_value"], ranks, -1),
            "new_rank": _per_value(s["new_value"], ranks, -1),
        }
    )
    keep = out["new"].notna() & out["when"].notna()
    return out[keep].reset_index(drop=True)


def _per_value(values: pd.Series, convert, missing) -> np.ndarray:
    """`convert` (an array function) applied once per distinct value, spread back over `values`."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values)
    out = convert(np.asarray(uniques, dtype=object))
    return np.append(out, np.asarray([missing], dtype=out.dtype))[codes]


def _instants(texts: np.ndarray) -> np.ndarray:
    """ISO 8601 timestamps (with offsets) as int64 microseconds UTC; unreadable → int64 min.

    Microseconds (pandas' unit for parsed text) hold years 0001-9999; nanoseconds would
    wrap a hand-written year past 2262 round to an early one."""
    import numpy as np
    import pandas as pd

    at = pd.to_datetime(pd.Series(texts, dtype=object), utc=True, errors="coerce", format="ISO8601")
    return at.to_numpy(dtype="datetime64[us]").view(np.int64)


def _iso_days(texts: np.ndarray) -> np.ndarray:
    """`YYYY-MM-DD…` texts as datetime64[s] days (NaT when not such a date)."""
    import pandas as pd

    days = pd.Series(texts, dtype=object).str.strip().str.slice(0, 10)
    parsed = pd.to_datetime(days, format="%Y-%m-%d", errors="coerce")
    # straight to seconds: through nanoseconds 9999-12-31 would wrap round to 1816
    return parsed.to_numpy().astype("datetime64[s]")


def _state_as_of(register: str, df: pd.DataFrame, changes: pd.DataFrame, as_of: dt.date):
    """Each row's stage as of `as_of` (object array of codes; see the module docstring)."""
    import numpy as np
    import pandas as pd

    reg = REGISTERS[register]
    current = df[reg.machine.field].to_numpy(dtype=object)
    if changes.empty:
        return current
    day = pd.Timestamp(as_of)
    known = (changes["when"] <= day).to_numpy(dtype=bool)
    last = changes[known].drop_duplicates("id", keep="last")
    after = changes[~known].drop_duplicates("id", keep="first")
    ids = df[reg.id_column].to_numpy(dtype=object)
    pl = pd.Index(last["id"]).get_indexer(ids)
    pa = pd.Index(after["id"]).get_indexer(ids)
    last_new = np.append(last["new"].to_numpy(dtype=object), None)[pl]
    # the stage before the first change after as-of (the creating row: the stage it created)
    before = after["old"].where(after["old"].notna(), after["new"]).to_numpy(dtype=object)
    before_next = np.append(before, None)[pa]
    edited_later = (df[_dated(register)] > day).fillna(False).to_numpy(dtype=bool)
    return np.where(
        pa >= 0,
        np.where(pl >= 0, last_new, before_next),
        np.where((pl >= 0) & edited_later, last_new, current),
    )


def _stage_index(
    df: pd.DataFrame,
    id_col: str,
    state: np.ndarray,
    order: list[str],
    lost: str,
    lost_at: str | None,
    furthest: pd.Series,
):
    """The furthest stage index each record reached (-1 when its stage is unknown).

    `state` is each record's stage (as of the report date); a lost record
    reached its `lost_at` column's stage, else the furthest one in `furthest`,
    else the first.
    """
    import numpy as np
    import pandas as pd

    rank = {s: i for i, s in enumerate(order)}
    idx = pd.Series(state).map(rank).fillna(-1).to_numpy(dtype=np.int64)
    is_lost = state == lost
    if lost_at:
        at = df[lost_at].map(rank).fillna(-1).to_numpy(dtype=np.int64)
    else:
        at = np.full(len(df), -1, dtype=np.int64)
    seen = (
        df[id_col].map(furthest).fillna(-1).to_numpy(dtype=np.int64)
        if len(furthest)
        else np.full(len(df), -1, dtype=np.int64)
    )
    lost_idx = np.where(at >= 0, at, np.maximum(seen, 0))
    return np.where(is_lost, lost_idx, idx)


def _furthest_in_history(changes: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Record ID → furthest stage index named in its changes up to `as_of` (old or new value)."""
    import numpy as np
    import pandas as pd

    h = changes[(changes["when"] <= pd.Timestamp(as_of)).to_numpy(dtype=bool)]
    if h.empty:
        return pd.Series(dtype=np.int64)
    most = np.maximum(h["old_rank"].to_numpy(), h["new_rank"].to_numpy())
    return pd.Series(most, index=h["id"].to_numpy()).groupby(level=0).max()


def _stages(idx: np.ndarray, order: list[str]) -> list[dict[str, Any]]:
    """Reached and conversion per stage for records at furthest-stage `idx`."""
    out = []
    prev = None
    for k, stage in enumerate(order):
        reached = int((idx >= k).sum())
        conversion = None if prev in (None, 0) else reached / prev
        out.append({"stage": stage, "reached": reached, "conversion": conversion})
        prev = reached
    return out


def bottleneck(stages: list[dict[str, Any]]) -> str | None:
    """The stage with the lowest conversion (the earliest one on a tie); None without data."""
    best = None
    for s in stages:
        conv = s.get("conversion")
        if conv is None:
            continue
        if best is None or conv < best["conversion"]:
            best = s
    return best["stage"] if best else None


def _counts(series: pd.Series, name: str, order: list[str] | None = None) -> list[dict[str, Any]]:
    """[{name: value, "count": n}] most frequent first (in stage order when `order` is given)."""
    text = series.map(lambda v: v.strip() if isinstance(v, str) and v.strip() else NONE_KEY)
    counts = text.value_counts()
    if order is not None:
        keys = [s for s in order if s in counts.index] + [k for k in counts.index if k not in order]
    else:
        keys = sorted(counts.index, key=lambda k: (k == NONE_KEY, -int(counts[k]), k))
    return [{name: k, "count": int(counts[k])} for k in keys]


def _median_days(
    register: str,
    changes: pd.DataFrame,
    cohort: pd.DataFrame,
    state: np.ndarray,
    order: list[str],
    as_of: dt.date,
    terminal,
) -> dict[str, float]:
    """Median days spent in each stage, up to `as_of`, by the records of `cohort`.

    `state` is each cohort record's stage as of `as_of` (used for records
    without history).
    """
    import numpy as np
    import pandas as pd

    if cohort.empty:
        return {}
    id_col = REGISTERS[register].id_column
    dated = _dated(register)
    day = pd.Timestamp(as_of)
    h = changes[among(changes["id"], cohort[id_col])]
    known = (h["when"] <= day).to_numpy(dtype=bool)

    created = cohort.set_index(id_col)["created_on"]
    created = created[~created.index.duplicated()]
    seq = np.arange(len(h))
    moves = pd.DataFrame(
        {
            "id": h["id"].to_numpy()[known],
            "stage": h["new"].to_numpy()[known],
            "entered": h["when"].to_numpy()[known],
            "seq": seq[known],
        }
    )
    first = h.drop_duplicates("id", keep="first")
    # the stay before the first change; a record created by that change (blank old
    # value) starts in the stage it was created at when that change is after as-of
    start = first["old"].where(first["old"].notna() | (first["when"] <= day), first["new"])
    starts = pd.DataFrame(
        {
            "id": first["id"].to_numpy(),
            "stage": start.to_numpy(),
            "entered": created.reindex(first["id"].to_numpy()).to_numpy(),
            "seq": np.full(len(first), -1),
        }
    )
    quiet_mask = ~among(cohort[id_col], h["id"])
    quiet = cohort[quiet_mask]
    since = quiet[dated].where(quiet[dated].notna(), quiet["created_on"])
    current = pd.DataFrame(
        {
            "id": quiet[id_col].to_numpy(),
            "stage": state[quiet_mask],
            "entered": since.to_numpy(),
            "seq": np.zeros(len(quiet)),
        }
    )
    stays = pd.concat([starts, moves, current], ignore_index=True)
    stays = stays[stays["stage"].notna()].sort_values(["id", "seq"], kind="stable")
    stays["left"] = stays.groupby("id")["entered"].shift(-1)
    last = stays["left"].isna()
    still_open = last & ~stays["stage"].isin(list(terminal))
    stays.loc[still_open, "left"] = day
    stays = stays[
        stays["left"].notna()
        & stays["entered"].notna()
        & (stays["entered"] <= day)
        & stays["stage"].isin(order)
    ]
    stays = stays[~stays["stage"].isin(list(terminal))]
    if stays.empty:
        return {}
    days = pd.Series(
        days_between(pd.to_datetime(stays["left"]), pd.to_datetime(stays["entered"])),
        index=stays.index,
    )
    days = days.clip(lower=0)
    med = days.groupby(stays["stage"].to_numpy()).median()
    return {k: float(v) for k, v in med.items() if v == v}
