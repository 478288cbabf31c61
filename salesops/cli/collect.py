"""Command `collect` (催款): a statement of account per account, and a `reminder` activity for each.

Statements are rendered first, all of them; then written to DIR, each file
whole or not at all (`cli.common.save_output`); then one commit logs a
`reminder` activity per account (`core.activities.log_activity`), unless
one is already logged for that account that day (running `collect` twice
does not remind twice). Nothing is logged when a file cannot be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salesops.cli.app import app
from salesops.cli.common import ByOpt, LangOpt, WaitOpt, check_choice, open_workspace, say
from salesops.errors import SalesopsError, UsageError
from salesops.i18n import N_, _, ngettext, translate

FORMATS = ("xlsx", "markdown", "html")
EXTENSIONS = {"xlsx": "xlsx", "markdown": "md", "html": "html"}
SUMMARY = N_(
    "Statement sent (as of {date}): {outstanding} outstanding, {overdue} overdue, level {level}; {file}"
)


@app.command("collect")
def collect(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="The statements' date (default today)."),
    ] = None,
    accounts: Annotated[
        list[str] | None,
        typer.Option(
            "--account",
            metavar="A-ID",
            help="An account (ID or name); repeat for several. Default: every account with an overdue receivable.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("-f", "--format", metavar="FORMAT", help="xlsx (default), markdown or html."),
    ] = "xlsx",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="DIR",
            help="Folder for the statements (created if missing; default ./statements-DATE).",
        ),
    ] = None,
    no_log: Annotated[
        bool,
        typer.Option("--no-log", help="Write the statements without logging reminder activities."),
    ] = False,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    lang: LangOpt = None,
) -> None:
    """Write a statement of account (对账单) per overdue account, and log a reminder activity for each."""
    from salesops.i18n import current
    from salesops.reports import report_data
    from salesops.reports.periods import parse_day
    from salesops.reports.render import render
    from salesops.reports.statements import file_name, overdue_accounts, statement_view, statements
    from salesops.storage.workspace import today

    check_choice("--format", fmt, FORMATS)
    ws = open_workspace(ctx, lang)
    data = report_data(ws)
    day = parse_day("--as-of", as_of, ws.settings.date_order) or today()
    ids = _accounts(data, accounts) if accounts else overdue_accounts(data, day)
    if not ids:
        say(_("nothing is overdue as of {date}: no statement written").format(date=day.isoformat()))
        return
    folder = output if output is not None else Path(f"statements-{day.isoformat()}")
    speak = current()
    files = []
    for st in statements(data, day, ids):
        report = statement_view(st, speak, ws.settings.currency)
        files.append((st, folder / file_name(st, speak, EXTENSIONS[fmt]), render(report, fmt)))
    _write(folder, files)
    logged = {} if no_log else _log(ws, files, day, by, wait)
    for st, path, _body in files:
        s = st.summary()
        line = _("{account} {name}: {outstanding} outstanding, {overdue} overdue → {file}").format(
            account=st.account_id,
            name=st.name or "",
            outstanding=_money(s["outstanding"], ws.settings.currency),
            overdue=_money(s["overdue_amount"], ws.settings.currency),
            file=path,
        )
        if st.account_id in logged:
            line += " · " + _("reminder {id} logged").format(id=logged[st.account_id])
        elif not no_log:
            line += " · " + _("a reminder is already logged today")
        say(line)
    n = len(files)
    say(
        ngettext(
            "{n} statement written to {folder}", "{n} statements written to {folder}", n
        ).format(n=n, folder=folder)
    )


def _accounts(data, given: list[str]) -> list[str]:
    """The account IDs of `--account` values (ID or name, any case); unknown ones are an error naming them."""
    from salesops.values import normalize_company

    acc = data.frame("accounts", ["name"])
    by_id = {str(a).strip().casefold(): a for a in acc["account_id"] if a}
    by_name = {
        normalize_company(n): a
        for a, n in zip(acc["account_id"], acc["name"], strict=True)
        if n and a
    }
    found, missing = [], []
    for text in given:
        hit = by_id.get(text.strip().casefold()) or by_name.get(normalize_company(text))
        (found if hit else missing).append(hit or text)
    if missing:
        file = data.ws.file_of("accounts")[0].name
        raise SalesopsError(
            *(
                _("no account {account!r} in {file} (by ID or name)").format(account=m, file=file)
                for m in missing
            )
        )
    return list(dict.fromkeys(found))


def _write(folder: Path, files) -> None:
    """Every statement to `folder` (made if missing), each file whole or not at all."""
    from salesops.cli.common import save_output

    if folder.exists() and not folder.is_dir():
        raise UsageError(
            _("-o {folder} is a file: give a folder for the statements").format(folder=folder)
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SalesopsError(
            _("cannot write {file}: {reason}").format(file=folder, reason=exc.strerror or exc)
        ) from None
    for _st, path, body in files:
        save_output(path, body)


def _log(ws, files, day, by, wait) -> dict[str, str]:
    """A reminder activity per account (one a day at most), in one commit; {account: activity ID}."""
    from salesops.cli.flowkit import commit_checked
    from salesops.core.activities import log_activity, logged, owner_of
    from salesops.reports.dunning import level_label
    from salesops.storage.workspace import current_user, today

    lang = ws.settings.lang
    when = today()
    accounts = ws.table("accounts")
    out: dict[str, str] = {}
    with ws.writing(wait):
        for st, path, _body in files:
            if logged(ws.table, st.account_id, "reminder", when):
                continue
            s = st.summary()
            summary = translate(SUMMARY, lang).format(
                date=day.isoformat(),
                outstanding=_money(s["outstanding"], ws.settings.currency),
                overdue=_money(s["overdue_amount"], ws.settings.currency),
                level=level_label(s["level"], lang) or "—",
                file=path.name,
            )
            # the account's owner collects (SPEC 9.4: the account responsible owns collection);
            # an account in the public pool: whoever runs collect
            i = accounts.find(st.account_id)
            owner = owner_of(accounts, i) if i is not None else None
            out[st.account_id] = log_activity(
                ws.table,
                record_id=st.account_id,
                account_id=st.account_id,
                type="reminder",
                by=by or owner or current_user(None),
                summary=summary,
                on=when,
            )
        if out:
            commit_checked(ws, by)
    return out


def _money(value, currency: str) -> str:
    from salesops.reports.render.cells import fmt_money

    return fmt_money(value, currency)
