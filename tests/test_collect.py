"""The collection desk (催款): dunning levels in `report overdue`, statements of account from `collect`.

Figures are worked out by hand from the rows written here.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cash_support import D, cents, cli_json, write_registers
from tests.conftest import run_cli

AS_OF = "2026-11-27"
# fmt: off
ACCOUNTS = [
    {"account_id": "A-1", "name": "Acme <Ltd>", "owner": "Ann", "unapplied_amount": "500"},
    {"account_id": "A-2", "name": "北京星河科技有限公司", "owner": "Ben", "unapplied_amount": ""},
    {"account_id": "A-3", "name": "Gamma", "owner": "Ann", "unapplied_amount": ""},
]
RECEIVABLES = [  # id, account, milestone, amount, invoiced_on, due_date, status
    ("R-1", "A-1", "advance", "10000", "2026-10-01", "2026-11-22", "partially_paid"),   # 5 days: reminder
    ("R-2", "A-1", "delivery", "20000", "2026-09-01", "2026-10-13", "invoiced"),        # 45 days: notice
    ("R-3", "A-1", "acceptance", "3000", "2026-11-20", "2026-12-20", "invoiced"),       # not due
    ("R-4", "A-2", "advance", "40000", "2026-06-01", "2026-07-30", "partially_paid"),   # 120 days: legal
    ("R-5", "A-2", "delivery", "7000", "2026-08-01", "2026-09-13", "paid"),             # paid: not listed
    ("R-6", "A-3", "advance", "9000", "2026-11-01", "2026-12-01", "invoiced"),          # not due: no statement
]
PAYMENTS = [  # id, receivable, received_on, amount
    ("P-1", "R-1", "2026-11-10", "2500"),
    ("P-2", "R-4", "2026-08-15", "15000"),
    ("P-3", "R-5", "2026-09-10", "7000"),
]
# fmt: on


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    paid = {r[0]: sum(int(p[3]) for p in PAYMENTS if p[1] == r[0]) for r in RECEIVABLES}
    return write_registers(
        tmp_path_factory.mktemp("collect") / "ws",
        {
            "accounts": ACCOUNTS,
            "receivables": [
                {
                    "receivable_id": r,
                    "account_id": a,
                    "milestone": m,
                    "amount": amt,
                    "invoice_no": f"INV-{r}",
                    "invoiced_on": inv,
                    "due_date": due,
                    "collected_amount": paid[r],
                    "status": s,
                }  # fmt: skip
                for r, a, m, amt, inv, due, s in RECEIVABLES
            ],
            "payments": [
                {"payment_id": p, "receivable_id": r, "received_on": on, "amount": a}
                for p, r, on, a in PAYMENTS
            ],
        },
    )


def days_overdue(rid: str) -> int:
    due = next(r[5] for r in RECEIVABLES if r[0] == rid)
    return (D(AS_OF) - D(due)).days


def test_report_overdue_shows_each_receivables_level(ws):
    rows = {r["receivable_id"]: r for r in cli_json(ws, "report", "overdue", "--as-of", AS_OF)}
    assert {rid: days_overdue(rid) for rid in rows} == {"R-1": 5, "R-2": 45, "R-4": 120}
    assert {rid: r["level"] for rid, r in rows.items()} == {
        "R-1": "reminder",
        "R-2": "notice",
        "R-4": "legal",
    }
    zh = run_cli("report", "overdue", "--as-of", AS_OF, "--lang", "zh", ws=ws, check=0).stdout
    assert "催款级别" in zh and "法务" in zh and "催告" in zh and "提醒" in zh


def test_a_workspaces_own_levels_show_as_written(tmp_path):
    ws = write_registers(
        tmp_path / "ws",
        {
            "accounts": ACCOUNTS[:1],
            "receivables": [
                {
                    "receivable_id": "R-1",
                    "account_id": "A-1",
                    "amount": "100",
                    "invoice_no": "I-1",
                    "invoiced_on": "2026-01-01",
                    "due_date": "2026-11-01",
                    "status": "invoiced",
                }  # fmt: skip
            ],
        },
        settings='[dunning]\nlevels = [[1, "电话提醒"], [20, "上门催收"]]\n',
    )
    rows = cli_json(ws, "report", "overdue", "--as-of", AS_OF)
    assert [r["level"] for r in rows] == ["上门催收"]  # 26 days overdue
    bad = write_registers(
        tmp_path / "bad", {}, settings='[dunning]\nlevels = [[30, "a"], [10, "b"]]\n'
    )
    res = run_cli("report", "overdue", ws=bad)
    assert res.returncode == 1 and "dunning.levels" in res.stderr


def test_overdue_json_keeps_every_spec_field(ws):
    rows = cli_json(ws, "report", "overdue", "--as-of", AS_OF)
    spec = {"receivable_id", "contract_id", "account_id", "account_name", "owner", "milestone", "invoice_no",
            "due_date", "days_overdue", "amount", "collected_amount", "outstanding"}  # fmt: skip
    assert all(spec <= set(r) for r in rows)
    assert [r["receivable_id"] for r in rows] == ["R-4", "R-2", "R-1"]  # most days first
    assert cents(rows[0]["outstanding"]) == 4_000_000 - 1_500_000
    assert dt.date.fromisoformat(rows[0]["due_date"]) == D("2026-07-30")


# ---------------------------------------------------------------- collect: statements and reminders


def statement_rows(path):
    """Sheets of a statement workbook as lists of row tuples (header first)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {
        ws.title: [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
        for ws in wb.worksheets
    }


def activities(ws):
    from tests.cash_support import read_register

    return read_register(ws, "activities") if (ws / "activities.csv").exists() else []


@pytest.fixture
def desk(ws, tmp_path):
    import shutil

    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    return copy


def test_a_statement_per_overdue_account_and_a_reminder_each(desk, tmp_path):
    out = tmp_path / "out"
    res = run_cli("collect", "--as-of", AS_OF, "-o", str(out), "--by", "Fay", ws=desk, check=0)
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "statement-A-1-Acme _Ltd-2026-11-27.xlsx",
        "statement-A-2-北京星河科技有限公司-2026-11-27.xlsx",
    ]  # A-3 owes nothing overdue
    acme = statement_rows(out / files[0])
    summary = dict(acme["Summary"][2:])
    owed = {"R-1": 1_000_000 - 250_000, "R-2": 2_000_000, "R-3": 300_000}  # R-3 is not due yet
    assert cents(summary["Outstanding"]) == sum(owed.values())
    assert cents(summary["Overdue amount"]) == owed["R-1"] + owed["R-2"]
    assert cents(summary["Unapplied cash"]) == 50_000
    assert cents(summary["Due after unapplied cash"]) == sum(owed.values()) - 50_000
    assert summary["Dunning level"] == "notice"  # the most overdue invoice (45 days)
    header, *rows = acme["Open invoices"]
    got = {r[0]: r for r in rows if r[0] and r[0].startswith("R-")}
    assert {k: cents(v[header.index("Outstanding")]) for k, v in got.items()} == owed
    assert got["R-1"][header.index("Days overdue")] == days_overdue("R-1") == 5
    assert got["R-3"][header.index("Days overdue")] is None
    assert [
        r[0] for r in acme["Payments received on them"][1:] if r[0] and r[0].startswith("P-")
    ] == ["P-1"]
    logged = activities(desk)
    assert [(a["record_id"], a["account_id"], a["type"], a["by"], a["on"]) for a in logged] == [
        ("A-2", "A-2", "reminder", "Fay", "2026-11-27"),  # the most overdue account first
        ("A-1", "A-1", "reminder", "Fay", "2026-11-27"),
    ]
    assert "¥27,500.00 overdue" in logged[1]["summary"] and "notice" in logged[1]["summary"]
    assert "2 statements written" in res.stdout
    again = run_cli("collect", "--as-of", AS_OF, "-o", str(out), ws=desk, check=0)
    assert (
        len(activities(desk)) == 2 and "already logged today" in again.stdout
    )  # no second reminder


def test_chosen_accounts_by_id_or_name_in_markdown_and_html(desk, tmp_path):
    out = tmp_path / "md"
    run_cli(
        "collect",
        "--account",
        "北京星河科技有限公司",
        "--account",
        "a-3",
        "-f",
        "markdown",
        "-o",
        str(out),
        "--no-log",
        ws=desk,
        check=0,
    )
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert set(texts) == {
        "statement-A-2-北京星河科技有限公司-2026-11-27.md",
        "statement-A-3-Gamma-2026-11-27.md",
    }
    beijing = texts["statement-A-2-北京星河科技有限公司-2026-11-27.md"]
    assert (
        "| R-4 |" in beijing
        and "| P-2 |" in beijing
        and "R-5" not in beijing
        and "legal" in beijing
    )
    assert activities(desk) == []  # --no-log
    html = tmp_path / "html"
    run_cli(
        "collect", "--account", "A-1", "-f", "html", "-o", str(html), "--no-log", ws=desk, check=0
    )
    page = next(html.iterdir()).read_text(encoding="utf-8")
    assert "Acme &lt;Ltd&gt;" in page and "<Ltd>" not in page  # register text escaped


def test_an_unknown_account_writes_nothing(desk, tmp_path):
    from tests.conftest import tree_digest

    before = tree_digest(desk)
    res = run_cli(
        "collect", "--account", "A-1", "--account", "Nobody Ltd", "-o", str(tmp_path / "x"), ws=desk
    )
    assert res.returncode == 1 and "Nobody Ltd" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists() and tree_digest(desk) == before


def test_chinese_statements_in_a_chinese_workspace(desk, tmp_path):
    with open(desk / "salesops.toml", "a", encoding="utf-8") as fh:
        fh.write('\nlang = "zh"\n')
    text = (desk / "salesops.toml").read_text(encoding="utf-8").replace('lang = "en"\n', "")
    (desk / "salesops.toml").write_text(text, encoding="utf-8")
    out = tmp_path / "zh"
    run_cli("collect", "--as-of", AS_OF, "-o", str(out), ws=desk, check=0)
    names = sorted(p.name for p in out.iterdir())
    assert names[0].startswith("对账单-A-1-")
    book = statement_rows(out / names[0])
    assert "汇总" in book and "未结发票" in book
    assert dict(book["汇总"][2:])["催款级别"] == "催告"
    reminder = activities(desk)[1]  # a register created in Chinese: headers and enum labels
    assert "催告" in reminder["跟进内容"] and reminder["方式"] == "催款"


def test_without_by_each_reminder_is_logged_by_the_account_owner(desk, tmp_path):
    """The account responsible owns collection: the reminder is theirs, not the login name's."""
    run_cli("collect", "--as-of", AS_OF, "-o", str(tmp_path / "st"), ws=desk, env={"SALESOPS_USER": "root"})
    assert [(a["account_id"], a["by"]) for a in activities(desk)] == [("A-2", "Ben"), ("A-1", "Ann")]
    assert "root" not in run_cli("validate", ws=desk, check=None).stderr
