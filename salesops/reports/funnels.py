"""`report funnel`: how far the deals (and leads) created in a period got, and where they stall.

A deal at stage k has reached every earlier stage; a won deal reached all;
a lost deal reached its `lost_at_stage` (else the furthest stage its history
shows, else the first). Conversion of a stage = reached it ÷ reached the
previous one. The bottleneck is the stage with the lowest conversion (the
weakest step into it from the stage before); on a tie the earliest such stage
is named, since deals are lost there first.

Days in a stage come from history.csv: each stage change ends the stay in the
old stage and starts one in the new; the first stay starts at `created_on`.
A deal without history stays in its stage since `stage_changed_on`. The stay
in a still-open current stage counts up to as-of. The median is per stage.
The lead funnel is the same over lead statuses (disqualified leads reached
the furthest status their history shows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesops.reports.data import (
    NONE_KEY,
    Attribution,
    ReportData,
    between,
    days_between,
    map_unique,
    order_keys,
)
from salesops.reports.periods import Period
from salesops.schema import REGISTERS

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

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start,
            "to": self.period.end,
            "as_of": self.as_of,
            "by": self.by,
            **self.opportunities,
            "leads": self.leads,
            "groups": self.groups,
        }

    def frame(self) -> pd.DataFrame:
        """One row per opportunity stage: reached, conversion, median_days, open, lost."""
        import pandas as pd

        return pd.DataFrame(self.opportunities["stages"]).set_index("stage")


def funnel(data: ReportData, period: Period, as_of: dt.date, by: str | None = None) -> FunnelResult:
    """The opportunity and lead funnels of the deals/leads created in `period`."""
    end = min(period.end, as_of)
    opp = data.frame(
        "opportunities", ["stage", "created_on", "stage_changed_on", "lost_reason", "lost_at_stage"]
    )
    cohort = between(opp["created_on"], period.start, end)
    machine = REGISTERS["opportunities"].machine
    order = list(machine.order)
    furthest = _furthest_in_history(data, "opportunities", "stage", order)
    idx = _stage_index(
        opp,
        "opportunity_id",
        "stage",
        order,
        lost="lost",
        lost_at="lost_at_stage",
        furthest=furthest,
    )
    stay = _median_days(
        data,
        "opportunities",
        "stage",
        opp[cohort],
        order,
        "stage_changed_on",
        as_of,
        machine.terminal,
    )
    c = idx[cohort]
    stages = _stages(c, order)
    current = opp["stage"][cohort]
    for s in stages:
        s["median_days"] = stay.get(s["stage"])
        s["open"] = int((current == s["stage"]).sum()) if s["stage"] not in machine.terminal else 0
        s["lost"] = int(((current == "lost") & (c == order.index(s["stage"]))).sum())
    lost_rows = opp[cohort & (opp["stage"] == "lost").to_numpy(dtype=bool)]
    opportunities = {
        "opportunities": int(cohort.sum()),
        "stages": stages,
        "bottleneck": bottleneck(stages),
        "lost_reasons": _counts(lost_rows["lost_reason"], "reason"),
        "lost_at_stage": _counts(lost_rows["lost_at_stage"], "stage", order),
    }
    leads = _lead_funnel(data, period, end, as_of)
    result = FunnelResult(period, as_of, None, opportunities, leads)
    if by:
        attr = Attribution(data, by)
        keys = attr.keys("opportunities")[cohort]
        result.by = attr.label
        for key in order_keys(list(keys.unique())):
            sel = (keys == key).to_numpy(dtype=bool)
            g = _stages(c[sel], order)
            result.groups.append(
                {
                    "key": key,
                    "opportunities": int(sel.sum()),
                    "stages": g,
                    "bottleneck": bottleneck(g),
                }
            )
    return result


def _lead_funnel(data: ReportData, period: Period, end: dt.date, as_of: dt.date) -> dict[str, Any]:
    leads = data.frame("leads", ["status", "created_on", "status_changed_on", "disqualify_reason"])
    cohort = between(leads["created_on"], period.start, end)
    machine = REGISTERS["leads"].machine
    order = list(machine.order)
    furthest = _furthest_in_history(data, "leads", "status", order)
    idx = _stage_index(
        leads, "lead_id", "status", order, lost="disqualified", lost_at=None, furthest=furthest
    )
    stages = _stages(idx[cohort], order)
    stay = _median_days(
        data, "leads", "status", leads[cohort], order, "status_changed_on", as_of, machine.terminal
    )
    current = leads["status"][cohort]
    c = idx[cohort]
    for s in stages:
        s["median_days"] = stay.get(s["stage"])
        s["open"] = int((current == s["stage"]).sum()) if s["stage"] not in machine.terminal else 0
        s["lost"] = int(((current == "disqualified") & (c == order.index(s["stage"]))).sum())
    dq = leads[cohort & (leads["status"] == "disqualified").to_numpy(dtype=bool)]
    return {
        "leads": int(cohort.sum()),
        "stages": stages,
        "bottleneck": bottleneck(stages),
        "disqualify_reasons": _counts(dq["disqualify_reason"], "reason"),
    }


# ---------------------------------------------------------------- pieces


def _stage_index(
    df: pd.DataFrame,
    id_col: str,
    column: str,
    order: list[str],
    lost: str,
    lost_at: str | None,
    furthest: pd.Series,
):
    """The furthest stage index each record reached (-1 when its stage is unknown)."""
    import numpy as np

    rank = {s: i for i, s in enumerate(order)}
    idx = df[column].map(rank).fillna(-1).to_numpy(dtype=np.int64)
    is_lost = (df[column] == lost).to_numpy(dtype=bool)
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


def _furthest_in_history(
    data: ReportData, register: str, field_name: str, order: list[str]
) -> pd.Series:
    """Record ID → furthest stage index named in its history (old or new value)."""
    import numpy as np
    import pandas as pd

    h = data.history()
    h = h[(h["register"] == register) & (h["field"] == field_name)]
    if h.empty:
        return pd.Series(dtype=np.int64)
    enum = REGISTERS[register].column(field_name).enum
    rank = {s: i for i, s in enumerate(order)}

    def code(v):
        c = enum.parse(v) if isinstance(v, str) and v.strip() else None
        return rank.get(c, -1)

    both = pd.concat([map_unique(h["old_value"], code), map_unique(h["new_value"], code)])
    ids = pd.concat([h["record_id"], h["record_id"]])
    return pd.Series(both.to_numpy(dtype=np.int64), index=ids.to_numpy()).groupby(level=0).max()


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
    data: ReportData,
    register: str,
    field_name: str,
    cohort: pd.DataFrame,
    order: list[str],
    changed_col: str,
    as_of: dt.date,
    terminal,
) -> dict[str, float]:
    """Median days spent in each stage by the records of `cohort`."""
    import numpy as np
    import pandas as pd

    if cohort.empty:
        return {}
    id_col = REGISTERS[register].id_column
    enum = REGISTERS[register].column(field_name).enum
    h = data.history()
    h = h[
        (h["register"] == register)
        & (h["field"] == field_name)
        & h["record_id"].isin(cohort[id_col])
    ]
    h = h[h["on"].notna() & (h["on"] <= pd.Timestamp(as_of))]

    def code(v):
        return enum.parse(v) if isinstance(v, str) and v.strip() else None

    created = cohort.set_index(id_col)["created_on"]
    created = created[~created.index.duplicated()]
    seq = np.arange(len(h))
    moves = pd.DataFrame(
        {
            "id": h["record_id"].to_numpy(),
            "stage": map_unique(h["new_value"], code).to_numpy(),
            "entered": h["on"].to_numpy(),
            "seq": seq,
        }
    )
    first = h.drop_duplicates("record_id", keep="first")
    starts = pd.DataFrame(
        {
            "id": first["record_id"].to_numpy(),
            "stage": map_unique(first["old_value"], code).to_numpy(),
            "entered": created.reindex(first["record_id"].to_numpy()).to_numpy(),
            "seq": np.full(len(first), -1),
        }
    )
    quiet = cohort[~cohort[id_col].isin(h["record_id"])]
    since = quiet[changed_col].where(quiet[changed_col].notna(), quiet["created_on"])
    current = pd.DataFrame(
        {
            "id": quiet[id_col].to_numpy(),
            "stage": quiet[field_name].to_numpy(),
            "entered": since.to_numpy(),
            "seq": np.zeros(len(quiet)),
        }
    )
    stays = pd.concat([starts, moves, current], ignore_index=True)
    stays = stays[stays["stage"].notna()].sort_values(["id", "seq"], kind="stable")
    stays["left"] = stays.groupby("id")["entered"].shift(-1)
    last = stays["left"].isna()
    still_open = last & ~stays["stage"].isin(list(terminal))
    stays.loc[still_open, "left"] = pd.Timestamp(as_of)
    stays = stays[stays["left"].notna() & stays["entered"].notna() & stays["stage"].isin(order)]
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
