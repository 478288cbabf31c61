"""Deterministic benchmark workspaces: scales tiny, S, M (xlsx) and L (CSV).

    python benchmarks/generate.py M            # -> benchmarks/data/M/
    python benchmarks/generate.py L --force    # regenerate

M is a coherent company (100,000 leads, 30,000 opportunities, 20,000 quotes,
10,000 contracts with one delivery each, 30,000 receivables, ~30,000 payments,
8,000 accounts, 60 reps) written as xlsx registers the way Excel writes them:
shared strings, styled header, frozen pane, autofilter, column widths, real
date cells, a user column the tool does not know and an extra user sheet.
S is M at 1/10, tiny at 1/500 (for the smoke test).

L is 1,000,000 receivables and their payments (plus 20,000 accounts) as CSV
registers, as salesops itself writes them (UTF-8 with BOM, CRLF, ISO dates).

Everything derives from a fixed seed, and the xlsx zip entries carry a fixed
timestamp, so the same scale always produces the same bytes. Generated data
is cached under benchmarks/data/<scale>/ (git-ignored) with a stamp file;
`ensure(scale)` regenerates only when the generator version changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
VERSION = "7"  # bump when the generated data changes
AS_OF = dt.date(2026, 11, 27)
START = dt.date(2024, 12, 1)
EPOCH = dt.date(1899, 12, 30)  # Excel serial 0

M_SHAPE = {
    "reps": 60,
    "accounts": 8_000,
    "leads": 100_000,
    "opportunities": 30_000,
    "contracts": 10_000,
}
SCALES = {"tiny": 0.002, "S": 0.1, "M": 1.0}
L_RECEIVABLES = {"L": 1_000_000, "L-tiny": 2_000}
# The second shape, unlike the first on every axis a reader cares about: 24,000 accounts with
# Chinese names, 10-digit invoice numbers as receivable IDs, dates in mixed forms (ISO,
# 2026/11/5, 2026年11月5日 in CSV; Excel serial numbers beside date cells in xlsx), more user columns.
MIXED = {"M2": ("M", 1.0), "tiny2": ("M", 0.002), "L2": ("L", 1_000_000), "L2-tiny": ("L", 2_000)}
MIXED_ACCOUNTS = 24_000

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "强",
    "洋",
    "艳",
    "杰",
    "军",
    "勇",
    "婷",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "丽",
]
CITIES = [
    "上海",
    "北京",
    "深圳",
    "广州",
    "杭州",
    "苏州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "天津",
    "重庆",
    "长沙",
    "青岛",
    "厦门",
    "宁波",
    "合肥",
    "郑州",
    "济南",
    "大连",
]
WORDS = [
    "恒达",
    "华信",
    "中科",
    "新元",
    "天合",
    "东方",
    "瑞丰",
    "博远",
    "金桥",
    "永泰",
    "凯盛",
    "宏图",
    "正泰",
    "联创",
    "海纳",
    "鼎盛",
    "安捷",
    "云帆",
    "汇通",
    "嘉禾",
    "明德",
    "启航",
    "卓越",
    "星河",
    "长城",
    "国信",
    "华美",
    "锦程",
    "众诚",
    "德润",
    "晨光",
    "远景",
    "九州",
    "百川",
    "同心",
    "思源",
    "睿智",
    "盛世",
    "万通",
    "至诚",
]
TRADES = ["科技", "电子", "机械", "医疗", "物流", "能源", "软件", "材料", "环保", "食品"]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"]
INDUSTRIES = ["制造", "零售", "金融", "医疗", "教育", "能源", "物流", "互联网"]
REGIONS = ["华东", "华北", "华南", "西南", "华中", "西北"]
SOURCES = ["website", "referral", "exhibition", "cold_call", "partner", "campaign", "other"]
LOST_REASONS = ["价格过高", "选择竞争对手", "预算取消", "需求变更", "无决策人"]
COMPETITORS = ["", "甲公司", "乙科技", "丙集团", "丁软件"]
DISQ_REASONS = ["无预算", "非目标客户", "联系不上", "重复线索"]
METHODS = ["bank_transfer", "bank_transfer", "bank_transfer", "acceptance_bill", "cash", "other"]


# ------------------------------------------------------------------ helpers


def day(n) -> dt.date:
    return START + dt.timedelta(days=int(n))


SPAN = (AS_OF - START).days


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(1, n + 1)]


def company_names(rng: np.random.Generator, n: int) -> list[str]:
    """`n` distinct Chinese company names."""
    total = len(CITIES) * len(WORDS) * len(TRADES) * len(SUFFIXES)
    picks = rng.choice(total, size=min(n, total), replace=False)
    out = []
    for k in picks:
        k = int(k)
        k, s = divmod(k, len(SUFFIXES))
        k, t = divmod(k, len(TRADES))
        c, w = divmod(k, len(WORDS))
        out.append(f"{CITIES[c]}{WORDS[w]}{TRADES[t]}{SUFFIXES[s]}")
    i = 0
    while len(out) < n:  # beyond the combinations: numbered branches
        out.append(f"{out[i]}第{len(out) // total + 1}分公司")
        i += 1
    return out


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n)
    g1 = rng.integers(0, len(GIVEN), n)
    g2 = rng.integers(-8, len(GIVEN), n)  # negative: a one-character given name
    return [
        SURNAMES[a] + GIVEN[b] + (GIVEN[c] if c >= 0 else "")
        for a, b, c in zip(s, g1, g2, strict=True)
    ]


def money(cents: int) -> float:
    return cents / 100


# ------------------------------------------------------------------ xlsx writing (raw XML, streaming)

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>
<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/></font><font><i/><sz val="11"/><color rgb="FF7F7F7F"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FF1F4E78"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
S_HEADER, S_DATE, S_MONEY, S_USER = 1, 2, 3, 4

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application></Properties>"""
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>sales ops</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2026-01-05T09:00:00Z</dcterms:created></cp:coreProperties>"""


def col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(
    path: Path,
    header: list[str],
    kinds: list[str],
    columns: list[list],
    widths: list[float] | None = None,
) -> None:
    """Write a register as Excel would: shared strings, styles, frozen header, filter, a notes sheet.

    `kinds` per column: text | date | money | int | user; `columns` are
    column-major lists of values (None = empty cell; dates as datetime.date,
    money as integer cents).
    """
    n = len(columns[0]) if columns else 0
    letters = [col_letter(j) for j in range(len(header))]
    strings: dict[str, int] = {}

    def sst(text: str) -> int:
        k = strings.get(text)
        if k is None:
            k = strings[text] = len(strings)
        return k

    # per-column cell renderers, producing the part after `<c r="A2"`
    def render(kind: str, values: list) -> list[str | None]:
        out: list[str | None] = []
        if kind == "date":
            for v in values:
                out.append(None if v is None else f' s="{S_DATE}"><v>{(v - EPOCH).days}</v></c>')
        elif kind == "serial":  # a date cell, or its serial number as a plain number (every third)
            for k, v in enumerate(values):
                style = "" if k % 3 == 1 else f' s="{S_DATE}"'
                out.append(None if v is None else f"{style}><v>{(v - EPOCH).days}</v></c>")
        elif kind == "money":
            for v in values:
                if v is None:
                    out.append(None)
                else:
                    out.append(
                        f' s="{S_MONEY}"><v>{v // 100}</v></c>'
                        if v % 100 == 0
                        else f' s="{S_MONEY}"><v>{v / 100!r}</v></c>'
                    )
        elif kind == "int":
            for v in values:
                out.append(None if v is None else f"><v>{v}</v></c>")
        else:
            style = f' s="{S_USER}"' if kind == "user" else ""
            for v in values:
                out.append(None if v is None or v == "" else f'{style} t="s"><v>{sst(v)}</v></c>')
        return out

    head = "".join(
        f'<c r="{letters[j]}1" s="{S_HEADER}" t="s"><v>{sst(h)}</v></c>'
        for j, h in enumerate(header)
    )
    cells = [render(k, v) for k, v in zip(kinds, columns, strict=True)]
    last = letters[-1]
    widths = widths or [14.0] * len(header)
    cols_xml = "".join(
        f'<col min="{j + 1}" max="{j + 1}" width="{w}" customWidth="1"/>'
        for j, w in enumerate(widths)
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:{last}{n + 1}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols_xml}</cols><sheetData>"
        f'<row r="1" spans="1:{len(header)}">{head}</row>'
    ]
    rows_t = list(zip(*cells, strict=True)) if n else []
    span = f' spans="1:{len(header)}"'
    for i, row in enumerate(rows_t):
        r = i + 2
        parts.append(
            f'<row r="{r}"{span}>'
            + "".join(f'<c r="{letters[j]}{r}"{c}' for j, c in enumerate(row) if c is not None)
            + "</row>"
        )
    parts.append(f'</sheetData><autoFilter ref="A1:{last}{n + 1}"/>')
    parts.append(
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    )
    sheet1 = "".join(parts)
    sst_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    sheet2 = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>说明 / Notes</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>This sheet belongs to the user; salesops must keep it.</t></is></c><c r="B2"><v>42</v></c></row>'
        "</sheetData></worksheet>"
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/></bookViews>'
        f'<sheets><sheet name="{path.stem}" sheetId="1" r:id="rId1"/><sheet name="Notes" sheetId="2" r:id="rId2"/></sheets>'
        f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{path.stem}!$A$1:${last}${n + 1}</definedName></definedNames>'
        "</workbook>"
    )
    tmp = path.with_suffix(".tmp")
    stamp = (2026, 1, 5, 9, 0, 0)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("docProps/app.xml", APP),
            ("docProps/core.xml", CORE),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
            ("xl/sharedStrings.xml", sst_xml),
            ("xl/worksheets/sheet1.xml", sheet1),
            ("xl/worksheets/sheet2.xml", sheet2),
        ):
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data.encode("utf-8"), compresslevel=6)
    tmp.replace(path)


def write_csv(path: Path, header: list[str], columns: list[list], extra: list[str] = ()) -> None:
    """Write a CSV register as salesops does: UTF-8 with BOM, CRLF, ISO dates, 2-decimal money.
    `extra`: the headers of user columns, the last of `columns`."""
    header = header[: len(columns) - len(extra)] + list(extra)  # unfilled schema columns left out
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(",".join(header) + "\r\n")
        for row in zip(*columns, strict=True):
            fh.write(",".join(row) + "\r\n")


# ------------------------------------------------------------------ the M-shaped company


def _schema_header(name: str) -> list[str]:
    from salesops.schema import REGISTERS

    return [c.name for c in REGISTERS[name].columns]


def _kinds(name: str, header: list[str]) -> list[str]:
    from salesops.schema import REGISTERS

    reg = REGISTERS[name]
    out = []
    for h in header:
        col = reg.by_name.get(h)
        if col is None:
            out.append("user")
        elif col.type in ("date", "money", "int"):
            out.append(col.type)
        elif col.type == "pct":
            out.append("int")  # whole percentages in the generated data
        else:
            out.append("text")
    return out


def company(root: Path, factor: float, seed: int = 20261127, mixed: bool = False) -> dict[str, int]:
    """Write the xlsx registers of an M-shaped company scaled by `factor`; returns row counts.

    `mixed`: the second shape (see MIXED)."""
    rng = np.random.default_rng(seed)
    n_reps = max(8, int(M_SHAPE["reps"] * max(factor, 0.2)))
    n_acc = max(20, int((MIXED_ACCOUNTS if mixed else M_SHAPE["accounts"]) * factor))
    n_leads = max(50, int(M_SHAPE["leads"] * factor))
    n_opp = max(30, int(M_SHAPE["opportunities"] * factor))
    n_con = max(10, int(M_SHAPE["contracts"] * factor))
    tables: dict[str, dict[str, list]] = {}

    # reps ----------------------------------------------------------------
    team_names = ["华东一部", "华东二部", "华北部", "华南部", "西南部", "华中部"]
    rep_ids = ids("S-", n_reps)
    rep_names: list[str] = []
    seen: set[str] = set()
    names = person_names(rng, n_reps * 4)
    for nm in names:
        if nm not in seen:
            seen.add(nm)
            rep_names.append(nm)
        if len(rep_names) == n_reps:
            break
    rep_team = [team_names[i % len(team_names)] for i in range(n_reps)]
    managers = {t: rep_names[i] for i, t in enumerate(team_names[: min(6, n_reps)])}
    tables["reps"] = {
        "rep_id": rep_ids,
        "name": rep_names,
        "team": rep_team,
        "region": [REGIONS[i % len(REGIONS)] for i in range(n_reps)],
        "manager": [managers.get(t, rep_names[0]) for t in rep_team],
        "active": ["no" if i % 17 == 16 else "yes" for i in range(n_reps)],
        "monthly_target": [int(x) * 100_000_00 for x in rng.integers(3, 12, n_reps)],
    }
    active = [i for i in range(n_reps) if i % 17 != 16]

    def owners(k: int) -> list[str]:
        return [rep_names[active[j]] for j in rng.integers(0, len(active), k)]

    # accounts ------------------------------------------------------------
    acc_ids = ids("A-", n_acc)
    acc_names = company_names(rng, n_acc)
    acc_terms = rng.choice([30, 45, 60, 90], n_acc)
    tables["accounts"] = {
        "account_id": acc_ids,
        "name": acc_names,
        "industry": [INDUSTRIES[k] for k in rng.integers(0, len(INDUSTRIES), n_acc)],
        "region": [REGIONS[k] for k in rng.integers(0, len(REGIONS), n_acc)],
        "owner": owners(n_acc),
        "credit_limit": [int(x) * 100_000_00 for x in rng.integers(1, 50, n_acc)],
        "payment_terms_days": [int(x) for x in acc_terms],
        "created_on": [day(x) for x in rng.integers(0, 60, n_acc)],
        "notes": [None] * n_acc,
    }

    # opportunities: stages first, dates backwards from the milestones ----
    n_won = n_con
    rest = n_opp - n_won
    stage_counts = {
        "lost": int(rest * 0.2),
        "negotiation": int(rest * 0.2),
        "proposal": int(rest * 0.2),
        "solution": int(rest * 0.15),
        "needs_analysis": int(rest * 0.125),
    }
    stage_counts["qualification"] = rest - sum(stage_counts.values())
    stages = ["won"] * n_won
    for s, k in stage_counts.items():
        stages += [s] * k
    stages_arr = np.array(stages)
    rng.shuffle(stages_arr)
    stages = stages_arr.tolist()
    opp_ids = ids("O-", n_opp)
    opp_acc = rng.integers(0, n_acc, n_opp)
    won_mask = stages_arr == "won"
    created = np.where(
        won_mask, rng.integers(60, SPAN - 420, n_opp), rng.integers(60, SPAN - 20, n_opp)
    )
    list_amount = rng.integers(1, 200, n_opp) * 10_000_00  # cents, whole 10,000s
    discount = rng.choice([0, 0, 5, 8, 10, 12, 15], n_opp)
    quote_amount = list_amount * (100 - discount) // 100
    quote_date = created + rng.integers(5, 40, n_opp)
    signed = quote_date + rng.integers(1, 20, n_opp)
    prob = {
        "qualification": 10,
        "needs_analysis": 20,
        "solution": 40,
        "proposal": 60,
        "negotiation": 80,
        "won": 100,
        "lost": 0,
    }
    lost_at = rng.choice(
        ["qualification", "needs_analysis", "solution", "proposal", "negotiation"], n_opp
    )
    closed = np.where(won_mask, signed, np.minimum(created + rng.integers(10, 90, n_opp), SPAN))
    stage_changed = np.where(
        won_mask | (stages_arr == "lost"),
        closed,
        np.minimum(created + rng.integers(0, 30, n_opp), SPAN),
    )
    expected = np.maximum(created + rng.integers(30, 180, n_opp), created)

    # leads: the first opportunities come from converted leads ------------
    n_from_leads = min(int(n_opp * 2 / 3), n_leads)
    lead_ids = ids("L-", n_leads)
    lead_status = np.array(["new"] * n_leads, dtype=object)
    other = rng.choice(
        ["new", "contacted", "qualified", "disqualified"], n_leads, p=[0.35, 0.3, 0.15, 0.2]
    )
    lead_status[:] = other
    conv_leads = rng.choice(n_leads, n_from_leads, replace=False)
    lead_status[conv_leads] = "converted"
    lead_opp = np.full(n_leads, -1)
    lead_opp[conv_leads] = np.arange(n_from_leads)
    lead_created = rng.integers(0, SPAN - 5, n_leads)
    lead_created[conv_leads] = np.maximum(
        created[:n_from_leads] - rng.integers(1, 60, n_from_leads), 0
    )
    lead_changed = np.minimum(lead_created + rng.integers(0, 40, n_leads), SPAN)
    lead_changed[conv_leads] = created[:n_from_leads]
    lead_company = company_names(rng, n_leads)
    lead_acc = np.full(n_leads, -1)
    lead_acc[conv_leads] = opp_acc[:n_from_leads]
    lead_company = [
        acc_names[a] if a >= 0 else c for a, c in zip(lead_acc, lead_company, strict=True)
    ]
    score = rng.integers(0, 101, n_leads)
    grade = np.where(score >= 70, "A", np.where(score >= 50, "B", np.where(score >= 30, "C", "D")))
    phones = [
        f"1{a:02d}{b:08d}" if k % 3 else f"0{c:02d}-{b:08d}"
        for k, a, b, c in zip(
            range(n_leads),
            rng.integers(30, 99, n_leads),
            rng.integers(0, 10**8, n_leads),
            rng.integers(10, 99, n_leads),
            strict=True,
        )
    ]
    status_list = lead_status.tolist()
    tables["leads"] = {
        "lead_id": lead_ids,
        "created_on": [day(x) for x in lead_created],
        "source": [SOURCES[k] for k in rng.integers(0, len(SOURCES), n_leads)],
        "company": lead_company,
        "contact_name": person_names(rng, n_leads),
        "phone": phones,
        "email": [f"contact{i}@example.cn" if i % 4 else None for i in range(1, n_leads + 1)],
        "region": [REGIONS[k] for k in rng.integers(0, len(REGIONS), n_leads)],
        "industry": [INDUSTRIES[k] for k in rng.integers(0, len(INDUSTRIES), n_leads)],
        "estimated_value": [int(x) * 1_000_00 for x in rng.integers(10, 3000, n_leads)],
        "owner": owners(n_leads),
        "score": [int(x) for x in score],
        "grade": grade.tolist(),
        "status": status_list,
        "status_changed_on": [day(x) for x in lead_changed],
        "disqualify_reason": [
            DISQ_REASONS[k % 4] if s == "disqualified" else None for k, s in enumerate(status_list)
        ],
        "account_id": [acc_ids[a] if a >= 0 else None for a in lead_acc],
        "opportunity_id": [opp_ids[o] if o >= 0 else None for o in lead_opp],
        "notes": [None] * n_leads,
        "跟进记录": [f"第{k % 5 + 1}次回访" if k % 3 == 0 else None for k in range(n_leads)],
    }
    opp_lead = [None] * n_opp
    for li in conv_leads:
        opp_lead[lead_opp[li]] = lead_ids[li]
    opp_owner = owners(n_opp)
    is_lost = stages_arr == "lost"
    tables["opportunities"] = {
        "opportunity_id": opp_ids,
        "name": [f"{acc_names[a][:6]}项目{i}" for i, a in enumerate(opp_acc, 1)],
        "account_id": [acc_ids[a] for a in opp_acc],
        "lead_id": opp_lead,
        "owner": opp_owner,
        "stage": stages,
        "amount": [int(x) for x in quote_amount],
        "probability": [prob[s] for s in stages],
        "expected_close": [day(x) for x in expected],
        "created_on": [day(x) for x in created],
        "stage_changed_on": [day(x) for x in stage_changed],
        "closed_on": [
            day(c) if s in ("won", "lost") else None for s, c in zip(stages, closed, strict=True)
        ],
        "lost_reason": [LOST_REASONS[k % 5] if lost else None for k, lost in enumerate(is_lost)],
        "lost_at_stage": [
            str(s) if lost else None for s, lost in zip(lost_at, is_lost, strict=True)
        ],
        "competitor": [COMPETITORS[k % 5] or None for k in range(n_opp)],
        "notes": [None] * n_opp,
    }

    # quotes: accepted (won), sent (negotiation), approved (proposal), rejected (lost) ---
    q_opps = [i for i, s in enumerate(stages) if s in ("won", "negotiation", "proposal")]
    lost_idx = [i for i, s in enumerate(stages) if s == "lost"]
    q_opps += lost_idx[: max(0, int(n_opp * 2 / 3) - len(q_opps))]
    q_opps.sort()
    q_status_of = {
        "won": "accepted",
        "negotiation": "sent",
        "proposal": "approved",
        "lost": "rejected",
    }
    quote_of_opp: dict[int, int] = {}
    q = {k: [] for k in _schema_header("quotes")}
    for qi, oi in enumerate(q_opps):
        quote_of_opp[oi] = qi
        qd = int(quote_date[oi]) if stages[oi] == "won" else min(int(quote_date[oi]), SPAN - 3)
        if stages[oi] in ("negotiation", "proposal"):
            qd = max(qd, SPAN - 25)  # open quotes are recent, mostly still valid
            qd = max(qd, int(created[oi]))
        amt = int(quote_amount[oi])
        margin = 25 + (qi % 4) * 5
        st = q_status_of[stages[oi]]
        q["quote_id"].append(f"Q-{qi + 1:06d}")
        q["opportunity_id"].append(opp_ids[oi])
        q["version"].append(1)
        q["quote_date"].append(day(qd))
        q["valid_until"].append(day(qd + 30))
        q["currency"].append("CNY")
        q["list_amount"].append(int(list_amount[oi]))
        q["discount_pct"].append(int(discount[oi]))
        q["amount"].append(amt)
        q["cost"].append(amt * (100 - margin) // 100)
        q["margin_pct"].append(margin)
        q["status"].append(st)
        approved = st != "rejected"
        q["approved_by"].append(
            managers.get(rep_team[rep_names.index(opp_owner[oi])], rep_names[0])
            if approved
            else None
        )
        q["approved_on"].append(day(qd) if approved else None)
        q["notes"].append(None)
    tables["quotes"] = q

    # contracts, deliveries, receivables, payments -------------------------
    c = {k: [] for k in _schema_header("contracts")}
    d = {k: [] for k in _schema_header("deliveries")}
    r = {k: [] for k in _schema_header("receivables")}
    p = {k: [] for k in _schema_header("payments")}
    won_idx = [i for i, s in enumerate(stages) if s == "won"]
    inv_seq = 0
    for ci, oi in enumerate(won_idx):
        cid = f"C-{ci + 1:06d}"
        amt = int(quote_amount[oi])
        acc = int(opp_acc[oi])
        terms = int(acc_terms[acc])
        sg = int(signed[oi])
        shipped = sg + int(rng.integers(10, 90))
        delivered = shipped + int(rng.integers(1, 15))
        accepted = delivered + int(rng.integers(5, 45))
        dstat = "planned"
        if shipped <= SPAN:
            dstat = "shipped"
        if delivered <= SPAN:
            dstat = "delivered"
        if accepted <= SPAN:
            dstat = "accepted"
        did = f"D-{ci + 1:06d}"
        d["delivery_id"].append(did)
        d["contract_id"].append(cid)
        d["description"].append("设备及实施服务")
        d["planned_on"].append(day(sg + 30))
        d["shipped_on"].append(day(shipped) if shipped <= SPAN else None)
        d["delivered_on"].append(day(delivered) if delivered <= SPAN else None)
        d["accepted_on"].append(day(accepted) if accepted <= SPAN else None)
        d["status"].append(dstat)
        d["csat"].append(int(rng.integers(3, 6)) if dstat == "accepted" else None)
        d["notes"].append(None)
        triggers = {
            "advance": sg,
            "delivery": delivered if delivered <= SPAN else None,
            "acceptance": accepted if accepted <= SPAN else None,
        }
        all_paid = True
        for ms, pct in (("advance", 30), ("delivery", 60), ("acceptance", 10)):
            rid = f"R-{len(r['receivable_id']) + 1:06d}"
            ramt = amt * pct // 100
            trig = triggers[ms]
            inv = trig + int(rng.integers(0, 12)) if trig is not None else None
            if inv is not None and inv > SPAN:
                inv = None
            due = inv + terms if inv is not None else None
            paid_cents = 0
            last = None
            status = "scheduled"
            if inv is not None:
                status = "invoiced"
                inv_seq += 1
                roll = rng.random()
                pay_day = due + int(rng.integers(-25, 70))
                pay_day = max(pay_day, inv)
                if pay_day <= SPAN and roll < 0.8:
                    if roll < 0.3:  # two instalments
                        first = ramt // 2
                        day1 = max(inv, pay_day - int(rng.integers(5, 30)))
                        for pd_, pa in ((day1, first), (pay_day, ramt - first)):
                            p["payment_id"].append(f"P-{len(p['payment_id']) + 1:06d}")
                            p["receivable_id"].append(rid)
                            p["account_id"].append(acc_ids[acc])
                            p["received_on"].append(day(pd_))
                            p["amount"].append(pa)
                            p["method"].append(METHODS[len(p["payment_id"]) % len(METHODS)])
                            p["reference"].append(f"{len(p['payment_id']):012d}")
                            p["notes"].append(None)
                        paid_cents, last = ramt, pay_day
                    else:
                        part = ramt if roll < 0.72 else ramt // 2
                        p["payment_id"].append(f"P-{len(p['payment_id']) + 1:06d}")
                        p["receivable_id"].append(rid)
                        p["account_id"].append(acc_ids[acc])
                        p["received_on"].append(day(pay_day))
                        p["amount"].append(part)
                        p["method"].append(METHODS[len(p["payment_id"]) % len(METHODS)])
                        p["reference"].append(f"{len(p['payment_id']):012d}")
                        p["notes"].append(None)
                        paid_cents, last = part, pay_day
                    status = "paid" if paid_cents == ramt else "partially_paid"
            if status != "paid":
                all_paid = False
            r["receivable_id"].append(rid)
            r["contract_id"].append(cid)
            r["account_id"].append(acc_ids[acc])
            r["owner"].append(opp_owner[oi])
            r["milestone"].append(ms)
            r["pct"].append(pct)
            r["amount"].append(ramt)
            r["triggered_on"].append(day(trig) if trig is not None and trig <= SPAN else None)
            r["invoice_no"].append(f"0{inv_seq:07d}" if inv is not None else None)
            r["invoiced_on"].append(day(inv) if inv is not None else None)
            r["due_date"].append(day(due) if due is not None else None)
            r["collected_amount"].append(paid_cents)
            r["last_payment_on"].append(day(last) if last is not None else None)
            r["status"].append(status)
            r["write_off_reason"].append(None)
            r["notes"].append(None)
        cstat = "signed"
        if dstat != "planned":
            cstat = "executing"
        if dstat == "accepted" and all_paid:
            cstat = "completed"
        c["contract_id"].append(cid)
        c["title"].append(f"{acc_names[acc][:6]}采购合同")
        c["opportunity_id"].append(opp_ids[oi])
        c["quote_id"].append(f"Q-{quote_of_opp[oi] + 1:06d}")
        c["account_id"].append(acc_ids[acc])
        c["owner"].append(opp_owner[oi])
        c["amount"].append(amt)
        c["currency"].append("CNY")
        c["payment_terms"].append("advance:30,delivery:60,acceptance:10")
        c["status"].append(cstat)
        c["reviewer"].append(managers.get(rep_team[rep_names.index(opp_owner[oi])], rep_names[0]))
        c["signed_on"].append(day(sg))
        c["completed_on"].append(
            day(max(accepted, int(SPAN - 1))) if cstat == "completed" else None
        )
        c["terminate_reason"].append(None)
        c["notes"].append(None)
    tables["contracts"], tables["deliveries"], tables["receivables"], tables["payments"] = (
        c,
        d,
        r,
        p,
    )

    tables["activities"] = _activities(tables, np.random.default_rng(seed + 2))
    if mixed:
        _mix(tables, np.random.default_rng(seed + 1))
    counts = {"history": _history(root, tables)}
    for name, cols in tables.items():
        header = list(cols)
        kinds = _kinds(name, header)
        if mixed:  # Excel serial numbers (plain number cells) for about a third of the dates
            kinds = ["serial" if k == "date" and name != "reps" else k for k in kinds]
        data = [[None if v is None else v for v in cols[h]] for h in header]
        widths = [12.0 if k in ("date", "money", "int") else 18.0 for k in kinds]
        write_xlsx(root / f"{name}.xlsx", header, kinds, data, widths)
        counts[name] = len(data[0])
    (root / "salesops.toml").write_text('format = "xlsx"\nlang = "en"\n', encoding="utf-8")
    return counts


ACTIVITY_TYPES = ["call", "wechat", "visit", "email", "meeting", "demo"]
ACTIVITY_WEIGHTS = [0.35, 0.3, 0.12, 0.1, 0.08, 0.05]
SUMMARIES = {
    "call": "电话沟通需求，客户关注交付周期",
    "wechat": "加了微信，发送了公司介绍",
    "visit": "上门拜访，见到采购和技术负责人",
    "email": "邮件发送方案和报价说明",
    "meeting": "线上会议，讨论技术方案",
    "demo": "产品演示，客户反馈良好",
}
NEXT_STEPS = ["约电话详细沟通", "发送报价", "安排上门拜访", "确认预算和决策人", "跟进合同条款", "安排产品演示"]


def _activities(tables: dict[str, dict[str, list]], rng: np.random.Generator) -> dict[str, list]:
    """A year of follow-ups (跟进记录), as `follow add` logs them: each worked lead one or two
    (none for an untouched new lead or half the disqualified ones), each opportunity one to
    three up to its close (an open one's last within the last six weeks); every follow-up but a
    record's last names a next step that the later one did, and the last one on an open record
    names one still to do (60 % of leads, 80 % of opportunities) — so the overdue next steps
    are those of records nobody went back to. About one per record: ~130,000 on M, eleven a
    working day for each of its 60 reps."""
    acts: list[tuple[int, str, str | None, str]] = []  # (day, record, account, owner) per activity
    nexts: list[int | None] = []
    leads, opps = tables["leads"], tables["opportunities"]
    per_lead = {"new": 0, "contacted": 1, "qualified": 2, "converted": 1, "disqualified": 1}
    lead_draw = rng.random(len(leads["lead_id"]))
    lead_gap = rng.integers(3, 22, len(leads["lead_id"]))

    def log(days: list[int], rid: str, acc: str | None, owner: str, last_next: int | None) -> None:
        for j, d in enumerate(days):
            acts.append((d, rid, acc, owner))
            if j + 1 < len(days):
                nexts.append(max(d, days[j + 1] - int(rng.integers(0, 4))))
            else:
                nexts.append(last_next)

    for i, (rid, status, created, changed, owner) in enumerate(
        zip(leads["lead_id"], leads["status"], leads["created_on"], leads["status_changed_on"], leads["owner"], strict=True)
    ):
        k = per_lead[status] if status != "disqualified" or lead_draw[i] < 0.5 else 0
        k = 1 if status == "qualified" and lead_draw[i] < 0.5 else k
        if not k:
            continue
        c, ch = (created - START).days, (changed - START).days
        days = sorted({*map(int, rng.integers(c, ch + 1, k - 1)), ch})
        open_ = status in ("contacted", "qualified")
        log(days, rid, None, owner or "admin", ch + int(lead_gap[i]) if open_ and lead_draw[i] < 0.6 else None)
    for rid, acc, owner, created, closed in zip(
        opps["opportunity_id"], opps["account_id"], opps["owner"], opps["created_on"], opps["closed_on"], strict=True
    ):
        c = (created - START).days
        open_ = closed is None
        end = max(c, SPAN - int(rng.integers(0, 42))) if open_ else (closed - START).days
        k = int(rng.integers(1, 4))
        days = sorted({*map(int, rng.integers(c, end + 1, k - 1)), end})
        log(days, rid, acc, owner or "admin", end + int(rng.integers(5, 31)) if open_ and rng.random() < 0.8 else None)
    order = sorted(range(len(acts)), key=lambda a: (acts[a][0], acts[a][1]))
    kinds = rng.choice(len(ACTIVITY_TYPES), len(acts), p=ACTIVITY_WEIGHTS)
    steps = rng.integers(0, len(NEXT_STEPS), len(acts))
    out: dict[str, list] = {k: [] for k in _schema_header("activities")}
    for n, a in enumerate(order, 1):
        d, rid, acc, owner = acts[a]
        kind = ACTIVITY_TYPES[kinds[a]]
        nxt = nexts[a]
        out["activity_id"].append(f"F-{n:06d}")
        out["on"].append(day(d))
        out["record_id"].append(rid)
        out["account_id"].append(acc)
        out["type"].append(kind)
        out["by"].append(owner)
        out["summary"].append(SUMMARIES[kind])
        out["next_step"].append(NEXT_STEPS[steps[a]] if nxt is not None else None)
        out["next_on"].append(day(nxt) if nxt is not None else None)
        out["notes"].append(None)
    return out


def _history(root: Path, tables: dict[str, dict[str, list]]) -> int:
    """history.csv as a year of salesops' own commands leaves it (every team's workspace has one;
    the reports replay it): each lead's move from new to its status and each opportunity's from
    qualification to its stage, on the day it changed, two rows per move (the state and its date),
    as `advance` writes them; and each follow-up as `follow add` logs it (its summary, next step
    and date). Returns the number of rows."""
    lines = ["\ufeffat,user,command,register,record_id,field,old_value,new_value"]
    moves = []
    for register, field, start, stamp in (
        ("leads", "status", "new", "status_changed_on"),
        ("opportunities", "stage", "qualification", "stage_changed_on"),
    ):
        cols = tables[register]
        id_col = next(iter(cols))
        for rid, state, on, created, owner in zip(
            cols[id_col], cols[field], cols[stamp], cols["created_on"], cols["owner"], strict=True
        ):
            if state != start and on is not None:
                moves.append((on, register, rid, field, start, state, stamp, created, owner or "admin"))
    moves.sort(key=lambda m: (m[0], m[2]))
    logged = []  # (day, lines) of each follow-up, as `follow add` writes it (before the day's moves)
    a = tables["activities"]
    for fid, on, rid, kind, by, summary, step, next_on in zip(
        a["activity_id"], a["on"], a["record_id"], a["type"], a["by"], a["summary"], a["next_step"], a["next_on"], strict=True
    ):
        head = f"{on.isoformat()}T09:30:00+08:00,{by},salesops follow add {rid} --type {kind} --on {on.isoformat()},activities,{fid}"
        rows = [f"{head},summary,,{summary}"]
        if step is not None:
            rows += [f"{head},next_step,,{step}", f"{head},next_on,,{next_on.isoformat()}"]
        logged.append((on, rows))
    k = 0
    for on, register, rid, field, start, state, stamp, created, owner in moves:
        while k < len(logged) and logged[k][0] <= on:
            lines += logged[k][1]
            k += 1
        head = f"{on.isoformat()}T10:00:00+08:00,{owner},salesops advance {rid} {state},{register},{rid}"
        lines.append(f"{head},{field},{start},{state}")
        lines.append(f"{head},{stamp},{created.isoformat() if created else ''},{on.isoformat()}")
    for _, rows in logged[k:]:
        lines += rows
    (root / "history.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(lines) - 1


# ------------------------------------------------------------------ L: a million receivables as CSV


def _mix(tables: dict[str, dict[str, list]], rng: np.random.Generator) -> None:
    """The second shape's changes to a generated company: receivable IDs become 10-digit invoice
    numbers (in payments too), and each register gains a second user column."""
    r, p = tables["receivables"], tables["payments"]
    new_ids = {old: f"{2026000000 + k:010d}" for k, old in enumerate(r["receivable_id"], start=1)}
    r["receivable_id"] = [new_ids[v] for v in r["receivable_id"]]
    p["receivable_id"] = [new_ids.get(v, v) for v in p["receivable_id"]]
    for cols in tables.values():
        n = len(next(iter(cols.values())))
        cols["区域经理"] = [f"经理{k:03d}" for k in rng.integers(0, 300, n)]


def _date_forms(days: list[dt.date]) -> list[np.ndarray]:
    """Each date as ISO, 2026/11/5 and 2026年11月5日."""
    return [
        np.array([d.isoformat() for d in days], dtype=object),
        np.array([f"{d.year}/{d.month}/{d.day}" for d in days], dtype=object),
        np.array([f"{d.year}年{d.month}月{d.day}日" for d in days], dtype=object),
    ]


def _date_table() -> np.ndarray:
    days = [START + dt.timedelta(days=k) for k in range(-800, SPAN + 400)]
    return np.array([x.isoformat() for x in days], dtype=object)


def _money_text(cents: np.ndarray) -> list[str]:
    return [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]


def receivables_csv(root: Path, n: int, seed: int = 1_000_000, mixed: bool = False) -> dict[str, int]:
    """Write accounts.csv, receivables.csv and payments.csv with `n` receivables
    (`mixed`: the second shape, see MIXED)."""
    rng = np.random.default_rng(seed)
    dates = _date_table()
    forms = _date_forms([START + dt.timedelta(days=k) for k in range(-800, SPAN + 400)]) if mixed else None
    off = 800  # index of START in `dates`
    n_acc = max(50, min(MIXED_ACCOUNTS if mixed else 20_000, n // (40 if mixed else 50)))
    acc_ids = ids("A-", n_acc)
    acc_names = company_names(rng, n_acc)
    n_reps = 200
    rep_names = [f"销售{i:03d}" for i in range(1, n_reps + 1)]
    write_csv(
        root / "accounts.csv",
        _schema_header("accounts"),
        [
            acc_ids,
            acc_names,
            [INDUSTRIES[k] for k in rng.integers(0, len(INDUSTRIES), n_acc)],
            [REGIONS[k] for k in rng.integers(0, len(REGIONS), n_acc)],
            [rep_names[k] for k in rng.integers(0, n_reps, n_acc)],
            _money_text(rng.integers(1, 50, n_acc) * 100_000_00),
            [str(x) for x in rng.choice([30, 45, 60, 90], n_acc)],
            dates[off + rng.integers(0, 30, n_acc)].tolist(),
            [""] * n_acc,
        ],
    )
    acc = rng.integers(0, n_acc, n)
    amount = rng.integers(100_00, 500_000_00, n)  # cents, not round: exact-cent sums matter
    trig = rng.integers(-700, SPAN - 1, n)
    inv = trig + rng.integers(0, 15, n)
    terms = rng.choice([30, 45, 60, 90], n)
    due = inv + terms
    roll = rng.random(n)
    # status as of the data end (AS_OF); the benchmark asks for an earlier as-of date
    scheduled = roll < 0.04
    written_off = (roll >= 0.04) & (roll < 0.05)
    cancelled = (roll >= 0.05) & (roll < 0.06)
    pay_day = np.maximum(due + rng.integers(-30, 120, n), inv)
    payable = ~(scheduled | cancelled) & (pay_day <= SPAN)
    kind = rng.random(n)
    two = payable & (kind < 0.25)
    full = payable & (kind < 0.85)
    first = np.where(two, amount // 3, np.where(full, amount, amount // 2))
    second = np.where(two, amount - first, 0)
    collected = np.where(payable, first + second, 0)
    collected = np.where(written_off, np.minimum(collected, amount // 4), collected)
    first = np.where(written_off & payable, collected, first)
    second = np.where(written_off, 0, second)
    status = np.where(
        collected == amount, "paid", np.where(collected > 0, "partially_paid", "invoiced")
    ).astype(object)
    status[scheduled] = "scheduled"
    status[written_off] = "written_off"
    status[cancelled] = "cancelled"
    invoiced = ~scheduled
    day1 = np.where(two, np.maximum(inv, pay_day - rng.integers(10, 60, n)), pay_day)
    last = np.where(payable & (collected > 0), np.where(two, pay_day, day1), -10_000)
    rid = [f"{2026000000 + k:010d}" for k in range(1, n + 1)] if mixed else ids("R-", n)
    milestones = np.array(["advance", "delivery", "acceptance", "retention"], dtype=object)[
        rng.integers(0, 4, n)
    ]
    pct = np.array(["30", "60", "10", "5"], dtype=object)
    blank = np.array([""], dtype=object)

    def dcol(idx: np.ndarray, mask: np.ndarray) -> list[str]:
        at = np.clip(idx + off, 0, len(dates) - 1)
        if forms is not None:  # each cell in one of three forms
            form = rng.integers(0, 3, len(at))
            text = np.choose(form, [f[at] for f in forms])
            return np.where(mask, text, blank).tolist()
        return np.where(mask, dates[at], blank).tolist()

    inv_no = np.where(
        invoiced, np.array([f"{k:010d}" for k in range(1, n + 1)], dtype=object), blank
    )
    write_csv(
        root / "receivables.csv",
        _schema_header("receivables"),
        [
            rid,
            [""] * n,
            [acc_ids[a] for a in acc.tolist()],
            [rep_names[a % n_reps] for a in acc.tolist()],
            milestones.tolist(),
            [
                pct[["advance", "delivery", "acceptance", "retention"].index(m)]
                for m in milestones.tolist()
            ],
            _money_text(amount),
            dcol(trig, np.ones(n, bool)),
            inv_no.tolist(),
            dcol(inv, invoiced),
            dcol(due, invoiced),
            _money_text(collected),
            dcol(last, last > -10_000),
            status.tolist(),
            np.where(written_off, "客户破产", "").tolist(),
            [""] * n,
            *([[f"第{k}次催款" for k in rng.integers(1, 9, n)], [f"经理{k:03d}" for k in rng.integers(0, 300, n)]] if mixed else []),
        ],
        extra=["跟进记录", "区域经理"] if mixed else [],
    )
    # payments: first instalments, then second ones, ordered by date like a bank export
    has1 = payable & (first > 0)
    has2 = two & ~written_off & (second > 0)
    p_rec = np.concatenate([np.nonzero(has1)[0], np.nonzero(has2)[0]])
    p_day = np.concatenate([day1[has1], pay_day[has2]])
    p_amt = np.concatenate([first[has1], second[has2]])
    order = np.argsort(p_day, kind="stable")
    p_rec, p_day, p_amt = p_rec[order], p_day[order], p_amt[order]
    m = len(p_rec)
    write_csv(
        root / "payments.csv",
        _schema_header("payments"),
        [
            ids("P-", m),
            [rid[k] for k in p_rec.tolist()],
            [acc_ids[a] for a in acc[p_rec].tolist()],
            dcol(p_day, np.ones(m, bool)) if mixed else dates[p_day + off].tolist(),
            _money_text(p_amt),
            [METHODS[k % len(METHODS)] for k in range(m)],
            [f"{k:012d}" for k in range(1, m + 1)],
            [""] * m,
        ],
    )
    (root / "salesops.toml").write_text('format = "csv"\nlang = "en"\n', encoding="utf-8")
    return {"accounts": n_acc, "receivables": n, "payments": m}


# ------------------------------------------------------------------ cache


def ensure(scale: str, force: bool = False, quiet: bool = False, data: Path = DATA) -> Path:
    """The folder of `scale`'s generated workspace (under `data`), generating it when missing or stale."""
    root = data / scale
    stamp = root / ".generated"
    if not force and stamp.exists() and stamp.read_text().split()[0] == VERSION:
        return root
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    t0 = time.perf_counter()
    if scale in SCALES:
        counts = company(root, SCALES[scale])
    elif scale in L_RECEIVABLES:
        counts = receivables_csv(root, L_RECEIVABLES[scale])
    elif scale in MIXED and MIXED[scale][0] == "M":
        counts = company(root, MIXED[scale][1], mixed=True)
    elif scale in MIXED:
        counts = receivables_csv(root, int(MIXED[scale][1]), mixed=True)
    else:
        raise SystemExit(f"unknown scale {scale!r}: one of {', '.join([*SCALES, *L_RECEIVABLES, *MIXED])}")
    took = time.perf_counter() - t0
    stamp.write_text(f"{VERSION} {' '.join(f'{k}={v}' for k, v in counts.items())}\n")
    if not quiet:
        print(
            f"generated {scale} in {took:.1f}s: {', '.join(f'{k} {v:,}' for k, v in counts.items())}",
            file=sys.stderr,
        )
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "scales", nargs="*", default=["S", "M", "L"], help="tiny, S, M, L, L-tiny (default: S M L)"
    )
    ap.add_argument("--force", action="store_true", help="regenerate even when cached")
    ap.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="where to put the workspaces (default benchmarks/data)",
    )
    args = ap.parse_args()
    for s in args.scales:
        print(ensure(s, force=args.force, data=args.data))


if __name__ == "__main__":
    main()


def leads_source(path: Path, n: int = 100_000, seed: int = 7) -> Path:
    """A CSV of `n` new leads as a marketing export gives them (no IDs; distinct companies,
    phones and e-mails), for the import benchmark. Regenerated only when missing."""
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    names = company_names(rng, n)
    people = person_names(rng, n)
    days = [START + dt.timedelta(days=int(k)) for k in rng.integers(0, SPAN, n)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write("公司名称,联系人,电话,邮箱,来源,区域,预估金额,创建日期,备注\r\n")
        for k in range(n):
            fh.write(
                f"{names[k]}{k},{people[k]},1{k:010d},lead{k}@example.cn,{SOURCES_ZH[k % len(SOURCES_ZH)]},"
                f"{REGIONS[k % len(REGIONS)]},{int(rng.integers(1, 500)) * 1000},{days[k]:%Y/%m/%d},展会名单\r\n"
            )
    return path


SOURCES_ZH = ["官网", "转介绍", "展会", "电话陌拜", "渠道", "市场活动"]
