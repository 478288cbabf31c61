"""The bulk write path of an import: `Table.append_many` writes what `Table.append` writes.

Each case writes real registers twice — record by record through `append`, and in one
call to `append_many` — commits both through the workspace's one commit path, reopens
the files and compares them: every part of the xlsx (but docProps/core.xml's
timestamp) or every byte of the CSV, and every history row (but its time). Then a
real import through the CLI is compared with the same plan applied record by record.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from salesops import values
from salesops.errors import BadCell
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace, run_cli


def lead(k: int) -> dict:
    """A lead with every kind of cell, some empty, some awkward."""
    return {
        "lead_id": f"L-{k + 1:06d}",
        "created_on": dt.date(1899, 12, 30) if k == 4 else dt.date(2026, 1, 1) + dt.timedelta(days=k % 40),
        "source": ["website", "referral", None, "exhibition"][k % 4],
        "company": ["=SUM(A1)", "深圳东方机械集团有限公司", " Acme Co., Ltd. ", "＋86 公司"][k % 4] + str(k // 4),
        "contact_name": None if k % 3 else f"联系人{k}",
        "phone": f"0{13800138000 + k}",
        "email": f"lead{k}@example.cn" if k % 5 else None,
        "estimated_value": [Decimal("1.5"), Decimal("1.50"), Decimal("100"), None, Decimal("-12345.67")][k % 5],
        "score": k % 7 if k % 2 else None,
        "grade": ["A", None, "C"][k % 3],
        "status": ["new", "contacted", "disqualified"][k % 3] if k % 10 else None,
        "notes": "line one\nline two" if k == 7 else ("-5" if k == 8 else None),
    }


def write(root: Path, batches: list[list[dict]], bulk: bool) -> None:
    """Each batch appended in its own command (the first makes the file, later ones append to it)."""
    for n, batch in enumerate(batches):
        ws = Workspace(root)
        sources = [f"in{n}.csv row {k + 2}" for k in range(len(batch))]
        with ws.writing(5):
            table = ws.table("leads")
            if bulk:
                added = table.append_many(batch, sources)
                assert list(added) == list(range(len(table) - len(batch), len(table)))
            else:
                for record, source in zip(batch, sources, strict=True):
                    table.append(record, source=source)
            ws.commit(command="import", user="u")


def history(root: Path) -> list[list[str]]:
    with open(root / "history.csv", encoding="utf-8-sig", newline="") as fh:
        return [row[1:] for row in csv.reader(fh)]  # all but the time


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def assert_same_files(one: Path, other: Path, fmt: str) -> None:
    if fmt == "xlsx":
        assert parts(one / "leads.xlsx") == parts(other / "leads.xlsx")
    else:
        assert (one / "leads.csv").read_bytes() == (other / "leads.csv").read_bytes()
    assert history(one) == history(other)


@pytest.mark.parametrize("fmt,lang", [("xlsx", "en"), ("csv", "en"), ("xlsx", "zh"), ("csv", "zh")])
def test_append_many_writes_what_append_writes(tmp_path, fmt, lang):
    """A new register, then records appended to it: the same cells, header, history rows."""
    batches = [[lead(k) for k in range(30)], [lead(k) for k in range(30, 45)]]
    one = make_workspace(tmp_path / "one", fmt, lang)
    other = make_workspace(tmp_path / "other", fmt, lang)
    write(one, batches, bulk=False)
    write(other, batches, bulk=True)
    assert_same_files(one, other, fmt)
    rows = history(other)
    assert len(rows) == 1 + 2 * 45 - sum(1 for b in batches for r in b if r["status"] is None)
    assert rows[1][4:] == ["*", "", "in0.csv row 2"]
    shown = run_cli("show", "L-000031", "-f", "json", ws=other, check=0).stdout
    assert "in1.csv row 2" in shown
    listed = run_cli("list", "leads", "-f", "csv", ws=other, check=0).stdout
    assert "=SUM(A1)0" in listed and "-12345.67" in listed


def test_append_many_without_sources_writes_a_history_row_per_field(tmp_path):
    """Records created on the way (accounts named in an import): one row per field, as `append` makes them."""
    batch = [{"lead_id": f"L-{k:06d}", "company": f"c{k}", "created_on": dt.date(2026, 2, k + 1), "status": "new"} for k in range(1, 4)]
    roots = []
    for bulk in (False, True):
        root = make_workspace(tmp_path / str(bulk), "csv")
        ws = Workspace(root)
        with ws.writing(5):
            table = ws.table("leads")
            if bulk:
                table.append_many(batch)
            else:
                for record in batch:
                    table.append(record)
            ws.commit(command="import", user="u")
        roots.append(root)
    assert_same_files(*roots, "csv")
    assert [r[4] for r in history(roots[1])[1:5]] == ["lead_id", "created_on", "company", "status"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_append_many_refuses_the_same_cell_as_append_and_adds_nothing(tmp_path, fmt):
    root = make_workspace(tmp_path / "ws", fmt)
    batch = [lead(k) for k in range(12)]
    batch[9] = {**batch[9], "notes": "bell\x07", "contact_name": "x" * 40_000}  # two faults in one record
    batch[11] = {**batch[11], "company": "tab\x01"}
    problems = []
    for bulk in (False, True):
        ws = Workspace(root)
        table = ws.table("leads")
        with pytest.raises(BadCell) as info:
            if bulk:
                table.append_many(batch, ["f row"] * len(batch))
            else:
                for record in batch:
                    table.append(record, source="f row")
        problems.append(info.value.problem)
        if bulk:
            assert len(table) == 0 and not table.changes and not table.dirty
    assert problems[0] == problems[1]
    assert (problems[1].row, problems[1].column) == (11, "contact_name")


def test_a_cli_import_writes_what_its_plan_appended_record_by_record_writes(tmp_path):
    """The real command (CSV, Chinese headers, slash dates, a user column) against the same plan
    applied through `append`, one record at a time, into an existing register."""
    from salesops.cli.importer import _context, _read_file
    from salesops.core.importer import ImportOptions, plan_import
    from salesops.i18n import translate
    from salesops.schema import REGISTERS
    from salesops.typed import text_faults

    src = tmp_path / "leads-in.csv"
    lines = ["公司名称,联系人,电话,邮箱,来源,预估金额,创建日期,跟进"]
    lines += [f"公司{k},人{k},1380013{k:04d},p{k}@x.cn,{['官网', '转介绍'][k % 2]},{k * 1000},2026/10/{k % 28 + 1},{'' if k % 3 else '电话'}" for k in range(60)]
    src.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    roots = []
    for bulk in (False, True):
        root = make_workspace(tmp_path / f"ws{bulk}", "xlsx", "zh")
        write(root, [[lead(k) for k in range(5)]], bulk=False)  # an existing register
        if bulk:
            run_cli("import", "leads", str(src), "--by", "u", ws=root, env={"SALESOPS_USER": "u"}, check=0)
        else:
            ws = Workspace(root)
            options = ImportOptions(file=src.name, date_order="MDY", today=dt.date(2026, 11, 27), text_faults=text_faults)
            header, rows = _read_file(src, None, None, REGISTERS["leads"])
            with ws.writing(5):
                plan = plan_import(header, rows, *_context(ws, REGISTERS["leads"]), options)
                table = ws.table("leads")
                for item in plan.adds:
                    i = table.append(item.record, source=translate("{file} row {row}", "zh").format(file=src.name, row=item.row))
                    for head, text in item.user.items():
                        table.set_user(i, head, text)
                ws.commit(command="import", user="u")
            assert len(plan.adds) == 60 and not plan.errors
        roots.append(root)
    assert parts(roots[0] / "leads.xlsx") == parts(roots[1] / "leads.xlsx")
    one, other = history(roots[0]), history(roots[1])
    assert [r[:1] + r[2:] for r in one] == [r[:1] + r[2:] for r in other]  # but the command line
    assert other[-2][4:] == ["*", "", "leads-in.csv 第 61 行"]
    sheet = parts(roots[1] / "leads.xlsx")["xl/worksheets/sheet1.xml"].decode()
    assert sheet.count("<row ") == 1 + 5 + 60 and sheet.count(">电话<") == 1 + 20  # the phone header, the user column 跟进 on every third row


# ---------------------------------------------------------------- company keys


def slow_normalize_company(s):
    """`values.normalize_company` without its fast path for plain names."""
    text = values.parse_text(s)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).casefold()
    spaced = " ".join("".join(" " if unicodedata.category(c)[0] in "PZC" else c for c in text).split())
    base = spaced
    for form in ("股份有限公司", "有限责任公司", "有限公司", "公司"):
        if spaced.endswith(form):
            base = spaced[: -len(form)]
            break
    else:
        m = values._LATIN_FORMS.search(spaced)
        if m:
            base = spaced[: m.start()]
    return base.replace(" ", "") or spaced.replace(" ", "") or None


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("abcXYZ09 .,()·、，（）\t\u3000ltdincoLTD有限公司股份责任深圳东方ＡＢ１２") + ["\u9fa5", "\u9fa6", "\U00020000"]),
        max_size=20,
    )
)
def test_company_keys_with_and_without_the_fast_path_agree(text):
    assert values.normalize_company(text) == slow_normalize_company(text)


COMPANY_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ09 .,()·、，（）\t\u3000ltdincorpgmbhLTD有限公司股份责任深圳东方ＡＢ１２") + ["\u9fa5", "\u9fa6", "\u4e00", "\U00020000"]),
    max_size=16,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(COMPANY_TEXT, st.sampled_from(["华为inc", "inc", "公司", "Acme2000Ltd", "深圳coltd", "x有限公司公司", "深圳东方股份有限公司", "东方有限责任公司", "东方有限公司"]), st.none(), st.integers(0, 10**6)), max_size=30))
def test_company_keys_of_a_whole_import_are_each_names_key(names):
    """An import's companies are keyed in Arrow when they are plain (letters, digits, ideographs), one by one otherwise: the same keys."""
    assert values.normalize_companies(names) == [values.normalize_company(n) for n in names]


def test_a_lead_naming_a_known_account_is_imported_with_a_warning(tmp_path):
    """The company key found for duplicates also names the account a new lead's company already is."""
    root = make_workspace(tmp_path / "ws", "csv")
    acc = tmp_path / "acc.csv"
    acc.write_text("name,owner,created_on\nACME Trading,alice,2026-01-02\n深圳东方机械,bob,2026-01-02\n", encoding="utf-8")
    run_cli("import", "accounts", str(acc), ws=root, check=0)
    src = tmp_path / "leads-in.csv"
    src.write_text('company,created_on\n"Acme Trading Co., Ltd.",2026-02-01\n深圳东方机械有限公司,2026-02-02\nBeta,2026-02-03\n', encoding="utf-8")
    proc = run_cli("import", "leads", str(src), ws=root, check=0)
    assert [line for line in proc.stderr.splitlines() if "already" in line] == [
        'warning: leads-in.csv row 2, company: Acme Trading Co., Ltd. is already the account A-000001, held by alice',
        "warning: leads-in.csv row 3, company: 深圳东方机械有限公司 is already the account A-000002, held by bob",
    ]
    assert "imported 3 leads" in proc.stdout


# ---------------------------------------------------------------- new rows a column at a time

CELLS = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.sampled_from(list("ab 公司&<>_x0041\r\t\n'=") + ["\u3000", "\x1c", "\xa0", "\x85"]), max_size=6),
    st.integers(-(10**17), 10**17),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**13), max_value=10**13),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.booleans(),
)


def encoders():
    from salesops.storage.xlsx_io import CellEncoder, ColumnKind
    from salesops.storage.xlsx_package import StyleBook

    kinds = [ColumnKind(k) for k in ("text", "date", "money", "pct", "int", "text")]
    return [CellEncoder(kinds, StyleBook(None), False, "t.xlsx") for _copy in range(2)]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda width: st.lists(
            st.one_of(
                st.lists(CELLS, min_size=width, max_size=width),  # columns of any mix
                st.tuples(*[st.sampled_from(pool) for pool in COLUMN_POOLS[:width]]).map(list),  # typed columns
            ),
            min_size=0,
            max_size=12,
        )
    ),
    st.sampled_from([{}, {1: b"3", 2: b"4"}, {0: b"1"}]),
)
@example(rows=[[0], [False]], template={})  # equal in a set, not in a cell
@example(rows=[[1.0], [1], [True]], template={})
@example(rows=[[None, "\x1c"], ["y" * 32_768, None]], template={})  # two refusals: the first row's is said
def test_rows_made_a_column_at_a_time_are_the_rows_made_one_by_one(rows, template):
    """`CellEncoder.rows` (an import's 100,000 new rows) is `row` for each: the same XML, the
    same styles added in the same order, the same refusal."""
    from salesops.errors import StorageError
    from salesops.storage import xlsx_io

    bulk, single = encoders()
    outcomes = []
    for run in (lambda: bulk.rows(7, rows, template), lambda: "".join(single.row(7 + k, r, template) for k, r in enumerate(rows))):
        try:
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(xlsx_io, "ROWS_AT_ONCE", 5)  # blocks of rows, as 100,000 rows go
                outcomes.append(run())
        except StorageError as exc:
            outcomes.append(("refused", str(exc)))
    assert outcomes[0] == outcomes[1]
    if not isinstance(outcomes[0], tuple):  # a refusal writes nothing, whatever styles were chosen
        assert bulk.styles.to_bytes() == single.styles.to_bytes()


COLUMN_POOLS = [
    ["Acme", "", None, "深圳 公司", " lead", "a&b", "x" * 201, "y" * 32_768],
    [dt.date(2026, 1, 5), None, dt.date(2025, 12, 31)],
    [Decimal("1.50"), Decimal("1.5"), None, Decimal("-12345.67"), Decimal("0.1000000000000000055511151231257827")],
    [Decimal("12.5"), None],
    [3, None, 0, -7],
    ["", None, "note"],
]


@pytest.mark.parametrize("holes", [False, True])
def test_full_columns_joined_row_by_row_are_the_rows_made_one_by_one(holes):
    """Columns with a value in every row (an import's usual case) are joined without making cells."""
    rows = [
        [f"L-{k:06d}", dt.date(2026, 1, 1) + dt.timedelta(days=k), Decimal(k * 100) / 7 if k % 2 else Decimal("12.50"), f"a&b {k}", k, "x" if k % 3 else " y", "公司"]
        for k in range(40)
    ]
    if holes:
        for k in range(0, 40, 7):
            rows[k][k % 7] = None
    rows = [[Decimal(str(round(v, 2))) if isinstance(v, Decimal) else v for v in r] for r in rows]
    bulk, single = encoders()
    made = bulk.rows(2, rows, {2: b"4"})
    assert made == "".join(single.row(2 + k, r, {2: b"4"}) for k, r in enumerate(rows))
    assert bulk.styles.to_bytes() == single.styles.to_bytes()
    assert made.count("<row ") == 40 and '<c r="A41" t="inlineStr"><is><t>L-000039</t></is></c>' in made


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.sampled_from(list("ab\n\t\r 公") + ["\x00", "\x07", "\x1f", "\ufffe", "\ud800"]), max_size=5), st.sampled_from(["x" * 32_767, "y" * 32_768, "z\n" * 20_000])), max_size=8))
def test_text_faults_of_many_texts_are_each_text_fault(texts):
    from salesops.typed import text_fault, text_faults

    assert text_faults(texts) == {t: text_fault(t) for t in texts if text_fault(t)}


FIELD_TEXT = st.text(alphabet=st.sampled_from(list(',"\r\n=+-@\'\t a1.公') + list("＝＋－＠")), max_size=6)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(FIELD_TEXT, min_size=2, max_size=8), max_size=5))
def test_csv_fields_joined_are_what_csv_bytes_writes(rows):
    """history.csv's rows are joined from `csv_field`s: the bytes `csv_bytes` (csv.writer) writes."""
    from salesops.storage.csv_io import csv_bytes, csv_field

    joined = "".join(",".join(map(csv_field, row)) + "\r\n" for row in rows)
    assert b"\xef\xbb\xbf" + joined.encode("utf-8") == csv_bytes(rows)


def test_history_rows_of_an_import_in_a_chinese_workspace_read_back(tmp_path):
    """Labels, quotes, commas and formula-like text in history rows written by the joined path."""
    from salesops.storage.history import read_history

    root = make_workspace(tmp_path / "ws", "csv", "zh")
    batch = [{**lead(k), "lead_id": f"L-{k + 1:06d}"} for k in range(3)]
    ws = Workspace(root)
    with ws.writing(5):
        ws.table("leads").append_many(batch, ['=cmd,"x"', "a\nb", "-1"])
        ws.commit(command='import "a,b"', user="=u")
    rows = read_history(root)
    assert [(r["user"], r["command"], r["record_id"], r["field"], r["new_value"]) for r in rows] == [
        ("=u", 'import "a,b"', "L-000001", "*", '=cmd,"x"'),
        ("=u", 'import "a,b"', "L-000002", "*", "a\nb"),
        ("=u", 'import "a,b"', "L-000002", "status", "已联系"),
        ("=u", 'import "a,b"', "L-000003", "*", "-1"),
        ("=u", 'import "a,b"', "L-000003", "status", "已关闭"),
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "\u3000", "\t\n", "x", " a ", "\x00"]), st.integers(0, 2), st.floats(allow_nan=True), st.dates()), max_size=5))
def test_a_blank_row_is_one_whose_every_cell_is_blank(row):
    from salesops.core.importer import _blank_row

    assert _blank_row(row) == all(values.parse_text(v) is None for v in row)


def test_blank_rows_of_the_file_are_skipped_and_rows_keep_their_numbers(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    src = tmp_path / "in.csv"
    src.write_text("company,created_on\n甲,2026-11-02\n , \u3000\n,\n乙,2026-11-31\n", encoding="utf-8")
    proc = run_cli("import", "leads", str(src), ws=root, check=1)
    assert proc.stderr.splitlines()[0].startswith('error: in.csv row 5, created_on: "2026-11-31" is not a date')
    src.write_text("company,created_on\n甲,2026-11-02\n , \u3000\n,\n乙,2026-11-30\n", encoding="utf-8")
    proc = run_cli("import", "leads", str(src), "-f", "json", ws=root, check=0)
    summary = json.loads(proc.stdout)
    assert (summary["rows"], summary["added"]) == (2, 2)


@pytest.mark.parametrize("damage", ["none", "gb18030", "ragged"])
def test_history_reads_the_same_by_arrow_and_by_the_tolerant_reader(tmp_path, damage):
    """history.csv is read one way (`storage.history.history_table`): pyarrow's CSV reader, or the
    tolerant reader for another encoding or a ragged row — with the same cells, `'` guards taken
    off (show, the pool, the hand-edit checks and the reports all read it so)."""
    from salesops.storage.history import history_table, read_history

    root = make_workspace(tmp_path / "ws", "csv", "zh")
    batch = [{**lead(k), "lead_id": f"L-{k + 1:06d}"} for k in range(8)]
    ws = Workspace(root)
    with ws.writing(5):
        ws.table("leads").append_many(batch, ['=cmd,"x"', "a\nb", "-1", "'quoted", "@at", "+8", "普通", ""])
        ws.commit(command='import "a,b"', user="=u")
    clean = read_history(root)
    assert clean and {r["user"] for r in clean} == {"=u"}
    assert {r["new_value"] for r in clean if r["field"] == "*"} == {'=cmd,"x"', "a\nb", "-1", "'quoted", "@at", "+8", "普通", ""}
    path = root / "history.csv"
    text = path.read_text(encoding="utf-8-sig")
    if damage == "gb18030":
        path.write_bytes(text.encode("gb18030"))
    elif damage == "ragged":  # a row cut short by hand: its missing cells are empty
        path.write_text(text + "2026-11-27T09:00:00+08:00,王伟\r\n", encoding="utf-8-sig")
    again = read_history(root)
    extra = [{**dict.fromkeys(clean[0], ""), "at": "2026-11-27T09:00:00+08:00", "user": "王伟"}] if damage == "ragged" else []
    assert again == clean + extra
    assert read_history(root, record_id="L-000002", field="*") == [r for r in clean if r["record_id"] == "L-000002" and r["field"] == "*"]
    assert history_table(root).num_rows == len(clean) + len(extra)


def test_history_is_kept_in_the_cache_while_the_file_stays_as_it_was(tmp_path):
    """history.csv read once is kept (`cache.of_file`): the next read gives the same rows from
    the cache; a row appended (even with the same size and a backdated time) or a file changed
    too recently to be told apart from a next change is read again, never served stale."""
    import os

    from salesops.storage import cache
    from salesops.storage.history import history_table, read_history

    root = make_workspace(tmp_path / "ws", "csv", "zh")
    ws = Workspace(root)
    with ws.writing(5):
        ws.table("leads").append_many([{**lead(k), "lead_id": f"L-{k + 1:06d}"} for k in range(3)], ["a", "b", "c"])
        ws.commit(command="import", user="王伟")
    path = root / "history.csv"
    entry = cache.entry_path(root, path)

    def backdate(seconds: float = 60) -> None:
        then = os.stat(path).st_mtime - seconds
        os.utime(path, (then, then))

    history_table(root)
    cache.settle()
    assert not entry.exists()  # just written: not trusted yet
    backdate()
    first = read_history(root)
    cache.settle()
    assert entry.exists()
    mtime = entry.stat().st_mtime_ns
    assert read_history(root) == first
    assert entry.stat().st_mtime_ns == mtime  # served from the entry, not written again
    text = path.read_text(encoding="utf-8-sig")
    row = "2026-11-27T09:00:00+08:00,李娜,salesops set L-000001 notes=x,leads,L-000001,notes,,x\r\n"
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(row)
    backdate()
    assert read_history(root)[-1]["user"] == "李娜" and len(read_history(root)) == len(first) + 1
    path.write_text(text.replace("王伟", "赵敏"), encoding="utf-8-sig")  # same size, other bytes
    os.utime(path, ns=(mtime, mtime))
    cache.settle()
    assert {r["user"] for r in read_history(root)} == {"赵敏"}
