"""A whole day at the sales desk, through the real CLI, in a Chinese workspace and in an English one.

Sales-ops staff start from the sample company (`init --sample --lang zh`) and,
in one day, capture and score leads, move deals through their gates (some
refused), ask people without the role to approve, sign past credit control and
override it, edit records with `set`, log follow-ups, claim from the public
pool, take payments (one too large, one leaving unapplied cash), import a file
with mistakes, list with `--where`, show records, run every report in every
format, write statements of account, edit a register by hand and validate it,
ask for help and mistype commands and values. Everything said on stdout and stderr, and every report and
statement file, is searched for English words: a regular expression over ASCII
words with a short allow-list of what may stay Latin — what users type or
scripts read: IDs, file names and paths, options and command lines shown as
how-to hints (with their field and enum codes), `field=value` forms, URLs,
acronyms (DSO, CSV, CNY), numbers, product names, and the `error:` /
`warning:` / `alert:` prefixes scripts look for (SPEC 4). JSON is canonical by
contract and is not searched.

The same day in English must read right too: no message fields left unfilled
(`{id}`), no `None`, and no Chinese but the company's own data.
"""

from __future__ import annotations

import csv
import functools
import re
import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli

# the Chinese day is built once, on one worker (its fixture is module-scoped; `make test` runs
# --dist loadgroup); the English day (one test) runs on whichever worker is free meanwhile
CHINESE_DAY = pytest.mark.xdist_group("chinese-day")

PRODUCTS = {"Excel", "WPS", "LibreOffice", "Calc", "webhook"}  # names, and the word robots' Chinese docs use
SYNTAX = re.compile(
    r"""
      https?://\S+                                  # URLs
    | \bsalesops(?:[ \t]+(?:"[^"\n]*"|[^\s，。；、（）：“”]+))+   # a command line shown as a hint
    | --(?:where|set)[ \t]+[\w.]+(?:[=~<>!]+[^\s，。；、）)]*)?   # a condition or an assignment
    | (?<![\w-])--?[a-z][\w-]*(?:=\S*)?            # options
    | \$\w+                                         # environment variables
    | [\w./~-]+\.(?:xlsx|csv|toml|html|md|json|txt|png|arrow)\b   # file names
    | (?<![\w.])\.{0,2}/[\w./-]+                    # paths
    | \b[A-Z]{1,2}-(?:\d+|ID|[…])                   # record IDs (L-000001, R-ID, A-…)
    | \b[\w.]+[:=](?=[^\s:])[^\s，。；、）)]*        # field=value, advance:30, quote.valid_days=30
    | \b[a-z_]+(?:\.[a-z_]+)+\b                     # settings: contract.retention_months
    | \b(?:error|warning|alert)(?=:)                # the prefixes scripts look for
    | \[[\w.]+\]                                    # settings tables: [lead.scoring]
    | \b\w+(?:\|\w+)+                               # choices: en|zh, error|skip|update
    | \b[a-z_]+(?:(?:,[ ]?|、)[a-z_]+){2,}\b         # codes to choose from: owner, team, region
    | `[^`\n]*`                                     # code in backticks
    | [\w.+-]+@[\w.-]+                              # e-mail addresses
    | '[^'\n]*'|"[^"\n]*"|“[^”\n]*”                # what the user typed, quoted back
    | （[a-z_]+）                                   # the code a user types, after what it means
    | \[默认：[^\]\n]*\]                             # an option's default value, as typed
    | YYYY(?:-MM-DD|-Www)?|[MD]/[MD]/YYYY           # the forms of a date or week
    """,
    re.X,
)


@functools.cache
def codes() -> frozenset[str]:
    """Words users type as they are: command names, register names, format names, languages."""
    from salesops import docs
    from salesops.schema import REGISTERS

    words = {"salesops", "table", "json", "csv", "markdown", "html", "xlsx", "en", "zh", *PRODUCTS, *REGISTERS}
    words.update(ctx.command_path.split()[-1] for ctx, _cmd in docs.walk())
    return frozenset(words)


def english_words(text: str, data: frozenset[str] = frozenset()) -> list[str]:
    """Latin words in `text` that are not syntax, codes written as codes, names, acronyms or `data`."""
    text = SYNTAX.sub(" ", text)
    found = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_'-]*[A-Za-z0-9]", text):  # one letter says nothing
        if word in codes() or word in data or word.isupper() or "_" in word or re.search(r"\d", word):
            continue  # a code, the company's own words, an acronym (DSO, CSAT), an ID or a number
        found.append(word)
    return found


def test_the_checker_finds_english_and_lets_syntax_through():
    assert english_words("error: 没有选项 --xyzzy（参见 salesops report kpi --help）") == []
    assert english_words("R-000035 已开票 invoices.xlsx stage=won DSO 58") == []
    assert english_words("需要审批：先 salesops advance Q-000001 pending_approval，再审批") == []
    assert english_words("error: leads.xlsx row 14, created_on: not a date") == ["row", "not", "date"]
    assert english_words("warning: 2 deals are past valid_until") == ["deals", "are", "past"]
    assert english_words("商机 O-000001 won") == ["won"]  # a code alone is a word left in English
    assert english_words("可选：visit、call、wechat（或中文）；邮箱 wang@acme.example；用 `accepted`") == []
    assert english_words("error: 付款条款 sum to 90%") == ["sum", "to"]


# ----------------------------------------------------------------------------- the day


def _hand_edit(ws: Path, opportunity: str) -> None:
    """What people do in Excel between commands: a date typed wrong on `opportunity`, an unknown owner."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = ws / "opportunities.xlsx"
    book = load_workbook(path)
    sheet = book.worksheets[0]
    head = {cell.value: cell.column for cell in sheet[1]}
    zh = "负责人" in head
    owner, expected = (head["负责人"], head["预计成交日期"]) if zh else (head["owner"], head["expected_close"])
    row = next(c.row for c in sheet[get_column_letter(head["商机编号" if zh else "opportunity_id"])] if c.value == opportunity)
    sheet.cell(2, owner).value = "不认识的人" if zh else "Nobody Known"
    sheet.cell(row, expected).value = "2026-13-45"
    book.save(path)


TYPED = "(typed)"
ENV = {"LANG": "C.UTF-8", "SALESOPS_USER": "值班员", "COLUMNS": "400"}  # an English system (the workspace decides
# the language), a terminal wide enough that no table cuts data in pieces


def run_day(root: Path, lang: str) -> tuple[dict[str, str], Path]:
    """Everything the day prints, by step (files written are read back as people see them); what
    the user typed is under TYPED."""
    ws = root / "ws"
    said: dict[str, str] = {TYPED: ""}
    zh = lang == "zh"

    def run(step: str, *args: str, code: int | None = None) -> None:
        said[TYPED] += " ".join(args) + "\n"
        res = run_cli(*args, ws=ws, env=ENV)
        if code is not None:
            assert res.returncode == code, (step, res.stdout[-2000:], res.stderr[-2000:])
        assert "Traceback" not in res.stderr, (step, res.stderr)
        said[step] = res.stdout + res.stderr

    def read_back(step: str, path: Path) -> None:
        if path.suffix == ".xlsx":
            said[f"{step} (file)"] = _workbook_text(path)
        elif path.suffix == ".html":
            said[f"{step} (file)"] = _page_text(path.read_text(encoding="utf-8"))
        else:
            said[f"{step} (file)"] = path.read_text(encoding="utf-8-sig")

    res = run_cli("init", str(ws), "--sample", "--lang", lang, env=ENV)
    assert res.returncode == 0, res.stderr
    said["init"] = res.stdout + res.stderr
    run("init again", "init", str(ws), code=0)

    # help, and the mistakes people make typing commands
    run("help", "--help", code=0)
    for group in ("lead", "opp", "quote", "contract", "delivery", "receivable", "payment", "report", "rep", "account", "contact", "follow"):
        run(f"help {group}", group, "--help", code=0)
    for command in ("advance", "set", "import", "list", "show", "validate", "collect", "payment record", "follow add", "report weekly"):
        run(f"help {command}", *command.split(), "--help", code=0)
    run("unknown option", "report", "kpi", "--xyzzy", code=2)
    run("unknown command", "reprot", code=2)
    run("missing argument", "show", code=2)
    run("not a number", "report", "overdue", "--min-days", "x", code=2)
    run("bad period", "report", "kpi", "--period", "2026-13", code=2)
    run("bad as-of", "report", "aging", "--as-of", "明天", code=2)
    run("bad amount", "payment", "record", "R-000035", "--amount", "很多", code=2)
    run("bad --set date", "advance", "O-000031", "needs_analysis", "--set", "expected_close=2026-02-30", code=2)
    run("bad --where", "list", "opportunities", "--where", "amount>=很多", code=2)
    run("unknown field", "list", "opportunities", "--where", "colour=red", code=2)
    run("unknown register", "list", "widgets", code=2)
    run("unknown record", "show", "X-404", code=1)

    # leads
    company = "苏州新程精密机械有限公司"
    source = "展会" if zh else "exhibition"
    run("lead add", "lead", "add", "--company", company, "--phone", "13800001111", "--source", source, "--owner", "孙鹏", code=0)
    run("duplicate lead", "lead", "add", "--company", company, "--phone", "13800001111", code=1)
    run("lead score", "lead", "score", code=0)
    run("lead assign", "lead", "assign", "--rule", "round-robin", code=0)
    run("convert unqualified", "lead", "convert", "L-000001", code=1)

    # deals: gates refused and met
    run("refused advance", "advance", "O-000026", "proposal", code=1)
    run("unknown stage", "advance", "O-000026", "不存在的阶段", code=2)
    run("final state", "advance", "C-000001", "review", code=1)
    run("advance", "advance", "O-000031", "needs_analysis", code=None)
    run("lost without reason", "advance", "O-000031", "lost", code=1)
    run("quote create", "quote", "create", "O-000031", "--list-amount", "50万", "--discount", "15", "--cost", "30万", code=None)
    run("contract from draft quote", "contract", "create", "Q-000001", code=None)

    # who may decide (roles in reps), and credit control at signing
    run("to approval", "advance", "Q-000064", "pending_approval", code=0)
    run("approve one's own quote", "advance", "Q-000064", "approved", "--by", "王浩然", code=1)
    run("approve without the role", "advance", "Q-000064", "approved", "--by", "李晓梅", code=1)
    run("approve, unknown", "advance", "Q-000064", "approved", "--by", "谁也不是", code=1)
    run("approve", "advance", "Q-000064", "approved", "--by", "陈思远", code=0)
    run("credit limit lowered", "set", "A-000040", "credit_limit=1000", "--reason", "测试", code=0)
    run("sign past the limit", "advance", "C-000025", "signed", "--by", "宋文博", code=1)
    sign = ("advance", "C-000025", "signed", "--override", "--reason", "老客户")
    run("override without the role", *sign, "--by", "宋文博", code=1)
    run("override", *sign, "--by", "何静", code=0)

    # the desk: edits, follow-ups, the public pool, many records at once, people and companies
    run("set", "set", "O-000031", "amount=60万", "--reason", "客户追加", code=0)
    run("set a note", "set", "L-000001", "notes=补充说明", code=0)
    run("set a stage", "set", "O-000031", "stage=won", code=1)
    run("set a signed amount", "set", "C-000001", "amount=1", code=1)
    run("set a bad value", "set", "O-000031", "amount=很多", code=1)
    visit = "拜访" if zh else "visit"
    follow = ("follow", "add", "O-000031", "--summary", "面谈需求")
    run("follow add", *follow, "--type", visit, "--next", "发方案", "--next-on", "2026-12-01", code=0)
    run("follow add bad type", *follow, "--type", "pigeon", code=2)
    run("follow due", "follow", "due", code=0)
    run("claim a held lead", "lead", "claim", "L-000001", "--by", "孙鹏", code=1)
    run("claim a held account", "account", "claim", "A-000001", "--by", "孙鹏", code=1)
    run("advance where", "advance", "--where", "stage=negotiation", "--where", "owner=孙鹏", "won", code=1)
    run("advance many", "advance", "O-000031", "O-000026", "proposal", code=1)
    run("rep add", "rep", "add", "--name", "新人", "--team", "华东团队", code=0)
    run("account add", "account", "add", "--name", "新客户有限公司", code=0)
    run("duplicate account", "account", "add", "--name", "新客户有限公司", code=1)
    role = "决策人" if zh else "decision_maker"
    run("contact add", "contact", "add", "--account", "A-000001", "--name", "王工", "--role", role, code=0)
    run("contact without account", "contact", "add", "--account", "", "--name", "王工", code=1)

    # cash
    method = "银行转账" if zh else "bank_transfer"
    run("payment", "payment", "record", "R-000035", "--amount", "50000", "--method", method, code=None)
    run("overpayment", "payment", "record", "R-000035", "--amount", "99999999", code=1)
    run("payment by account", "payment", "record", "--account", "A-000003", "--amount", "1000", code=0)
    run("unapplied cash", "payment", "record", "--account", "A-000003", "--amount", "500万", code=0)
    run("apply before invoicing", "payment", "apply", "A-000003", code=1)
    run("apply without cash", "payment", "apply", "A-000001", code=1)
    run("invoice not triggered", "receivable", "invoice", "R-000068", "--invoice-no", "0001", code=None)
    statements = root / "statements"
    run("collect", "collect", "-o", str(statements), code=0)
    for path in sorted(statements.iterdir()):
        read_back(f"statement {path.name}", path)

    # a file to import, with mistakes
    bad = root / "new-leads.csv"
    header = "公司名称,创建日期,电话,来源,预估金额" if zh else "company,created_on,phone,source,estimated_value"
    bad.write_text(
        f"{header}\n好公司,2026-13-45,139,展会,12.5万\n,2026-11-01,138,飞鸽,abc\n坏公司,2026/11/05,137,,1.005\n",
        encoding="utf-8-sig",
    )
    run("import with errors", "import", "leads", str(bad), code=1)
    good = root / "more-leads.csv"
    good.write_text(f"{header}\n另一家公司,2026-11-20,13912345678,展会,12.5万\n", encoding="utf-8-sig")
    run("import dry run", "import", "leads", str(good), "--dry-run", code=0)
    run("import", "import", "leads", str(good), code=0)

    # looking around
    run("list", "list", "opportunities", "--where", "stage=negotiation", code=0)
    run("list where", "list", "receivables", "--where", "status=invoiced", "--where", "amount>=100000", code=0)
    run("list contains", "list", "leads", "--where", "company~电气", code=0)
    run("list compare", "list", "receivables", "--where", "due_date<=2026-10-01", "--where", "status!=paid", code=0)
    run("show contract", "show", "C-000025", code=0)
    run("show account", "show", "A-000003", code=0)
    run("sweep", "sweep", code=0)

    # every report, in every format
    reports = ("kpi", "funnel", "aging", "overdue", "forecast", "weekly", "targets", "leaderboard", "commission", "activity")
    for report in reports:
        run(f"report {report}", "report", report, code=0)
        if not zh:
            continue
        for fmt in ("csv", "markdown", "html", "xlsx"):
            out = root / f"{report}.{fmt}"
            run(f"report {report} -f {fmt}", "report", report, "-f", fmt, "-o", str(out), code=0)
            read_back(f"report {report} -f {fmt}", out)
    run("fail on overdue", "report", "overdue", "--fail-on-overdue", code=3)

    # the spreadsheet edited by hand, then checked
    _hand_edit(ws, "O-000026")
    run("report before the edit is recorded", "report", "aging", code=0)
    run("validate", "validate", code=1)
    run("report after a bad edit", "report", "forecast", code=None)
    run("advance after a bad edit", "advance", "O-000026", "negotiation", code=1)
    run("lost after a bad edit", "advance", "O-000026", "lost", "--reason", "价格", code=1)
    return said, ws


@pytest.fixture(scope="module")
def zh_day(tmp_path_factory) -> tuple[dict[str, str], Path]:
    return run_day(tmp_path_factory.mktemp("zh"), "zh")


@pytest.fixture(scope="module")
def en_day(tmp_path_factory) -> tuple[dict[str, str], Path]:
    return run_day(tmp_path_factory.mktemp("en"), "en")


def _page_text(page: str) -> str:
    """What a reader of the page sees: its text and its charts' labels, not the markup or style."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("style", "script")
            self.parts += [v for k, v in attrs if k in ("aria-label", "data-label", "title", "alt") and v]

        def handle_endtag(self, tag):
            self.skip -= tag in ("style", "script")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(page)
    return "\n".join(parser.parts)


def _workbook_text(path: Path) -> str:
    """Every text of a workbook: sheet names, string cells, chart titles and series names."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    texts = [ws.title for ws in wb.worksheets]
    texts += [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/charts/"):
                texts += re.findall(r"<a:t>(.*?)</a:t>", z.read(name).decode())
    return "\n".join(texts)


# ----------------------------------------------------------------------------- what the day said


def workspace_words(ws: Path) -> frozenset[str]:
    """The company's own words: in its registers (names, user names, WeChat IDs…) and its settings
    (payment-term templates, commission plans)."""
    import tomllib

    words: set[str] = set(re.findall(r"[A-Za-z]\w*", "\n".join(_register_texts(ws))))
    todo = [tomllib.loads((ws / "salesops.toml").read_text(encoding="utf-8"))]
    while todo:
        table = todo.pop()
        for key, value in table.items():
            words.add(key)
            if isinstance(value, dict):
                todo.append(value)
            elif isinstance(value, str):
                words.update(re.findall(r"[A-Za-z]\w*", value))
    return frozenset(words)


@CHINESE_DAY
def test_a_chinese_day_says_nothing_in_english(zh_day):
    said, ws = zh_day
    data = workspace_words(ws)
    leftovers = {step: sorted(set(english_words(text, data))) for step, text in said.items() if step != TYPED}
    leftovers = {step: words for step, words in leftovers.items() if words}
    assert leftovers == {}, "\n".join(f"{step}: {' '.join(words)}" for step, words in leftovers.items())


@CHINESE_DAY
def test_the_chinese_day_really_happened(zh_day):
    zh_day, _ws = zh_day
    assert "已创建" in zh_day["init"] and "用法" in zh_day["help"]
    assert zh_day["refused advance"].startswith("error: ")
    assert "不是日期" in zh_day["import with errors"] and "不是金额" in zh_day["import with errors"]
    assert '预计成交日期："2026-13-45" 不是日期' in zh_day["validate"]  # the header's own words (read in threads too)
    assert "在 salesops 之外被修改（未知" in zh_day["validate"] and "尚未记录" in zh_day["report before the edit is recorded"]
    assert "来源=展会" in zh_day["import dry run"] and "没有命令“reprot”" in zh_day["unknown command"]
    assert "R-000035" in zh_day["report overdue -f csv (file)"]
    assert any(step.startswith("statement ") for step in zh_day)


FIELDS_LEFT = re.compile(r"^(?!Usage:|用法：).*?(\{[a-z_]+\})", re.M)  # fields never filled (not a usage line's {register})
NO_VALUE = re.compile(r"\b(None|nan|NaN|NaT)\b")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def test_the_same_day_in_english_reads_right(en_day):
    said, ws = en_day
    data = _texts_of(ws) + [said.pop(TYPED)] + _english_messages()
    problems = []
    for step, text in said.items():
        if FIELDS_LEFT.search(text) or NO_VALUE.search(text):
            problems.append(f"{step}: {(FIELDS_LEFT.search(text) or NO_VALUE.search(text)).group().strip()}")
        chinese = {run for run in CJK.findall(text) if not any(run in cell for cell in data)}
        if chinese:  # Chinese that is not the company's data: a message said in the wrong language
            problems.append(f"{step}: {' '.join(sorted(chinese))}")
    assert problems == [], "\n".join(problems)
    assert "Usage: salesops" in said["help"]
    assert said["refused advance"].startswith("error: O-000026 → proposal: needs")
    assert 'created_on: "2026-13-45" is not a date' in said["import with errors"]
    assert 'expected_close: "2026-13-45" is not a date' in said["validate"]
    assert "source=exhibition" in said["import dry run"]


@CHINESE_DAY
def test_the_chinese_day_fills_every_message(zh_day):
    said, _ws = zh_day
    assert [step for step, text in said.items() if FIELDS_LEFT.search(text) or NO_VALUE.search(text)] == []


def _english_messages() -> list[str]:
    """The English messages of the catalogue: Chinese their authors wrote into them is meant (对账单)."""
    from salesops import i18n_build

    return [m.id if isinstance(m.id, str) else " ".join(m.id) for m in i18n_build.read("zh") if m.id]


def _register_texts(ws: Path) -> list[str]:
    """Every cell of the workspace's xlsx registers: the company's own data."""
    from openpyxl import load_workbook

    texts = []
    for path in ws.glob("*.xlsx"):
        book = load_workbook(path, read_only=True)
        texts += [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    return texts


def _texts_of(ws: Path) -> list[str]:
    """Every text the workspace holds (registers, history, settings), and the files imported into it."""
    texts = [(ws / "salesops.toml").read_text(encoding="utf-8"), *_register_texts(ws)]
    with (ws / "history.csv").open(encoding="utf-8-sig", newline="") as fh:
        texts += [cell for row in csv.reader(fh) for cell in row if cell]
    texts += [p.name for p in ws.parent.rglob("*")]
    texts += [p.read_text(encoding="utf-8-sig") for p in ws.parent.glob("*.csv")]
    return texts
