"""Post a report to a chat group robot: WeCom (企业微信), DingTalk (钉钉) or Feishu/Lark (飞书).

The kind is told from the webhook URL (its host, else its path, so a proxy or
a test server on another host works too). Each robot gets its own message
format:

    WeCom     {"msgtype": "markdown", "markdown": {"content": …}}              (4096 bytes at most)
    DingTalk  {"msgtype": "markdown", "markdown": {"title": …, "text": …}}
    Feishu    {"msg_type": "interactive", "card": {header, [markdown element]}}

A robot whose security setting is "signature" (加签) needs its secret in
`$SALESOPS_ROBOT_SECRET`: DingTalk's goes in the URL (`timestamp`, `sign`),
Feishu's in the body. A robot answers HTTP 200 with its own error code;
anything but success is an error naming the robot's message. Only the
standard library is used (urllib); proxies come from the usual environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from salesops.errors import SalesopsError, UsageError
from salesops.i18n import _
from salesops.reports.render import Report
from salesops.reports.render.chat import render_chat

KINDS = {
    "wecom": ("qyapi.weixin.qq.com", "/cgi-bin/webhook/send"),
    "dingtalk": ("oapi.dingtalk.com", "/robot/send"),
    "feishu": ("open.feishu.cn", "/open-apis/bot/"),
}
LARK_HOST = "open.larksuite.com"
BUDGET = {"wecom": 4000, "dingtalk": 15000, "feishu": 15000}
TIMEOUT = 20  # seconds
SECRET_ENV = "SALESOPS_ROBOT_SECRET"


def robot_kind(url: str) -> str:
    """`wecom`, `dingtalk` or `feishu` for a webhook URL; a usage error for anything else."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(_("--post {url}: not a web address (https://…)").format(url=url))
    host = (parts.hostname or "").lower()
    for kind, (robot_host, _path) in KINDS.items():
        if host == robot_host or (kind == "feishu" and host == LARK_HOST):
            return kind
    for kind, (_host, path) in KINDS.items():
        if parts.path.startswith(path):
            return kind
    raise UsageError(
        _("--post {url}: not a WeCom, DingTalk or Feishu robot webhook").format(url=url)
    )


def payload(
    report: Report, kind: str, timestamp: int | None = None, secret: str | None = None
) -> dict[str, Any]:
    """The JSON body a robot of `kind` takes for `report` (pure: no clock, no network)."""
    text = render_chat(report, kind, BUDGET[kind])
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": report.title, "text": text}}
    body: dict[str, Any] = {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": report.title}},
            "elements": [
                {
                    "tag": "markdown",
                    "content": text.split("\n", 1)[1].lstrip("\n") if "\n" in text else text,
                }
            ],
        },
    }
    if secret and timestamp is not None:
        body["timestamp"] = str(timestamp)
        body["sign"] = feishu_sign(timestamp, secret)
    return body


def feishu_sign(timestamp: int, secret: str) -> str:
    """Feishu's signature: HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing, base64."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_url(url: str, timestamp_ms: int, secret: str) -> str:
    """DingTalk's signed URL: HMAC-SHA256 of "timestamp\\nsecret" keyed with the secret, base64, in the query."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(mac).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


def post(report: Report, url: str) -> str:
    """Send `report` to the robot at `url`; the robot's kind on success, else a SalesopsError."""
    kind = robot_kind(url)
    secret = os.environ.get(SECRET_ENV) or None
    now = time.time()
    body = payload(report, kind, int(now), secret)
    target = dingtalk_url(url, int(now * 1000), secret) if kind == "dingtalk" and secret else url
    request = urllib.request.Request(
        target,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    shown = _redacted(url)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SalesopsError(
            _("posting to {url} failed: HTTP {status} {reason}").format(
                url=shown, status=exc.code, reason=exc.reason
            )
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SalesopsError(
            _("posting to {url} failed: {reason}").format(url=shown, reason=reason)
        ) from None
    problem = _refusal(kind, answer)
    if problem:
        raise SalesopsError(
            _("the robot at {url} refused the report: {reason}").format(url=shown, reason=problem)
        )
    return kind


def _refusal(kind: str, answer: bytes) -> str | None:
    """The robot's own error in its answer, or None when it took the message."""
    try:
        data = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _("an answer that is not JSON: {text}").format(
            text=answer[:200].decode("utf-8", "replace")
        )
    if not isinstance(data, dict):
        return _("an answer that is not JSON: {text}").format(text=str(data)[:200])
    if kind == "feishu":
        code = data.get("code", data.get("StatusCode", 0))
        message = data.get("msg", data.get("StatusMessage", ""))
    else:
        code, message = data.get("errcode", 0), data.get("errmsg", "")
    return None if code == 0 else f"{code} {message}".strip()


def _redacted(url: str) -> str:
    """The URL without its key or token (they are the robot's password)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path
    if "/hook/" in path:
        path = path.rsplit("/", 1)[0] + "/…"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
