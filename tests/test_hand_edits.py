"""Issue 11 §1–2: edits made in the spreadsheet are seen, recorded in history.csv and checked.

Real registers of the sample company, edited the way a person does: xlsx with
openpyxl (a workbook saved by 王伟, with his name in docProps/core.xml), CSV
saved as Excel on Chinese Windows saves it (GBK, CRLF), and a workbook saved
again by LibreOffice. The real CLI entry point throughout; a real process for
the edit made while another command runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.clitools import META, ForkServer, run, sample_workspace

HAND = "edited outside salesops"
EDITED_AT = dt.datetime(2026, 11, 20, 10, 0)  # when the person saved the file (its mtime)


# ---------------------------------------------------------------- editing as a person does


def _saved_at(path: Path, when: dt.datetime = EDITED_AT) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def edit_xlsx(path: Path, record_id: str, values: dict, who: str = "王伟", when: dt.datetime = EDITED_AT) -> None:
    """Open the workbook, change cells of one row, save it as `who`."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == record_id)
    for name, value in values.items():
        row[header.index(name)].value = value
    book.properties.lastModifiedBy = who
    book.save(path)
    _saved_at(path, when)


def read_csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    return list(csv.reader(io.StringIO(text, newline="")))


def save_csv_as_excel(path: Path, rows: list[list[str]]) -> None:
    """What Excel on Chinese Windows writes for "CSV (逗号分隔)": GBK, CRLF, no BOM."""
    with open(path, "w", encoding="gbk", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    _saved_at(path)


def history(ws: Path) -> list[dict[str, str]]:
    with open(ws / "history.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def hand_rows(ws: Path) -> list[dict[str, str]]:
    return [r for r in history(ws) if r["command"] == HAND]


def problems(ws: Path) -> tuple[int, list[dict]]:
    """validate's exit code and its problems (the CSV table carries the problem codes)."""
    res = run(["validate", "-f", "csv"], ws)
    found = list(csv.DictReader(io.StringIO(res.out.lstrip("\ufeff"))))
    return res.code, [{**p, "row": int(p["row"]) if p["row"] else None} for p in found]


@pytest.fixture
def xlsx_ws(tmp_path) -> Path:
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    assert run(["validate"], ws).code == 0  # the first run: takes the registers as they are
    return ws


# ---------------------------------------------------------------- first run


def test_the_first_run_records_nothing_and_keeps_the_state_under_salesops(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    edit_xlsx(
        ws / "opportunities.xlsx", "O-000026", {"stage": "won"}
    )  # before salesops ever saw it
    before = (ws / "history.csv").read_bytes()
    listed = run(["list", "opportunities", "-f", "csv"], ws)
    assert listed.code == 0 and listed.err == ""  # nothing saved yet: nothing to compare with
    run(["validate"], ws)
    assert (ws / "history.csv").read_bytes() == before  # taken as it is
    state = ws / META / "state"
    assert (state / "index.json").exists()
    assert {p.name.split("-")[0] for p in state.glob("*.arrow")} >= {
        "opportunities",
        "contracts",
        "reps",
    }
    assert run(["list", "opportunities", "-f", "csv"], ws).err == ""


def test_the_scan_reads_only_the_registers_whose_files_changed(xlsx_ws):
    """Unchanged registers cost one stat: a command in a quiet workspace reads none of them
    (nor all of them, two at a time), and after a hand edit only the edited one."""
    from salesops.storage.baseline import scan
    from salesops.storage.workspace import Workspace

    def read_by_scan() -> set[str]:
        ws = Workspace(xlsx_ws)
        scan(ws)
        return set(ws.__dict__.get("_typed", {}))

    assert read_by_scan() == set()
    edit_xlsx(xlsx_ws / "opportunities.xlsx", "O-000026", {"notes": "客户要求下周再报价"})
    assert read_by_scan() == {"opportunities"}


def test_a_register_the_closing_scan_will_compare_is_read_in_full_once(xlsx_ws):
    """A read-only command in a workspace whose register file changed size since the state reads
    that register in full from the first (its closing scan compares every field), not a few
    columns and then all of them again; an unchanged register is read as asked."""
    from salesops.storage.baseline import prepare, unrecorded_files
    from salesops.storage.workspace import Workspace

    edit_xlsx(xlsx_ws / "opportunities.xlsx", "O-000026", {"notes": "客户要求下周再报价"})
    shutil.rmtree(xlsx_ws / META / "cache", ignore_errors=True)  # (a cached register is whole)
    ws = Workspace(xlsx_ws)
    prepare(ws)
    assert ws.whole == {"opportunities"}
    assert ws.typed("opportunities", ["stage"]).covers(None)
    assert not ws.typed("quotes", ["status"]).covers(None)
    read = ws.__dict__["_typed"]["opportunities"]
    assert unrecorded_files(ws) == ["opportunities.xlsx"]
    assert ws.__dict__["_typed"]["opportunities"] is read  # the scan compared what was read


def _state_stamps(ws: Path) -> dict[str, dict | None]:
    index = json.loads((ws / META / "state" / "index.json").read_text(encoding="utf-8"))
    return {name: entry.get("stamp") for name, entry in index["registers"].items()}


def test_a_file_with_the_same_bytes_again_is_not_read_or_recorded(tmp_path):
    """Touched, copied back, synced down again: the stamp moves, the bytes are those the state was
    taken from (its SHA-256), so the scan reads nothing and records nothing; the next writing
    command keeps the new stamp. The same size with other bytes is read and recorded."""
    from salesops.storage.baseline import scan
    from salesops.storage.workspace import Workspace

    ws = sample_workspace(tmp_path / "ws", "csv")
    assert run(["validate"], ws).code == 0

    def read_by_scan() -> set[str]:
        w = Workspace(ws)
        scan(w)
        return set(w.__dict__.get("_typed", {}))

    deals = ws / "opportunities.csv"
    original = deals.read_bytes()
    copy = tmp_path / "copy.csv"
    copy.write_bytes(original)
    os.replace(copy, deals)  # another inode, another mtime, the same bytes
    _saved_at(ws / "accounts.csv")
    assert read_by_scan() == set()
    listed = run(["list", "opportunities", "-f", "csv"], ws)
    assert listed.code == 0 and listed.err == ""
    assert run(["validate"], ws).code == 0  # brings the state up to the files: nothing recorded
    assert hand_rows(ws) == []
    stamps = _state_stamps(ws)
    assert stamps["opportunities"]["ino"] == deals.stat().st_ino  # the new stamp is kept
    assert stamps["accounts"]["mtime_ns"] == (ws / "accounts.csv").stat().st_mtime_ns

    # the same size, one character of a deal's name changed: compared and recorded
    rows = read_csv_rows(deals)
    row, at = rows[1], rows[0].index("name")
    row[at] = row[at][:-1] + ("甲" if row[at][-1] != "甲" else "乙")
    with open(deals, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n" if b"\r\n" in original else "\n").writerows(rows)
    assert deals.stat().st_size == len(original) and deals.read_bytes() != original
    _saved_at(deals)
    assert read_by_scan() == {"opportunities"}
    res = run(["validate"], ws)
    assert any(r["record_id"] == row[0] and r["field"] == "name" for r in hand_rows(ws)), res.err


def test_a_files_digest_is_remembered_under_its_stamp_only(tmp_path):
    """`cache.digest` keeps the SHA-256 it computed in the cache under the file's stamp: trusted
    while the stamp holds, recomputed once it moves, not kept for a file changed too recently
    to be told apart from a next change."""
    import hashlib

    from salesops.storage.cache import CACHE_DIR, digest, digest_soon, file_stamp

    root = tmp_path
    path = root / "leads.csv"
    path.write_bytes("lead_id,company\nL-1,甲公司\n".encode())
    assert digest(root, path) == hashlib.sha256(path.read_bytes()).hexdigest()
    memo = root / CACHE_DIR / "leads.csv.sha256"
    assert not memo.exists()  # written just now: racy, not remembered

    _saved_at(path)
    want = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest(root, path) == want
    assert json.loads(memo.read_text(encoding="utf-8")) == {"key": file_stamp(path), "value": want}

    memo.write_text(json.dumps({"key": file_stamp(path), "value": "remembered"}), encoding="utf-8")
    assert digest(root, path) == "remembered"  # the stamp holds: not hashed again
    _saved_at(path, EDITED_AT + dt.timedelta(minutes=1))
    assert digest(root, path) == want  # the stamp moved: hashed again
    memo.write_text("{not json", encoding="utf-8")
    assert digest(root, path) == want

    _saved_at(path, EDITED_AT + dt.timedelta(minutes=2))
    digest_soon(root, [path])  # hashed on a background thread, remembered when asked for
    if sys.platform.startswith("linux"):  # of low priority: it takes a core the command leaves idle
        import threading

        from salesops.storage import cache

        own = cache._hasher[0].submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        assert own.result() == 19
    assert not memo.exists() or json.loads(memo.read_text(encoding="utf-8"))["key"] != file_stamp(path)
    assert digest(root, path) == want
    assert json.loads(memo.read_text(encoding="utf-8"))["key"] == file_stamp(path)
    assert digest(root, root / "missing.csv") is None


# ---------------------------------------------------------------- xlsx: a stage jumped over its gates


def test_a_stage_jumped_by_hand_is_recorded_warned_checked_and_replayed(xlsx_ws):
    ws = xlsx_ws
    edit_xlsx(
        ws / "opportunities.xlsx",
        "O-000026",
        {"stage": "won", "closed_on": dt.datetime(2026, 11, 20)},
    )

    # a read-only command says it once, and records nothing
    before = history(ws)
    listed = run(["list", "opportunities", "-f", "csv"], ws)
    assert listed.code == 0
    assert listed.err_lines == [
        "warning: 1 register has edits made outside salesops that are not recorded yet "
        "(opportunities.xlsx); salesops validate records and checks them"
    ]
    assert history(ws) == before

    # the verdict is remembered while nothing changes (a stat per register, not a comparison of
    # every record again), and only then: here a remembered verdict naming another file shows it is
    # used, and a file saved again makes it be looked for afresh. (Files saved in the last two
    # seconds get no verdict kept: a next save could keep their stamp; the sample's were just made.)
    for path in ws.glob("*.xlsx"):
        if path.name != "opportunities.xlsx":
            _saved_at(path, EDITED_AT - dt.timedelta(days=1))
    assert run(["list", "opportunities", "-f", "csv"], ws).err == listed.err
    verdict = ws / META / "cache" / "unrecorded.json"
    assert json.loads(verdict.read_text(encoding="utf-8"))["value"] == ["opportunities.xlsx"]
    memo = json.loads(verdict.read_text(encoding="utf-8"))
    verdict.write_text(json.dumps({**memo, "value": ["contracts.xlsx"]}), encoding="utf-8")
    assert "(contracts.xlsx)" in run(["list", "opportunities", "-f", "csv"], ws).err
    _saved_at(ws / "quotes.xlsx", EDITED_AT + dt.timedelta(minutes=5))  # saved again, unchanged
    assert "(opportunities.xlsx)" in run(["list", "opportunities", "-f", "csv"], ws).err

    # validate records every changed cell (who and when from the workbook) and checks the move
    code, found = problems(ws)
    assert code == 1
    rows = hand_rows(ws)
    assert [
        (r["register"], r["record_id"], r["field"], r["old_value"], r["new_value"]) for r in rows
    ] == [
        ("opportunities", "O-000026", "stage", "solution", "won"),
        ("opportunities", "O-000026", "closed_on", "", "2026-11-20"),
    ]
    assert {r["user"] for r in rows} == {"王伟"}
    assert {r["at"][:19] for r in rows} == {"2026-11-20T10:00:00"}
    gate = [p for p in found if p["code"] == "hand-edit-gate"]
    assert len(gate) == 1
    assert (gate[0]["file"], gate[0]["row"], gate[0]["column"]) == (
        "opportunities.xlsx",
        27,
        "stage",
    )
    message = gate[0]["message"]
    assert message.startswith(
        "changed by hand from solution to won (王伟, 2026-11-20), a move advance refuses: "
    )
    for unmet in (
        "→ proposal: needs a quote in approved or sent",
        "→ won: needs a signed contract",
    ):
        assert unmet in message

    # recorded once: the next command neither warns nor writes the rows again; the error stays
    assert run(["list", "opportunities", "-f", "csv"], ws).err == ""
    assert problems(ws)[0] == 1
    assert len(hand_rows(ws)) == 2

    # the weekly report counts it among its data problems
    weekly = json.loads(run(["report", "weekly", "-f", "json"], ws).out)
    assert weekly["data_problems"] >= 1

    # --as-of replays: before the save the deal was open at solution; after it, won
    def won_reached(as_of: str) -> int:
        res = run(["report", "funnel", "--period", "2026", "--as-of", as_of, "-f", "json"], ws)
        assert res.code == 0, res.err
        return next(s["reached"] for s in json.loads(res.out)["stages"] if s["stage"] == "won")

    assert won_reached("2026-11-21") == won_reached("2026-11-19") + 1

    # put back as it was, an hour later: validate records that too, and the error is gone. (Two saves
    # of one file at the very same nanosecond, as _saved_at would make them, can also have the same
    # size — the workbook's own save time changes its compressed size — and then be the same file to
    # any stat: a person's saves never share a time.)
    edit_xlsx(
        ws / "opportunities.xlsx",
        "O-000026",
        {"stage": "solution", "closed_on": None},
        who="王伟",
        when=EDITED_AT + dt.timedelta(hours=1),
    )
    code, found = problems(ws)
    assert not [p for p in found if p["code"].startswith("hand-")]
    assert len(hand_rows(ws)) == 4


def test_chinese_messages_name_states_as_people_read_them(xlsx_ws):
    edit_xlsx(xlsx_ws / "opportunities.xlsx", "O-000026", {"stage": "won"})
    res = run(["--lang", "zh", "validate"], xlsx_ws)
    line = next(x for x in res.err_lines if "O-000026" in x or "第 27 行" in x)
    assert "被手工从“方案制定”改为“赢单”（王伟，2026-11-20），advance 不允许这样推进" in line


# ---------------------------------------------------------------- CSV saved by Excel: amounts, deletions, additions


def test_csv_edits_saved_by_excel_are_recorded_in_the_next_commands_commit_and_checked(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "csv")
    assert run(["validate"], ws).code == 0

    contracts = read_csv_rows(ws / "contracts.csv")
    head = contracts[0]
    signed = next(r for r in contracts[1:] if r[head.index("status")] == "signed")
    cid, old_amount = signed[0], signed[head.index("amount")]
    signed[head.index("amount")] = f"{float(old_amount) + 1000:.2f}"
    save_csv_as_excel(ws / "contracts.csv", contracts)

    accounts = read_csv_rows(ws / "accounts.csv")
    save_csv_as_excel(ws / "accounts.csv", [r for r in accounts if r[0] != "A-000023"])

    payments = read_csv_rows(ws / "payments.csv")
    added = list(payments[-1])
    added[0], added[payments[0].index("amount")] = "P-000999", "5000"
    save_csv_as_excel(ws / "payments.csv", [*payments, added])

    leads = read_csv_rows(ws / "leads.csv")
    lead = list(leads[-1])
    lead[0], lead[leads[0].index("status")] = "L-000999", "new"
    save_csv_as_excel(ws / "leads.csv", [*leads, lead])

    # a writing command records them first, in its own commit
    res = run(["lead", "add", "--company", "新客户有限公司", "--phone", "13800000000"], ws)
    assert res.code == 0, res.err
    for name in ("accounts.csv", "contracts.csv", "leads.csv", "payments.csv"):
        assert any(
            line.startswith(
                f"warning: {name} was edited outside salesops (unknown, 2026-11-20 10:00)"
            )
            for line in res.err_lines
        )
    rows = history(ws)
    hand = [i for i, r in enumerate(rows) if r["command"] == HAND]
    own = [i for i, r in enumerate(rows) if "新客户有限公司" in r["command"]]
    assert hand and own and max(hand) < min(own)  # the edits come first, in the same append
    got = {
        (r["register"], r["record_id"], r["field"]): (r["old_value"], r["new_value"])
        for r in rows
        if r["command"] == HAND
    }
    assert got[("contracts", cid, "amount")] == (old_amount, f"{float(old_amount) + 1000:.2f}")
    assert got[("accounts", "A-000023", "account_id")] == (
        "A-000023",
        "",
    )  # a deleted row: ID to empty
    assert got[("payments", "P-000999", "payment_id")] == (
        "",
        "P-000999",
    )  # an added row: from empty
    assert got[("payments", "P-000999", "amount")] == ("", "5000.00")
    assert got[("leads", "L-000999", "lead_id")] == ("", "L-000999")
    assert {r["user"] for r in rows if r["command"] == HAND} == {
        "unknown"
    }  # a CSV does not say who

    code, found = problems(ws)
    assert code == 1
    by_code = {}
    for p in found:
        by_code.setdefault(p["code"], []).append(p)
    (fixed_amount,) = [p for p in by_code["hand-edit-fixed"] if p["record_id"] == cid]
    assert fixed_amount["column"] == "amount"
    assert fixed_amount["message"] == (
        f'changed by hand from "{old_amount}" to "{float(old_amount) + 1000:.2f}" (unknown, 2026-11-20), but amount '
        "is fixed by the signing: a contract amendment is the way (a new quote version, then salesops contract "
        "create); put the value back"
    )
    (payment,) = [p for p in by_code["hand-edit-fixed"] if p["record_id"] == "P-000999"]
    assert payment["message"] == (
        "P-000999 was added by hand (unknown, 2026-11-20), but such records are entered by salesops payment "
        "record, and not edited afterwards: delete the row, then use the command"
    )
    (deleted,) = by_code["hand-deleted"]
    assert deleted["file"] == "accounts.csv"
    assert deleted["message"].startswith("A-000023 was deleted by hand (unknown, 2026-11-20) but ")
    assert "O-000026 (opportunities.csv row 27)" in deleted["message"]
    assert not [
        p for p in found if p["record_id"] == "L-000999"
    ]  # a new lead added by hand is fine


# ---------------------------------------------------------------- LibreOffice re-saves


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:  # CI images: install the real program, as a user has it
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "libreoffice-calc"],
            capture_output=True,
            timeout=600,
        )
        found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice could not be installed here")
    return found


def test_a_workbook_saved_again_by_libreoffice_records_only_what_changed(xlsx_ws, tmp_path):
    ws = xlsx_ws
    work = tmp_path / "lo"
    work.mkdir()
    shutil.copy(ws / "contracts.xlsx", work / "contracts.xlsx")  # re-saved untouched
    shutil.copy(ws / "opportunities.xlsx", work / "opportunities.xlsx")
    edit_xlsx(work / "opportunities.xlsx", "O-000026", {"stage": "proposal"}, who="李娜")
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{work}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(work / "out"),
            str(work / "contracts.xlsx"),
            str(work / "opportunities.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for name in ("contracts.xlsx", "opportunities.xlsx"):
        shutil.copy(work / "out" / name, ws / name)
        _saved_at(ws / name)

    code, found = problems(ws)
    rows = hand_rows(ws)
    # LibreOffice writes dates, money and percentages its own way: none of it is an edit
    assert [
        (r["register"], r["record_id"], r["field"], r["old_value"], r["new_value"], r["user"])
        for r in rows
    ] == [("opportunities", "O-000026", "stage", "solution", "proposal", "李娜")]
    (gate,) = [p for p in found if p["code"] == "hand-edit-gate"]
    assert "needs a quote in approved or sent" in gate["message"]


# ---------------------------------------------------------------- an edit while another command runs


@pytest.fixture(scope="module")
def server():
    s = ForkServer()
    yield s
    s.close()


def test_an_edit_saved_while_a_command_runs_is_recorded_by_the_next_one(server, xlsx_ws, tmp_path):
    ws = xlsx_ws
    log = tmp_path / "payment.log"
    pid = server.start(
        ["payment", "record", "R-000012", "--amount", "100", "--ref", "RUNNING"], ws, log, slow=0.1
    )
    journal = ws / META / "journal.json"
    deadline = time.monotonic() + 120
    while not journal.exists():  # the command holds the lock and is committing
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.01)
    edit_xlsx(ws / "opportunities.xlsx", "O-000026", {"stage": "won"}, who="王伟")
    code, _ = server.reap()
    assert code == 0, log.read_text()
    assert pid

    res = run(["list", "opportunities", "-f", "csv"], ws)
    assert any("opportunities.xlsx" in line for line in res.err_lines)  # not taken as salesops' own
    code, found = problems(ws)
    assert [(r["record_id"], r["field"], r["new_value"]) for r in hand_rows(ws)] == [
        ("O-000026", "stage", "won")
    ]
    assert [p["record_id"] for p in found if p["code"] == "hand-edit-gate"] == ["O-000026"]
    assert not [
        r for r in hand_rows(ws) if r["register"] in ("payments", "receivables")
    ]  # the command's own changes


def test_a_hand_edit_is_found_in_history_wherever_it_lies(tmp_path, monkeypatch):
    """`handlog.has_hand_edits` reads history.csv a chunk at a time: a hand-edit row is found
    at the start, in the middle, at the end and across a chunk's edge; none, none."""
    from salesops.core.handedits import HAND
    from salesops.storage import handlog

    monkeypatch.setattr(handlog, "CHUNK", 16)
    path = tmp_path / "history.csv"
    row = "2026-11-27T09:00:00+08:00,王伟,salesops advance O-1 won,opportunities,O-1,stage,proposal,won\r\n"
    hand = f"2026-11-27T09:00:00+08:00,unknown,{HAND},opportunities,O-1,stage,proposal,won\r\n"
    assert not handlog.has_hand_edits(tmp_path / "missing.csv")
    for before in range(0, 40):
        path.write_text("\ufeffat,user,command\r\n" + "x" * before + row * 2, encoding="utf-8")
        assert not handlog.has_hand_edits(path)
        path.write_text("\ufeffat,user,command\r\n" + "x" * before + hand + row, encoding="utf-8")
        assert handlog.has_hand_edits(path), before
        path.write_text("\ufeffat,user,command\r\n" + row + "x" * before + hand, encoding="utf-8")
        assert handlog.has_hand_edits(path), before
