"""Statements of account (对账单), SPEC 9.4.

A statement lists what an account owes as of a date: every invoice with
money outstanding (invoiced by as-of, not written off or cancelled), with
days overdue and level; the payments received on them; what is owed, what
of it is overdue, the account's unapplied cash (预收款) and what remains
due once it is applied; the account's dunning level (`reports.dunning`) is
its most overdue invoice's. `collect` writes one per account (`cli/cash.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesops.i18n import N_, translate
from salesops.reports.data import ReportData, cents, day_array, lookup
from salesops.reports.dunning import highest, level_label, level_of, levels

if TYPE_CHECKING:
    from salesops.reports.render import Report

INVOICE_FIELDS = (
    "receivable_id",
    "invoice_no",
    "contract_id",
    "milestone",
    "invoiced_on",
    "due_date",
    "amount",
    "collected_amount",
    "outstanding",
    "days_overdue",
    "level",
)
PAYMENT_FIELDS = (
    "payment_id",
    "receivable_id",
    "invoice_no",
    "received_on",
    "method",
    "reference",
    "amount",
)
SUMMARY = ("outstanding", "overdue_amount", "not_due", "unapplied_amount", "net_due")
CLOSING = N_(
    "Please settle the overdue amount, or tell us within 7 days if anything here differs from your records."
)
STATEMENT_TITLE = N_("Statement of account — {name}")


# ---------------------------------------------------------------- statements


@dataclass
class Statement:
    """What one account owes as of a date."""

    account_id: str
    name: str | None
    owner: str | None
    as_of: dt.date
    invoices: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    unapplied: Decimal = Decimal("0.00")
    level: str | None = None

    def summary(self) -> dict[str, Any]:
        owed = sum((i["outstanding"] for i in self.invoices), Decimal("0.00"))
        late = sum(
            (i["outstanding"] for i in self.invoices if (i["days_overdue"] or 0) >= 1),
            Decimal("0.00"),
        )
        return {
            "outstanding": owed,
            "overdue_amount": late,
            "not_due": owed - late,
            "unapplied_amount": self.unapplied,
            "net_due": owed - self.unapplied,
            "level": self.level,
            "days_overdue": max((i["days_overdue"] or 0 for i in self.invoices), default=0),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "account_name": self.name,
            "owner": self.owner,
            "as_of": self.as_of,
            **self.summary(),
            "invoices": self.invoices,
            "payments": self.payments,
        }


def overdue_accounts(data: ReportData, as_of: dt.date) -> list[str]:
    """Accounts with a receivable at least one day overdue and money outstanding, most overdue first."""
    from salesops.reports.ar import overdue_frame

    late = overdue_frame(data, as_of, 1)
    return list(dict.fromkeys(a for a in late["account_id"].tolist() if a))


def statements(data: ReportData, as_of: dt.date, account_ids: list[str]) -> list[Statement]:
    """One statement per account ID (in the order given)."""
    from salesops.reports.ar import receivables_as_of

    table = levels(data.settings)
    extra = ("account_id", "contract_id", "milestone", "invoice_no")
    rec = receivables_as_of(data, as_of, extra)
    rec = rec[
        (rec["outstanding"] > 0).to_numpy(dtype=bool)
        & rec["account_id"].isin(set(account_ids)).to_numpy(dtype=bool)
    ]
    rec = rec.sort_values(["due_date", "receivable_id"], kind="stable", na_position="last")
    accounts = data.frame("accounts", ["name", "owner", "unapplied_amount"])
    pay = data.frame("payments", ["receivable_id", "received_on", "method", "reference", "amount"])
    pay = pay[pay["receivable_id"].isin(set(rec["receivable_id"])).to_numpy(dtype=bool)]
    pay = pay[(pay["received_on"] <= _ts(as_of)).fillna(False).to_numpy(dtype=bool)]
    pay = pay.sort_values(["received_on", "payment_id"], kind="stable")
    invoice_of = dict(zip(rec["receivable_id"], rec["invoice_no"], strict=True))
    # rows of each account and receivable found once (a statement per overdue account: 4,359 of
    # them looked through every receivable and payment each)
    rec_at, pay_at, acc_at = _rows_of(rec["account_id"]), _rows_of(pay["receivable_id"]), _rows_of(accounts["account_id"])
    out = []
    for account_id in account_ids:
        mine = rec.iloc[rec_at.get(account_id, [])]
        invoices = []
        for rid, inv, cid, ms, invoiced, due, amount, collected, owed, days in zip(
            mine["receivable_id"],
            mine["invoice_no"],
            mine["contract_id"],
            mine["milestone"],
            day_array(mine["invoiced_on"]).astype(object),
            day_array(mine["due_date"]).astype(object),
            mine["amount"],
            mine["collected"],
            mine["outstanding"],
            mine["days_overdue"],
            strict=True,
        ):
            late = None if days != days or days < 1 else int(days)  # not due yet: no days overdue
            invoices.append(
                {
                    "receivable_id": rid,
                    "invoice_no": inv,
                    "contract_id": cid,
                    "milestone": ms,
                    "invoiced_on": invoiced,
                    "due_date": due,
                    "amount": _money(amount),
                    "collected_amount": _money(collected),
                    "outstanding": _money(owed),
                    "days_overdue": late,
                    "level": level_of(late, table),
                }
            )
        paid = pay.iloc[sorted(i for r in set(mine["receivable_id"]) for i in pay_at.get(r, []))]
        payments = [
            {
                "payment_id": pid,
                "receivable_id": rid,
                "invoice_no": invoice_of.get(rid),
                "received_on": on,
                "method": method,
                "reference": ref,
                "amount": _money(c),
            }
            for pid, rid, on, method, ref, c in zip(
                paid["payment_id"],
                paid["receivable_id"],
                day_array(paid["received_on"]).astype(object),
                paid["method"],
                paid["reference"],
                cents(paid["amount"]).tolist(),
                strict=True,
            )
        ]
        one = accounts.iloc[acc_at.get(account_id, [])]
        unapplied = cents(one["unapplied_amount"])[:1].tolist()
        out.append(
            Statement(
                account_id,
                one["name"].iloc[0] if len(one) else None,
                _owner(data, one, mine),
                as_of,
                invoices,
                payments,
                _money(unapplied[0] if unapplied else 0),
                highest([i["level"] for i in invoices], table),
            )
        )
    return out


def _rows_of(keys) -> dict[Any, list[int]]:
    """The positions of the rows holding each key (in row order; empty keys hold none)."""
    return {k: v.tolist() for k, v in keys.groupby(keys, sort=False, dropna=True).indices.items()}


def _owner(data: ReportData, account, receivables) -> str | None:
    """Who collects: the account's owner, else the owner of its receivables."""
    if len(account) and account["owner"].iloc[0]:
        return account["owner"].iloc[0]
    if len(receivables):
        rec = data.frame("receivables", ["owner"])
        owners = lookup(receivables["receivable_id"], rec["receivable_id"], rec["owner"]).dropna()
        return owners.iloc[0] if len(owners) else None
    return None


def _money(c) -> Decimal:
    return Decimal(int(c)).scaleb(-2)


def _ts(day: dt.date):
    from salesops.reports.data import ts

    return ts(day)


# ---------------------------------------------------------------- view


def statement_view(st: Statement, lang: str, currency: str) -> Report:
    """The statement as people read it: what is owed, the invoices, the payments; a closing line."""
    from salesops.reports.labels import label, value_label
    from salesops.reports.render import Column, Report, Section
    from salesops.reports.views import columns_of, subtitle

    s = st.summary()
    rows = [[label(k, lang), s[k]] for k in SUMMARY]
    rows.append([label("level", lang), level_label(s["level"], lang)])
    head = Section(
        "summary",
        label("statement_summary", lang),
        [Column("item", label("item", lang)), Column("value", label("amount", lang))],
        rows,
        row_kinds=["money"] * len(SUMMARY) + ["text"],
        alert_rows={1},
    )
    kinds = {"invoiced_on": "date", "due_date": "date", "amount": "money", "collected_amount": "money",
             "outstanding": "money", "days_overdue": "int"}  # fmt: skip
    inv_rows = [
        [
            value_label(k, i[k], lang)
            if k == "milestone"
            else level_label(i[k], lang)
            if k == "level"
            else i[k]
            for k in INVOICE_FIELDS
        ]
        for i in st.invoices
    ]
    total = [None] * len(INVOICE_FIELDS)
    total[0] = label("total", lang)
    for k in ("amount", "collected_amount", "outstanding"):
        total[INVOICE_FIELDS.index(k)] = sum((i[k] for i in st.invoices), Decimal("0.00"))
    inv_rows.append(total)
    invoices = Section(
        "invoices",
        label("invoices", lang),
        columns_of(list(INVOICE_FIELDS), kinds, lang),
        inv_rows,
        alert_columns={INVOICE_FIELDS.index("days_overdue")},
        total_rows={len(inv_rows) - 1},
    )
    pay_rows = [
        [value_label(k, p[k], lang) if k == "method" else p[k] for k in PAYMENT_FIELDS]
        for p in st.payments
    ]
    if pay_rows:
        pay_rows.append(
            [
                label("total", lang),
                *([None] * (len(PAYMENT_FIELDS) - 2)),
                sum((p["amount"] for p in st.payments), Decimal("0.00")),
            ]
        )
    payments = Section(
        "payments",
        label("payments_received", lang),
        columns_of(list(PAYMENT_FIELDS), {"received_on": "date", "amount": "money"}, lang),
        pay_rows,
        total_rows={len(pay_rows) - 1} if pay_rows else set(),
        notes=[translate(CLOSING, lang)],
    )
    who = f"{st.name} ({st.account_id})" if st.name else st.account_id
    sub = subtitle(lang, currency, st.as_of)
    if st.owner:
        sub = f"{sub} · {label('owner', lang)}: {st.owner}"
    title = translate(STATEMENT_TITLE, lang).format(name=who)
    return Report(
        "statement", title, sub, lang, currency, [head, invoices, payments], as_of=st.as_of
    )


def file_name(st: Statement, lang: str, ext: str) -> str:
    """`statement-A-000015-Acme Ltd-2026-11-27.xlsx` (对账单-… in Chinese): safe on every system."""
    import re

    from salesops.reports.labels import label

    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", st.name or "").strip(" ._")[:60]
    parts = [label("statement_file", lang), st.account_id, name, st.as_of.isoformat()]
    stem = "-".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", stem) + "." + ext
