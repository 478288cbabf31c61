"""Commands `lead add|score|assign|convert`: capture with duplicate detection, scoring, assignment, conversion."""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli.app import lead_app
from salesops.cli.common import ByOpt, WaitOpt, check_choice, say, warn
from salesops.cli.flowkit import (
    FmtOpt,
    OnOpt,
    enum_option,
    event_date,
    finish,
    money_option,
    open_for_write,
)
from salesops.errors import UsageError
from salesops.i18n import _, ngettext

IdsArg = Annotated[
    list[str] | None, typer.Argument(metavar="[ID]...", help="Lead IDs (default: every open lead).")
]


@lead_app.command("add")
def lead_add(
    ctx: typer.Context,
    company: Annotated[
        str, typer.Option("--company", metavar="NAME", help="Company name (required).")
    ],
    contact: Annotated[
        str | None, typer.Option("--contact", metavar="NAME", help="Contact person.")
    ] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", metavar="PHONE", help="Phone (kept as text).")
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", metavar="EMAIL", help="E-mail address.")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="SOURCE",
            help="website, referral, exhibition, cold_call, partner, campaign, other (or 中文).",
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", metavar="REGION", help="Region.")
    ] = None,
    industry: Annotated[
        str | None, typer.Option("--industry", metavar="TEXT", help="Industry.")
    ] = None,
    value: Annotated[
        str | None,
        typer.Option(
            "--value", metavar="AMOUNT", help="Estimated value (1234.5, ¥1,234.50, 12.5万…)."
        ),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="REP", help="Owner: a rep's ID or name.")
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", metavar="TEXT", help="Notes.")] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate",
            help="Add it even if an open lead has the same phone, email or company.",
        ),
    ] = False,
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Capture a new lead (scored and graded); a duplicate of an open lead is refused with its ID."""
    from salesops.core import leads
    from salesops.core.directory import company_holders
    from salesops.core.people import holding
    from salesops.schema import LEAD_SOURCE

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    fields = {
        "company": company,
        "contact_name": contact,
        "phone": phone,
        "email": email,
        "source": enum_option("--source", LEAD_SOURCE, source),
        "region": region,
        "industry": industry,
        "estimated_value": money_option("--value", value),
        "owner": owner,
        "notes": notes,
    }
    # text as typed (a leading space or tab is the user's); white space alone is no value
    fields = {k: None if isinstance(v, str) and not v.strip() else v for k, v in fields.items()}
    with ws.writing(wait):
        made = leads.add(ws.table, ws.settings, fields, today=when, allow_duplicate=allow_duplicate)
        rec = made.record
        for account_id, owner in company_holders(ws.table, rec["company"]):
            warn(
                _("{company} is already the account {id}, {holder}").format(
                    company=rec["company"], id=account_id, holder=holding(owner)
                )
            )
        finish(
            ws,
            made,
            by,
            fmt,
            [
                _("{id} added: {company} (score {score}, grade {grade})").format(
                    id=made.record_id, company=rec["company"], score=rec["score"], grade=rec["grade"]
                )
            ],
        )


@lead_app.command("score")
def lead_score(
    ctx: typer.Context,
    ids: IdsArg = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Score and grade leads from the [lead.scoring] settings (default: every open lead)."""
    from salesops.core import leads

    ws = open_for_write(ctx, fmt)
    with ws.writing(wait):
        scored = leads.score_leads(ws.table, ws.settings, list(ids or []))
        n, changed = len(scored.scored), scored.changed
        if not changed and fmt != "json":
            say(ngettext("scored {n} lead; none changed", "scored {n} leads; none changed", n).format(n=n))
            return
        more = " …" if len(changed) > 10 else ""
        finish(
            ws,
            scored,
            by,
            fmt,
            [
                ngettext(
                    "scored {n} lead; {changed} changed: {ids}", "scored {n} leads; {changed} changed: {ids}", n
                ).format(n=n, changed=len(changed), ids=", ".join(changed[:10]) + more)
            ],
        )


@lead_app.command("assign")
def lead_assign(
    ctx: typer.Context,
    ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ID]...", help="Lead IDs (default: every open lead without an owner)."
        ),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="REP", help="Give them to this rep (ID or name).")
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option(
            "--rule",
            metavar="RULE",
            help="round-robin: among active reps, least open leads first, same region first.",
        ),
    ] = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Give leads an owner: one rep (--to) or round-robin among active reps balanced by open-lead load."""
    from salesops.core import leads

    if to is not None and rule is not None:
        raise UsageError(_("give either --to REP or --rule round-robin, not both"))
    if rule is not None:
        check_choice("--rule", rule, ("round-robin",))
    ws = open_for_write(ctx, fmt)
    with ws.writing(wait):
        assigned = leads.assign(ws.table, list(ids or []), to=to, regions=ws.settings.get("regions"))
        done = assigned.assigned
        if len(done) <= 5:
            detail = ", ".join(f"{lid} → {owner}" for lid, owner in done)
        else:
            counts: dict[str, int] = {}
            for _lead, owner in done:
                counts[owner] = counts.get(owner, 0) + 1
            detail = ", ".join(f"{owner} {n}" for owner, n in counts.items())
        if not done and fmt != "json":
            say(_("no leads to assign"))
            return
        line = ngettext("assigned {n} lead: {detail}", "assigned {n} leads: {detail}", len(done))
        finish(ws, assigned, by, fmt, [line.format(n=len(done), detail=detail)])


@lead_app.command("convert")
def lead_convert(
    ctx: typer.Context,
    lead_id: Annotated[str, typer.Argument(metavar="ID", help="A qualified lead.")],
    name: Annotated[
        str | None,
        typer.Option("--name", metavar="TEXT", help="Opportunity name (default: the company)."),
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount",
            metavar="AMOUNT",
            help="Opportunity amount (default: the lead's estimated value).",
        ),
    ] = None,
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Convert a qualified lead: link or create its account, open an opportunity at qualification."""
    from salesops.core import leads

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    money = money_option("--amount", amount)
    with ws.writing(wait):
        done = leads.convert(ws.table, ws.settings, lead_id, name=name, amount=money, today=when)
        account = (_("new account {id}") if done.account_created else _("account {id}")).format(id=done.account_id)
        line = _("{lead} converted: opportunity {opportunity} for {account}").format(
            lead=done.lead_id, opportunity=done.opportunity_id, account=account
        )
        finish(ws, done, by, fmt, [line])
