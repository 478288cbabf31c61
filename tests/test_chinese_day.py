"""A whole day in a Chinese workspace, through the real CLI: no English words in anything it says.

Sales-ops staff in a `lang = "zh"` workspace capture and convert leads, move
deals through their gates (some refused), quote, sign, deliver, invoice,
collect, import a file with mistakes, list, show, validate, run every report
in every format and ask for help. Every line on stdout and stderr, and every
report file, is searched for English words. What may stay Latin is what users
type or scripts read: IDs, file names, options and commands, register, field
and enum codes (the words `--where stage=won` takes), format names, acronyms
(DSO, CSAT, CNY, ISO), numbers, and the `error:`/`warning:`/`alert:` prefixes
scripts look for (SPEC 4). JSON is canonical by contract and is not searched.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from salesops.schema import REGISTERS
from tests.conftest import run_cli

NAMES = {
    "Excel",
    "WPS",
    "LibreOffice",
    "webhook",
}  # products, and the word every robot's Chinese docs use


def _codes() -> set[str]:
    from salesops import docs
    from salesops.settings import defaults

    words = {
        "salesops",
        "table",
        "json",
        "csv",
        "markdown",
        "html",
        "xlsx",
        "en",
        "zh",
        "round-robin",
        *NAMES,
    }
    words.update(ctx.command_path.split()[-1] for ctx, _cmd in docs.walk())  # command names
    todo = [defaults()]
    while todo:  # setting keys, and names like the payment-term template "standard"
        table = todo.pop()
        words.update(table)
        todo += [v for v in table.values() if isinstance(v, dict)]
    words.update(("error", "skip", "update"))  # import --on-duplicate values
    for name, reg in REGISTERS.items():
        words.add(name)
        for col in reg.columns:
            words.add(col.name)
            if col.enum:
                words.update(col.enum.codes)
    return words


CODES = _codes()
SYNTAX = re.compile(
    r"""
      https?://\S+                      # URLs
    | (?<![\w-])--?[a-z][\w-]*(=\S*)?   # options
    | \$\w+                             # environment variables
    | [\w./~-]+\.(xlsx|csv|toml|html|md|json|txt|png)\b   # file names
    | /[\w./-]+                         # paths
    | \b[A-Z]{1,2}-\w+                  # record IDs (L-000001, R-ID)
    | \b\w+[:=][\w:=,.-]*               # field=value, advance:30, status:Yes=paid
    | \b(error|warning|alert)(?=:)      # the prefixes scripts look for
    | \[[\w.]+\]                        # settings tables: [lead.scoring]
    | "\w+"                             # JSON keys quoted in help texts
    | \b\w+(\|\w+)+                      # choices: error|skip|update
    | YYYY-Www                          # the form of an ISO week
    """,
    re.X,
)


def english_words(text: str) -> list[str]:
    """Latin words in `text` that are not codes, syntax, names of things or acronyms."""
    text = SYNTAX.sub(" ", text)
    found = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_-]+", text):  # single letters say nothing
        if word in CODES or word.lower() in CODES or word.isupper() or re.search(r"\d", word):
            continue
        found.append(word)
    return found


def test_the_checker_finds_english_and_lets_syntax_through():
    assert english_words("error: 没有选项 --xyzzy（参见 salesops report kpi --help）") == []
    assert english_words("R-000035 已开票 invoices.xlsx stage=won DSO 58") == []
    assert english_words("error: leads.xlsx row 14, created_on: not a date") == [
        "row",
        "not",
        "date",
    ]


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> dict[str, str]:
    """Everything a Chinese team's day prints, by step."""
    root = tmp_path_factory.mktemp("day")
    ws = root / "ws"
    said: dict[str, str] = {}

    def run(step: str, *args: str, code: int | None = None, **kw) -> None:
        res = run_cli(*args, ws=ws, **kw)
        if code is not None:
            assert res.returncode == code, (step, res.stdout[-1500:], res.stderr[-1500:])
        said[step] = res.stdout + res.stderr

    env = {"LANG": "C.UTF-8"}  # an English system: the workspace's lang decides
    res = run_cli("init", str(ws), "--sample", "--lang", "zh", env=env)
    said["init"] = res.stdout + res.stderr
    run("help", "--help", env=env, code=0)
    for group in (
        "lead",
        "opp",
        "quote",
        "contract",
        "delivery",
        "receivable",
        "payment",
        "report",
    ):
        run(f"help {group}", group, "--help", env=env, code=0)
    for command in (
        "init",
        "validate",
        "import",
        "list",
        "show",
        "advance",
        "sweep",
        "report weekly",
        "lead add",
    ):
        run(f"help {command}", *command.split(), "--help", env=env, code=0)
    run("usage error", "report", "kpi", "--xyzzy", code=2)
    run(
        "lead add",
        "lead",
        "add",
        "--company",
        "苏州新程精密机械有限公司",
        "--phone",
        "13800001111",
        "--source",
        "展会",
        "--owner",
        "孙鹏",
        code=0,
    )
    run(
        "duplicate lead",
        "lead",
        "add",
        "--company",
        "苏州新程精密机械有限公司",
        "--phone",
        "13800001111",
        code=1,
    )
    run("lead score", "lead", "score", code=0)
    run("lead assign", "lead", "assign", "--rule", "round-robin", code=0)
    run("refused advance", "advance", "O-000026", "proposal", code=1)
    run("bad stage", "advance", "O-000026", "不存在的阶段", code=None)
    run("advance", "advance", "O-000031", "needs_analysis", code=None)
    run("list", "list", "opportunities", "--where", "stage=negotiation", code=0)
    run("show", "show", "C-000025", code=0)
    run(
        "payment",
        "payment",
        "record",
        "R-000035",
        "--amount",
        "50000",
        "--method",
        "银行转账",
        code=None,
    )
    run("overpayment", "payment", "record", "R-000035", "--amount", "99999999", code=1)
    bad = root / "bad-leads.csv"
    bad.write_text(
        "公司名称,创建日期,电话\n好公司,2026-13-45,139\n,2026-11-01,138\n", encoding="utf-8-sig"
    )
    run("import with errors", "import", "leads", str(bad), code=1)
    run("import dry run", "import", "leads", str(bad), "--dry-run", code=None)
    run("validate", "validate", code=None)
    run("sweep", "sweep", code=0)
    for report in ("kpi", "funnel", "aging", "overdue", "forecast", "weekly"):
        for fmt in ("table", "csv", "markdown", "html"):
            out = root / f"{report}.{fmt}"
            run(f"report {report} -f {fmt}", "report", report, "-f", fmt, "-o", str(out), code=0)
            text = out.read_text(encoding="utf-8-sig")
            said[f"report {report} -f {fmt} (file)"] = _page_text(text) if fmt == "html" else text
        book = root / f"{report}.xlsx"
        run(f"report {report} -f xlsx", "report", report, "-f", "xlsx", "-o", str(book), code=0)
        said[f"report {report} -f xlsx (file)"] = _workbook_text(book)
    run("fail on overdue", "report", "overdue", "--fail-on-overdue", code=3)
    return said


def _page_text(page: str) -> str:
    """What a reader of the page sees: its text and its charts' labels, not the markup or style."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag == "style"
            self.parts += [v for k, v in attrs if k in ("aria-label", "data-label", "title") and v]

        def handle_endtag(self, tag):
            self.skip -= tag == "style"

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
    texts += [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/charts/"):
                texts += re.findall(r"<a:t>(.*?)</a:t>", z.read(name).decode())
    return "\n".join(texts)


def test_a_chinese_day_says_nothing_in_english(day):
    leftovers = {step: sorted(set(english_words(text))) for step, text in day.items()}
    leftovers = {step: words for step, words in leftovers.items() if words}
    assert leftovers == {}, "\n".join(
        f"{step}: {' '.join(words)}" for step, words in leftovers.items()
    )


def test_the_day_really_happened(day):
    assert "已创建" in day["init"] and "用法" in day["help"]
    assert day["refused advance"].startswith("error: ")
    assert "R-000035" in day["report overdue -f csv (file)"]
    assert Path  # the files were read above
