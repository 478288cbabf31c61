"""The frames a report needs, read once per command, and `--by` attribution.

`ReportData` reads registers through `storage.frames.read_frame` (only the
columns asked for; money as Int64 cents) and keeps them for the command.
`Attribution` turns `--by owner|team|region|source|account|<opportunity
column>` into one group key per record of any register: records are
attributed through their opportunity (quote, contract → opportunity;
delivery, receivable → contract → opportunity; payment → receivable → …);
leads by their own field. A record whose opportunity cannot be found falls
back to its own `owner`/`account_id` where it has one; anything left goes to
the group `(none)`, so group figures always add up to the totals.

Owners are canonicalised through reps: an owner written as a rep's `rep_id`
or `name` (any case) groups under the rep's name; team and region of an
owner come from reps (region falls back to the opportunity's account).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesops.errors import UsageError
from salesops.i18n import _
from salesops.schema import REGISTERS
from salesops.values import DATE_DTYPE

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from salesops.problems import Problem
    from salesops.storage.frames import Frame
    from salesops.storage.workspace import Workspace

NONE_KEY = "(none)"
LEFT_OUT = ("written_off", "cancelled")  # receivable statuses no report counts

# Which column links each register to its opportunity (directly or via a parent).
_PARENT = {
    "quotes": ("opportunity_id", "opportunities"),
    "contracts": ("opportunity_id", "opportunities"),
    "deliveries": ("contract_id", "contracts"),
    "receivables": ("contract_id", "contracts"),
    "payments": ("receivable_id", "receivables"),
}
SPECIAL_BY = {
    "owner": "负责人",
    "team": "团队",
    "region": "区域",
    "source": "来源",
    "account": "客户",
}


class ReportData:
    """Registers of one workspace as typed frames, read lazily and kept for the command."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.settings = ws.settings
        self._frames: dict[str, pd.DataFrame] = {}
        self._objects: dict[str, Frame] = {}
        self._columns: dict[str, set[str] | None] = {}
        self._user: dict[str, list[str]] = {}
        self._problems: dict[str, list[Problem]] = {}
        self._history_table = None  # history.csv's Arrow table, read once
        self._history: dict[tuple, pd.DataFrame] = {}  # frames of its rows, by (registers, fields)
        self._as_of: dict[dt.date, pd.DataFrame] = {}  # receivables replayed to a date
        self._once: dict[tuple, Any] = {}

    def frame(
        self, name: str, columns: list[str] | None = None, user_columns: bool = False
    ) -> pd.DataFrame:
        """Register `name` with at least `columns` (all when None)."""
        from salesops.storage.frames import read_frame

        have = self._columns.get(name, set())
        cached = name in self._frames
        if (
            cached
            and (have is None or (columns is not None and set(columns) <= have))
            and (not user_columns or name in self._user)
        ):
            return self._frames[name]
        wanted: list[str] | None
        if columns is None or (cached and have is None):
            wanted = None
        else:
            wanted = sorted(set(columns) | (have or set()))
        keep_user = user_columns or name in self._user
        fr = read_frame(self.ws, name, columns=wanted, user_columns=keep_user, strict=True)
        self._frames[name] = fr.df
        self._objects[name] = fr
        self._columns[name] = None if wanted is None else set(wanted)
        if keep_user:
            self._user[name] = list(fr.user_columns)
        self._problems[name] = list(fr.problems)
        return fr.df

    def once(self, compute: Callable[..., Any], *key: Any) -> Any:
        """`compute(self, *key)`, computed once per command and shared by every section that asks
        (a weekly report's sections and its funnel list the same stalled deals); callers read the
        result, never change it."""
        k = (compute, *key)
        if k not in self._once:
            self._once[k] = compute(self, *key)
        return self._once[k]

    def typed(self, name: str, columns: list[str] | None = None):
        """Register `name` as its typed Arrow table (`storage.read.TypedTable`; all fields, or at
        least `columns`), refused when its header lacks a required column."""
        typed = self.ws.typed(name, columns)
        typed.require_columns()
        return typed

    def rows_in(self, name: str, column: str, of: str, of_column: str):
        """Where each record of `name` finds its `column` in `of`'s `of_column` (`Workspace.rows_in`)."""
        return self.ws.rows_in(name, column, of, of_column)

    def codes(self, name: str, column: str):
        """A text column of `name` dictionary-encoded (`Workspace.codes`)."""
        return self.ws.codes(name, column)

    def full(self, name: str) -> Frame:
        """Register `name` with every column, as a `storage.frames.Frame` (for validation)."""
        self.frame(name, None)
        return self._objects[name]

    def user_columns(self, name: str) -> list[str]:
        """The user's own columns of a register (read on demand)."""
        if name not in self._user:
            self.frame(name, columns=[REGISTERS[name].id_column], user_columns=True)
        return self._user[name]

    @property
    def problems(self) -> list[Problem]:
        """Cells that could not be read (they count as empty in the reports)."""
        return [p for ps in self._problems.values() for p in ps]

    def history(self, registers: tuple[str, ...] | None = None, fields: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The rows of history.csv about `registers` and `fields` (all by default) as text columns
        plus `on` (the date of `at`); empty when missing. Chosen inside Arrow before any frame is
        made: the pool's owner changes or the funnel's stage changes are a fraction of a large
        team's year of history (465,000 rows), and filtering a frame of all of it moved every
        text column of every row."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        key = (registers, fields)
        if key in self._history:
            return self._history[key]
        cols = ["at", "command", "register", "record_id", "field", "old_value", "new_value"]
        if self._history_table is None:
            from salesops.storage.history import history_table

            table = history_table(self.ws.root)  # (headers in Chinese, 时间, 台账…, read as English)
            self._history_table = table.select(cols) if table is not None else pa.table({c: pa.array([], pa.string()) for c in cols})
        table, keep = self._history_table, None
        for column, wanted in (("register", registers), ("field", fields)):
            if wanted is not None:
                held = pc.is_in(table.column(column), value_set=pa.array(list(wanted), pa.string()))
                keep = held if keep is None else pc.and_(keep, held)
        if keep is not None:
            table = table.filter(keep)  # (one pass over the text columns)
        df = table.to_pandas()
        # the date of `at`, parsed once per distinct day (a year's 465,000 rows hold ~700)
        days = pc.dictionary_encode(pc.utf8_slice_codeunits(table.column("at"), 0, 10)).combine_chunks()
        on = pd.to_datetime(pd.Series(days.dictionary.to_pylist(), dtype=object), errors="coerce", format="%Y-%m-%d")
        on = on.to_numpy(dtype=DATE_DTYPE)[days.indices.to_numpy(zero_copy_only=False)]
        df["on"] = pd.Series(on, index=df.index, dtype=DATE_DTYPE)  # the unit of the registers' date columns
        self._history[key] = df
        return df


# ---------------------------------------------------------------- small vectorised helpers


def map_unique(series: pd.Series, func) -> pd.Series:
    """`series.map(func)` computed once per distinct value (fast on large frames)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [func(None)], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def lookup(keys: pd.Series, ids: pd.Series, values: pd.Series) -> pd.Series:
    """For each of `keys`, the value at the first row whose id equals it (None if absent)."""
    import numpy as np
    import pandas as pd

    pos = positions(keys, ids)
    vals = values.to_numpy(dtype=object)
    out = np.empty(len(keys), dtype=object)
    hit = pos >= 0
    out[hit] = vals[pos[hit]]
    out[~hit] = None
    return pd.Series(out, index=keys.index, dtype=object)


def positions(keys: pd.Series, ids: pd.Series):
    """Row position in `ids` (first occurrence) of each key, -1 when absent.

    Text IDs are matched by `arrownp.index_in` (a million payments to a million receivables in
    0.23 s hashed inside Arrow, 0.06 s when the IDs are numbered, where a pandas index took 1.3 s);
    other keys by a pandas index."""
    import numpy as np
    import pandas as pd

    texts = _texts(keys), _texts(ids)
    if texts[0] is not None and texts[1] is not None:
        from salesops import arrownp

        return arrownp.ints(arrownp.index_in(texts[0], texts[1]), fill=-1)[0]
    first = ~ids.duplicated() & ids.notna()
    where = np.flatnonzero(first.to_numpy())
    index = pd.Index(ids[first].to_numpy())
    pos = index.get_indexer(keys.to_numpy())
    return np.where(pos >= 0, where[np.clip(pos, 0, None)] if len(where) else -1, -1)


def among(keys: pd.Series, pool) -> np.ndarray:
    """`keys.isin(pool)` as a numpy mask (an empty key is among them when one of `pool` is empty
    too), text matched inside Arrow by `positions`: pandas' `isin` on Arrow-backed text (history's
    columns) makes an Arrow scalar of every value of `pool` in Python, 0.65 s for the 178,000 leads
    and accounts of a workspace of 100,000 leads."""
    import numpy as np
    import pandas as pd

    pool = pool.to_series(index=None) if isinstance(pool, pd.Index) else pool
    pool = pool if isinstance(pool, pd.Series) else pd.Series(list(pool), dtype=object)
    if len(keys) * 16 < len(pool):  # a few keys (the week's rows of history): a set of the pool's
        held = set(pool.dropna().tolist())  # values, without an Arrow copy of a large pool
        hit = np.fromiter((k in held for k in keys.tolist()), dtype=bool, count=len(keys)) & keys.notna().to_numpy(dtype=bool)
    else:
        hit = positions(keys, pool.reset_index(drop=True)) >= 0
    if bool(pool.isna().any()):
        hit |= keys.isna().to_numpy(dtype=bool)
    return hit


def _texts(series: pd.Series):
    """An Arrow string array of a column holding only text and empty cells, else None."""
    import pyarrow as pa

    values = series.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def cents(series: pd.Series):
    """Int64 cents as a numpy int64 array, nulls as 0."""
    import numpy as np

    return series.fillna(0).to_numpy(dtype=np.int64)


def money(value: Any) -> Decimal | None:
    """Integer cents → Decimal with two places (None stays None)."""
    if type(value) is int:
        return Decimal(value).scaleb(-2)
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return Decimal(int(value)).scaleb(-2)


def ts(day: dt.date):
    """`day` as a Timestamp in the unit of the frames' date columns (seconds): a comparison
    in one unit stays a plain int64 comparison."""
    import pandas as pd

    return pd.Timestamp(day).as_unit("s")


def day_array(dates) -> np.ndarray:
    """A date column (a Series or array of any datetime64 unit) as numpy datetime64[D], NaT kept.

    Never through nanoseconds, which end at 2262-04-11 (9999-12-31 is a common "no end date")."""
    import numpy as np

    a = dates.to_numpy() if hasattr(dates, "to_numpy") else np.asarray(dates)
    return a.astype("datetime64[D]")


def between(series: pd.Series, start: dt.date, end: dt.date):
    """Boolean mask: date in [start, end] (NaT → False)."""
    return ((series >= ts(start)) & (series <= ts(end))).fillna(False).to_numpy(dtype=bool)


def on_or_before(series: pd.Series, day: dt.date):
    return (series <= ts(day)).fillna(False).to_numpy(dtype=bool)


def days_between(later, earlier: pd.Series):
    """Whole days `later − earlier` (a date or a date series) as float64, NaN where a date is missing.

    Day counts, so 9999-12-31 − 0001-01-01 (3,652,058 days) is exact."""
    import numpy as np

    if isinstance(later, dt.date):
        a = np.datetime64(later, "D")
    else:
        a = day_array(later)
    b = day_array(earlier)
    out = (a - b).astype("float64")
    out[np.isnat(b) | (np.isnat(a) if not isinstance(a, np.datetime64) else False)] = np.nan
    return out


# ---------------------------------------------------------------- attribution


class Attribution:
    """Group keys for `--by`: one key per record of any register."""

    def __init__(self, data: ReportData, by: str | None) -> None:
        self.data = data
        self.by = by
        self.kind, self.column = self._resolve(by) if by else (None, None)
        self._opp_keys: pd.Series | None = None
        self._cache: dict[str, pd.Series] = {}

    # ---------------------------------------------------------- the option

    def _resolve(self, by: str) -> tuple[str, str | None]:
        from salesops.values import normalize_header

        key = normalize_header(by)
        for special, zh in SPECIAL_BY.items():
            if key in (special, normalize_header(zh)):
                return special, None
        reg = REGISTERS["opportunities"]
        name = reg.header_aliases.get(key)
        if name == "owner":
            return "owner", None
        if name == "account_id":
            return "account", None
        if name is not None:
            return "column", name
        for user in self.data.user_columns("opportunities"):
            if normalize_header(user) == key:
                return "user", user
        known = [
            *SPECIAL_BY,
            *(c.name for c in reg.columns),
            *self.data.user_columns("opportunities"),
        ]
        raise UsageError(
            _("--by {field}: not a grouping (use one of: {choices})").format(
                field=repr(by), choices=", ".join(dict.fromkeys(known))
            )
        )

    @property
    def label(self) -> str | None:
        return self.column if self.kind in ("column", "user") else self.kind

    # ---------------------------------------------------------- owners through reps

    def _reps(self) -> dict[str, tuple[str, str | None, str | None]]:
        """casefolded rep_id / name → (name, team, region)."""
        if "_reps" not in self._cache:
            reps = self.data.frame("reps", ["name", "team", "region"])
            table: dict[str, tuple[str, str | None, str | None]] = {}
            for rid, name, team, region in zip(
                reps["rep_id"], reps["name"], reps["team"], reps["region"], strict=True
            ):
                entry = (name or rid, team, region)
                for k in (name, rid):
                    if k:
                        table.setdefault(str(k).strip().casefold(), entry)
            self._cache["_reps"] = table  # type: ignore[assignment]
        return self._cache["_reps"]  # type: ignore[return-value]

    def owner_part(self, owners: pd.Series, part: int) -> pd.Series:
        """0: canonical owner name, 1: team, 2: region — of each owner value."""
        reps = self._reps()

        def one(v):
            if v is None or not isinstance(v, str) or not v.strip():
                return None
            hit = reps.get(v.strip().casefold())
            if hit is None:
                return v.strip() if part == 0 else None
            return hit[part]

        return map_unique(owners, one)

    # ---------------------------------------------------------- per register

    def keys(self, register: str) -> pd.Series:
        """The group key of every row of `register` (as read into the report data)."""
        if register not in self._cache:
            self._cache[register] = self._keys(register).fillna(NONE_KEY).astype(object)
        return self._cache[register]

    def _text(self, series: pd.Series) -> pd.Series:
        def one(v):
            if v is None:
                return None
            try:
                import pandas as pd

                if pd.isna(v):
                    return None
            except (TypeError, ValueError):
                pass
            if isinstance(v, dt.datetime):
                return v.date().isoformat()
            if isinstance(v, str):
                return v.strip() or None
            return str(v)

        return map_unique(series, one)

    def _keys(self, register: str) -> pd.Series:
        import pandas as pd

        data = self.data
        kind = self.kind
        if kind is None:
            df = data.frame(register, [REGISTERS[register].id_column])
            return pd.Series(NONE_KEY, index=df.index, dtype=object)
        if register == "reps":
            reps = data.frame("reps", ["name", "team", "region"])
            part = {"owner": "name", "team": "team", "region": "region"}.get(kind)
            if part is None:
                return pd.Series(None, index=reps.index, dtype=object)
            return self._text(
                reps[part].where(reps[part].notna(), reps["rep_id"])
                if part == "name"
                else reps[part]
            )
        if register == "opportunities":
            return self._opportunity_keys()
        if register == "leads":
            return self._lead_keys()
        link, parent = _PARENT[register]
        df = data.frame(register, [link] + self._own_fields(register))
        own = self._own_key(register, df)
        if kind == "account" and own is not None and own.notna().all():
            return own  # the record names its account itself: no need to follow the chain
        parent_ids = data.frame(parent, [REGISTERS[parent].id_column])[REGISTERS[parent].id_column]
        via = lookup(df[link], parent_ids, self.keys_or_none(parent))
        if kind == "account" and own is not None:
            return own.where(own.notna(), via)
        if own is not None:
            return via.where(via.notna(), own)
        return via

    def keys_or_none(self, register: str) -> pd.Series:
        """Keys with the unattributed left as None (for lookups through a parent)."""
        keys = self.keys(register)
        return keys.where(keys != NONE_KEY, None)

    def _own_fields(self, register: str) -> list[str]:
        names = REGISTERS[register].by_name
        if self.kind in ("owner", "team", "region") and "owner" in names:
            return ["owner"]
        if self.kind == "account" and "account_id" in names:
            return ["account_id"]
        return []

    def _own_key(self, register: str, df: pd.DataFrame) -> pd.Series | None:
        fields = self._own_fields(register)
        if not fields:
            return None
        if self.kind == "account":
            return self._text(df["account_id"])
        return self.owner_part(df["owner"], {"owner": 0, "team": 1, "region": 2}[self.kind])

    def _opportunity_keys(self) -> pd.Series:
        data = self.data
        kind = self.kind
        if kind in ("column", "user"):
            opp = data.frame(
                "opportunities",
                [] if kind == "user" else [self.column],
                user_columns=kind == "user",
            )
            if kind == "column" and REGISTERS["opportunities"].column(self.column).person:
                return self.owner_part(opp[self.column], 0)  # sr, fr: a rep by name, written as ID or name
            return self._text(opp[self.column])
        opp = data.frame("opportunities", ["owner", "account_id", "lead_id"])
        if kind == "owner":
            return self.owner_part(opp["owner"], 0)
        if kind == "team":
            return self.owner_part(opp["owner"], 1)
        if kind == "account":
            return self._text(opp["account_id"])
        if kind == "region":
            region = self.owner_part(opp["owner"], 2)
            accounts = data.frame("accounts", ["region"])
            by_account = lookup(
                opp["account_id"], accounts["account_id"], self._text(accounts["region"])
            )
            return region.where(region.notna(), by_account)
        # source: the opportunity's lead (lead_id, else the lead pointing at it)
        leads = data.frame("leads", ["source", "opportunity_id"])
        by_lead = lookup(opp["lead_id"], leads["lead_id"], leads["source"])
        pointing = lookup(opp["opportunity_id"], leads["opportunity_id"], leads["source"])
        return by_lead.where(by_lead.notna(), pointing)

    def _lead_keys(self) -> pd.Series:
        data = self.data
        kind = self.kind
        lead_cols = REGISTERS["leads"].by_name
        if kind in ("owner", "team"):
            leads = data.frame("leads", ["owner"])
            return self.owner_part(leads["owner"], 0 if kind == "owner" else 1)
        if kind in ("region", "source"):
            leads = data.frame("leads", [kind])
            return self._text(leads[kind])
        if kind == "account":
            leads = data.frame("leads", ["account_id", "opportunity_id"])
            own = self._text(leads["account_id"])
        elif (
            kind == "column"
            and self.column in lead_cols
            and self.column not in ("notes", "created_on")
        ):
            leads = data.frame("leads", [self.column])
            return self._text(leads[self.column])
        else:
            leads = data.frame("leads", ["opportunity_id"])
            own = None
        opp = data.frame("opportunities", ["opportunity_id"])
        via = lookup(
            leads["opportunity_id"], opp["opportunity_id"], self.keys_or_none("opportunities")
        )
        return via if own is None else own.where(own.notna(), via)

    # ---------------------------------------------------------- names for keys

    def names(self, keys: list[str]) -> dict[str, str]:
        """Display name of each group key (account name for accounts)."""
        if self.kind == "account":
            accounts = self.data.frame("accounts", ["name"])
            table = dict(zip(accounts["account_id"], accounts["name"], strict=True))
            return {k: (table.get(k) or k) for k in keys}
        return {k: k for k in keys}


def account_names(data: ReportData, ids: pd.Series) -> pd.Series:
    """The account name of each account ID (None when unknown)."""
    accounts = data.frame("accounts", ["name"])
    return lookup(ids, accounts["account_id"], accounts["name"])


def order_keys(keys) -> list[str]:
    """Group keys sorted, `(none)` last."""
    ks = sorted({str(k) for k in keys if k != NONE_KEY})
    if NONE_KEY in set(keys):
        ks.append(NONE_KEY)
    return ks


def records(
    df: pd.DataFrame, columns: list[str], money_cols=(), int_cols=()
) -> list[dict[str, Any]]:
    """Rows of `df` as JSON-ready dicts: cents → Decimal, Timestamps → date, NaN → None.

    Converted column by column (the rows are only zipped together at the end).
    """
    import numpy as np

    money_set, int_set = set(money_cols), set(int_cols)
    converted = []
    for c in columns:
        s = df[c]
        missing = s.isna().to_numpy()
        if c in money_set or c in int_set:
            ints = s.fillna(0).to_numpy(dtype=np.int64).tolist()
            conv = (lambda v: Decimal(v).scaleb(-2)) if c in money_set else int
            vals = [None if m else conv(v) for v, m in zip(ints, missing, strict=True)]
        elif s.dtype.kind == "M":
            days = day_array(s).astype(object).tolist()
            vals = [None if m else v for v, m in zip(days, missing, strict=True)]
        else:
            vals = [None if m else v for v, m in zip(s.tolist(), missing, strict=True)]
        converted.append(vals)
    return (
        [dict(zip(columns, row, strict=True)) for row in zip(*converted, strict=True)]
        if columns
        else []
    )
