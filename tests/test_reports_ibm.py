"""Reports on a real accounts-receivable export (IBM Watson sample, 2,466 invoices, 100 customers).

Every invoice is settled, so at any as-of date the export's own columns say
what was owed: an invoice is open when InvoiceDate ≤ as-of < SettledDate, and
it is as-of − DueDate days overdue. The expected figures below come from a
naive loop over those raw columns, never from the report code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, make_workspace

IBM = SHARED_DATA / "ibm-accounts-receivable.csv"
AS_OF_DATES = [
    "2012-01-02",
    "2012-03-31",
    "2012-09-15",
    "2013-01-01",
    "2013-06-30",
    "2013-12-31",
    "2014-02-01",
]
EDGES = [30, 60, 90, 180]
BUCKETS = ["not_due", "1-30", "31-60", "61-90", "91-180", "180+"]

pytestmark = pytest.mark.skipif(not IBM.exists(), reason="shared real data not available")


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def _cents(text: str) -> int:
    return int(Decimal(text) * 100)


def raw_invoices() -> list[dict]:
    with open(IBM, newline="", encoding="utf-8-sig") as fh:
        return [
            {
                "customer": r["customerID"],
                "invoice": r["invoiceNumber"],
                "invoiced": _date(r["InvoiceDate"]),
                "due": _date(r["DueDate"]),
                "settled": _date(r["SettledDate"]),
                "cents": _cents(r["InvoiceAmount"]),
                "days_late": int(r["DaysLate"]),
            }
            for r in csv.DictReader(fh)
        ]


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture(scope="module")
def ibm_ws(tmp_path_factory) -> Path:
    """A CSV workspace holding the export as receivables (one per invoice) and payments (one per settlement)."""
    ws = make_workspace(tmp_path_factory.mktemp("ibm") / "ws", "csv")
    inv = raw_invoices()
    money = lambda c: f"{Decimal(c).scaleb(-2):.2f}"  # noqa: E731
    customers = sorted({r["customer"] for r in inv})
    _write(ws / "accounts.csv", ["account_id", "name"], [[c, f"Customer {c}"] for c in customers])
    _write(
        ws / "receivables.csv",
        [
            "receivable_id",
            "account_id",
            "amount",
            "invoice_no",
            "invoiced_on",
            "due_date",
            "collected_amount",
            "last_payment_on",
            "status",
        ],
        [
            [
                f"R-{i:06d}",
                r["customer"],
                money(r["cents"]),
                r["invoice"],
                r["invoiced"].isoformat(),
                r["due"].isoformat(),
                money(r["cents"]),
                r["settled"].isoformat(),
                "paid",
            ]
            for i, r in enumerate(inv, 1)
        ],
    )
    _write(
        ws / "payments.csv",
        ["payment_id", "receivable_id", "account_id", "received_on", "amount", "method"],
        [
            [
                f"P-{i:06d}",
                f"R-{i:06d}",
                r["customer"],
                r["settled"].isoformat(),
                money(r["cents"]),
                "bank_transfer",
            ]
            for i, r in enumerate(inv, 1)
        ],
    )
    return ws


def naive_aging(as_of: dt.date) -> dict[str, list[int]]:
    """customer → cents per bucket, from the raw columns."""
    out: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for r in raw_invoices():
        if r["invoiced"] > as_of or r["settled"] <= as_of:
            continue
        days = (as_of - r["due"]).days
        if days <= 0:
            b = 0
        elif days <= 30:
            b = 1
        elif days <= 60:
            b = 2
        elif days <= 90:
            b = 3
        elif days <= 180:
            b = 4
        else:
            b = 5
        out[r["customer"]][b] += r["cents"]
    return dict(out)


def _c(value) -> int:
    return int(Decimal(str(value)) * 100)


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_aging_per_customer_and_bucket_matches_the_raw_columns(ibm_ws, as_of):
    import salesops.reports as reports

    day = dt.date.fromisoformat(as_of)
    expected = naive_aging(day)
    result = reports.aging_report(ibm_ws, as_of=as_of, by="account").to_json()
    assert result["buckets"] == BUCKETS
    got = {row["key"]: [_c(row[b]) for b in BUCKETS] for row in result["rows"]}
    assert got == {k: v for k, v in expected.items() if any(v)}
    for row in result["rows"]:
        assert row["name"] == f"Customer {row['key']}"
        assert _c(row["overdue"]) == sum(_c(row[b]) for b in BUCKETS[1:])
        assert _c(row["total"]) == sum(_c(row[b]) for b in BUCKETS)
    for i, b in enumerate(BUCKETS):
        assert _c(result["totals"][b]) == sum(v[i] for v in expected.values())


@pytest.mark.parametrize("as_of", ["2012-06-30", "2013-01-01", "2013-09-30"])
def test_overdue_list_matches_days_late(ibm_ws, as_of):
    """Each open invoice past due is listed with as-of − DueDate days, most days first."""
    import salesops.reports as reports

    day = dt.date.fromisoformat(as_of)
    expected = {
        r["invoice"]: ((day - r["due"]).days, r["cents"])
        for r in raw_invoices()
        if r["invoiced"] <= day < r["settled"] and (day - r["due"]).days >= 1
    }
    rows = reports.overdue_report(ibm_ws, as_of=as_of)
    assert {r["invoice_no"]: (r["days_overdue"], _c(r["outstanding"])) for r in rows} == expected
    days = [r["days_overdue"] for r in rows]
    assert days == sorted(days, reverse=True)
    assert all(r["collected_amount"] == 0 for r in rows)  # nothing paid before settlement
    # an invoice overdue at as-of is one the export says was settled late by more than that
    late = {r["invoice"]: r["days_late"] for r in raw_invoices()}
    assert all(late[r["invoice_no"]] > r["days_overdue"] for r in rows)
    assert any(
        r["invoice_no"].startswith("0") for r in rows
    )  # zero-padded invoice numbers kept as text


@pytest.mark.parametrize("period", ["2012-03", "2012-Q4", "2013-07", "2013"])
def test_collections_and_dso_match_the_raw_columns(ibm_ws, period):
    import salesops.reports as reports
    from salesops.reports.periods import parse_period

    span = parse_period(period)
    as_of = span.end
    inv = raw_invoices()
    collections = sum(r["cents"] for r in inv if span.start <= r["settled"] <= span.end)
    ar = sum(r["cents"] for r in inv if r["invoiced"] <= as_of < r["settled"])
    overdue = sum(
        r["cents"] for r in inv if r["invoiced"] <= as_of < r["settled"] and r["due"] < as_of
    )
    invoiced_90 = sum(
        r["cents"] for r in inv if as_of - dt.timedelta(days=89) <= r["invoiced"] <= as_of
    )
    m = reports.kpi_report(ibm_ws, period=period, as_of=as_of).to_json()["metrics"]
    assert _c(m["collections"]) == collections
    assert _c(m["ar_outstanding"]) == ar
    assert _c(m["overdue_amount"]) == overdue
    assert m["dso_days"] == pytest.approx(ar / invoiced_90 * 90, rel=1e-12)
    assert m["overdue_ratio"] == pytest.approx(overdue / ar, rel=1e-12)


def test_kpi_groups_by_account_add_up(ibm_ws):
    import salesops.reports as reports

    r = reports.kpi_report(ibm_ws, period="2013-Q2", as_of="2013-06-30", by="account").to_json()
    assert r["by"] == "account"
    assert len(r["groups"]) == len({x["customer"] for x in raw_invoices()})
    for name in ("collections", "ar_outstanding", "overdue_amount"):
        assert sum(_c(g["metrics"][name]) for g in r["groups"]) == _c(r["metrics"][name])


def test_aging_cli_json_equals_the_api(ibm_ws, cli):
    import salesops.reports as reports

    proc = cli("report", "aging", "--as-of", "2013-06-30", "-f", "json", ws=ibm_ws, check=0)
    data = json.loads(proc.stdout)
    assert set(data) == {"as_of", "by", "buckets", "rows", "totals"}
    assert data["as_of"] == "2013-06-30" and data["by"] == "account"
    assert set(data["rows"][0]) == {"key", "name", *BUCKETS, "overdue", "total", "unapplied"}
    api = json.loads(
        json.dumps(reports.aging_report(ibm_ws, as_of="2013-06-30").to_json(), default=str)
    )
    assert [r["key"] for r in data["rows"]] == [r["key"] for r in api["rows"]]
    assert {k: _c(v) for k, v in data["totals"].items()} == {
        k: _c(v) for k, v in api["totals"].items()
    }
    proc = cli(
        "report",
        "aging",
        "--as-of",
        "2013-06-30",
        "--fail-on-overdue",
        "-f",
        "csv",
        ws=ibm_ws,
        check=3,
    )
    assert proc.stdout.startswith("\ufeffAccount,Name,Not due,1-30,31-60")  # Excel's CSV: BOM, labelled
    assert proc.stdout.splitlines()[-1].startswith("Total,,")


@pytest.fixture(scope="module")
def imported_ws(tmp_path_factory) -> Path:
    """The export imported the way a user does it: `salesops import` with --map."""
    from tests.conftest import run_cli

    ws = make_workspace(tmp_path_factory.mktemp("ibm-import") / "ws", "csv")
    src = str(IBM)
    common = ["--map", "customerID=account_id", "--map", "InvoiceAmount=amount"]
    run_cli(
        "import", "receivables", src, *common,
        "--map", "invoiceNumber=invoice_no", "--map", "InvoiceDate=invoiced_on", "--map", "DueDate=due_date",
        "--map", "InvoiceAmount=collected_amount", "--map", "SettledDate=last_payment_on",
        "--set", "status=paid", "--create-missing",
        ws=ws, check=0,
    )  # fmt: skip
    run_cli(
        "import", "payments", src, *common,
        "--map", "invoiceNumber=receivable_id", "--map", "SettledDate=received_on", "--set", "method=bank_transfer",
        ws=ws, check=0,
    )  # fmt: skip
    return ws


def test_aging_after_a_real_import_matches_the_raw_columns(imported_ws, cli):
    """Customers become accounts (by name); every as-of date agrees per customer and bucket."""
    import salesops.reports as reports

    customers = {r["customer"] for r in raw_invoices()}
    for as_of in ("2012-03-31", "2013-01-01", "2013-06-30"):
        expected = {k: v for k, v in naive_aging(dt.date.fromisoformat(as_of)).items() if any(v)}
        rows = reports.aging_report(imported_ws, as_of=as_of).to_json()["rows"]
        got = {
            (r["name"] if r["name"] in customers else r["key"]): [_c(r[b]) for b in BUCKETS]
            for r in rows
        }
        assert got == expected, as_of
    data = json.loads(
        cli(
            "report", "aging", "--as-of", "2013-06-30", "-f", "json", ws=imported_ws, check=0
        ).stdout
    )
    assert sum(_c(r["total"]) for r in data["rows"]) == sum(
        sum(v) for v in naive_aging(dt.date(2013, 6, 30)).values()
    )
