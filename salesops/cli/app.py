"""The Typer application and its command groups; command modules attach to these."""

from __future__ import annotations

import typer

from salesops import __version__

CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="salesops",
    help="Lead-to-Cash sales operations over a folder of Excel/CSV registers.",
    context_settings=CONTEXT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _group(name: str, help: str) -> typer.Typer:
    group = typer.Typer(help=help, context_settings=CONTEXT, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group


lead_app = _group("lead", "Capture, score, assign and convert leads.")
opp_app = _group("opp", "Create opportunities.")
quote_app = _group("quote", "Create quotes (versions) for an opportunity.")
contract_app = _group("contract", "Create contracts from accepted quotes.")
delivery_app = _group("delivery", "Plan deliveries of a contract.")
receivable_app = _group("receivable", "Invoice receivable milestones.")
payment_app = _group("payment", "Record cash received against receivables.")
report_app = _group("report", "KPIs, funnel, aging, overdue, forecast and the weekly summary.")
rep_app = _group("rep", "Add sales reps (and managers, finance, legal) to the team.")
account_app = _group("account", "Add customers and claim them from the public pool.")
contact_app = _group("contact", "Add the people of a customer (decision roles).")
follow_app = _group("follow", "Log follow-ups (跟进记录) and list the next steps due.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"salesops {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: str = typer.Option(
        None, "-w", "--workspace", metavar="DIR", help="Workspace folder (else $SALESOPS_WORKSPACE, else the current folder)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on internal errors."),
    lang: str = typer.Option(
        None,
        "--lang",
        metavar="en|zh",
        help="Language of everything said (default: the workspace's lang setting, else the system's).",
    ),
) -> None:
    """Lead-to-Cash sales operations over a folder of Excel/CSV registers."""
    if lang is not None:
        from salesops.cli.common import check_choice

        check_choice("--lang", lang, ("en", "zh"))
    ctx.obj = {"workspace": workspace, "debug": debug, "lang": lang}
