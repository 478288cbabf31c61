"""The second release's registers (contacts, activities, targets) and columns go through everything
the schema drives — init templates, header aliases, validate, list, show, import — on the same code
paths as the first release's registers: no command knows them by name.

Real files in a temp workspace; the real CLI entry point.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from salesops.schema import REGISTERS
from tests.conftest import make_workspace, run_cli, tree_digest

CORPUS_CLEAN = Path(__file__).parent / "corpus" / "validate" / "clean"
NEW = ("contacts", "activities", "targets")


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> None:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)


def company(tmp_path: Path) -> Path:
    """The small coherent company of the validate corpus (an account, a rep, a won deal, cash)."""
    ws = tmp_path / "ws"
    shutil.copytree(CORPUS_CLEAN, ws)
    (ws / "expected.txt").unlink()
    return ws


def listed(ws: Path, register: str, *where: str) -> list[dict]:
    args = [a for w in where for a in ("--where", w)]
    return json.loads(run_cli("list", register, *args, "-f", "json", ws=ws, check=0).stdout)


# ---------------------------------------------------------------- init


def _dropdowns(sheet) -> dict[str, list[str]]:
    """Column letter → the choices of its list validation (inline or on the hidden lists sheet)."""
    out = {}
    for dv in sheet.data_validations.dataValidation:
        letter = re.match(r"[A-Z]+", str(dv.sqref)).group()
        formula = dv.formula1
        if formula.startswith('"'):
            out[letter] = formula.strip('"').split(",")
        else:
            book_sheet, cells = formula.split("!")
            lists = sheet.parent[book_sheet.strip("'")]
            out[letter] = [c.value for row in lists[cells.replace("$", "")] for c in row]
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_init_makes_each_register_a_template_the_same_way(tmp_path, lang):
    import openpyxl
    from openpyxl.utils import get_column_letter

    ws = tmp_path / "ws"
    run_cli("init", str(ws), "--lang", lang, check=0)
    for name, reg in REGISTERS.items():  # the new registers by the same rule as the old ones
        sheet = openpyxl.load_workbook(ws / f"{name}.xlsx").worksheets[0]
        assert [c.value for c in sheet[1]] == [c.header(lang) for c in reg.columns], name
        assert sheet.freeze_panes == "A2" and sheet[1][0].font.bold
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(reg.columns))}1"
        lists = _dropdowns(sheet)
        for j, col in enumerate(reg.columns, 1):
            letter = get_column_letter(j)
            fmt = sheet.column_dimensions[letter].number_format
            if col.enum is not None:
                assert lists[letter] == [col.enum.label(c, lang) for c in col.enum.codes], (
                    name,
                    col.name,
                )
            else:
                assert letter not in lists
            if col.type == "date":
                assert "yy" in fmt.lower(), (name, col.name)
            elif col.type == "money":
                assert fmt == "#,##0.00", (name, col.name)
            elif col.type in ("text", "id", "ref"):
                assert fmt == "@", (name, col.name)  # a typed 2026-11 stays text, not a date
    assert all((ws / f"{name}.xlsx").exists() for name in NEW)


def test_init_in_csv_writes_the_new_headers_in_the_workspace_language(tmp_path):
    ws = tmp_path / "ws"
    run_cli("init", str(ws), "--format", "csv", "--lang", "zh", check=0)
    for name in NEW:
        raw = (ws / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        assert raw.decode("utf-8-sig").splitlines() == [
            ",".join(c.zh for c in REGISTERS[name].columns)
        ]


# ---------------------------------------------------------------- headers, list, show


def test_headers_in_chinese_aliases_any_order_and_user_columns(tmp_path):
    ws = company(tmp_path)
    write_csv(ws / "contacts.csv", [
        ["微信号", "姓名", "客户编号", "决策角色", "ＴＩＴＬＥ", "联系人编号", "爱好"],
        ["zhang_w", "张伟", "A-000001", "决策人", "总经理", "K-000001", "钓鱼"],
        ["", "李娜", "A-000001", "Gatekeeper", "采购经理", "K-000002", ""],
    ])  # fmt: skip
    write_csv(ws / "activities.csv", [
        ["跟进编号", "跟进时间", "关联编号", "跟进方式", "跟进人员", "内容", "下一步计划", "下次跟进时间"],
        ["F-000001", "2026/11/20", "O-000001", "拜访", "王伟", "拜访客户", "发送验收单", "2026年11月30日"],
        ["F-000002", "2026-11-21", "R-000001", "催款", "S-000001", "电话催款", "", ""],
    ])  # fmt: skip
    write_csv(ws / "targets.csv", [
        ["目标编号", "期间", "范围", "对象", "指标", "目标值"],
        ["T-000001", "2026年11月", "公司", "", "签约金额", "10万"],
        ["T-000002", "2026年第四季度", "个人", "王伟", "回款", "¥300,000"],
        ["T-000003", "2026", "团队", "华东", "新增线索", "12"],
    ])  # fmt: skip
    run_cli("validate", ws=ws, check=0)
    contacts = listed(ws, "contacts")
    assert [(c["contact_id"], c["role"], c["wechat"], c["title"], c["爱好"]) for c in contacts] == [
        ("K-000001", "decision_maker", "zhang_w", "总经理", "钓鱼"),
        ("K-000002", "gatekeeper", None, "采购经理", None),
    ]
    assert [c["name"] for c in listed(ws, "联系人", "role=决策人")] == ["张伟"]
    acts = listed(ws, "follow-ups", "type=reminder")
    assert [(a["activity_id"], a["on"], a["by"]) for a in acts] == [
        ("F-000002", "2026-11-21", "S-000001")
    ]
    assert listed(ws, "activities", "next_on>=2026-11-30")[0]["next_step"] == "发送验收单"
    targets = listed(ws, "targets")
    assert [(t["period"], t["scope"], t["metric"], t["amount"]) for t in targets] == [
        ("2026-11", "company", "bookings", 100000),
        ("2026-Q4", "rep", "collections", 300000),
        ("2026", "team", "new_leads", 12),
    ]
    assert [t["target_id"] for t in listed(ws, "targets", "period=2026年第4季度")] == ["T-000002"]


def test_show_gives_an_activity_and_a_contact_the_chain_of_what_they_are_about(tmp_path):
    ws = company(tmp_path)
    write_csv(
        ws / "contacts.csv",
        [["contact_id", "account_id", "name"], ["K-000001", "A-000001", "张伟"]],
    )
    write_csv(ws / "activities.csv", [
        ["activity_id", "on", "record_id", "type", "by", "summary"],
        ["F-000001", "2026-11-21", "R-000001", "reminder", "王伟", "电话催款"],
    ])  # fmt: skip
    shown = json.loads(run_cli("show", "F-000001", "-f", "json", ws=ws, check=0).stdout)
    assert shown["register"] == "activities" and shown["record"]["record_id"] == "R-000001"
    ids = [c["id"] for c in shown["chain"]]
    assert {"R-000001", "C-000001", "O-000001", "P-000001"} <= set(ids)
    contact = json.loads(run_cli("show", "K-000001", "-f", "json", ws=ws, check=0).stdout)
    assert contact["chain"][0] == {
        "register": "accounts", "id": "A-000001", "status": None, "amount": None, "date": None, "name": "华信科技有限公司",
    }  # fmt: skip
    assert {"O-000001", "C-000001", "R-000002"} <= {c["id"] for c in contact["chain"]}
    write_csv(
        ws / "targets.csv",
        [
            ["target_id", "period", "scope", "metric", "amount"],
            ["T-1", "2026", "company", "bookings", "1"],
        ],
    )
    target = json.loads(run_cli("show", "T-1", "-f", "json", ws=ws, check=0).stdout)
    assert target["record"]["period"] == "2026" and target["chain"] == []


# ---------------------------------------------------------------- validate


def defects(ws: Path) -> None:
    write_csv(ws / "opportunities.csv", [
        ["opportunity_id", "name", "account_id", "owner", "stage", "amount", "probability", "created_on",
         "closed_on", "lost_reason", "sr", "fr"],
        ["O-000001", "ERP升级", "A-000001", "王伟", "won", "95000.00", "100", "2026-10-01", "2026-11-10", "",
         "王伟", "赵六"],
    ])  # fmt: skip
    write_csv(ws / "reps.csv", [
        ["rep_id", "name", "team", "active", "role"],
        ["S-000001", "王伟", "华东", "yes", "经理"],
    ])  # fmt: skip
    write_csv(ws / "contacts.csv", [
        ["contact_id", "account_id", "name", "role"],
        ["K-000001", "A-000009", "张伟", "decision_maker"],
        ["K-000002", "A-000001", "", "user"],
    ])  # fmt: skip
    write_csv(ws / "activities.csv", [
        ["activity_id", "on", "record_id", "account_id", "type", "by", "summary", "next_step", "next_on"],
        ["F-000001", "2026-11-20", "X-000404", "", "visit", "王伟", "拜访", "", ""],
        ["F-000002", "2026-11-20", "O-000001", "A-000002", "call", "王伟", "电话", "", ""],
        ["F-000003", "2026-11-20", "L-000001", "", "carrier pigeon", "李四", "飞鸽", "回信", "2026-11-10"],
        ["F-000003", "2026-11-21", "A-000001", "A-000001", "visit", "王伟", "拜访", "", ""],
    ])  # fmt: skip
    write_csv(ws / "accounts.csv", [
        ["account_id", "name", "owner", "unapplied_amount"],
        ["A-000001", "华信科技有限公司", "王伟", "五千"],
        ["A-000002", "东方电子有限公司", "王伟", ""],
    ])  # fmt: skip


EXPECTED = [
    'error: accounts.csv row 2, unapplied_amount: "五千" is not an amount of money',
    'error: reps.csv row 2, role: "经理" is not a role (expected one of: rep, manager, director, finance, legal)',
    'warning: opportunities.csv row 2, fr: "赵六" is not a rep_id or name in reps.csv',
    'error: contacts.csv row 2, account_id: "A-000009" is not an ID in accounts.csv',
    "error: contacts.csv row 3, name: required value is empty",
    'error: activities.csv row 2, record_id: "X-000404" is not an ID in leads.csv, opportunities.csv, accounts.csv, contracts.csv or receivables.csv',
    'error: activities.csv row 3, account_id: "A-000002" is not the account of O-000001 ("A-000001")',
    'error: activities.csv row 4, type: "carrier pigeon" is not an activity type (expected one of: visit, call, wechat, email, meeting, demo, reminder, other)',
    'warning: activities.csv row 4, by: "李四" is not a rep_id or name in reps.csv',
    "error: activities.csv row 4, next_on: next_on 2026-11-10 is before on 2026-11-20",
    'error: activities.csv row 5, activity_id: duplicate ID "F-000003" (first on row 4)',
]


def test_validate_checks_the_new_registers_like_the_old(tmp_path):
    ws = company(tmp_path)
    defects(ws)
    proc = run_cli("validate", ws=ws, check=1)
    lines = [
        line
        for line in proc.stderr.splitlines() + proc.stdout.splitlines()
        if line.startswith(("error:", "warning:"))
    ]
    got = sorted(lines, key=lambda line: EXPECTED.index(line) if line in EXPECTED else -1)
    assert got == EXPECTED, "\n".join(lines)


def test_validate_the_same_in_xlsx_with_real_cells(tmp_path):
    import openpyxl

    ws = company(tmp_path)
    defects(ws)
    (ws / "salesops.toml").write_text('format = "xlsx"\n', encoding="utf-8")
    for path in list(ws.glob("*.csv")):
        reg = REGISTERS[path.stem]
        rows = list(csv.reader(path.open(encoding="utf-8-sig")))
        book = openpyxl.Workbook()
        for r, row in enumerate(rows):
            cells = []
            for name, text in zip(rows[0], row, strict=True):
                col = reg.by_name.get(name)
                if r and col is not None and col.type == "date" and text:
                    cells.append(dt.datetime.fromisoformat(text))  # a real date cell
                else:
                    cells.append(text or None)
            book.active.append(cells)
        book.save(ws / f"{path.stem}.xlsx")
        path.unlink()
    proc = run_cli("validate", ws=ws, check=1)
    lines = {
        line
        for line in proc.stderr.splitlines() + proc.stdout.splitlines()
        if line.startswith(("error:", "warning:"))
    }
    assert lines == {line.replace(".csv", ".xlsx") for line in EXPECTED}


# ---------------------------------------------------------------- import


def test_import_contacts_from_a_gbk_csv_naming_the_account(tmp_path):
    ws = company(tmp_path)
    source = tmp_path / "联系人导出.csv"
    write_csv(source, [
        ["客户编号", "姓名", "职位", "角色", "电话", "微信号"],
        ["华信科技有限公司", "张伟", "总经理", "决策人", "013800001111", "zw_01"],
        ["A-000001", "李娜", "采购经理", "把关人", "13900002222", ""],
    ], encoding="gb18030")  # fmt: skip
    run_cli("import", "contacts", str(source), ws=ws, check=0)
    contacts = listed(ws, "contacts")
    assert [(c["contact_id"], c["account_id"], c["role"], c["phone"]) for c in contacts] == [
        ("K-000001", "A-000001", "decision_maker", "013800001111"),
        ("K-000002", "A-000001", "gatekeeper", "13900002222"),
    ]
    history = (ws / "history.csv").read_text("utf-8-sig")
    assert " import contacts " in history and "K-000002" in history
    run_cli("validate", ws=ws, check=0)


def test_import_refuses_activities_about_no_record_and_targets_with_no_period(tmp_path):
    ws = company(tmp_path)
    before = tree_digest(ws)
    acts = tmp_path / "acts.csv"
    write_csv(acts, [
        ["on", "record_id", "type", "by", "summary"],
        ["2026-11-26", "O-000001", "拜访", "王伟", "拜访客户"],
        ["2026-11-26", "Q-000001", "电话", "王伟", "报价跟进"],
    ])  # fmt: skip
    proc = run_cli("import", "activities", str(acts), ws=ws, check=1)
    assert (
        'error: acts.csv row 3, record_id: "Q-000001" is not an ID in leads.csv, opportunities.csv, '
        "accounts.csv, contracts.csv or receivables.csv"
    ) in proc.stderr
    targets = tmp_path / "targets.csv"
    write_csv(targets, [
        ["period", "scope", "metric", "amount"],
        ["2026年11月", "company", "bookings", "100000"],
        ["2026-13", "company", "bookings", "100000"],
    ])  # fmt: skip
    proc = run_cli("import", "targets", str(targets), ws=ws, check=1)
    assert (
        'error: targets.csv row 3, period: "2026-13" is not a period (2026, 2026-Q4 or 2026-11)'
        in proc.stderr
    )
    assert tree_digest(ws) == before  # all or nothing
    write_csv(
        targets,
        [["period", "scope", "metric", "amount"], ["2026年11月", "company", "bookings", "100000"]],
    )
    run_cli("import", "targets", str(targets), ws=ws, check=0)
    assert (
        (ws / "targets.csv")
        .read_text("utf-8-sig")
        .splitlines()[1]
        .startswith("T-000001,2026-11,company")
    )


def test_a_workspace_of_the_first_release_reads_without_the_new_columns(tmp_path):
    ws = company(
        tmp_path
    )  # its reps, opportunities and accounts have no role, sr, fr, unapplied_amount
    assert listed(ws, "reps")[0]["role"] is None
    assert listed(ws, "opportunities")[0]["sr"] is None
    for name in NEW:
        assert listed(ws, name) == []
    run_cli("validate", ws=ws, check=0)
    assert not any((ws / f"{n}.csv").exists() for n in NEW)  # reading creates nothing


def test_new_workspace_dates_stay_dates_and_ids_text(tmp_path):
    ws = make_workspace(tmp_path / "ws", fmt="csv")
    write_csv(ws / "activities.csv", [
        ["activity_id", "on", "record_id", "type", "by", "summary"],
        ["000123", "45987", "00042", "call", "王伟", "电话"],
    ])  # fmt: skip
    (row,) = listed(ws, "activities")
    assert row["activity_id"] == "000123" and row["record_id"] == "00042"
    assert row["on"] == (dt.date(1899, 12, 30) + dt.timedelta(days=45987)).isoformat()


def test_the_cores_reference_check_takes_a_reference_over_several_registers():
    """What `advance --set` (and any command setting a field) uses: an activity's record_id may name
    a lead, an opportunity, an account, a contract or a receivable, and nothing else."""
    from salesops.core.flow import _check_refs
    from tests.memory_store import MemoryStore

    store = MemoryStore({
        "leads": [{"lead_id": "L-1"}], "contracts": [{"contract_id": "C-1"}], "quotes": [{"quote_id": "Q-1"}],
        "activities": [{"activity_id": "F-1", "record_id": "L-1"}],
    })  # fmt: skip
    acts = store("activities")
    assert _check_refs(store, acts, 0, {"record_id": "C-1"}) == []
    assert _check_refs(store, acts, 0, {"record_id": "L-1", "account_id": None}) == []
    (problem,) = _check_refs(store, acts, 0, {"record_id": "Q-1"})
    assert problem.code == "dangling-ref" and problem.column == "record_id"
    assert problem.message == (
        "F-1: record_id Q-1 is not in memory:leads, memory:opportunities, memory:accounts, "
        "memory:contracts or memory:receivables"
    )
    (problem,) = _check_refs(store, acts, 0, {"account_id": "A-9"})
    assert problem.message == "F-1: account_id A-9 is not in memory:accounts"
