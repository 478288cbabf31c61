"""Follow-ups in the reports: activity per rep, next steps due, deals gone quiet, the public pool's week.

- `activity` (`report activity`): activities in a period per rep (or team)
  and type, with the records they were about.
- `next_steps` (`follow due`, the weekly's overdue next steps): the next step
  of each record's latest activity up to as-of, when it falls due by then — a
  record's next step is done once a later activity on it exists. Closed
  records (converted, won, paid…) have no next step.
- `stalled` (the funnel's and the weekly's stalled deals): open opportunities
  whose stage has not moved, and that nobody followed up, for
  `report.stalled_days`.
- `pool_moves` (the weekly): records the pool took back and records reps
  claimed from it in a period, from history.csv.

Frames in (`ReportData`), JSON-ready records out; the views are in
`salesops.reports.views_desk`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesops.reports.data import (
    NONE_KEY,
    Attribution,
    ReportData,
    account_names,
    between,
    days_between,
    on_or_before,
    positions,
    records,
)
from salesops.reports.periods import Period
from salesops.schema import ACTIVITIES, ACTIVITY_TYPE, REGISTERS

if TYPE_CHECKING:
    import pandas as pd

ABOUT = ACTIVITIES.column("record_id").targets
# What names a record in a list (a lead by its company, a receivable by its invoice number).
NAME_OF = {
    "leads": "company",
    "opportunities": "name",
    "accounts": "name",
    "contracts": "title",
    "receivables": "invoice_no",
}
RECLAIMED = "reclaimed to pool"  # as `core.pool` writes it in history.csv
STEP_FIELDS = (
    "record_id",
    "register",
    "name",
    "account_name",
    "owner",
    "by",
    "last_activity_on",
    "next_step",
    "next_on",
    "days_overdue",
)


def _activities(data: ReportData, as_of: dt.date) -> pd.DataFrame:
    """The activities logged up to `as_of`, in the order they happened (day, then row)."""
    act = data.frame(
        "activities",
        ["on", "record_id", "account_id", "type", "by", "summary", "next_step", "next_on"],
    )
    act = act[on_or_before(act["on"], as_of) & act["record_id"].notna().to_numpy(dtype=bool)]
    return act.sort_values(["on", "_row"], kind="stable")


def about(data: ReportData) -> pd.DataFrame:
    """Every record an activity may be about: register, name, owner, account, and whether it is closed.

    Made once per command (the weekly report's next steps and pool moves both look records up
    in it)."""
    return data.once(_about)


def _about(data: ReportData) -> pd.DataFrame:
    import pandas as pd

    parts = []
    for name in ABOUT:
        reg = REGISTERS[name]
        cols = [
            c
            for c in (NAME_OF[name], "owner", "account_id", reg.status_field)
            if c and c in reg.by_name
        ]
        df = data.frame(name, cols)
        ids = df[reg.id_column]
        part = pd.DataFrame(
            {
                "record_id": ids,
                "register": name,
                "name": df[NAME_OF[name]] if NAME_OF[name] in df else None,
                "owner": df["owner"] if "owner" in df else None,
                "account_id": ids if name == "accounts" else df.get("account_id"),
                "closed": df[reg.status_field]
                .isin(sorted(reg.machine.terminal))
                .to_numpy(dtype=bool)
                if reg.machine is not None
                else False,
            }
        )
        parts.append(part[ids.notna().to_numpy(dtype=bool)])
    out = pd.concat(parts, ignore_index=True)
    return out.drop_duplicates("record_id", keep="first").set_index("record_id")


# ---------------------------------------------------------------- next steps


def next_steps(
    data: ReportData, as_of: dt.date, owner: str | None = None, ahead: int = 0
) -> list[dict[str, Any]]:
    """Next steps due by `as_of` + `ahead` days and not yet done, most overdue first.

    `owner` keeps those of one person (a rep's rep_id or name): the record's
    owner, or whoever logged the step when the record has none (the pool's).
    """
    import pandas as pd

    act = _activities(data, as_of)
    last = act.drop_duplicates("record_id", keep="last")
    due = last[
        last["next_on"].notna().to_numpy(dtype=bool)
        & on_or_before(last["next_on"], as_of + dt.timedelta(days=ahead))
    ]
    recs = about(data)
    at = positions(due["record_id"], pd.Series(recs.index, dtype=object))
    due = due[at >= 0].copy()
    info = recs.iloc[at[at >= 0]]
    due = due[~info["closed"].to_numpy(dtype=bool)]
    info = info[~info["closed"].to_numpy(dtype=bool)]
    people = Attribution(data, "owner")
    holder = pd.Series(info["owner"].to_numpy(), index=due.index, dtype=object)
    holder = holder.where(holder.notna(), due["by"])
    due["owner"] = people.owner_part(holder, 0)
    due["by"] = people.owner_part(due["by"], 0)
    if owner:
        wanted = people.owner_part(pd.Series([owner], dtype=object), 0).iat[0]
        due = due[(due["owner"] == wanted).to_numpy(dtype=bool)]
        info = info.loc[due["record_id"].to_numpy()]
    due["register"] = info["register"].to_numpy()
    due["name"] = info["name"].to_numpy()
    account = due["account_id"].where(
        due["account_id"].notna(), pd.Series(info["account_id"].to_numpy(), index=due.index)
    )
    due["account_name"] = account_names(data, account)
    due["days_overdue"] = pd.Series(days_between(as_of, due["next_on"]), index=due.index)
    due["last_activity_on"] = due["on"]
    due = due.sort_values(
        ["days_overdue", "next_on", "record_id"], ascending=[False, True, True], kind="stable"
    )
    return records(due, list(STEP_FIELDS), int_cols=("days_overdue",))


# ---------------------------------------------------------------- activity per rep and type


@dataclass
class ActivityResult:
    """Activities of a period per rep (or team) and type."""

    period: Period
    as_of: dt.date
    by: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def types(self) -> tuple[str, ...]:
        return ACTIVITY_TYPE.codes

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start,
            "to": self.period.end,
            "as_of": self.as_of,
            "by": self.by,
            "types": list(self.types),
            "rows": self.rows,
            "totals": self.totals,
        }


BY_CHOICES = ("owner", "team")


def activity(data: ReportData, period: Period, as_of: dt.date, by: str = "owner") -> ActivityResult:
    """How many activities each rep (or team) logged in `period` up to `as_of`, per type, and on how many records."""
    end = min(period.end, as_of)
    act = _activities(data, end)
    act = act[between(act["on"], period.start, end)]
    people = Attribution(data, "owner")
    keys = people.owner_part(act["by"], 0 if by == "owner" else 1).fillna(NONE_KEY)
    teams = people.owner_part(act["by"], 1)
    result = ActivityResult(period, as_of, by)
    for key in sorted(set(keys), key=lambda k: (k == NONE_KEY, k)):
        sel = (keys == key).to_numpy(dtype=bool)
        mine = act[sel]
        row: dict[str, Any] = {"key": key}
        if by == "owner":
            team = teams[sel].dropna()
            row["team"] = team.iat[0] if len(team) else None
        row.update(_counts(mine))
        result.rows.append(row)
    result.rows.sort(key=lambda r: (-r["total"], r["key"] == NONE_KEY, r["key"]))
    result.totals = _counts(act)
    return result


def _counts(act: pd.DataFrame) -> dict[str, int]:
    counts = act["type"].value_counts()
    out = {code: int(counts.get(code, 0)) for code in ACTIVITY_TYPE.codes}
    out["total"] = len(act)
    out["records"] = int(act["record_id"].nunique())
    return out


# ---------------------------------------------------------------- stalled deals


def stalled(data: ReportData, as_of: dt.date) -> list[dict[str, Any]]:
    """Deals open at as-of that neither moved a stage nor had a follow-up for `report.stalled_days` days or more.

    Found once per as-of date and command (the weekly report's section and its funnel both list them)."""
    return data.once(_stalled, as_of)


def _stalled(data: ReportData, as_of: dt.date) -> list[dict[str, Any]]:
    import numpy as np
    import pandas as pd

    from salesops.reports.metrics import TERMINAL

    days = int(data.settings.get("report.stalled_days", 30))
    opp = data.frame(
        "opportunities",
        ["name", "account_id", "owner", "stage", "amount", "created_on", "stage_changed_on"],
    )
    act = _activities(data, as_of)
    last = act.groupby("record_id", sort=False)["on"].max()
    at = positions(opp["opportunity_id"], pd.Series(last.index, dtype=object))
    stamps = np.full(len(opp), np.datetime64("NaT"), dtype=opp["created_on"].dtype)
    stamps[at >= 0] = last.to_numpy(dtype=opp["created_on"].dtype)[at[at >= 0]]
    last_on = pd.Series(stamps, index=opp.index)
    since = opp["stage_changed_on"].where(opp["stage_changed_on"].notna(), opp["created_on"])
    quiet = since.where(last_on.isna() | (since >= last_on), last_on)
    in_stage = pd.Series(days_between(as_of, since), index=opp.index)
    waited = pd.Series(days_between(as_of, quiet), index=opp.index)
    open_ = ~opp["stage"].isin(TERMINAL).to_numpy(dtype=bool) & opp["stage"].notna().to_numpy(
        dtype=bool
    )
    sel = opp[
        open_ & on_or_before(opp["created_on"], as_of) & (waited >= days).to_numpy(dtype=bool)
    ].copy()
    sel["stage_changed_on"] = since[sel.index]
    sel["last_activity_on"] = last_on[sel.index]
    sel["days_in_stage"] = in_stage[sel.index]
    sel["days_quiet"] = waited[sel.index]
    sel["account_name"] = account_names(data, sel["account_id"])
    sel = sel.sort_values(
        ["days_quiet", "amount", "opportunity_id"], ascending=[False, False, True], kind="stable"
    )
    cols = [
        "opportunity_id",
        "name",
        "account_name",
        "owner",
        "stage",
        "amount",
        "stage_changed_on",
        "last_activity_on",
        "days_in_stage",
        "days_quiet",
    ]
    return records(sel, cols, money_cols=("amount",), int_cols=("days_in_stage", "days_quiet"))


# ---------------------------------------------------------------- the pool's week


def pool_moves(data: ReportData, period: Period) -> dict[str, list[dict[str, Any]]]:
    """Records the pool took back in `period` (from whom) and those reps claimed from it (who)."""
    owners = data.history(("leads", "accounts"), ("owner",))
    owners = owners[owners["on"].notna()]
    back = owners[owners["command"] == RECLAIMED]
    first_back = (
        back.groupby("record_id", as_index=False)["on"].min().rename(columns={"on": "back_on"})
    )
    took = owners[(owners["old_value"] == "") & (owners["new_value"] != "")]
    took = took.merge(first_back, on="record_id", how="inner")
    took = took[(took["on"] >= took["back_on"]).to_numpy(dtype=bool)]
    names = about(data)
    out = {}
    for key, rows, who in (("reclaimed", back, "old_value"), ("claimed", took, "new_value")):
        rows = rows[between(rows["on"], period.start, period.end)].copy()
        info = names.reindex(rows["record_id"].to_numpy())
        known = info["register"].notna().to_numpy(dtype=bool)  # (every record `about` holds has its register)
        rows["register"] = info["register"].to_numpy()
        rows["name"] = info["name"].to_numpy()
        rows["owner"] = rows[who]
        rows = rows[known].sort_values(["on", "record_id"], kind="stable")
        out[key] = records(rows, ["record_id", "register", "name", "owner", "on"])
    return out
