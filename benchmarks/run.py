"""The benchmark runner: whole commands against their peers, side by side.

    python benchmarks/run.py                 # every target; writes benchmarks/RESULTS.md
    python benchmarks/run.py --only aging    # targets whose name contains "aging"
    python benchmarks/run.py --smoke         # tiny data, one run each, nothing enforced

Each target times whole processes (start-up included), salesops and its peer
alternating run by run (the order swapped every other run), and takes medians
over at least 3 runs (more for fast commands). Peak memory is each child's
maximum resident set size from `os.wait4`. Data is generated first when
missing (benchmarks/generate.py, cached under benchmarks/data/).

Exit status: 0 when every target holds, 1 when one fails (always 0 with --smoke
unless a command crashed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

PY = sys.executable
AGING_AS_OF = "2026-09-30"
TODAY = "2026-11-27"


def salesops_cmd() -> list[str]:
    """How a user starts salesops: the console script beside this Python, else -m."""
    script = Path(PY).parent / "salesops"
    return [str(script)] if script.exists() else [PY, "-m", "salesops"]


# ------------------------------------------------------------------ measuring


@dataclass
class Run:
    seconds: float
    rss_mb: float
    code: int


TIME = shutil.which("time") if Path("/usr/bin/time").exists() else None


def measure(
    cmd: list[str], cwd: Path | None = None, env: dict | None = None, ok: tuple[int, ...] = (0,)
) -> Run:
    """Run `cmd` once: wall time and the child's peak RSS.

    The peak comes from GNU time (`%M`) when present: Linux carries a process's
    RSS high-water mark across fork/vfork and exec, so a child started straight
    from this (larger) Python would report at least this process's size.
    """
    full_env = {
        **os.environ,
        "SALESOPS_TODAY": TODAY,
        "NO_COLOR": "1",
        "COLUMNS": "120",
        **(env or {}),
    }
    full_env.pop("SALESOPS_WORKSPACE", None)
    err = tempfile.TemporaryFile()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *cmd] if TIME else cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        kb = usage.ru_maxrss
        if TIME:
            text = rss_file.read().strip().splitlines()
            kb = int(text[-1]) if text and text[-1].isdigit() else kb
    if proc.returncode not in ok:
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-2000:]
        raise CommandFailed(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    return Run(took, kb / 1024, proc.returncode)


class CommandFailed(Exception):
    pass


@dataclass
class Side:
    """One side of a comparison: a command and what to do before each run."""

    label: str
    cmd: list[str]
    setup: Callable[[], None] | None = None
    cwd: Path | None = None
    ok: tuple[int, ...] = (0,)
    runs: list[Run] = field(default_factory=list)

    def once(self) -> Run:
        if self.setup:
            self.setup()
        run = measure(self.cmd, self.cwd, ok=self.ok)
        self.runs.append(run)
        return run

    @property
    def time(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def rss(self) -> float:
        return statistics.median(r.rss_mb for r in self.runs)


@dataclass
class Target:
    name: str
    what: str
    ours: Side
    peer: Side | None  # None: an absolute limit in seconds
    limit: float  # ratio (or seconds when peer is None)
    runs: int = 3
    mem_limit: float | None = None  # ratio of peak RSS
    check: Callable[[], str | None] | None = None  # correctness after the runs: None or a failure
    warm: list[Path] | None = None  # files to leave unchanged, then one unrecorded run first
    note: str = ""
    result: str = ""
    failure: str | None = None

    def run(self) -> None:
        if self.warm:
            settle(self.warm)
            self.ours.once()  # the command before: leaves the cache current
            self.ours.runs.clear()
        for i in range(self.runs):
            sides = [self.ours, self.peer] if self.peer else [self.ours]
            if i % 2:
                sides.reverse()
            for s in sides:
                s.once()
        if self.check:
            self.failure = self.check()

    @property
    def ratio(self) -> float:
        return self.ours.time / self.peer.time if self.peer else self.ours.time

    @property
    def mem_ratio(self) -> float | None:
        return self.ours.rss / self.peer.rss if self.peer and self.mem_limit else None

    @property
    def passed(self) -> bool:
        ok = self.ratio <= self.limit and self.failure is None
        if self.mem_limit is not None:
            ok = ok and (self.mem_ratio or 0) <= self.mem_limit
        return ok


# ------------------------------------------------------------------ targets


def settle(paths: list[Path], quiet: float = 2.5) -> None:
    """Wait until `paths` have been unchanged for `quiet` seconds (the cache trusts no younger file)."""
    newest = max(p.stat().st_mtime for p in paths)
    time.sleep(max(0.0, quiet - (time.time() - newest)))


def touch(*paths: Path, ago: float = 0.0) -> Callable[[], None]:
    """Make files look changed since the last command (a new mtime), as after an edit in Excel.

    With `ago` = 0 the files changed just now: salesops reads them but does not cache
    them (it trusts no file younger than 2 s). With `ago` = 10 they changed 10 s before
    the command, which then also writes its cache entries.
    """
    count = [0]

    def go() -> None:
        count[0] += 1
        then = time.time() - ago + count[0] * 1e-3  # a different stamp every run
        for p in paths:
            os.utime(p, (then, then))

    return go


def duckdb_aging_script(ws: Path, as_of: str, out: Path, mixed: bool = False) -> list[str]:
    """DuckDB computing the aging over the CSV files (mixed: dates in three forms, text IDs)."""
    if mixed:  # every date column as text, parsed in any of the three forms
        def d(col: str) -> str:
            return f"try_strptime({col}, ['%Y-%m-%d', '%Y/%m/%d', '%Y年%m月%d日'])::DATE"

        types = "all_varchar=true"
        amount = "amount::DECIMAL(18,2)"
    else:
        def d(col: str) -> str:
            return col

        types = "types={'amount': 'DECIMAL(18,2)'}"
        amount = "amount"
    sql = f"""
WITH p AS (
  SELECT receivable_id, sum({amount}) AS paid
  FROM read_csv('{ws}/payments.csv', header=true, {types})
  WHERE {d("received_on")} <= DATE '{as_of}' GROUP BY receivable_id),
r AS (
  SELECT r.account_id, r.{amount} - coalesce(p.paid, 0) AS outstanding, DATE '{as_of}' - {d("r.due_date")} AS days
  FROM read_csv('{ws}/receivables.csv', header=true, {types}) r
  LEFT JOIN p USING (receivable_id)
  WHERE {d("r.invoiced_on")} <= DATE '{as_of}' AND r.status NOT IN ('written_off', 'cancelled'))
SELECT r.account_id AS key, any_value(a.name) AS name,
  coalesce(sum(outstanding) FILTER (WHERE days <= 0), 0) AS not_due,
  coalesce(sum(outstanding) FILTER (WHERE days BETWEEN 1 AND 30), 0) AS "1-30",
  coalesce(sum(outstanding) FILTER (WHERE days BETWEEN 31 AND 60), 0) AS "31-60",
  coalesce(sum(outstanding) FILTER (WHERE days BETWEEN 61 AND 90), 0) AS "61-90",
  coalesce(sum(outstanding) FILTER (WHERE days BETWEEN 91 AND 180), 0) AS "91-180",
  coalesce(sum(outstanding) FILTER (WHERE days > 180), 0) AS "180+",
  coalesce(sum(outstanding) FILTER (WHERE days > 0), 0) AS overdue,
  sum(outstanding) AS total
FROM r LEFT JOIN read_csv('{ws}/accounts.csv', header=true, all_varchar=true) a USING (account_id)
WHERE outstanding <> 0
GROUP BY r.account_id ORDER BY r.account_id
"""
    code = f"import duckdb\ncon = duckdb.connect()\ncon.sql('SET enable_progress_bar = false')\ncon.sql({sql!r}).write_csv({str(out)!r})\n"
    return [PY, "-c", code]


def compare_aging(ours: Path, duck: Path) -> str | None:
    """None when salesops' JSON aging equals DuckDB's CSV, account by account, to the cent."""
    import csv

    try:
        data = json.loads(ours.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"cannot read the salesops aging output: {exc}"
    buckets = data.get("buckets") or []
    got = {}
    for row in data.get("rows", []):
        got[row["key"]] = [
            Decimal(str(row.get(b) or 0)).quantize(Decimal("0.01")) for b in [*buckets, "total"]
        ]
    want = {}
    with open(duck, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            want[row["key"]] = [
                Decimal(row[b] or "0").quantize(Decimal("0.01")) for b in [*buckets, "total"]
            ]
    got = {k: v for k, v in got.items() if any(v)}
    want = {k: v for k, v in want.items() if any(v)}
    if got == want:
        return None
    diff = (
        sorted(set(got) ^ set(want))[:3] or [k for k in sorted(want) if got.get(k) != want[k]][:3]
    )
    return f"aging differs from DuckDB's ({len(got)} vs {len(want)} accounts), e.g. {diff}: {[got.get(k) for k in diff]} vs {[want.get(k) for k in diff]}"


def xlsx_preserved(before: Path, after: Path, changed_rows: set[int]) -> str | None:
    """None when every zip part but the first sheet is byte-identical and so is every other row."""
    import re

    with zipfile.ZipFile(before) as a, zipfile.ZipFile(after) as b:
        names_a = [i.filename for i in a.infolist()]
        names_b = [i.filename for i in b.infolist()]
        if names_a != names_b:
            return f"zip parts differ: {sorted(set(names_a) ^ set(names_b))}"
        sheet = "xl/worksheets/sheet1.xml"
        for name in names_a:
            if name != sheet and a.read(name) != b.read(name):
                return f"{name} changed"
        row_re = re.compile(rb'<row r="(\d+)"[^>]*>.*?</row>|<row r="(\d+)"[^>]*/>', re.S)
        xa, xb = a.read(sheet), b.read(sheet)
        rows_a = {int(m.group(1) or m.group(2)): m.group(0) for m in row_re.finditer(xa)}
        rows_b = {int(m.group(1) or m.group(2)): m.group(0) for m in row_re.finditer(xb)}
        if set(rows_a) != set(rows_b):
            return "rows were added or removed"
        bad = [r for r in rows_a if r not in changed_rows and rows_a[r] != rows_b[r]]
        if bad:
            return f"untouched rows changed: {bad[:5]}"
        if not any(rows_a[r] != rows_b[r] for r in changed_rows):
            return "the advanced row did not change"
        head_a, head_b = xa[: xa.index(b"<sheetData")], xb[: xb.index(b"<sheetData")]
        tail_a, tail_b = xa[xa.index(b"</sheetData>") :], xb[xb.index(b"</sheetData>") :]
        if head_a != head_b or tail_a != tail_b:
            return "sheet settings outside the rows changed (widths, panes, filter…)"
    return None


def first_lead_in(ws: Path, status: str) -> tuple[str, int]:
    """(lead_id, Excel row) of the first lead with `status`, read with calamine."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(ws / "leads.xlsx")).get_sheet_by_index(0).to_python()
    header = rows[0]
    j, k = header.index("lead_id"), header.index("status")
    for i, row in enumerate(rows[1:], start=2):
        if row[k] == status:
            return str(row[j]), i
    raise SystemExit(f"no lead in status {status}")


SHAPES = (
    ("", "M", "L", "the first shape"),
    ("-2", "M2", "L2", "the second shape: 24,000 accounts, 10-digit invoice numbers as IDs, mixed date forms"),
)


def targets(smoke: bool, work: Path, data: Path) -> list[Target]:
    so = salesops_cmd()
    fast = 1 if smoke else 9
    slow = 1 if smoke else 3
    ts: list[Target] = []

    # 1. start-up
    ts.append(
        Target(
            "help",
            "`salesops --help` vs `python -c 'import typer, rich'`",
            Side("salesops --help", [*so, "--help"]),
            Side("import typer, rich", [PY, "-c", "import typer, rich"]),
            1.5,
            runs=fast,
        )
    )
    for tag, m_scale, l_scale, about in SHAPES:
        ts += shape_targets(smoke, work / (tag or "-1"), data, tag, m_scale, l_scale, about, so, slow)
    return ts


def shape_targets(smoke: bool, work: Path, data: Path, tag: str, m_scale: str, l_scale: str, about: str, so, slow: int) -> list[Target]:
    """Every target on one shape of data (`tag` ends the target names)."""
    company = generate.ensure(("tiny" if not tag else "tiny2") if smoke else m_scale, data=data)
    big = generate.ensure((l_scale + "-tiny") if smoke else l_scale, data=data)
    mixed = bool(tag)
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    ts: list[Target] = []

    # 2. aging over a million receivables, cold, first run after a change, and warm, against DuckDB
    aging_json = out / "aging.json"
    duck_csv = out / "aging-duckdb.csv"
    aging = [*so, "-w", str(big), "report", "aging", "--as-of", AGING_AS_OF, "-f", "json", "-o", str(aging_json)]
    duck = duckdb_aging_script(big, AGING_AS_OF, duck_csv, mixed)
    rows_l = "1,000,000" if not smoke else "2,000"
    big_files = [big / "receivables.csv", big / "payments.csv", big / "accounts.csv"]
    # The workspace as a team has it: salesops has saved its state of the registers (a first
    # `validate` took it, untimed), so a read-only command also looks for edits made by hand in
    # the files whose stamp moved. "Just changed" files here are touched: the same bytes.
    if not (big / ".salesops" / "state" / "index.json").exists():
        subprocess.run([*so, "-w", str(big), "validate", "-f", "json", "-o", os.devnull], capture_output=True, check=False)
    for mode, setup, limit in (
        ("cold", touch(*big_files), 1.5),
        ("cold-cached", touch(*big_files, ago=10), 1.5),
        ("warm", None, 0.7),
    ):
        ts.append(
            Target(
                f"aging-{mode}{tag}",
                f"`report aging` on {l_scale} ({rows_l} receivables + payments, CSV; {about}), "
                + {
                    "cold": "cold (files just changed: read, not cached; salesops' saved state of them compared)",
                    "cold-cached": "the first run after a change (files changed 10 s before: read and cached)",
                    "warm": "warm (files unchanged since the last command)",
                }[mode]
                + ", vs DuckDB SQL over the same files",
                Side(f"salesops report aging ({mode})", aging, setup),
                Side("duckdb", duck),
                limit,
                runs=(1 if smoke else 5) if mode == "warm" else slow,
                mem_limit=2.0,
                check=lambda aging_json=aging_json, duck_csv=duck_csv: compare_aging(aging_json, duck_csv),
                warm=big_files if mode == "warm" else None,
            )
        )

    # 3. advance one lead in a 100,000-row leads.xlsx vs a bare re-zip of the same file
    adv_ws = work / "advance"
    pristine = work / "leads-pristine.xlsx"
    if adv_ws.exists():
        shutil.rmtree(adv_ws)
    shutil.copytree(company, adv_ws, ignore=shutil.ignore_patterns(".salesops"))
    shutil.copy2(company / "leads.xlsx", pristine)
    history = work / "history-pristine.csv"  # the year of history every workspace holds
    shutil.copy2(company / "history.csv", history)
    lead_id, lead_row = first_lead_in(company, "new")
    # The workspace as a user has it before the command: salesops' saved state agrees with the
    # registers and history.csv (a first command took it, untimed), and the cache is dropped so
    # leads.xlsx is read cold. Putting back the lead file alone would leave a state that named
    # another file and counted a history.csv longer by the advance's rows: every run would re-read
    # and compare every register and record the reverted advance as a hand edit, which no user's
    # workspace does.
    def restore() -> None:
        shutil.copy2(pristine, adv_ws / "leads.xlsx")
        shutil.copy2(history, adv_ws / "history.csv")
        shutil.rmtree(adv_ws / ".salesops", ignore_errors=True)
        subprocess.run([*so, "-w", str(adv_ws), "validate"], capture_output=True, check=False)
        shutil.rmtree(adv_ws / ".salesops" / "cache", ignore_errors=True)

    rezip = out / "rezipped.xlsx"
    rezip_code = (
        "import sys, zipfile\n"
        "with zipfile.ZipFile(sys.argv[1]) as a, zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as b:\n"
        "    for i in a.infolist():\n        b.writestr(i, a.read(i.filename))\n"
    )
    ts.append(
        Target(
            f"advance{tag}",
            f"`advance {lead_id} contacted` in a {'100,000' if not smoke else 'small'}-row leads.xlsx ({about}) vs a bare re-zip of that file",
            Side(
                "salesops advance",
                [*so, "-w", str(adv_ws), "advance", lead_id, "contacted", "--on", TODAY],
                restore,
            ),
            Side("bare re-zip", [PY, "-c", rezip_code, str(pristine), str(rezip)]),
            3.0,
            runs=slow,
            check=lambda pristine=pristine, adv_ws=adv_ws, lead_row=lead_row: xlsx_preserved(pristine, adv_ws / "leads.xlsx", {lead_row}),
            note="Correctness: every zip part but the sheet, and every row but the advanced one, byte-identical.",
        )
    )

    # 4. validate M vs merely reading every register with calamine
    registers = sorted(p for p in company.glob("*.xlsx"))
    read_all = (
        "import sys\nfrom python_calamine import CalamineWorkbook\n"
        "for f in sys.argv[1:]:\n    CalamineWorkbook.from_path(f).get_sheet_by_index(0).to_python()\n"
    )
    company_files = [company / p.name for p in registers]
    validate = [*so, "-w", str(company), "validate", "-f", "json", "-o", str(out / "validate.json")]
    for mode, setup in (("", touch(*company_files)), ("-warm", None)):
        ts.append(
            Target(
                f"validate{mode}{tag}",
                f"`validate` on {m_scale} (xlsx, {about}; files {'just changed' if not mode else 'unchanged since the last command'}) vs reading every register with calamine",
                Side(f"salesops validate{mode}", validate, setup, ok=(0, 1)),
                Side("calamine read all", [PY, "-c", read_all, *map(str, registers)]),
                1.2,
                runs=slow,
                warm=company_files if mode else None,
            )
        )

    # 5. weekly report on M: an absolute limit, files just changed and unchanged
    weekly = [*so, "-w", str(company), "report", "weekly", "--as-of", TODAY, "-f", "json", "-o", str(out / "weekly.json")]
    ts.append(
        Target(
            f"weekly-cold{tag}",
            f"`report weekly` on {m_scale} (xlsx, {about}; files just changed), seconds",
            Side("salesops report weekly (cold)", weekly, touch(*company_files)),
            None,
            2.0,
            runs=slow,
        )
    )
    ts.append(
        Target(
            f"weekly-warm{tag}",
            f"`report weekly` on {m_scale} (xlsx, {about}; files unchanged), seconds",
            Side("salesops report weekly (warm)", weekly),
            None,
            2.0,
            runs=slow,
            warm=company_files,
        )
    )

    # 6. import 100,000 leads into the company (its leads register set aside)
    source = generate.leads_source(data / "sources" / f"leads-{2000 if smoke else 100_000}.csv", 2000 if smoke else 100_000)
    imp_ws = work / "import"

    def fresh() -> None:
        if imp_ws.exists():
            shutil.rmtree(imp_ws)
        shutil.copytree(company, imp_ws, ignore=shutil.ignore_patterns("leads.xlsx", ".salesops"))

    ts.append(
        Target(
            f"import{tag}",
            f"`import leads` of {'100,000' if not smoke else '2,000'} leads (CSV, Chinese headers, slash dates) into {m_scale}, seconds",
            Side("salesops import", [*so, "-w", str(imp_ws), "import", "leads", str(source)], fresh),
            None,
            8.0,
            runs=slow,
        )
    )
    return ts


# ------------------------------------------------------------------ reporting


def machine() -> dict[str, str]:
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "cpus": str(os.cpu_count()),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) // 1024:,} MB"
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    libs = []
    for pkg in ("pandas", "numpy", "pyarrow", "python-calamine", "fastexcel", "openpyxl", "duckdb", "typer", "rich"):
        try:
            libs.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    info["libraries"] = ", ".join(libs)
    try:
        info["load average at the end (1/5/15 min)"] = " / ".join(
            Path("/proc/loadavg").read_text().split()[:3]
        )
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        pass
    return info


def verdict(t: Target) -> str:
    if t.result == "ERROR":
        return "ERROR"
    return "PASS" if t.passed else "FAIL"


def line(t: Target) -> str:
    if t.result == "ERROR":
        return f"{t.name:12} ERROR  {t.failure}"
    if t.peer:
        s = f"{t.name:12} {verdict(t)}  {t.ours.time:6.2f}s vs {t.peer.time:6.2f}s = {t.ratio:5.2f}x (limit {t.limit}x)"
    else:
        s = f"{t.name:12} {verdict(t)}  {t.ours.time:6.2f}s (limit {t.limit}s)"
    if t.mem_limit:
        s += f"; memory {t.ours.rss:.0f} MB vs {t.peer.rss:.0f} MB = {t.mem_ratio:.2f}x (limit {t.mem_limit}x)"
    if t.failure:
        s += f"; CHECK FAILED: {t.failure}"
    return s


def results_md(ts: list[Target], info: dict[str, str], smoke: bool) -> str:
    out = ["# Benchmark results", ""]
    if smoke:
        out += ["**Smoke run on tiny data: the figures mean nothing.**", ""]
    out += [
        "Produced by `make bench` (`python benchmarks/run.py`), which generates the data first when missing",
        "(`benchmarks/generate.py`, deterministic, cached under `benchmarks/data/`). Whole processes are timed,",
        "start-up included; salesops and its peer alternate run by run; figures are medians; memory is the peak",
        "resident set of the process (GNU time `%M`). Ratios are salesops ÷ peer from the same run. salesops'",
        "bytecode is compiled first (`compileall`), as an installed package's is.",
        "",
        "## Machine",
        "",
    ]
    out += [f"- {k}: {v}" for k, v in info.items()]
    out += [
        "",
        "## Targets",
        "",
        "| target | salesops | peer | ratio | limit | memory (salesops / peer) | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in ts:
        if t.result == "ERROR":
            out.append(f"| {t.name} | – | – | – | – | – | ERROR |")
            continue
        peer = f"{t.peer.time:.2f} s ({t.peer.label})" if t.peer else "–"
        ratio = f"{t.ratio:.2f}×" if t.peer else f"{t.ratio:.2f} s"
        limit = f"≤ {t.limit}×" if t.peer else f"≤ {t.limit} s"
        mem = f"{t.ours.rss:.0f} / {t.peer.rss:.0f} MB" if t.peer else f"{t.ours.rss:.0f} MB"
        if t.mem_limit:
            mem += f" = {t.mem_ratio:.2f}× (≤ {t.mem_limit}×)"
        res = verdict(t) + (f" (check: {t.failure})" if t.failure else "")
        out.append(
            f"| {t.name} | {t.ours.time:.2f} s | {peer} | {ratio} | {limit} | {mem} | {res} |"
        )
    out += ["", "## What each target runs", ""]
    for t in ts:
        out.append(
            f"- **{t.name}**: {t.what}. Runs: {t.runs} each." + (f" {t.note}" if t.note else "")
        )
        if t.result != "ERROR":
            times = ", ".join(f"{r.seconds:.2f}" for r in t.ours.runs)
            out.append(f"  - salesops runs (s): {times}")
            if t.peer:
                out.append(
                    f"  - peer runs (s): {', '.join(f'{r.seconds:.2f}' for r in t.peer.runs)}"
                )
    out += [
        "",
        "## Reproduce",
        "",
        "```",
        "make bench                                  # everything (about 5 minutes; first run generates ~250 MB of data)",
        ".venv/bin/python benchmarks/run.py --only aging",
        ".venv/bin/python benchmarks/generate.py M L   # just the data",
        "```",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Time salesops against its peers and write benchmarks/RESULTS.md."
    )
    ap.add_argument(
        "--smoke", action="store_true", help="tiny data, one run each, targets not enforced"
    )
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run targets whose name contains NAME",
    )
    ap.add_argument("--data", type=Path, default=None, help="data folder (default benchmarks/data)")
    ap.add_argument(
        "--results", type=Path, default=None, help="results file (default benchmarks/RESULTS.md)"
    )
    args = ap.parse_args(argv)
    data = args.data or generate.DATA
    results = args.results or (data / "RESULTS.smoke.md" if args.smoke else HERE / "RESULTS.md")
    # an installed package carries its bytecode (pip compiles on install); a source tree run
    # with PYTHONDONTWRITEBYTECODE would recompile every module on every start
    subprocess.run(
        [PY, "-m", "compileall", "-q", str(REPO / "salesops")], check=False, capture_output=True
    )
    with tempfile.TemporaryDirectory(prefix="salesops-bench-") as tmp:
        ts = targets(args.smoke, Path(tmp), data)
        if args.only:
            ts = [t for t in ts if any(o in t.name for o in args.only)]
        crashed = False
        for t in ts:
            try:
                t.run()
            except CommandFailed as exc:
                t.result, t.failure, crashed = "ERROR", str(exc).splitlines()[0], True
                print(str(exc), file=sys.stderr)
            print(line(t), flush=True)
    results.write_text(results_md(ts, machine(), args.smoke), encoding="utf-8")
    print(f"wrote {results}")
    if args.smoke:
        return 1 if crashed else 0
    return 0 if all(verdict(t) == "PASS" for t in ts) else 1


if __name__ == "__main__":
    sys.exit(main())
