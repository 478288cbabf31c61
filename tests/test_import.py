"""`salesops import`: real files in, registers read back, all rows checked before anything is written.

The real accounts-receivable export (IBM sample, 2,466 settled invoices) goes
into receivables and then payments; the imported dates must agree with the
export's own DaysToSettle and DaysLate columns on every row. A messy Chinese
CSV (GB18030, Chinese headers, 万 amounts, 年月日 dates, phones with leading
zeros, formula-like text) goes into leads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from salesops.core.importer import ImportOptions, RefIndex, Target, plan_import
from salesops.schema import REGISTERS
from tests.conftest import SHARED_DATA, make_workspace, run_cli, tree_digest

IBM = SHARED_DATA / "ibm-accounts-receivable.csv"
TODAY = dt.date(2026, 11, 27)

RECEIVABLES_MAP = [
    "--map", "invoiceNumber=invoice_no",
    "--map", "customerID=account_id",
    "--map", "InvoiceDate=invoiced_on",
    "--map", "DueDate=due_date",
    "--map", "InvoiceAmount=amount",
    "--map", "InvoiceAmount=collected_amount",
    "--map", "SettledDate=last_payment_on",
    "--set", "status=paid",
    "--create-missing",
]  # fmt: skip
PAYMENTS_MAP = [
    "--map", "invoiceNumber=receivable_id",
    "--map", "customerID=account_id",
    "--map", "SettledDate=received_on",
    "--map", "InvoiceAmount=amount",
    "--set", "method=bank_transfer",
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def records(root: Path, register: str) -> list[dict]:
    """The register as `salesops list -f json` shows it."""
    return json.loads(run_cli("list", register, "-f", "json", ws=root, check=0).stdout)


def ibm_rows() -> list[dict]:
    with open(IBM, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _us(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


# ---------------------------------------------------------------- the real AR export


@pytest.mark.skipif(not IBM.exists(), reason="shared real data not available")
def test_ibm_export_into_receivables_and_payments(ws):
    proc = run_cli("import", "receivables", str(IBM), *RECEIVABLES_MAP, ws=ws, check=0)
    assert proc.stdout.splitlines() == [
        "imported 2466 receivables (2466 added, 0 updated, 0 skipped)",
        "created 100 accounts",
    ]
    register = "receivables.csv" if (ws / "receivables.csv").exists() else "receivables.xlsx"
    assert proc.stderr.splitlines() == [  # SPEC 9.2: the columns no field takes are kept
        'warning: ibm-accounts-receivable.csv row 1: columns "countryCode", "PaperlessDate", "Disputed", '
        f'"PaperlessBill", "DaysToSettle", "DaysLate" are no field of receivables: kept as user columns of {register}, '
        'right of its header (--map "SRC=FIELD" imports one into a field)'
    ]
    proc = run_cli("import", "payments", str(IBM), *PAYMENTS_MAP, "-f", "json", ws=ws, check=0)
    summary = json.loads(proc.stdout)
    assert (summary["added"], summary["updated"], summary["skipped"], summary["errors"]) == (
        2466,
        0,
        0,
        0,
    )

    source = {r["invoiceNumber"]: r for r in ibm_rows()}
    receivables = {r["receivable_id"]: r for r in records(ws, "receivables")}
    accounts = {a["account_id"]: a["name"] for a in records(ws, "accounts")}
    assert len(receivables) == 2466 and len(accounts) == 100
    by_invoice = {r["invoice_no"]: r for r in receivables.values()}
    assert set(by_invoice) == set(source)  # leading zeros kept: "0000611365"
    assert "0000611365" in by_invoice
    payments = records(ws, "payments")
    assert len(payments) == 2466
    for p in payments:
        r = receivables[p["receivable_id"]]
        raw = source[r["invoice_no"]]
        invoiced, due, received = (
            dt.date.fromisoformat(d) for d in (r["invoiced_on"], r["due_date"], p["received_on"])
        )
        assert invoiced == _us(raw["InvoiceDate"]) and due == _us(raw["DueDate"])
        assert (received - invoiced).days == int(raw["DaysToSettle"])
        assert max(0, (received - due).days) == int(raw["DaysLate"])
        assert (
            Decimal(str(p["amount"])) == Decimal(raw["InvoiceAmount"]) == Decimal(str(r["amount"]))
        )
        assert accounts[r["account_id"]] == raw["customerID"] and p["account_id"] == r["account_id"]
        assert r["status"] == "paid" and r["last_payment_on"] == p["received_on"]
    # the two imports agree with each other: collected amounts equal the payments, statuses hold
    assert run_cli("validate", ws=ws, check=0).stdout.startswith("ok:")


@pytest.mark.skipif(not IBM.exists(), reason="shared real data not available")
def test_ibm_invoice_numbers_as_receivable_ids(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    args = [
        a if a != "invoiceNumber=invoice_no" else "invoiceNumber=receivable_id"
        for a in RECEIVABLES_MAP
    ]
    run_cli("import", "receivables", str(IBM), *args, ws=root, check=0)
    run_cli("import", "payments", str(IBM), *PAYMENTS_MAP, ws=root, check=0)
    receivables = records(root, "receivables")
    assert receivables[0]["receivable_id"] == "0000611365"
    assert {p["receivable_id"] for p in records(root, "payments")} == {
        r["receivable_id"] for r in receivables
    }
    # a second run finds every receivable already there
    proc = run_cli(
        "import", "receivables", str(IBM), *args, "--on-duplicate", "skip", ws=root, check=0
    )
    assert (
        proc.stdout.splitlines()[0] == "imported 0 receivables (0 added, 0 updated, 2466 skipped)"
    )


# ---------------------------------------------------------------- a messy Chinese CSV


MESSY = [
    ["公司名称", " 联系人 ", "电话", "ＥＭＡＩＬ", "来源", "预估金额", "创建日期", "负责人", "状态", "备注", "微信"],
    ["杭州恒达电子有限公司", "王伟", "057188886666", "wang@hengda.cn", "展会", "12.5万", "2026年11月5日", "张三", "新线索", "='1'", "wx01"],
    ["上海华信科技有限公司", "李娜", "013800001111", "", "转介绍", "￥80,000.00", "2026/11/6", "张三", "已联系", "老客户介绍", ""],
    ["北京东方能源股份有限公司", "赵强", "", "zhao@df.com", "官网", "3,000元", "2026.11.7", "李四", "", "", ""],
]  # fmt: skip


def test_messy_chinese_gb18030_csv_into_leads(ws, tmp_path):
    src = write_csv(tmp_path / "线索.csv", MESSY, "gb18030")
    proc = run_cli("import", "leads", str(src), "--create-missing", ws=ws, check=0)
    assert proc.stdout.splitlines() == [
        "imported 3 leads (3 added, 0 updated, 0 skipped)",
        "created 2 reps",
    ]
    assert 'column "微信" is no field of leads: kept as a user column' in proc.stderr  # SPEC 9.2
    leads = records(ws, "leads")
    assert [(x["lead_id"], x["company"], x["phone"], x["estimated_value"], x["created_on"], x["source"], x["status"])
            for x in leads] == [
        ("L-000001", "杭州恒达电子有限公司", "057188886666", 125000.0, "2026-11-05", "exhibition", "new"),
        ("L-000002", "上海华信科技有限公司", "013800001111", 80000.0, "2026-11-06", "referral", "contacted"),
        ("L-000003", "北京东方能源股份有限公司", None, 3000.0, "2026-11-07", "website", "new"),
    ]  # fmt: skip
    assert leads[0]["notes"] == "='1'" and leads[0]["email"] == "wang@hengda.cn"
    assert [(r["rep_id"], r["name"]) for r in records(ws, "reps")] == [
        ("S-000001", "张三"),
        ("S-000002", "李四"),
    ]
    assert run_cli("validate", ws=ws, check=0).stdout.startswith("ok:")
    if ws.joinpath("leads.xlsx").exists():
        from openpyxl import load_workbook

        sheet = load_workbook(ws / "leads.xlsx").active
        cells = [c for row in sheet.iter_rows() for c in row if c.value == "='1'"]
        assert len(cells) == 1 and cells[0].data_type == "s"  # text, never a formula
    else:
        assert "'='1'" in (ws / "leads.csv").read_text(encoding="utf-8-sig")


def _register_rows(root: Path, name: str) -> list[list[str]]:
    """A register's cells as text, whichever its format."""
    if (root / f"{name}.csv").exists():
        return list(csv.reader(io.StringIO((root / f"{name}.csv").read_text(encoding="utf-8-sig"))))
    from openpyxl import load_workbook

    sheet = load_workbook(root / f"{name}.xlsx").worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_existing_user_column_is_kept_and_filled(ws, tmp_path):
    header = ["lead_id", "created_on", "company", "status", "微信"]
    if (ws / "salesops.toml").read_text().startswith('format = "csv"'):
        write_csv(ws / "leads.csv", [header])
    else:
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.append(header)
        wb.save(ws / "leads.xlsx")
    src = write_csv(tmp_path / "in.csv", MESSY, "gb18030")
    run_cli("import", "leads", str(src), ws=ws, check=0)
    rows = _register_rows(ws, "leads")
    assert rows[0][:5] == header
    assert [r[4] if len(r) > 4 else "" for r in rows[1:]] == ["wx01", "", ""]
    assert [r[2] for r in rows[1:]] == [
        "杭州恒达电子有限公司",
        "上海华信科技有限公司",
        "北京东方能源股份有限公司",
    ]


def test_encoding_option(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    src = write_csv(
        tmp_path / "latin.csv",
        [["company", "contact_name"], ["Café Müller GmbH", "Zoë"]],
        "latin-1",
    )
    run_cli("import", "leads", str(src), "--encoding", "latin-1", "--default-date", "today", ws=root, check=0)
    (lead,) = records(root, "leads")
    assert (lead["company"], lead["contact_name"]) == ("Café Müller GmbH", "Zoë")
    proc = run_cli("import", "leads", str(src), "--encoding", "klingon", ws=root, check=2)
    assert proc.stderr.startswith("error: --encoding 'klingon' is not an encoding")


# ---------------------------------------------------------------- all or nothing


def test_one_bad_row_imports_nothing_and_names_the_row(ws, tmp_path):
    rows = [["company", "phone", "created_on", "estimated_value"]]
    rows += [[f"公司{i}", f"1380000{i:04d}", "2026-11-01", "1000"] for i in range(40)]
    rows[23][2] = "2026-13-45"
    src = write_csv(tmp_path / "leads in.csv", rows)
    before = tree_digest(ws)
    proc = run_cli("import", "leads", str(src), ws=ws, check=1)
    assert proc.stderr.splitlines() == [
        'error: leads in.csv row 24, created_on: "2026-13-45" is not a date (expected e.g. 2026-11-05, 2026/11/5 or 2026年11月5日)',
        "error: nothing imported: 1 error in 1 row of leads in.csv",
    ]
    assert proc.stdout == ""
    assert tree_digest(ws) == before


def test_every_bad_row_is_reported_with_value_and_expectation(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    src = write_csv(
        tmp_path / "opps.csv",
        [
            ["name", "客户", "owner", "stage", "amount", "probability", "created_on"],
            ["ERP", "华信", "S-000001", "won", "1,000", "50", "2026-11-01"],
            ["", "A-000009", "S-000001", "proposal", "lots", "120", "31/12/2026"],
            ["CRM", "", "S-000001", "finished", "", "", "2026-11-02"],
        ],
    )
    proc = run_cli(
        "import", "opportunities", str(src), "--map", "客户=account_id", ws=root, check=1
    )
    assert proc.stderr.splitlines() == [
        'warning: opps.csv row 2, owner: "S-000001" is not a rep_id or name in reps.csv (and 2 more rows); '
        "--create-missing adds the rep",
        'error: opps.csv row 2, 客户: "华信" is not an account_id or name in accounts.csv; --create-missing creates it',
        "error: opps.csv row 3, name: required value is empty",
        'error: opps.csv row 3, 客户: "A-000009" is not an account_id or name in accounts.csv; --create-missing creates it',
        'error: opps.csv row 3, amount: "lots" is not an amount of money (expected e.g. 1234.50, ¥1,234.50 or 12.5万)',
        'error: opps.csv row 3, probability: "120" is not a percentage between 0 and 100',
        'error: opps.csv row 3, created_on: "31/12/2026" is not a date (expected e.g. 2026-11-05, 2026/11/5 or 2026年11月5日)',
        "error: opps.csv row 4, 客户: required value is empty",
        'error: opps.csv row 4, stage: "finished" is not an opportunity stage (expected one of: qualification, needs_analysis, solution, proposal, negotiation, won, lost)',
        "error: nothing imported: 8 errors in 3 rows of opps.csv",
    ]
    assert sorted(p.name for p in root.iterdir()) == [".salesops", "salesops.toml"] or sorted(
        p.name for p in root.iterdir()
    ) == ["salesops.toml"]


def test_text_no_cell_can_hold_is_refused_before_writing(tmp_path):
    root = make_workspace(tmp_path / "ws", "xlsx")
    src = write_csv(
        tmp_path / "in.csv",
        [["company", "notes"], ["甲", "ok"], ["乙", "ring\x07 twice"], ["丙", "x" * 40_000]],
    )
    proc = run_cli("import", "leads", str(src), "--default-date", "2026-11-01", ws=root, check=1)
    assert proc.stderr.splitlines() == [
        "error: in.csv row 3, notes: the text holds the control character U+0007, which a spreadsheet cell cannot hold; remove it",
        "error: in.csv row 4, notes: the text has 40,000 characters, past the limit of 32,767 characters a spreadsheet cell can hold",
        "error: nothing imported: 2 errors in 2 rows of in.csv",
    ]
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == ["salesops.toml"]


def test_dry_run_writes_nothing_and_shows_the_plan(ws, tmp_path):
    src = write_csv(tmp_path / "in.csv", MESSY, "gb18030")
    before = tree_digest(ws)
    proc = run_cli("import", "leads", str(src), "--create-missing", "--dry-run", ws=ws, check=0)
    assert tree_digest(ws) == before
    out = proc.stdout
    assert "dry run: would import 3 leads (3 added, 0 updated, 0 skipped)" in out
    assert "would create 2 reps" in out and "nothing written" in out
    data = json.loads(
        run_cli(
            "import",
            "leads",
            str(src),
            "--create-missing",
            "--dry-run",
            "-f",
            "json",
            ws=ws,
            check=0,
        ).stdout
    )
    assert data["dry_run"] is True and data["added"] == 3 and data["created"] == {"reps": 2}
    assert [a["action"] for a in data["actions"]] == [
        "add",
        "add",
        "add",
        "create rep",
        "create rep",
    ]
    assert tree_digest(ws) == before


# ---------------------------------------------------------------- duplicates


def _lead_file(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    return write_csv(tmp_path / name, [["company", "phone", "email", "status", "notes"], *rows])


def test_lead_duplicates_by_phone_email_or_company_of_an_open_lead(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    first = _lead_file(tmp_path, "a.csv", [
        ["恒达电子有限公司", "138 0000 1111", "", "new", ""],
        ["华信科技", "", "li@huaxin.cn", "contacted", ""],
        ["东方能源", "13900002222", "", "disqualified", "closed"],
    ])  # fmt: skip
    run_cli("import", "leads", str(first), "--on-duplicate", "error", "--default-date", "today", ws=root, check=0)
    second = _lead_file(tmp_path, "b.csv", [
        ["新公司", "+86 138-0000-1111", "", "new", "same phone"],      # L-000001 by phone
        ["另一家", "", "LI@HUAXIN.CN", "new", "same email"],           # L-000002 by email
        ["恒达电子", "", "", "new", "same company"],                   # L-000001 by company
        ["东方能源有限公司", "13900002222", "", "new", "closed one"],   # the match is closed: new lead
        ["东方能源", "", "", "new", "same as the row above"],          # duplicate of row 5
    ])  # fmt: skip
    proc = run_cli("import", "leads", str(second), "--default-date", "today", ws=root, check=1)
    assert proc.stderr.splitlines() == [
        "error: b.csv row 2, phone: duplicate: same phone as open lead L-000001, in the public pool (use --on-duplicate skip or update)",
        "error: b.csv row 3, email: duplicate: same email as open lead L-000002, in the public pool (use --on-duplicate skip or update)",
        "error: b.csv row 4, company: duplicate: same company as open lead L-000001, in the public pool (use --on-duplicate skip or update)",
        "error: b.csv row 6, company: duplicate: same company as row 5 (use --on-duplicate skip or update)",
        "error: nothing imported: 4 errors in 4 rows of b.csv",
    ]
    proc = run_cli("import", "leads", str(second), "--on-duplicate", "skip", "--default-date", "today", ws=root, check=0)
    assert proc.stdout.splitlines() == ["imported 1 leads (1 added, 0 updated, 4 skipped)"]
    leads = records(root, "leads")
    assert [x["notes"] for x in leads] == [None, None, "closed", "closed one"]


def test_lead_duplicates_update_sets_the_given_fields(ws, tmp_path):
    root = ws
    run_cli(
        "import",
        "leads",
        str(
            _lead_file(
                tmp_path, "a.csv", [["恒达电子有限公司", "13800001111", "", "contacted", "first"]]
            )
        ),
        "--default-date",
        "today",
        ws=root,
        check=0,
    )
    again = _lead_file(tmp_path, "b.csv", [["恒达电子", "", "wang@hengda.cn", "", "second"]])
    proc = run_cli("import", "leads", str(again), "--on-duplicate", "update", ws=root, check=0)
    assert proc.stdout.splitlines() == ["imported 1 leads (0 added, 1 updated, 0 skipped)"]
    (lead,) = records(root, "leads")
    assert (lead["company"], lead["phone"], lead["email"], lead["status"], lead["notes"]) == (
        "恒达电子", "13800001111", "wang@hengda.cn", "contacted", "second",
    )  # fmt: skip
    history = (root / "history.csv").read_text(encoding="utf-8-sig")
    assert "L-000001,notes,first,second" in history
    assert len(_register_rows(root, "leads")) == 2


def test_duplicate_ids_in_other_registers(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    src = write_csv(
        tmp_path / "acc.csv",
        [["客户编号", "客户名称", "信用额度"], ["A-000007", "华信", "5万"], ["", "东方", ""]],
    )
    run_cli("import", "accounts", str(src), ws=root, check=0)
    assert [(a["account_id"], a["credit_limit"]) for a in records(root, "accounts")] == [
        ("A-000007", 50000.0),
        ("A-000008", None),
    ]
    src = write_csv(
        tmp_path / "acc2.csv",
        [
            ["account_id", "name", "region"],
            ["A-000007", "华信科技", "华东"],
            ["A-000007", "华信", "华南"],
        ],
    )
    proc = run_cli("import", "accounts", str(src), ws=root, check=1)
    assert proc.stderr.splitlines()[:2] == [
        "error: acc2.csv row 2, account_id: duplicate: account_id A-000007 exists (use --on-duplicate skip or update)",
        "error: acc2.csv row 3, account_id: duplicate: account_id A-000007 exists (use --on-duplicate skip or update)",
    ]
    run_cli("import", "accounts", str(src), "--on-duplicate", "update", ws=root, check=0)
    first = records(root, "accounts")[0]
    assert (first["name"], first["region"], first["credit_limit"]) == ("华信", "华南", 50000.0)


# ---------------------------------------------------------------- options


def test_map_value_set_sheet_and_date_order_from_xlsx(tmp_path):
    from openpyxl import Workbook

    root = make_workspace(tmp_path / "ws", "csv")
    accounts = write_csv(tmp_path / "acc.csv", [["name"], ["华信科技有限公司"]])
    run_cli("import", "accounts", str(accounts), ws=root, check=0)
    wb = Workbook()
    wb.active.title = "notes"
    sheet = wb.create_sheet("AR")
    sheet.append(["Customer", "Invoice", "Amount", "Paid?", "Inv date", "Due"])
    sheet.append(["华信科技", "00042", 1234.5, "Yes", dt.datetime(2026, 3, 4), "05/04/2026"])
    sheet.append(["华信科技有限公司", "00043", "12.5万", "no", "2026年3月5日", "06/04/2026"])
    src = tmp_path / "ar.xlsx"
    wb.save(src)
    args = [
        "import", "receivables", str(src), "--sheet", "AR", "--date-order", "DMY",
        "--map", "customer=account_id", "--map", "invoice=invoice_no", "--map", "amount=amount",
        "--map", "Inv date=invoiced_on", "--map", "due=due_date", "--map", "Paid?=status",
        "--map-value", "status:yes=paid", "--map-value", "status:NO=invoiced",
        "--set", "milestone=advance",
    ]  # fmt: skip
    proc = run_cli(*args, ws=root, check=0)
    assert proc.stdout.splitlines() == ["imported 2 receivables (2 added, 0 updated, 0 skipped)"]
    rows = records(root, "receivables")
    assert [(r["account_id"], r["invoice_no"], r["amount"], r["status"], r["invoiced_on"], r["due_date"], r["milestone"])
            for r in rows] == [
        ("A-000001", "00042", 1234.5, "paid", "2026-03-04", "2026-04-05", "advance"),
        ("A-000001", "00043", 125000.0, "invoiced", "2026-03-05", "2026-04-06", "advance"),
    ]  # fmt: skip


def test_usage_errors(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    src = write_csv(tmp_path / "in.csv", [["company"], ["x"]])
    (tmp_path / "in.json").write_text("[]", encoding="utf-8")
    cases = {
        ("import", "widgets", str(src)): "error: unknown register 'widgets'",
        (
            "import",
            "leads",
            str(src),
            "--map",
            "nope=company",
        ): "error: --map: in.csv has no column 'nope' (its columns: company)",
        (
            "import",
            "leads",
            str(src),
            "--map",
            "company=colour",
        ): "error: --map: leads has no field 'colour'",
        (
            "import",
            "leads",
            str(src),
            "--map-value",
            "status=x",
        ): "error: --map-value 'status=x' is not FIELD:FROM=TO",
        (
            "import",
            "leads",
            str(src),
            "--on-duplicate",
            "merge",
        ): "error: --on-duplicate must be one of error, skip, update",
        ("import", "leads", str(src), "--sheet", "x"): "error: --sheet is for xlsx files",
        ("import", "leads", str(tmp_path / "in.json")): "error: in.json: cannot import .json",
    }
    for args, start in cases.items():
        proc = run_cli(*args, ws=root)
        assert proc.returncode in (1, 2), proc
        assert proc.stderr.startswith(start), proc.stderr
        assert "Traceback" not in proc.stderr


def test_json_summary_and_references_by_name(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    write_csv(
        root / "accounts.csv",
        [
            ["account_id", "name"],
            ["A-000001", "华信科技有限公司"],
            ["A-000002", "华信科技股份有限公司"],
        ],
    )
    write_csv(root / "reps.csv", [["rep_id", "name"], ["S-000001", "王伟"]])
    src = write_csv(tmp_path / "opps.csv", [
        ["商机名称", "客户编号", "负责人", "阶段", "金额", "创建日期"],
        ["ERP", "A-000002", "王伟", "方案制定", "10万", "2026-11-01"],
        ["CRM", "华信科技", "s-000001", "验证商机", "", "2026-11-02"],
    ])  # fmt: skip
    proc = run_cli("import", "opportunities", str(src), ws=root, check=1)
    assert proc.stderr.splitlines()[0] == (
        'error: opps.csv row 3, 客户编号: "华信科技" names 2 records in accounts.csv (A-000001, A-000002); give the ID'
    )
    src = write_csv(tmp_path / "opps.csv", [
        ["商机名称", "客户编号", "负责人", "阶段", "金额", "创建日期"],
        ["ERP", "A-000002", "王伟", "方案制定", "10万", "2026-11-01"],
        ["CRM", "华信科技有限公司 ", "s-000001", "验证商机", "", "2026-11-02"],
        ["BI", "东方", "赵六", "", "", "2026-11-03"],
    ])  # fmt: skip
    proc = run_cli(
        "import", "opportunities", str(src), "--create-missing", "-f", "json", ws=root, check=0
    )
    data = json.loads(proc.stdout)
    assert {k: data[k] for k in ("register", "rows", "added", "updated", "skipped", "created", "errors")} == {
        "register": "opportunities", "rows": 3, "added": 3, "updated": 0, "skipped": 0,
        "created": {"accounts": 1, "reps": 1}, "errors": 0,
    }  # fmt: skip
    opps = records(root, "opportunities")
    assert [(o["opportunity_id"], o["account_id"], o["owner"], o["stage"]) for o in opps] == [
        ("O-000001", "A-000002", "王伟", "solution"),
        ("O-000002", "A-000001", "s-000001", "qualification"),
        ("O-000003", "A-000003", "赵六", "qualification"),
    ]


# ---------------------------------------------------------------- the planner itself


def _plan(rows, register="leads", **kw):
    reg = REGISTERS[register]
    options = ImportOptions(file="x.csv", today=TODAY, **kw)
    refs = {
        "accounts": RefIndex.build(REGISTERS["accounts"], ["A-000001"], ["华信科技有限公司"]),
        "opportunities": RefIndex.build(REGISTERS["opportunities"], []),
        "reps": RefIndex.build(REGISTERS["reps"], ["S-000001"], ["王伟"]),
    }
    return plan_import(rows[0], rows[1:], Target(reg, {"L-000005"}), refs, options)


def test_planner_assigns_ids_after_the_largest_and_defaults_new_records():
    plan = _plan(
        [["lead_id", "company"], ["", "甲"], ["L-000009", "乙"], [None, "丙"], ["", ""]], default_date=TODAY
    )
    assert [(p.row, p.record_id) for p in plan.adds] == [
        (2, "L-000010"),
        (3, "L-000009"),
        (4, "L-000011"),
    ]
    assert plan.adds[0].record["status"] == "new" and plan.adds[0].record["created_on"] == TODAY
    assert plan.rows == 3 and plan.problems == []


def test_planner_is_linear_on_large_files():
    """50,000 leads with distinct phones, e-mails and companies: no quadratic duplicate search."""
    import time

    rows = [["company", "phone", "email", "created_on", "estimated_value", "owner", "source"]]
    rows += [
        [f"公司{i}", f"138{i:08d}", f"u{i}@x.cn", "2026/11/5", "12.5万", "王伟", "展会"]
        for i in range(50_000)
    ]
    rows.append(["公司7", "", "", "2026/11/5", "", "王伟", ""])  # the one duplicate, of row 9
    start = time.perf_counter()
    plan = _plan(rows, on_duplicate="skip")
    elapsed = time.perf_counter() - start
    assert len(plan.adds) == 50_000 and not plan.errors
    assert [(p.row, p.reason) for p in plan.skips] == [(50_002, "same company as row 9")]
    assert plan.adds[-1].record["estimated_value"] == Decimal("125000.00")
    assert plan.adds[-1].record["created_on"] == dt.date(2026, 11, 5)
    assert elapsed < 30, elapsed  # about 2 s on an idle 2-core machine


def test_an_imported_record_has_two_history_rows_naming_its_source_row(tmp_path):
    """One row names the file and row it came from (field `*`), one its status; `show` lists them."""
    import csv as csv_mod

    root = make_workspace(tmp_path / "ws", "csv")
    src = tmp_path / "leads.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        csv_mod.writer(fh).writerows(
            [["company", "phone", "created_on", "notes"], ["Acme", "13800138000", "2026-11-05", "x"], ["Beta", "13900139000", "2026-11-06", "y"]]
        )
    assert run_cli("import", "leads", str(src), ws=root).returncode == 0
    with open(root / "history.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv_mod.DictReader(fh))
    assert [(r["record_id"], r["field"], r["old_value"], r["new_value"]) for r in rows] == [
        ("L-000001", "*", "", "leads.csv row 2"),
        ("L-000001", "status", "", "new"),
        ("L-000002", "*", "", "leads.csv row 3"),
        ("L-000002", "status", "", "new"),
    ]
    shown = json.loads(run_cli("show", "L-000002", "-f", "json", ws=root).stdout)
    assert [(h["field"], h["new_value"]) for h in shown["history"]] == [("*", "leads.csv row 3"), ("status", "new")]


def test_an_empty_required_date_is_an_error_unless_a_default_date_is_given(tmp_path):
    """No date is made up: created_on (quote_date, received_on…) empty in the file is an error naming the
    row, unless --default-date today|DATE says which date to take."""
    root = make_workspace(tmp_path / "ws", "csv")
    src = write_csv(tmp_path / "in.csv", [["company", "created_on"], ["甲", "2026-11-02"], ["乙", ""]])
    proc = run_cli("import", "leads", str(src), ws=root, check=1)
    assert proc.stderr.splitlines() == [
        "error: in.csv row 3, created_on: required value is empty",
        "error: nothing imported: 1 error in 1 row of in.csv",
    ]
    run_cli("import", "leads", str(src), "--default-date", "2026/11/20", ws=root, check=0)
    assert [x["created_on"] for x in records(root, "leads")] == ["2026-11-02", "2026-11-20"]
    proc = run_cli("import", "leads", str(src), "--default-date", "someday", ws=root, check=2)
    assert proc.stderr.startswith('error: --default-date "someday"')
