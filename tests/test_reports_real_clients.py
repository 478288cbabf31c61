"""Reports in the real programs people open them with: Chromium for the HTML, LibreOffice for the xlsx.

HTML in a real browser: nothing overflows from a 375 px phone to a 1280 px desktop.

Debian's headless `chromium` (installed here when missing, with a Chinese
font, so a fresh CI machine runs this too) loads one harness page holding
every report in iframes exactly 375 and 1280 px wide; a script measures each
element's box against its frame's width (boxes inside a table's own scroll
box do not count: that scrolls the table, not the page). One frame holds a
page that does overflow, to prove the measuring sees it. Screenshots of the
weekly page at both widths are taken too (kept in $SALESOPS_SCREENSHOTS when
set, for a person to look at).

The weekly workbook opened and saved again by LibreOffice Calc keeps its
sheets, its native charts, its date cells and money formats.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli

WIDTHS = (375, 1280)
PAGES = {
    "weekly-zh": ("report", "weekly", "--week", "2026-W47"),
    "weekly-en": ("report", "weekly", "--week", "2026-W47", "--lang", "en"),
    "kpi-by-owner": ("report", "kpi", "--period", "2026", "--as-of", "2026-11-27", "--by", "owner"),
    "funnel": ("report", "funnel", "--period", "2026", "--as-of", "2026-11-27"),
    "aging": ("report", "aging", "--as-of", "2026-11-27"),
    "overdue": ("report", "overdue", "--as-of", "2026-11-27"),
    "forecast-by-team": ("report", "forecast", "--as-of", "2026-11-27", "--by", "team"),
}
TOO_WIDE = '<!DOCTYPE html><html><body><div style="width:600px">wide</div></body></html>'
PROBE = """
function probe(name, d, w) {
  var vw = d.documentElement.clientWidth, over = [];
  function scrolls(el) {
    for (var p = el.parentElement; p && p !== d.body; p = p.parentElement) {
      var ox = w.getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll") return true;
    }
    return false;
  }
  d.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5) && !scrolls(el))
      over.push(el.tagName.toLowerCase() + "@" + Math.round(r.left) + ".." + Math.round(r.right));
  });
  results[name] = {viewport: vw, scroll: d.documentElement.scrollWidth, over: over.slice(0, 10)};
  if (Object.keys(results).length === expected) {
    var pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = JSON.stringify(results);
    document.body.appendChild(pre);
  }
}
"""


def _install(*packages: str) -> None:
    """apt-get install the packages (a fresh CI machine); fails the test when that is impossible."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=600)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, f"cannot install {packages}: {proc.stderr[-2000:]}"


@pytest.fixture(scope="module")
def chromium() -> str:
    missing = [] if shutil.which("chromium") else ["chromium"]
    fonts = (
        subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
        if shutil.which("fc-list")
        else None
    )
    if fonts is None or not fonts.stdout.strip():
        missing.append("fonts-wqy-microhei")  # Chinese glyphs, else boxes in the screenshots
    if missing:
        _install(*missing)
    return shutil.which("chromium")


def _browser(chromium: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    ws = tmp_path_factory.mktemp("browser") / "ws"
    run_cli("init", str(ws), "--sample", "--format", "csv", "--lang", "zh", check=0)
    out = {}
    for name, args in PAGES.items():
        target = ws.parent / f"{name}.html"
        run_cli(*args, "-f", "html", "-o", str(target), ws=ws, check=0)
        out[name] = target.read_text(encoding="utf-8")
    return out


def test_no_report_overflows_a_phone_or_a_desktop(chromium, pages, tmp_path):
    frames = {f"{name}@{w}": (page, w) for name, page in pages.items() for w in WIDTHS}
    frames["control@375"] = (TOO_WIDE, 375)
    body = []
    for i, (page, width) in enumerate(frames.values()):
        body.append(
            f'<iframe id="f{i}" style="width:{width}px;height:700px;border:0;display:block" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
        )
    calls = "".join(
        f'f = document.getElementById("f{i}"); probe({json.dumps(key)}, f.contentDocument, f.contentWindow);'
        for i, key in enumerate(frames)
    )
    hooks = (
        f'window.addEventListener("load", function () {{ var f; {calls} }});'  # every frame loaded
    )
    harness = tmp_path / "harness.html"
    harness.write_text(
        "<!DOCTYPE html><html><body style='margin:0'>"
        + "".join(body)
        + f"<script>var results = {{}}, expected = {len(frames)};{PROBE}{hooks}</script></body></html>",
        encoding="utf-8",
    )
    proc = _browser(chromium, "--window-size=1400,900", "--dump-dom", harness.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    results = json.loads(html.unescape(found.group(1)))
    assert set(results) == set(frames)
    assert results["control@375"]["over"], "the probe must see a page that overflows"
    for key, got in results.items():
        if key.startswith("control"):
            continue
        width = int(key.rsplit("@", 1)[1])
        assert got["viewport"] == width, (key, got)
        assert got["scroll"] <= width and got["over"] == [], (key, got)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshots_of_the_weekly_page_at_phone_and_desktop_width(chromium, pages, tmp_path):
    page = tmp_path / "weekly.html"
    page.write_text(pages["weekly-zh"], encoding="utf-8")
    keep = os.environ.get("SALESOPS_SCREENSHOTS")
    for width in WIDTHS:
        shot = tmp_path / f"weekly-{width}.png"
        _browser(chromium, f"--window-size={width},2400", f"--screenshot={shot}", page.as_uri())
        assert _png_size(shot) == (width, 2400)
        assert shot.stat().st_size > 20_000  # a page, not a blank
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)


@pytest.fixture(scope="module")
def soffice() -> str:
    if not shutil.which("soffice"):
        _install("libreoffice-calc")
    return shutil.which("soffice")


def test_libreoffice_opens_the_workbook_and_keeps_its_charts_and_formats(soffice, tmp_path):
    from openpyxl import load_workbook

    ws = tmp_path / "ws"
    run_cli("init", str(ws), "--sample", "--format", "csv", "--lang", "zh", check=0)
    book = tmp_path / "weekly.xlsx"
    run_cli("report", "weekly", "--week", "2026-W47", "-f", "xlsx", "-o", str(book), ws=ws, check=0)
    out = tmp_path / "resaved"
    profile = tmp_path / "profile"  # a private profile: no clash with another soffice running
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(book),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    resaved = out / "weekly.xlsx"
    assert resaved.exists(), proc.stdout + proc.stderr
    original, again = load_workbook(book), load_workbook(resaved)
    assert again.sheetnames == original.sheetnames
    charted = {w.title for w in again.worksheets if w._charts}
    assert charted == {w.title for w in original.worksheets if w._charts} and len(charted) == 4
    top = again["逾期金额最大"]
    header = [c.value for c in top[1]]
    assert hasattr(top.cell(2, header.index("到期日") + 1).value, "year")
    assert top.cell(2, header.index("未收金额") + 1).number_format == "#,##0.00"
