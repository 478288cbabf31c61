"""`salesops init`: a new user's first command, in both formats and both languages."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from salesops import schema
from salesops.settings import template_text
from tests.conftest import REPO, make_workspace, run_cli, tree_digest

REGISTER_NAMES = list(schema.REGISTERS)


def files(path: Path) -> set[str]:
    return {p.name for p in path.iterdir() if p.is_file()}


def test_init_creates_every_register_with_styled_headers_and_dropdowns(tmp_path):
    import openpyxl

    ws = tmp_path / "new" / "workspace"
    proc = run_cli("init", str(ws), check=0)
    assert files(ws) == {f"{n}.xlsx" for n in REGISTER_NAMES} | {"salesops.toml"}
    assert "created  salesops.toml" in proc.stdout and "created  leads.xlsx" in proc.stdout
    book = openpyxl.load_workbook(ws / "leads.xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [c.name for c in schema.LEADS.columns]
    assert sheet.freeze_panes == "A2"
    assert sheet[1][0].font.bold
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    status_col = sheet.cell(1, header.index("status") + 1).column_letter
    source_col = sheet.cell(1, header.index("source") + 1).column_letter
    for col, enum in ((status_col, schema.LEAD_STATUS), (source_col, schema.LEAD_SOURCE)):
        formula = next(f for ref, f in lists.items() if ref.startswith(col))
        assert all(code in formula for code in enum.codes)
    date_letter = sheet.cell(1, header.index("created_on") + 1).column_letter
    assert (
        "yy" in sheet.column_dimensions[date_letter].number_format.lower()
    )  # typed dates show as dates


def test_init_csv_in_chinese(tmp_path):
    ws = tmp_path / "ws"
    run_cli("init", str(ws), "--format", "csv", "--lang", "zh", check=0)
    assert files(ws) == {f"{n}.csv" for n in REGISTER_NAMES} | {"salesops.toml"}
    raw = (ws / "opportunities.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0].split(",") == [
        c.zh for c in schema.OPPORTUNITIES.columns
    ]
    settings = tomllib.loads((ws / "salesops.toml").read_text("utf-8"))
    assert settings["format"] == "csv" and settings["lang"] == "zh"
    # the rest of the template (comments, every section) is kept
    assert len((ws / "salesops.toml").read_text("utf-8").splitlines()) == len(
        template_text().splitlines()
    )
    assert "# salesops settings" in (ws / "salesops.toml").read_text("utf-8")


def test_init_never_overwrites_and_says_what_it_kept(tmp_path):
    ws = make_workspace(tmp_path / "ws", fmt="csv")
    (ws / "salesops.toml").write_text('format = "csv"\nlang = "en"\n# mine\n', encoding="utf-8")
    (ws / "leads.csv").write_text(
        "lead_id,created_on,company,status,my column\nL-1,2026-01-02,甲公司,new,keep me\n",
        encoding="utf-8",
    )
    before = {n: (ws / n).read_bytes() for n in ("salesops.toml", "leads.csv")}
    proc = run_cli("init", str(ws), check=0)
    assert "kept     leads.csv" in proc.stdout and "kept     salesops.toml" in proc.stdout
    assert {n: (ws / n).read_bytes() for n in before} == before
    assert files(ws) == {f"{n}.csv" for n in REGISTER_NAMES} | {
        "salesops.toml"
    }  # the settings' format
    digest = tree_digest(ws)
    again = run_cli("init", str(ws), check=0)
    assert "Nothing to create" in again.stdout
    assert tree_digest(ws) == digest


def test_format_asked_differs_from_the_kept_settings(tmp_path):
    ws = make_workspace(tmp_path / "ws", fmt="csv")
    proc = run_cli("init", str(ws), "--format", "xlsx", check=0)
    assert "keeps format" in proc.stderr
    assert (ws / "leads.xlsx").exists() and 'format = "csv"' in (ws / "salesops.toml").read_text(
        "utf-8"
    )


def test_sample_refuses_to_mix_with_existing_registers(tmp_path):
    ws = make_workspace(tmp_path / "ws", fmt="csv")
    (ws / "accounts.csv").write_text(
        "account_id,name\nA-000001,我的客户有限公司\n", encoding="utf-8"
    )
    digest = tree_digest(ws)
    proc = run_cli("init", str(ws), "--sample", check=1)
    assert proc.stderr.startswith("error: ") and "accounts.csv" in proc.stderr
    assert tree_digest(ws) == digest


@pytest.mark.parametrize("args", [("--format", "ods"), ("--lang", "fr")])
def test_bad_choices_are_usage_errors(tmp_path, args):
    proc = run_cli("init", str(tmp_path / "ws"), *args, check=2)
    assert "error:" in proc.stderr and not (tmp_path / "ws" / "leads.xlsx").exists()


def test_a_file_in_the_way_is_a_usage_error(tmp_path):
    (tmp_path / "ws").write_text("not a folder")
    proc = run_cli("init", str(tmp_path / "ws"), check=2)
    assert "not a folder" in proc.stderr


def test_init_uses_the_workspace_option(tmp_path):
    ws = tmp_path / "via-option"
    run_cli("init", "--format", "csv", ws=ws, check=0)
    assert (ws / "reps.csv").exists()


# csv/en is the committed sample_data, validated below
@pytest.mark.parametrize("fmt,lang", [("xlsx", "en"), ("xlsx", "zh"), ("csv", "zh")])
def test_sample_workspace_is_coherent_and_validates_clean(tmp_path, fmt, lang):
    ws = tmp_path / "demo"
    proc = run_cli("init", str(ws), "--sample", "--format", fmt, "--lang", lang, check=0)
    if lang == "zh":  # the workspace's language from the first line on
        assert "已创建  leads" in proc.stdout and "（150 行）" in proc.stdout and "created" not in proc.stdout
    else:
        assert "created  leads" in proc.stdout and "(150 rows)" in proc.stdout
    assert (ws / "history.csv").exists()
    for name in ("contacts", "activities", "targets"):  # the second release's registers are filled too
        counted = r"（\d{3} 行）" if lang == "zh" else r" \(\d{3} rows\)"
        assert re.search(rf"{name}\.{fmt}{counted}", proc.stdout), proc.stdout
    settings = tomllib.loads((ws / "salesops.toml").read_text("utf-8"))
    assert settings["lang"] == lang and settings["commission"]["plans"]["managers"]["roles"] == ["manager"]
    report = run_cli("validate", "-f", "json", ws=ws)
    data = json.loads(report.stdout)
    assert report.returncode == 0 and data["errors"] == 0, data["problems"][:10]
    assert data["warnings"] == 0, data["problems"][:10]
    opps = json.loads(run_cli("list", "opportunities", "-f", "json", ws=ws, check=0).stdout)
    assert len(opps) == 62 and {o["stage"] for o in opps} == set(
        schema.OPP_STAGE.codes
    )  # canonical codes in JSON
    leads = ws / f"leads.{fmt}"
    if fmt == "csv":
        text = leads.read_text("utf-8-sig")
        assert text.startswith("线索编号,创建日期" if lang == "zh" else "lead_id,created_on")
        assert ("已转化" if lang == "zh" else "converted") in text
    else:
        import datetime as dt

        import openpyxl

        sheet = openpyxl.load_workbook(leads).worksheets[0]
        assert sheet["A1"].value == ("线索编号" if lang == "zh" else "lead_id")
        assert isinstance(sheet["B2"].value, dt.datetime)  # created_on is a real date cell
        statuses = {
            row[0] for row in sheet.iter_rows(min_row=2, min_col=14, max_col=14, values_only=True)
        }
        assert statuses == {schema.LEAD_STATUS.label(c, lang) for c in schema.LEAD_STATUS.codes}


def test_committed_sample_data_validates_clean(tmp_path):
    ws = tmp_path / "sample_data"
    shutil.copytree(REPO / "sample_data", ws)
    report = run_cli("validate", "-f", "json", ws=ws)
    data = json.loads(report.stdout)
    assert report.returncode == 0 and data["errors"] == 0 and data["warnings"] == 0, data[
        "problems"
    ][:10]
