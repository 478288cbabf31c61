"""Validation (SPEC section 5): named checks over typed frames, collected in sets.

Each check is a plain function `(frames, options) -> list[Problem]` where
`frames` maps register name → `core.frame.Frame` (a register that could not
be read is absent) and `options` carries the settings and today's date. Checks
are collected in named sets, the way beancount does it:

- `BASIC_VALIDATIONS`: required columns and values, unique IDs, references.
- `CONSISTENCY_VALIDATIONS`: money, status and date rules across rows and registers.
- `WARNING_VALIDATIONS`: things worth a look that do not make data invalid.

`validate(frames, settings, today)` runs them all. Nothing here reads a file
or the clock: `salesops validate` reads the workspace's frames and passes
them in, and `core.guard` runs the same checks over the records a command
changed before it commits.

Every check works on whole columns (money as integer cents), so validating a
100,000-row register costs about as much as reading it. Cells that did not
parse were reported while reading (`Frame.problems`) and are left out of the
checks that would otherwise report them a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from salesops.core.catalogue import CATALOGUE
from salesops.core.frame import ROW, Frame
from salesops.i18n import N_, _, current, ngettext
from salesops.problems import ERROR, Problem
from salesops.schema import COUNT_METRICS, REGISTERS, STATE_DATE_FIELDS

if TYPE_CHECKING:
    import pandas as pd

    from salesops.settings import Settings

Frames = dict[str, Frame]


@dataclass(frozen=True)
class Options:
    """What checks may consult besides the frames: the settings and today's date."""

    settings: Settings | None
    today: dt.date


Check = Callable[[Frames, Options], list[Problem]]

# Dates that must not decrease along each chain, per register (a later date
# is compared with the closest earlier date that is filled in).
DATE_CHAINS: dict[str, tuple[tuple[str, ...], ...]] = {
    "leads": (("created_on", "status_changed_on"),),
    "opportunities": (("created_on", "stage_changed_on"), ("created_on", "closed_on")),
    "quotes": (("quote_date", "valid_until"),),
    "contracts": (("signed_on", "completed_on"),),
    "deliveries": (("shipped_on", "delivered_on", "accepted_on"),),
    "receivables": (
        ("triggered_on", "invoiced_on", "due_date"),
        ("invoiced_on", "last_payment_on"),
    ),
    "activities": (("on", "next_on"),),
}

UNINVOICED_DAYS = 30


# ---------------------------------------------------------------- entry points


def validate(
    frames: Frames, settings: Settings | None, today: dt.date, checks: Iterable[Check] | None = None
) -> list[Problem]:
    """Every problem of `frames`: the cells that did not read, then what `checks` find (all by default),
    sorted by file, row and column."""
    problems = [p for frame in frames.values() for p in frame.problems]
    problems += validate_frames(frames, Options(settings, today), checks)
    return sort_problems(problems)


def validate_frames(
    frames: Frames, options: Options, checks: Iterable[Check] | None = None
) -> list[Problem]:
    """What `checks` (all validations by default) find in `frames`, in check order."""
    problems: list[Problem] = []
    for check in checks if checks is not None else VALIDATIONS:
        problems += check(frames, options)
    return problems


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """File order of the schema, then row, then column order; file-level problems first."""
    files = {}
    for i, name in enumerate(REGISTERS):
        files[f"{name}.xlsx"] = files[f"{name}.csv"] = i
    positions = {
        (reg.name, col.name): j for reg in REGISTERS.values() for j, col in enumerate(reg.columns)
    }

    def key(p: Problem) -> tuple:
        stem = (p.file or "").rsplit(".", 1)[0]
        return (
            files.get(p.file or "", 99),
            p.file or "",
            p.row or 0,
            positions.get((stem, p.column or ""), 99),
        )

    return sorted(problems, key=key)


# ---------------------------------------------------------------- helpers


def _mask(s: Any) -> pd.Series:
    """A plain boolean mask (NA counts as False)."""
    return s.fillna(False).astype(bool)


def _bad_rows(frame: Frame, column: str) -> set[int]:
    """Excel rows whose `column` cell did not parse (already reported)."""
    cache = frame.__dict__.setdefault("_bad_cells", {})
    if not cache and frame.problems:
        for p in frame.problems:
            cache.setdefault(p.column, set()).add(p.row)
        cache.setdefault(None, set())
    return cache.get(column, set())


def _clean(frame: Frame, *columns: str) -> pd.Series:
    """Mask of rows where none of `columns` held an unreadable cell."""
    import pandas as pd

    df = frame.df
    ok = pd.Series(True, index=df.index)
    for c in columns:
        bad = _bad_rows(frame, c)
        if bad:
            ok &= ~df[ROW].isin(bad)
    return _mask(ok)


def _emit(
    frame: Frame, mask: pd.Series, column: str | None, code: str, message: Any
) -> list[Problem]:
    """One Problem per row of `mask`; `message` is a text or a function of the masked rows."""
    mask = _mask(mask)
    if not mask.any():
        return []
    severity = CATALOGUE[code].severity
    sub = frame.df.loc[mask]
    rows = sub[ROW].tolist()
    ids = sub[frame.register.id_column].tolist()
    texts = [message] * len(sub) if isinstance(message, str) else list(message(sub))
    return [
        Problem(
            severity,
            code,
            text,
            file=frame.file,
            row=int(row),
            column=column,
            record_id=rid if isinstance(rid, str) else None,
            header=H(frame, column) if column else None,
        )
        for row, rid, text in zip(rows, ids, texts, strict=True)
    ]


NOT_A_REP = N_('"{value}" is not a rep_id or name in {file}')


def H(frame: Frame, name: str) -> str:
    """Field `name` as the frame's file heads it (关闭日期 in a Chinese header), else in the messages' language."""
    typed = getattr(frame, "typed", None)
    colmap = getattr(typed, "colmap", None) or {}
    if name in colmap and colmap[name] < len(typed.header) and typed.header[colmap[name]]:
        return str(typed.header[colmap[name]]).strip()
    column = frame.register.by_name.get(name)
    return column.header(current()) if column is not None else name


def V(frame: Frame, name: str, code: Any) -> str:
    """An enum value of field `name` in the messages' language (won / 赢单)."""
    column = frame.register.by_name.get(name)
    if column is not None and column.enum is not None and isinstance(code, str):
        return column.enum.label(code, current())
    return str(code)


def money(cents: Any) -> str:
    """Integer cents as `1,234.50`."""
    c = int(cents)
    sign = "-" if c < 0 else ""
    whole, frac = divmod(abs(c), 100)
    return f"{sign}{whole:,}.{frac:02d}"


def _pct(x: Any) -> str:
    return f"{float(x):g}%"


def _day(ts: Any) -> str:
    return ts.date().isoformat()


def _frames(frames: Frames, *names: str) -> list[Frame] | None:
    """The frames `names`, or None when one of them could not be read."""
    out = [frames.get(n) for n in names]
    return None if any(f is None for f in out) else out  # type: ignore[return-value]


def _first_by_id(frame: Frame, column: str) -> pd.Series:
    """`column` of each record, indexed by ID (first row of a duplicated ID)."""
    df = frame.df
    idc = frame.register.id_column
    return df.loc[df[idc].notna()].drop_duplicates(idc).set_index(idc)[column]


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """`values[key]` for each of `keys` (missing where absent), keeping the dtype of `values`
    (`Series.map` cannot map into an empty datetime series)."""
    import pandas as pd

    pos = values.index.get_indexer(keys.where(keys.notna(), None))
    found = pd.Series(values.array.take(pos, allow_fill=True), index=keys.index)
    return found


# ---------------------------------------------------------------- basic checks


def check_required_columns(frames: Frames, options: Options) -> list[Problem]:
    """An existing register must have every required column."""
    out = []
    for frame in frames.values():
        if not frame.exists:
            continue
        for col in frame.register.columns:
            if col.required and col.name not in frame.columns_present:
                out.append(
                    Problem(
                        ERROR,
                        "missing-column",
                        _('the required column is missing (header "{name}" or "{zh}")').format(name=col.name, zh=col.zh),
                        file=frame.file,
                        row=1,
                        column=col.name,
                        header=col.header(current()),
                    )
                )
    return out


def check_required_values(frames: Frames, options: Options) -> list[Problem]:
    """Required columns hold a value on every row."""
    out = []
    for frame in frames.values():
        for col in frame.register.columns:
            if col.required and col.name in frame.columns_present:
                empty = frame.df[col.name].isna() & _clean(frame, col.name)
                out += _emit(frame, empty, col.name, "missing-value", _("required value is empty"))
    return out


def check_unique_ids(frames: Frames, options: Options) -> list[Problem]:
    """No two rows of a register carry the same ID."""
    out = []
    for frame in frames.values():
        df = frame.df
        idc = frame.register.id_column
        ids = df[idc]
        dup = ids.notna() & ids.duplicated(keep="first")
        if not dup.any():
            continue
        first = df.loc[ids.notna() & ~dup].set_index(idc)[ROW]
        out += _emit(
            frame,
            dup,
            idc,
            "duplicate-id",
            lambda sub, first=first, idc=idc: (
                _('duplicate ID "{id}" (first on row {row})').format(id=v, row=first[v]) for v in sub[idc]
            ),
        )
    return out


def check_references(frames: Frames, options: Options) -> list[Problem]:
    """Every reference names an existing record of its register (of one of them, for activities' record_id)."""
    import pandas as pd

    out = []
    for frame in frames.values():
        for col in frame.register.columns:
            if not col.targets or col.name not in frame.columns_present:
                continue
            targets = _frames(frames, *col.targets)
            if targets is None:
                continue
            known = pd.concat([t.df[t.register.id_column].dropna() for t in targets])
            values = frame.df[col.name]
            dangling = values.notna() & ~values.isin(known)
            files = [t.file for t in targets]
            where = files[0] if len(files) == 1 else _("{files} or {last}").format(files=", ".join(files[:-1]), last=files[-1])
            out += _emit(
                frame,
                dangling,
                col.name,
                "dangling-ref",
                lambda sub, c=col.name, w=where: (_('"{value}" is not an ID in {file}').format(value=v, file=w) for v in sub[c]),
            )
    return out


# A record whose account must be the account of the record it belongs to (through `ref`).
ACCOUNT_LINKS = (
    ("payments", "receivable_id"),
    ("receivables", "contract_id"),
    ("activities", "record_id"),
)


def check_account_matches(frames: Frames, options: Options) -> list[Problem]:
    """A payment's account is its receivable's, a receivable's its contract's, an activity's that of what it is about."""
    out = []
    for child, ref in ACCOUNT_LINKS:
        c = frames.get(child)
        parents = _frames(frames, *REGISTERS[child].column(ref).targets)
        if c is None or parents is None:
            continue
        df = c.df
        theirs = df[ref].map(_accounts_by_id(parents))
        bad = df["account_id"].notna() & theirs.notna() & (df["account_id"] != theirs)
        # "of receivable R-…" when the reference names one register, "of O-…" when it may name several
        reg = parents[0].register
        what = f"{reg.zh if current() == 'zh' else reg.singular} " if len(parents) == 1 else ""
        out += _emit(
            _with_df(c, df.assign(_theirs=theirs)),
            bad,
            "account_id",
            "account-mismatch",
            lambda sub, ref=ref, what=what: (
                _('"{account}" is not the account of {record} ("{theirs}")').format(account=a, record=what + r, theirs=t)
                for a, r, t in zip(sub["account_id"], sub[ref], sub["_theirs"], strict=True)
            ),
        )
    return out


def _accounts_by_id(frames: list[Frame]) -> pd.Series:
    """The account of each record of `frames`, by ID (an account's is itself; first row of a duplicated ID)."""
    import pandas as pd

    parts = []
    for f in frames:
        ids = f.df[f.register.id_column]
        own = ids if f.register.name == "accounts" else f.df["account_id"]
        parts.append(pd.Series(own.to_numpy(), index=ids.to_numpy(), dtype=object))
    accounts = pd.concat(parts)
    return accounts[accounts.index.notna() & ~accounts.index.duplicated(keep="first")]


def _with_df(frame: Frame, df: pd.DataFrame) -> Frame:
    """A shallow copy of `frame` over another (row-aligned) frame."""
    import copy

    view = copy.copy(frame)
    view.df = df
    return view


BASIC_VALIDATIONS: list[Check] = [
    check_required_columns,
    check_required_values,
    check_unique_ids,
    check_references,
]


# ---------------------------------------------------------------- consistency checks


def check_quote_amounts(frames: Frames, options: Options) -> list[Problem]:
    """`amount` = `list_amount` × (1 − `discount_pct`/100), to the cent, when both are given."""
    q = frames.get("quotes")
    if q is None:
        return []
    df = q.df
    given = df["list_amount"].notna() & df["discount_pct"].notna() & df["amount"].notna()
    given &= _clean(q, "list_amount", "discount_pct", "amount")
    if not _mask(given).any():
        return []
    # Work in units of 1/10000 cent: exact for discounts given to 0.01 %.
    basis = (df["discount_pct"] * 100).round().astype("Int64")
    exact = df["list_amount"] * (10000 - basis)
    off = (df["amount"] * 10000 - exact).abs() > 5000  # more than half a cent away
    return _emit(
        q,
        given & off,
        "amount",
        "quote-amount",
        lambda sub: (
            _("{amount_field} {amount} is not {list_field} {list_amount} less {discount_field} {discount} (= {expected})").format(
                amount_field=H(q, "amount"),
                amount=money(a),
                list_field=H(q, "list_amount"),
                list_amount=money(la),
                discount_field=H(q, "discount_pct"),
                discount=_pct(d),
                expected=money(_half_up(la, d)),
            )
            for a, la, d in zip(sub["amount"], sub["list_amount"], sub["discount_pct"], strict=True)
        ),
    )


def _half_up(list_cents: Any, discount: Any) -> int:
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(int(list_cents)) * (1 - Decimal(str(round(float(discount), 2))) / 100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_contract_receivables(frames: Frames, options: Options) -> list[Problem]:
    """The receivables of a contract (cancelled rows aside) sum to the contract amount."""
    pair = _frames(frames, "contracts", "receivables")
    if pair is None:
        return []
    c, r = pair
    rdf = r.df
    live = rdf["contract_id"].notna() & (rdf["status"] != "cancelled") & rdf["amount"].notna()
    live = _mask(live) & _clean(r, "amount", "status")
    if not live.any():
        return []
    sums = rdf.loc[live].groupby("contract_id")["amount"].sum()
    df = c.df
    got = df["contract_id"].map(sums)
    bad = (
        got.notna() & df["amount"].notna() & (got != df["amount"]) & (df["status"] != "terminated")
    )
    bad &= _clean(c, "amount") & ~df["contract_id"].duplicated(keep="first")
    view = _with_df(c, df.assign(_got=got))
    return _emit(
        view,
        bad,
        "amount",
        "receivables-sum",
        lambda sub: (
            _("its receivables sum to {total}, not the contract amount {amount}").format(total=money(g), amount=money(a))
            for g, a in zip(sub["_got"], sub["amount"], strict=True)
        ),
    )


def _payment_sums(frames: Frames) -> tuple[pd.Series, pd.Series] | None:
    """(sum of payment cents, number of payments) per receivable ID."""
    p = frames.get("payments")
    if p is None:
        return None
    df = p.df
    ok = _mask(df["receivable_id"].notna() & df["amount"].notna())
    grouped = df.loc[ok].groupby("receivable_id")["amount"]
    return grouped.sum(), grouped.size()


def check_collected_amounts(frames: Frames, options: Options) -> list[Problem]:
    """A receivable's `collected_amount` equals the sum of its payments."""
    r = frames.get("receivables")
    sums = _payment_sums(frames)
    if r is None or sums is None:
        return []
    total, count = sums
    df = r.df
    paid = df["receivable_id"].map(total).fillna(0).astype("Int64")
    n = df["receivable_id"].map(count).fillna(0).astype("Int64")
    collected = df["collected_amount"].fillna(0)
    bad = (paid != collected) & _clean(r, "collected_amount")
    view = _with_df(r, df.assign(_paid=paid, _n=n, _coll=collected))

    def say(sub: pd.DataFrame) -> Iterable[str]:
        for coll, got, k in zip(sub["_coll"], sub["_paid"], sub["_n"], strict=True):
            if k == 0:
                yield _("{field} is {amount} but the receivable has no payments").format(
                    field=H(r, "collected_amount"), amount=money(coll)
                )
            else:
                yield ngettext(
                    "{field} is {amount} but its payments sum to {total} ({n} payment)",
                    "{field} is {amount} but its payments sum to {total} ({n} payments)",
                    int(k),
                ).format(field=H(r, "collected_amount"), amount=money(coll), total=money(got), n=k)

    return _emit(view, bad, "collected_amount", "collected-mismatch", say)


def check_overpayment(frames: Frames, options: Options) -> list[Problem]:
    """Nothing collected beyond a receivable's amount (by its field or its payments)."""
    r = frames.get("receivables")
    if r is None:
        return []
    df = r.df
    sums = _payment_sums(frames)
    paid = df["receivable_id"].map(sums[0]).fillna(0).astype("Int64") if sums else df["amount"] * 0
    collected = df["collected_amount"].fillna(0)
    most = collected.where(collected >= paid, paid)
    bad = df["amount"].notna() & (most > df["amount"]) & _clean(r, "amount", "collected_amount")
    view = _with_df(r, df.assign(_most=most))
    return _emit(
        view,
        bad,
        "collected_amount",
        "overpayment",
        lambda sub: (
            _("{collected} collected, {more} more than the amount {amount}").format(
                collected=money(m), more=money(m - a), amount=money(a)
            )
            for m, a in zip(sub["_most"], sub["amount"], strict=True)
        ),
    )


def check_payment_amounts(frames: Frames, options: Options) -> list[Problem]:
    """Payments are of a positive amount."""
    p = frames.get("payments")
    if p is None:
        return []
    bad = p.df["amount"].notna() & (p.df["amount"] <= 0)
    return _emit(
        p,
        bad,
        "amount",
        "non-positive-amount",
        lambda sub: (_("{field} {amount} is not above zero").format(field=H(p, "amount"), amount=money(a)) for a in sub["amount"]),
    )


def check_payment_dates(frames: Frames, options: Options) -> list[Problem]:
    """Cash is received on or after its receivable was invoiced, and not after today."""
    import pandas as pd

    pair = _frames(frames, "payments", "receivables")
    if pair is None:
        return []
    p, r = pair
    df = p.df
    received = df["received_on"]
    invoiced = _lookup(df["receivable_id"], _first_by_id(r, "invoiced_on"))
    early = received.notna() & invoiced.notna() & (received < invoiced)
    view = _with_df(p, df.assign(_invoiced=invoiced))
    out = _emit(
        view,
        early & _clean(p, "received_on"),
        "received_on",
        "payment-date",
        lambda sub: (
            _("{field} {day} is before {id}'s {invoiced_field} {invoiced}").format(
                field=H(p, "received_on"), day=_day(d), id=rid, invoiced_field=H(r, "invoiced_on"), invoiced=_day(i)
            )
            for d, rid, i in zip(sub["received_on"], sub["receivable_id"], sub["_invoiced"], strict=True)
        ),
    )
    today = pd.Timestamp(options.today)
    out += _emit(
        p,
        received.notna() & (received > today),
        "received_on",
        "payment-date",
        lambda sub: (
            _("{field} {day} is after today ({today})").format(
                field=H(p, "received_on"), day=_day(d), today=options.today.isoformat()
            )
            for d in sub["received_on"]
        ),
    )
    return out


def check_receivable_status(frames: Frames, options: Options) -> list[Problem]:
    """A receivable's status agrees with what was collected."""
    r = frames.get("receivables")
    if r is None:
        return []
    df = r.df
    coll = df["collected_amount"].fillna(0)
    amount = df["amount"]
    status = df["status"]
    ok = _clean(r, "amount", "collected_amount") & amount.notna()
    out = []
    view = _with_df(r, df.assign(_coll=coll, _out=amount - coll))
    out += _emit(
        view,
        ok & (status == "paid") & (coll < amount),
        "status",
        "status-amount",
        lambda sub: (
            _("{field} is {state} but {amount} is outstanding").format(
                field=H(r, "status"), state=V(r, "status", "paid"), amount=money(o)
            )
            for o in sub["_out"]
        ),
    )
    out += _emit(
        view,
        ok & (status == "partially_paid") & (coll <= 0),
        "status",
        "status-amount",
        _("{field} is {state} but nothing has been collected").format(
            field=H(r, "status"), state=V(r, "status", "partially_paid")
        ),
    )
    out += _emit(
        view,
        ok & (status == "partially_paid") & (coll >= amount) & (coll > 0),
        "status",
        "status-amount",
        _("{field} is {state} but the whole amount has been collected (expected {expected})").format(
            field=H(r, "status"), state=V(r, "status", "partially_paid"), expected=V(r, "status", "paid")
        ),
    )
    out += _emit(
        view,
        ok & status.isin(["scheduled", "invoiced"]) & (coll > 0),
        "status",
        "status-amount",
        lambda sub: (
            _("{field} is {state} but {amount} has been collected (expected {partly} or {paid})").format(
                field=H(r, "status"),
                state=V(r, "status", s),
                amount=money(c),
                partly=V(r, "status", "partially_paid"),
                paid=V(r, "status", "paid"),
            )
            for s, c in zip(sub["status"], sub["_coll"], strict=True)
        ),
    )
    return out


def state_dates() -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Per register: (date column, the states in which it must be filled).

    A state's date is needed in that state and in every later state of the
    machine's forward path (a completed contract was signed: it has `signed_on`).
    """
    out: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for (name, state), column in STATE_DATE_FIELDS.items():
        reg = REGISTERS[name]
        if state == "*" or reg.machine is None:
            continue
        order = reg.machine.order
        states = {state} | (set(order[order.index(state) + 1 :]) if state in order else set())
        out.setdefault(name, []).append((column, frozenset(states)))
    return out


def check_status_dates(frames: Frames, options: Options) -> list[Problem]:
    """A record in a state has that state's date (won/lost → closed_on, shipped → shipped_on…)."""
    out = []
    for name, rules in state_dates().items():
        frame = frames.get(name)
        if frame is None:
            continue
        field = frame.register.status_field or "status"
        df = frame.df
        for column, states in rules:
            bad = df[field].isin(list(states)) & df[column].isna() & _clean(frame, column)
            out += _emit(
                frame,
                bad,
                column,
                "status-date",
                lambda sub, f=field, c=column, fr=frame: (
                    _("{field} is {state} but {column} is empty").format(field=H(fr, f), state=V(fr, f, s), column=H(fr, c))
                    for s in sub[f]
                ),
            )
    return out


def check_date_order(frames: Frames, options: Options) -> list[Problem]:
    """Dates of a record follow each other (quote_date ≤ valid_until, shipped ≤ delivered ≤ accepted…)."""
    import pandas as pd

    out = []
    for name, chains in DATE_CHAINS.items():
        frame = frames.get(name)
        if frame is None:
            continue
        df = frame.df
        for chain in chains:
            latest = df[chain[0]]
            latest_name = pd.Series(chain[0], index=df.index, dtype=object)
            for column in chain[1:]:
                later = df[column]
                bad = later.notna() & latest.notna() & (later < latest)
                view = _with_df(frame, df.assign(_prev=latest, _prev_name=latest_name))
                out += _emit(
                    view,
                    bad,
                    column,
                    "date-order",
                    lambda sub, c=column, fr=frame: (
                        _("{later} {later_day} is before {earlier} {earlier_day}").format(
                            later=H(fr, c), later_day=_day(v), earlier=H(fr, pn), earlier_day=_day(pv)
                        )
                        for v, pv, pn in zip(sub[c], sub["_prev"], sub["_prev_name"], strict=True)
                    ),
                )
                filled = later.notna()
                latest = later.where(filled, latest)
                latest_name = latest_name.where(~filled, column)
    return out


def check_won_amounts(frames: Frames, options: Options) -> list[Problem]:
    """A won opportunity is worth what its signed contracts are (signing sets it): won amount and bookings agree."""
    from salesops.i18n import _

    pair = _frames(frames, "opportunities", "contracts")
    if pair is None:
        return []
    o, c = pair
    cdf = c.df
    signed = cdf["opportunity_id"].notna() & cdf["status"].isin(list(SIGNED)) & cdf["amount"].notna()
    signed = _mask(signed) & _clean(c, "amount", "status")
    if not signed.any():
        return []
    sums = cdf.loc[signed].groupby("opportunity_id")["amount"].sum()
    df = o.df
    got = df["opportunity_id"].map(sums)
    amount = df["amount"]
    bad = (df["stage"] == "won") & got.notna() & (amount.isna() | (amount != got))
    bad = _mask(bad) & _clean(o, "amount") & ~df["opportunity_id"].duplicated(keep="first")
    if not bad.any():
        return []
    named = signed & cdf["opportunity_id"].isin(df.loc[bad, "opportunity_id"])  # the contracts the messages name
    ids = cdf.loc[named].groupby("opportunity_id")[c.register.id_column].agg(", ".join)
    view = _with_df(o, df.assign(_got=got, _ids=df["opportunity_id"].map(ids)))
    return _emit(
        view,
        bad,
        "amount",
        "won-amount",
        lambda sub: (
            _(
                "the won amount {amount} is not the {signed} its signed contract {ids} is worth; "
                "signing sets it, so won amount and bookings agree: put in {signed}"
            ).format(amount='""' if _isna(a) else money(a), signed=money(g), ids=i)
            for a, g, i in zip(sub["amount"], sub["_got"], sub["_ids"], strict=True)
        ),
    )


SIGNED = ("signed", "executing", "completed")


def _isna(value: Any) -> bool:
    import pandas as pd

    return value is None or value is pd.NA


CONSISTENCY_VALIDATIONS: list[Check] = [
    check_account_matches,
    check_quote_amounts,
    check_contract_receivables,
    check_collected_amounts,
    check_overpayment,
    check_payment_amounts,
    check_payment_dates,
    check_receivable_status,
    check_status_dates,
    check_date_order,
    check_won_amounts,
]


# ---------------------------------------------------------------- targets, activities


def check_target_scopes(frames: Frames, options: Options) -> list[Problem]:
    """A company target names no one, a team or rep target names its team or rep; counts are whole."""
    t = frames.get("targets")
    if t is None:
        return []
    df = t.df
    scope, who = df["scope"], df["who"]
    out = _emit(
        t,
        (scope == "company") & who.notna(),
        "who",
        "bad-target",
        lambda sub: (
            _('{scope} is {company} but {who} is "{value}" (leave {who} empty)').format(
                scope=H(t, "scope"), company=V(t, "scope", "company"), who=H(t, "who"), value=w
            )
            for w in sub["who"]
        ),
    )
    out += _emit(
        t,
        scope.isin(["team", "rep"]) & who.isna(),
        "who",
        "bad-target",
        lambda sub: (
            _("{scope} is {value} but {who} is empty (name the {value})").format(
                scope=H(t, "scope"), value=V(t, "scope", s), who=H(t, "who")
            )
            for s in sub["scope"]
        ),
    )
    counts = df["metric"].isin(sorted(COUNT_METRICS)) & df["amount"].notna()
    out += _emit(
        t,
        counts & (df["amount"] % 100 != 0) & _clean(t, "amount"),
        "amount",
        "bad-target",
        lambda sub: (
            _("a {metric} target counts records: {amount} is not a whole number").format(
                metric=V(t, "metric", m), amount=money(a)
            )
            for m, a in zip(sub["metric"], sub["amount"], strict=True)
        ),
    )
    out += _emit(
        t,
        df["amount"].notna() & (df["amount"] < 0),
        "amount",
        "bad-target",
        lambda sub: (_("{field} {amount} is below zero").format(field=H(t, "amount"), amount=money(a)) for a in sub["amount"]),
    )
    return out


def _target_keys(frames: Frames) -> pd.Series | None:
    """Per target row: period|scope|who|metric, who folded and a rep's name turned into their rep_id."""
    t = frames.get("targets")
    if t is None:
        return None
    df = t.df
    who = _fold(df["who"].fillna(""))
    reps = frames.get("reps")
    if reps is not None:
        by_name = dict(
            zip(_fold(reps.df["name"].fillna("")), _fold(reps.df["rep_id"].fillna("")), strict=True)
        )
        is_rep = df["scope"] == "rep"
        who = who.where(~is_rep, who.map(lambda w: by_name.get(w) or w))
    parts = [df["period"].fillna(""), df["scope"].fillna(""), who, df["metric"].fillna("")]
    # (as objects: pandas 3.0 refuses to add its str columns to the object one `map` made)
    key = parts[0].astype(object)
    for part in parts[1:]:
        key = key + "|" + part.astype(object)
    return key


def check_duplicate_targets(frames: Frames, options: Options) -> list[Problem]:
    """One target per period, scope, team or rep, and metric (two would count twice)."""
    keys = _target_keys(frames)
    if keys is None:
        return []
    t = frames["targets"]
    df = t.df
    whole = df["period"].notna() & df["scope"].notna() & df["metric"].notna()
    dup = whole & keys.duplicated(keep="first")
    if not dup.any():
        return []
    first = df.loc[whole & ~dup].assign(_key=keys).set_index("_key")[ROW]
    view = _with_df(t, df.assign(_key=keys))
    return _emit(
        view,
        dup,
        "period",
        "duplicate-target",
        lambda sub: (
            _("the same target as row {row} ({target})").format(
                row=first[k],
                target=" ".join(x for x in (p, V(t, "scope", s), w if isinstance(w, str) else "", V(t, "metric", m)) if x),
            )
            for k, p, s, w, m in zip(
                sub["_key"], sub["period"], sub["scope"], sub["who"], sub["metric"], strict=True
            )
        ),
    )


def check_target_who(frames: Frames, options: Options) -> list[Problem]:
    """A team target names a team of reps, a rep target a rep (by rep_id or name)."""
    pair = _frames(frames, "targets", "reps")
    if pair is None:
        return []
    t, reps = pair
    df = t.df
    teams = set(_fold(reps.df["team"].dropna()))
    people = set(_fold(reps.df["rep_id"].dropna())) | set(_fold(reps.df["name"].dropna()))
    who = _fold(df["who"].fillna(""))
    out = _emit(
        t,
        (df["scope"] == "team") & df["who"].notna() & ~who.isin(teams),
        "who",
        "unknown-team",
        lambda sub: (_('"{value}" is not a team in {file}').format(value=w, file=reps.file) for w in sub["who"]),
    )
    out += _emit(
        t,
        (df["scope"] == "rep") & df["who"].notna() & ~who.isin(people),
        "who",
        "unknown-owner",
        lambda sub: (_(NOT_A_REP).format(value=w, file=reps.file) for w in sub["who"]),
    )
    return out


DESK_VALIDATIONS: list[Check] = [
    check_target_scopes,
    check_duplicate_targets,
]


# ---------------------------------------------------------------- warnings


def check_lost_reasons(frames: Frames, options: Options) -> list[Problem]:
    """A lost opportunity says why."""
    o = frames.get("opportunities")
    if o is None:
        return []
    bad = (o.df["stage"] == "lost") & o.df["lost_reason"].isna()
    return _emit(
        o,
        bad,
        "lost_reason",
        "lost-without-reason",
        _("{field} is {state} but {column} is empty").format(
            field=H(o, "stage"), state=V(o, "stage", "lost"), column=H(o, "lost_reason")
        ),
    )


def check_owners(frames: Frames, options: Options) -> list[Problem]:
    """Every person (`owner`, `sr`, `fr`, an activity's `by`…) is a rep, by rep_id or name, case-insensitively."""
    import pandas as pd

    reps = frames.get("reps")
    if reps is None:
        return []
    known = set(_fold(reps.df["rep_id"].dropna())) | set(_fold(reps.df["name"].dropna()))
    out = []
    for frame in frames.values():
        for col in frame.register.columns:
            if not col.person or col.name not in frame.columns_present:
                continue
            people = frame.df[col.name]
            strangers = [v for v in pd.unique(people.dropna()) if v.strip().casefold() not in known]
            if not strangers:
                continue
            out += _emit(
                frame,
                people.isin(strangers),
                col.name,
                "unknown-owner",
                lambda sub, c=col.name, r=reps.file: (_(NOT_A_REP).format(value=v, file=r) for v in sub[c]),
            )
    return out


def _fold(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.casefold()


def check_stale_quotes(frames: Frames, options: Options) -> list[Problem]:
    """A sent quote whose validity has passed should be expired (`salesops sweep`)."""
    import pandas as pd

    q = frames.get("quotes")
    if q is None:
        return []
    today = pd.Timestamp(options.today)
    bad = (q.df["status"] == "sent") & q.df["valid_until"].notna() & (q.df["valid_until"] < today)
    return _emit(
        q,
        bad,
        "valid_until",
        "quote-past-validity",
        lambda sub: (
            _("{field} is {state} but {until_field} {until} has passed; 'salesops sweep' expires it").format(
                field=H(q, "status"), state=V(q, "status", "sent"), until_field=H(q, "valid_until"), until=_day(v)
            )
            for v in sub["valid_until"]
        ),
    )


def check_uninvoiced(frames: Frames, options: Options) -> list[Problem]:
    """A receivable triggered over 30 days ago is invoiced."""
    import pandas as pd

    r = frames.get("receivables")
    if r is None:
        return []
    today = pd.Timestamp(options.today)
    df = r.df
    age = (today - df["triggered_on"]).dt.days
    bad = (df["status"] == "scheduled") & df["triggered_on"].notna() & (age > UNINVOICED_DAYS)
    view = _with_df(r, df.assign(_age=age))
    return _emit(
        view,
        bad,
        "triggered_on",
        "not-invoiced",
        lambda sub: (
            ngettext(
                "triggered on {day} ({n} day ago) and not invoiced yet",
                "triggered on {day} ({n} days ago) and not invoiced yet",
                int(a),
            ).format(day=_day(t), n=int(a))
            for t, a in zip(sub["triggered_on"], sub["_age"], strict=True)
        ),
    )


WARNING_VALIDATIONS: list[Check] = [
    check_lost_reasons,
    check_owners,
    check_target_who,
    check_stale_quotes,
    check_uninvoiced,
]

VALIDATIONS: list[Check] = (
    BASIC_VALIDATIONS + CONSISTENCY_VALIDATIONS + DESK_VALIDATIONS + WARNING_VALIDATIONS
)
