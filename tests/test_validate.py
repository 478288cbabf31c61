"""`salesops validate`: one broken workspace per error code, each with the exact message it must produce.

The corpus lives in tests/corpus/validate/<code>/: a small coherent company
(the `clean` case validates clean) with exactly one defect, and `expected.txt`
holding the lines validate must print. Every case runs on the CSV files as
written and again converted to xlsx with real date and number cells.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from salesops.cli.validate import check_workspace
from salesops.core import catalogue
from salesops.core.validate import VALIDATIONS
from salesops.problems import ERROR
from salesops.schema import REGISTERS
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace, run_cli, tree_digest

CORPUS = Path(__file__).parent / "corpus" / "validate"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
TODAY = dt.date(2026, 11, 27)
NOT_CSV = {"unreadable-file", "both-formats"}  # their defect is the file itself
NOT_XLSX = NOT_CSV | {"bad-text", "extra-fields"}  # openpyxl cannot write a control character; xlsx has no ragged rows
ALSO = {"hand-deleted": {"dangling-ref"}}  # a row deleted while others refer to it leaves them dangling


def expected_lines(case: str, suffix: str = ".csv") -> list[str]:
    text = (CORPUS / case / "expected.txt").read_text(encoding="utf-8")
    return [
        line.replace(".csv", suffix) if suffix != ".csv" else line for line in text.splitlines()
    ]


def problems_of(root: Path):
    return check_workspace(Workspace(root), TODAY)[0]


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_gives_its_exact_message(case, tmp_path):
    root = tmp_path / case
    shutil.copytree(CORPUS / case, root)
    problems = problems_of(root)
    assert [p.line() for p in problems] == expected_lines(case)
    if case != "clean":
        assert {p.code for p in problems} == {case, *ALSO.get(case, ())}, "a corpus case shows its own code only"
        assert all(p.file for p in problems)


def _to_xlsx(src: Path, dst: Path) -> None:
    """The CSV registers of `src` as xlsx files with real date and number cells."""
    import csv

    from openpyxl import Workbook

    dst.mkdir(parents=True)
    (dst / "salesops.toml").write_text('format = "xlsx"\n', encoding="utf-8")
    for path in src.glob("*.csv"):
        if path.stem not in REGISTERS:  # history.csv stays as it is
            shutil.copy(path, dst / path.name)
            continue
        reg = REGISTERS[path.stem]
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        wb = Workbook()
        ws = wb.active
        ws.append(header)
        for row in rows[1:]:
            cells = []
            for name, text in zip(header, row, strict=True):
                col = reg.by_name.get(name)
                cells.append(_cell(col.type if col else "text", text))
            ws.append(cells)
        wb.save(dst / f"{path.stem}.xlsx")


def _cell(kind: str, text: str):
    if text == "":
        return None
    try:
        if kind == "date":
            return dt.datetime.fromisoformat(text)
        if kind in ("money", "pct"):
            return float(Decimal(text))
        if kind == "int":
            return int(text)
    except (ValueError, ArithmeticError):
        return text  # the defect itself stays text
    return text


@pytest.mark.parametrize("case", [c for c in CASES if c not in NOT_XLSX])
def test_corpus_case_in_xlsx(case, tmp_path):
    root = tmp_path / case
    _to_xlsx(CORPUS / case, root)
    assert [p.line() for p in problems_of(root)] == expected_lines(case, ".xlsx")


def test_every_validation_code_has_a_corpus_case():
    assert set(catalogue.codes("validate")) <= set(CASES)


def test_problems_use_catalogued_codes_and_checks_have_docstrings():
    for case in CASES:
        for line in expected_lines(case):
            assert line.startswith(("error: ", "warning: "))
    assert all(check.__doc__ for check in VALIDATIONS)
    assert "| `dangling-ref` | error |" in catalogue.reference_markdown()


def test_several_defects_are_all_reported_sorted_by_file_and_row(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "clean", root)
    leads = root / "leads.csv"
    leads.write_text(
        leads.read_text(encoding="utf-8")
        + "L-000002,2026-11-05,website,,,,S-000001,,new,\n"
        + "L-000003,11/31/2026,website,东方,,,S-000001,,new,\n",
        encoding="utf-8",
    )
    quotes = root / "quotes.csv"
    quotes.write_text(
        quotes.read_text(encoding="utf-8").replace("2026-12-01", "2026-10-01"), encoding="utf-8"
    )
    lines = [p.line() for p in problems_of(root)]
    assert lines == [
        "error: leads.csv row 3, company: required value is empty",
        'error: leads.csv row 4, created_on: "11/31/2026" is not a date',
        "error: quotes.csv row 2, valid_until: valid_until 2026-10-01 is before quote_date 2026-11-01",
    ]


def test_a_cell_that_does_not_parse_is_not_also_reported_missing(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "bad-date", root)
    problems = problems_of(root)
    assert [(p.code, p.row, p.column) for p in problems] == [("bad-date", 2, "created_on")]


def test_cancelled_receivables_do_not_count_towards_the_contract(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "clean", root)
    path = root / "receivables.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "R-000003,C-000001,A-000001,retention,5,4750.00,,,,,,,cancelled\n",
        encoding="utf-8",
    )
    assert problems_of(root) == []


def test_quote_amount_is_exact_to_the_cent_with_half_cent_rounding(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "clean", root)
    path = root / "quotes.csv"
    text = path.read_text(encoding="utf-8")
    # 333.33 less 12.5 % = 291.66375 → 291.66 (0.01 more or less is wrong)
    path.write_text(text.replace("100000.00,5,95000.00", "333.33,12.5,291.66"), encoding="utf-8")
    assert problems_of(root) == []
    path.write_text(text.replace("100000.00,5,95000.00", "333.33,12.5,291.67"), encoding="utf-8")
    assert [p.code for p in problems_of(root)] == ["quote-amount"]


@pytest.mark.parametrize(
    ("collected", "status", "message"),
    [
        ("10000.00", "partially_paid", None),
        ("28500.00", "paid", None),
        ("0", "partially_paid", "status is partially_paid but nothing has been collected"),
        (
            "28500.00",
            "partially_paid",
            "status is partially_paid but the whole amount has been collected (expected paid)",
        ),
        (
            "10000.00",
            "invoiced",
            "status is invoiced but 10,000.00 has been collected (expected partially_paid or paid)",
        ),
        ("10000.00", "paid", "status is paid but 18,500.00 is outstanding"),
    ],
)
def test_receivable_status_agrees_with_collections(tmp_path, collected, status, message):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "clean", root)
    for name, old, new in (
        ("receivables", "10000.00,2026-11-20,partially_paid", f"{collected},2026-11-20,{status}"),
        ("payments", "10000.00,bank_transfer", f"{collected},bank_transfer"),
    ):
        path = root / f"{name}.csv"
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    if collected == "0":  # nothing collected: no payment either
        (root / "payments.csv").write_text(
            "payment_id,receivable_id,received_on,amount\n", encoding="utf-8"
        )
    problems = [(p.code, p.message) for p in problems_of(root)]
    assert problems == ([("status-amount", message)] if message else [])


# ---------------------------------------------------------------- the command


def test_validate_clean_workspace_says_ok_and_exits_0(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "clean", root)
    proc = run_cli("validate", ws=root, check=0)
    assert proc.stdout.strip() == "ok: 9 registers, 10 rows checked"
    assert proc.stderr == ""


def test_validate_prints_one_line_per_problem_and_exits_1(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "bad-date", root)
    (root / "leads.csv").write_text(
        (root / "leads.csv").read_text(encoding="utf-8").replace("S-000001", "李娜"),
        encoding="utf-8",
    )
    before = tree_digest(root)
    proc = run_cli("validate", ws=root, check=1)
    assert proc.stderr.splitlines() == [
        'error: leads.csv row 2, created_on: "2026-13-45" is not a date',
        'warning: leads.csv row 2, owner: "李娜" is not a rep_id or name in reps.csv',
    ]
    assert proc.stdout.strip() == "1 error, 1 warning (9 registers, 10 rows checked)"
    assert tree_digest(root) == before


def test_warnings_alone_exit_0(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "unknown-owner", root)
    proc = run_cli("validate", ws=root, check=0)
    assert proc.stdout.strip() == "ok: 9 registers, 10 rows checked, 1 warning"
    assert proc.stderr.startswith("warning: leads.csv row 2, owner:")


def test_validate_json_shape(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "dangling-ref", root)
    proc = run_cli("validate", "-f", "json", ws=root, check=1)
    data = json.loads(proc.stdout)
    assert data == {
        "ok": False,
        "errors": 1,
        "warnings": 0,
        "problems": [
            {
                "severity": ERROR,
                "file": "opportunities.csv",
                "row": 2,
                "column": "account_id",
                "record_id": "O-000001",
                "message": '"A-000009" is not an ID in accounts.csv',
            }
        ],
    }
    clean = tmp_path / "clean"
    shutil.copytree(CORPUS / "clean", clean)
    assert json.loads(run_cli("validate", "-f", "json", ws=clean, check=0).stdout) == {
        "ok": True,
        "errors": 0,
        "warnings": 0,
        "problems": [],
    }


def test_validate_csv_and_markdown_to_a_file(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "status-date", root)
    out = tmp_path / "problems.csv"
    run_cli("validate", "-f", "csv", "-o", str(out), ws=root, check=1)
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "severity,code,file,row,column,record_id,message"
    assert (
        lines[1]
        == "error,status-date,opportunities.csv,2,closed_on,O-000001,stage is won but closed_on is empty"
    )
    md = run_cli("validate", "-f", "markdown", ws=root, check=1).stdout
    assert "| error | status-date | opportunities.csv | 2 | closed_on | O-000001 |" in md


def test_validate_reports_an_unreadable_register_and_checks_the_rest(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(CORPUS / "clean", root)
    (root / "payments.csv").unlink()
    (root / "payments.xlsx").write_bytes(b"PK\x03\x04 truncated")
    proc = run_cli("validate", ws=root, check=1)
    assert proc.stderr.startswith("error: payments.xlsx is not a valid xlsx file")
    assert "Traceback" not in proc.stderr
    # without its payments, the receivable's collected amount no longer adds up, but that is
    # not reported: the payments are unknown, not missing
    assert len(proc.stderr.splitlines()) == 1


def test_validate_with_no_registers_is_ok(tmp_path):
    root = make_workspace(tmp_path / "empty", "xlsx")
    assert run_cli("validate", ws=root, check=0).stdout.strip() == "ok: 0 registers, 0 rows checked"


def test_validate_rejects_an_unknown_format(tmp_path):
    root = make_workspace(tmp_path / "empty", "csv")
    proc = run_cli("validate", "-f", "yaml", ws=root, check=2)
    assert proc.stderr.startswith("error: --format must be one of")
