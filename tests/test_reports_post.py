"""`--post URL`: reports sent to WeCom, DingTalk and Feishu group robots, each in its own format.

A local HTTP server plays the robots: it records each request and answers
the way the real ones do (HTTP 200 with their own error codes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import run_cli

WEEK = ("report", "weekly", "--week", "2026-W47")


class Robots(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    answers: dict[str, tuple[int, dict]] = {}

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        assert self.headers["Content-Type"].startswith("application/json")
        Robots.received.append((self.path, body))
        path = urllib.parse.urlsplit(self.path).path
        status, answer = Robots.answers.get(path, (200, {"errcode": 0, "errmsg": "ok"}))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Robots)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("post") / "ws"
    run_cli("init", str(ws), "--sample", "--format", "csv", "--lang", "zh", check=0)
    return ws


@pytest.fixture(autouse=True)
def clean():
    Robots.received.clear()
    Robots.answers.clear()


def test_wecom_gets_markdown_within_its_4096_bytes(server, sample, tmp_path):
    out = tmp_path / "weekly.html"
    run_cli(
        *WEEK,
        "-f",
        "html",
        "-o",
        str(out),
        "--post",
        f"{server}/cgi-bin/webhook/send?key=K1",
        ws=sample,
        check=0,
    )
    assert out.exists()
    [(path, body)] = Robots.received
    assert path == "/cgi-bin/webhook/send?key=K1"
    assert body["msgtype"] == "markdown" and set(body) == {"msgtype", "markdown"}
    content = body["markdown"]["content"]
    assert content.startswith("## 销售周报 2026-W47") and len(content.encode()) <= 4096
    assert "核心指标" in content and "新增线索" in content
    assert '<font color="warning">' in content  # overdue money stands out in WeCom


def test_dingtalk_gets_title_and_text_and_a_signed_url(server, sample):
    secret = "SEC-test"
    run_cli(
        *WEEK,
        "-f",
        "json",
        "--post",
        f"{server}/robot/send?access_token=T",
        ws=sample,
        env={"SALESOPS_ROBOT_SECRET": secret},
        check=0,
    )
    [(path, body)] = Robots.received
    assert body["msgtype"] == "markdown" and body["markdown"]["title"].startswith("销售周报")
    assert body["markdown"]["text"].startswith("## 销售周报")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert query["access_token"] == ["T"]
    stamp = query["timestamp"][0]
    mac = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(mac).decode()]


def test_feishu_gets_a_card_and_a_signed_body(server, sample):
    Robots.answers["/open-apis/bot/v2/hook/abc"] = (200, {"code": 0, "msg": "success"})
    run_cli(
        *WEEK,
        "--post",
        f"{server}/open-apis/bot/v2/hook/abc",
        ws=sample,
        env={"SALESOPS_ROBOT_SECRET": "s3"},
        check=0,
    )
    [(_path, body)] = Robots.received
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"]["content"].startswith("销售周报 2026-W47")
    [element] = card["elements"]
    assert element["tag"] == "markdown" and "核心指标" in element["content"]
    key = f"{body['timestamp']}\n{'s3'}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def test_any_report_posts(server, sample):
    run_cli(
        "report",
        "aging",
        "--as-of",
        "2026-11-27",
        "--post",
        f"{server}/cgi-bin/webhook/send?key=K",
        ws=sample,
        check=0,
    )
    [(_path, body)] = Robots.received
    assert body["markdown"]["content"].startswith("## 应收账龄")


def test_a_refused_post_exits_1_after_the_report_is_written(server, sample, tmp_path):
    Robots.answers["/cgi-bin/webhook/send"] = (
        200,
        {"errcode": 93000, "errmsg": "invalid webhook url"},
    )
    out = tmp_path / "weekly.xlsx"
    res = run_cli(
        *WEEK,
        "-f",
        "xlsx",
        "-o",
        str(out),
        "--post",
        f"{server}/cgi-bin/webhook/send?key=BAD",
        ws=sample,
    )
    assert res.returncode == 1 and out.stat().st_size > 0
    assert (
        res.stderr.strip()
        == f"error: {server}/cgi-bin/webhook/send 的机器人拒收了报表：93000 invalid webhook url"
    )
    assert "key=BAD" not in res.stderr  # the key is the robot's password


def test_an_http_failure_is_an_error_naming_it(server, sample, tmp_path):
    Robots.answers["/robot/send"] = (500, {"errcode": -1})
    res = run_cli(*WEEK, "--lang", "en", "--post", f"{server}/robot/send?access_token=T", ws=sample)
    assert (
        res.returncode == 1
        and res.stderr.startswith("error: posting to ")
        and "HTTP 500" in res.stderr
    )
    assert (
        "销售周报" not in res.stdout and "Weekly summary" in res.stdout
    )  # printed before the post


def test_an_unknown_robot_is_a_usage_error_before_anything_is_written(sample, tmp_path):
    out = tmp_path / "w.md"
    res = run_cli(
        *WEEK, "-f", "markdown", "-o", str(out), "--post", "https://example.com/hook", ws=sample
    )
    assert res.returncode == 2 and not out.exists()
    assert "企业微信、钉钉或飞书" in res.stderr
    assert run_cli(*WEEK, "--post", "not a url", ws=sample).returncode == 2


def test_the_kind_is_told_from_the_host_first():
    from salesops.reports.robots import robot_kind

    assert robot_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x") == "wecom"
    assert robot_kind("https://oapi.dingtalk.com/robot/send?access_token=x") == "dingtalk"
    assert robot_kind("https://open.feishu.cn/open-apis/bot/v2/hook/x") == "feishu"
    assert robot_kind("https://open.larksuite.com/open-apis/bot/v2/hook/x") == "feishu"
    assert robot_kind("https://proxy.example/robot/send?access_token=x") == "dingtalk"


def test_register_text_cannot_become_markup_in_a_chat():
    from salesops.reports.render import Column, Report, Section
    from salesops.reports.render.chat import render_chat

    sec = Section(
        "s", "Top", [Column("name", "Name")], [['<font color="info">x</font> [a](http://e) *b*']]
    )
    text = render_chat(Report("r", "T", "", "en", "CNY", [sec]), "wecom", 4000)
    assert "<font" not in text and "[a]" not in text and "*b*" not in text
    assert "＜font" in text


def test_a_long_report_is_cut_at_the_budget_with_a_pointer_to_the_file():
    from salesops.reports.render import Column, Report, Section
    from salesops.reports.render.chat import render_chat

    secs = [
        Section(f"s{i}", f"Section {i}", [Column("t", "T")], [["x" * 300]] * 3) for i in range(40)
    ]
    text = render_chat(Report("r", "T", "", "en", "CNY", secs), "wecom", 4000)
    assert len(text.encode()) <= 4000 and text.endswith("the -o output)")
