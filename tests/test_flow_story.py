"""A lead goes all the way to cash from the command line, in xlsx and csv, in English and Chinese.

Every refusal on the way must exit 1 with one `error:` line per unmet
condition and leave every file byte-for-byte unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from salesops import schema
from salesops.storage.workspace import Workspace, read_rows
from tests.conftest import run_cli, tree_digest
from tests.flow_support import REPS, new_ws, seed

D = Decimal
ENV = {"SALESOPS_USER": "tester"}


class Story:
    """Runs commands in one workspace, in the workspace language."""

    def __init__(self, root, lang):
        self.root = root
        self.lang = lang
        self.today = None  # SALESOPS_TODAY of the commands (None: the suite's default day)

    @property
    def env(self) -> dict:
        return {**ENV, "SALESOPS_TODAY": self.today} if self.today else ENV

    def st(self, register: str, code: str) -> str:
        """A stage as a user of this language types it."""
        reg = schema.REGISTERS[register]
        return reg.column(reg.machine.field).enum.label(code, self.lang)

    def field(self, register: str, name: str) -> str:
        """A field as messages name it: in the header's own language."""
        return schema.REGISTERS[register].column(name).header(self.lang)

    def ok(self, *args: str) -> str:
        proc = run_cli(*args, ws=self.root, env=self.env)
        assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        assert proc.stdout.strip() and "Traceback" not in proc.stderr
        return proc.stdout

    def refused(self, *args: str, expect: list[str]) -> list[str]:
        """Refused in the workspace language; the same lines, read in English, say `expect`."""
        before = tree_digest(self.root)
        lines = self._refusal(*args)
        if self.lang != "en":  # the workspace's own words first, then the same refusal in English
            english = self._refusal("--lang", "en", *args)
            assert len(english) == len(lines), (lines, english)
            lines = english
        for text in expect:
            assert any(text in line for line in lines), f"{text!r} not in {lines}"
        assert tree_digest(self.root) == before, f"{args} changed files"
        return lines

    def _refusal(self, *args: str) -> list[str]:
        proc = run_cli(*args, ws=self.root, env=self.env)
        assert proc.returncode == 1, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        lines = proc.stderr.strip().splitlines()
        assert lines and all(line.startswith("error: ") for line in lines), proc.stderr
        return lines

    def records(self, register: str) -> list[dict]:
        table = Workspace(self.root).table(register)
        return [table.record(i) for i in range(len(table))]

    def one(self, register: str, record_id: str) -> dict:
        table = Workspace(self.root).table(register)
        return table.record(table.find(record_id))


@pytest.mark.parametrize(
    ("fmt", "lang"), [("xlsx", "en"), ("xlsx", "zh"), ("csv", "en"), ("csv", "zh")]
)
def test_lead_to_cash(tmp_path, fmt, lang):
    root = tmp_path / "ws"
    new_ws(root, fmt, lang)
    seed(root, "reps", REPS)
    s = Story(root, lang)
    zh = lang == "zh"

    # lead: captured, duplicate refused, assigned, qualified, converted
    out = s.ok(
        "lead",
        "add",
        "--company",
        "华为技术有限公司",
        "--contact",
        "王工",
        "--phone",
        "0755-12345678",
        "--email",
        "wang@huawei.example",
        "--source",
        "转介绍" if zh else "referral",
        "--value",
        "50万",
        "--region",
        "华南",
    )
    assert "L-000001" in out
    s.refused(
        "lead",
        "add",
        "--company",
        "华为技术有限公司",
        "--phone",
        "010-1",
        expect=["duplicate of open lead L-000001"],
    )
    assert "L-000001 → 李四" in s.ok("lead", "assign", "--rule", "round-robin")
    s.ok("advance", "L-000001", s.st("leads", "qualified"))
    out = s.ok("lead", "convert", "L-000001", "--name", "核心网扩容")
    assert "O-000001" in out and "A-000001" in out
    opp = s.one("opportunities", "O-000001")
    assert (opp["stage"], opp["owner"], opp["amount"], opp["lead_id"]) == (
        "qualification",
        "李四",
        D("500000"),
        "L-000001",
    )

    # opportunity gates
    lines = s.refused(
        "advance",
        "O-000001",
        s.st("opportunities", "proposal"),
        expect=[
            f"→ solution: needs {s.field('opportunities', 'expected_close')}",
            "→ proposal: needs a quote in approved or sent",
        ],
    )
    assert len(lines) == 2
    close = "预计成交日期=2027年1月31日" if zh else "expected_close=2027-01-31"
    s.ok("advance", "O-000001", s.st("opportunities", "solution"), "--set", close)
    assert s.one("opportunities", "O-000001")["probability"] == 40

    # a discounted quote: refused until approved by someone
    out = s.ok(
        "quote", "create", "O-000001", "--list-amount", "50万", "--discount", "15", "--cost", "30万"
    )
    assert "Q-000001" in out and ("需要审批" if zh else "needs approval") in out
    s.refused(
        "advance",
        "O-000001",
        s.st("opportunities", "proposal"),
        expect=["needs a quote in approved or sent (Q-000001 is draft)"],
    )
    s.refused(
        "advance",
        "Q-000001",
        s.st("quotes", "approved"),
        expect=["needs approval (discount 15% is above 10%)"],
    )
    s.ok("advance", "Q-000001", s.st("quotes", "pending_approval"))
    s.refused(
        "advance",
        "Q-000001",
        s.st("quotes", "approved"),
        expect=["approving needs the approver: --by NAME"],
    )
    s.ok("advance", "Q-000001", s.st("quotes", "approved"), "--by", "李总")
    q = s.one("quotes", "Q-000001")
    assert (q["amount"], q["margin_pct"], q["approved_by"], q["approved_on"]) == (
        D("425000"),
        D("29.41"),
        "李总",
        dt.date(2026, 11, 27),
    )
    s.ok("advance", "O-000001", s.st("opportunities", "proposal"))
    s.ok("advance", "Q-000001", s.st("quotes", "sent"))
    s.ok("advance", "O-000001", s.st("opportunities", "negotiation"))
    s.refused(
        "advance",
        "Q-000001",
        s.st("quotes", "accepted"),
        "--on",
        "2027-01-01",
        expect=[f"the quote expired: {s.field('quotes', 'valid_until')} 2026-12-27"],
    )
    s.ok("advance", "Q-000001", s.st("quotes", "accepted"), "--on", "2026-12-01")

    # contract: terms must sum to 100, amount must match, reviewer signs
    s.refused(
        "contract",
        "create",
        "Q-000001",
        "--terms",
        "预付款:30,到货款:50,验收款:10",
        expect=["sum to 90%, not 100%"],
    )
    assert "C-000001" in s.ok(
        "contract", "create", "Q-000001", "--terms", "预付款:30,到货款:60,验收款:10"
    )
    s.ok("advance", "C-000001", s.st("contracts", "review"))
    s.refused(
        "advance",
        "C-000001",
        s.st("contracts", "signed"),
        "--by",
        "王经理",
        "--set",
        "amount=400000",
        expect=["amount 400,000.00 must equal the accepted quote Q-000001's 425,000.00"],
    )
    out = s.ok(
        "advance", "C-000001", s.st("contracts", "signed"), "--by", "王经理", "--on", "2026-12-02"
    )
    assert "R-000001, R-000002, R-000003" in out and ("商机 O-000001 赢单" if zh else "O-000001 won") in out
    opp = s.one("opportunities", "O-000001")
    assert (opp["stage"], opp["closed_on"], opp["probability"]) == (
        "won",
        dt.date(2026, 12, 2),
        100,
    )
    plan = s.records("receivables")
    assert [(r["milestone"], r["amount"], r["status"], r["triggered_on"]) for r in plan] == [
        ("advance", D("127500"), "scheduled", dt.date(2026, 12, 2)),
        ("delivery", D("255000"), "scheduled", None),
        ("acceptance", D("42500"), "scheduled", None),
    ]

    # invoicing waits for the milestone; delivery triggers the rest
    s.refused(
        "receivable",
        "invoice",
        "R-000002",
        "--invoice-no",
        "00012346",
        "--on",
        "2026-12-03",
        expect=["not triggered yet"],
    )
    assert ("到期日 2027-01-02" if zh else "due 2027-01-02") in s.ok(
        "receivable", "invoice", "R-000001", "--invoice-no", "00012345", "--on", "2026-12-03"
    )
    assert "D-000001" in s.ok(
        "delivery", "add", "C-000001", "--planned", "2026-12-10", "--description", "基站设备"
    )
    assert "C-000001" in s.ok(
        "advance", "D-000001", s.st("deliveries", "shipped"), "--on", "2026-12-10"
    )
    assert s.one("contracts", "C-000001")["status"] == "executing"
    s.ok("advance", "D-000001", s.st("deliveries", "delivered"), "--on", "2026-12-12")
    s.ok(
        "advance",
        "D-000001",
        s.st("deliveries", "accepted"),
        "--on",
        "2026-12-20",
        "--set",
        "满意度=5" if zh else "csat=5",
    )
    s.ok("receivable", "invoice", "R-000002", "--invoice-no", "00012346", "--on", "2026-12-12")
    s.ok("receivable", "invoice", "R-000003", "--invoice-no", "00012347", "--on", "2026-12-21")

    # cash, recorded after the fact: partly, then fully; overpayment refused
    s.today = "2027-01-11"
    s.refused(
        "payment",
        "record",
        "R-000001",
        "--amount",
        "127500.01",
        expect=["more than its outstanding 127,500.00"],
    )
    s.ok(
        "payment",
        "record",
        "R-000001",
        "--amount",
        "10万",
        "--on",
        "2026-12-05",
        "--method",
        "银行转账" if zh else "bank_transfer",
        "--ref",
        "000123",
    )
    assert s.one("receivables", "R-000001")["status"] == "partially_paid"
    s.refused(
        "advance",
        "C-000001",
        s.st("contracts", "completed"),
        expect=["needs every receivable paid, written off or cancelled"],
    )
    s.ok("payment", "record", "R-000001", "--amount", "27500", "--on", "2026-12-06")
    s.ok("payment", "record", "R-000002", "--amount", "55000", "--on", "2027-01-05")
    s.refused(
        "payment",
        "record",
        "R-000002",
        "--amount",
        "200000.01",
        expect=["more than its outstanding 200,000.00"],
    )  # (cash from the account above what it owes would be kept as unapplied cash: test_unapplied)
    s.ok(
        "payment",
        "record",
        "--account",
        "A-000001",
        "--amount",
        "242500",
        "--on",
        "2027-01-10",
        "--ref",
        "B-77",
    )
    out = s.ok("advance", "C-000001", s.st("contracts", "completed"), "--on", "2027-01-11")

    contract = s.one("contracts", "C-000001")
    assert (
        contract["status"],
        contract["reviewer"],
        contract["signed_on"],
        contract["completed_on"],
    ) == (
        "completed",
        "王经理",
        dt.date(2026, 12, 2),
        dt.date(2027, 1, 11),
    )
    receivables = s.records("receivables")
    assert [(r["status"], r["collected_amount"], r["invoice_no"]) for r in receivables] == [
        ("paid", D("127500"), "00012345"),
        ("paid", D("255000"), "00012346"),
        ("paid", D("42500"), "00012347"),
    ]
    payments = s.records("payments")
    assert [(p["receivable_id"], p["amount"]) for p in payments] == [
        ("R-000001", D("100000")),
        ("R-000001", D("27500")),
        ("R-000002", D("55000")),
        ("R-000002", D("200000")),
        ("R-000003", D("42500")),
    ]
    assert payments[0]["method"] == "bank_transfer" and payments[0]["reference"] == "000123"
    delivery = s.one("deliveries", "D-000001")
    assert (delivery["status"], delivery["csat"], delivery["accepted_on"]) == (
        "accepted",
        5,
        dt.date(2026, 12, 20),
    )

    # the files speak the workspace language
    ws = Workspace(root)
    table = ws.table("receivables")
    _, rows = read_rows(*ws.file_of("receivables")[:2])  # the cell as the file holds it
    assert rows[0][table.colmap["status"]] == ("已回款" if zh else "paid")
    assert table.header_lang == lang
    assert run_cli("validate", ws=root, env=s.env).returncode == 0
    history = (root / "history.csv").read_text("utf-8-sig")
    assert "tester" in history and "李总" not in history.splitlines()[0]


@pytest.fixture
def story(tmp_path):
    root = tmp_path / "ws"
    new_ws(root, "csv", "en")
    seed(root, "reps", REPS)
    return Story(root, "en")


def _history(root) -> list[dict]:
    import csv

    with open(root / "history.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_history_rows_name_user_command_register_record_field_old_and_new(story):
    story.ok(
        "lead", "add", "--company", "甲公司", "--phone", "13800000000", "--owner", "张三",
        "--on", "2026-11-15",
    )
    start = len(_history(story.root))
    proc = run_cli(
        "advance",
        "L-000001",
        "qualified",
        "--by",
        "陈经理",
        "--on",
        "2026-11-20",
        "--set",
        "email=a@b.cn",
        ws=story.root,
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr
    rows = _history(story.root)[start:]
    assert [
        (r["register"], r["record_id"], r["field"], r["old_value"], r["new_value"]) for r in rows
    ] == [
        ("leads", "L-000001", "email", "", "a@b.cn"),
        ("leads", "L-000001", "status_changed_on", "2026-11-15", "2026-11-20"),
        ("leads", "L-000001", "status", "new", "contacted"),
        ("leads", "L-000001", "status", "contacted", "qualified"),
    ]
    assert {r["user"] for r in rows} == {"陈经理"}
    assert all(
        r["command"].startswith("salesops ") and "advance L-000001 qualified" in r["command"]
        for r in rows
    )
    at = dt.datetime.fromisoformat(rows[0]["at"])
    assert at.tzinfo is not None and len({r["at"] for r in rows}) == 1
    start = len(_history(story.root))
    story.ok("lead", "score")
    assert {r["user"] for r in _history(story.root)[start:]} <= {"tester"}


def test_json_output_lists_changed_records_with_canonical_names_and_codes(tmp_path):
    root = tmp_path / "ws"
    new_ws(root, "csv", "zh")
    s = Story(root, "zh")
    s.ok("lead", "add", "--company", "乙公司", "--email", "x@y.cn", "--owner", "张三")
    proc = run_cli("advance", "L-000001", "已确认", "-f", "json", ws=root, env=ENV)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [(d["register"], d["id"], d["action"]) for d in data] == [
        ("leads", "L-000001", "updated")
    ]
    assert data[0]["record"]["status"] == "qualified" and data[0]["record"]["company"] == "乙公司"
    proc = run_cli(
        "lead", "convert", "L-000001", "--amount", "1,234.50", "-f", "json", ws=root, env=ENV
    )
    data = json.loads(proc.stdout)
    assert {(d["register"], d["action"]) for d in data} == {
        ("accounts", "created"),
        ("opportunities", "created"),
        ("leads", "updated"),
    }
    opp = next(d["record"] for d in data if d["register"] == "opportunities")
    assert (opp["stage"], opp["amount"]) == ("qualification", 1234.5)
    assert "验证商机" in (root / "opportunities.csv").read_text("utf-8-sig")


def test_hand_typed_ids_are_found_in_every_register(story):
    seed(story.root, "accounts", [{"account_id": "ACME", "name": "Acme"}])
    seed(
        story.root,
        "opportunities",
        [
            {
                "opportunity_id": "deal-7",
                "name": "Big",
                "account_id": "ACME",
                "owner": "张三",
                "stage": "qualification",
                "created_on": dt.date(2026, 11, 1),
            }
        ],
    )
    assert "deal-7: qualification → needs_analysis" in story.ok(
        "advance", "deal-7", "needs analysis"
    )
    story.refused("advance", "nothing-9", "won", expect=["no record 'nothing-9'"])


def test_usage_errors_exit_2_and_change_nothing(story):
    story.ok("lead", "add", "--company", "丙公司")
    before = tree_digest(story.root)
    for args, text in (
        (("advance", "L-000001", "promoted"), "is not a lead status"),
        (
            ("advance", "L-000001", "contacted", "--set", "score=abc"),
            'score: "abc" is not a whole number',
        ),
        (("advance", "L-000001", "contacted", "--set", "colour=red"), "has no column 'colour'"),
        (("advance", "L-000001", "contacted", "--on", "someday"), '--on "someday" is not a date'),
        (("payment", "record", "--amount", "5"), "give a receivable ID or --account"),
        (("lead", "assign", "--to", "张三", "--rule", "round-robin"), "not both"),
        (("lead", "add", "--company", "丁", "--source", "tv"), "is not a lead source"),
    ):
        proc = run_cli(*args, ws=story.root, env=ENV)
        assert proc.returncode == 2, (args, proc.stderr)
        assert text in proc.stderr and proc.stderr.startswith("error: ")
    assert tree_digest(story.root) == before


def test_sweep_expires_quotes_from_cron(story):
    seed(
        story.root,
        "quotes",
        [
            {
                "quote_id": "Q-000001",
                "opportunity_id": "O-1",
                "quote_date": dt.date(2026, 10, 1),
                "valid_until": dt.date(2026, 10, 31),
                "amount": D(1),
                "status": "sent",
            },
            {
                "quote_id": "Q-000002",
                "opportunity_id": "O-1",
                "quote_date": dt.date(2026, 11, 1),
                "valid_until": dt.date(2026, 12, 1),
                "amount": D(1),
                "status": "approved",
            },
        ],
    )
    assert "expired 1 quote: Q-000001" in story.ok("sweep")
    assert story.one("quotes", "Q-000001")["status"] == "expired"
    assert "no quotes to expire" in story.ok("sweep")


def test_lead_score_and_assign_from_the_command_line(story):
    story.ok("lead", "add", "--company", "戊公司", "--source", "partner", "--region", "华北")
    table = Workspace(story.root).table("leads")
    table_path = story.root / "leads.csv"
    text = table_path.read_text("utf-8-sig").replace(",partner,", ",referral,")
    table_path.write_text(text, encoding="utf-8-sig")
    assert "1 changed: L-000001" in story.ok("lead", "score", "L-000001")
    assert table.get(0, "score") == 25
    assert story.one("leads", "L-000001")["score"] == 30
    assert "L-000001 → 赵六" in story.ok("lead", "assign")
    assert "L-000001 → 张三" in story.ok("lead", "assign", "L-000001", "--to", "S-000001")
    story.refused(
        "lead", "assign", "L-000001", "--to", "王五", expect=["rep S-000003 王五 is not active"]
    )
