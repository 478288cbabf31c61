"""Who may take a decision (SPEC 9.3): a rep whose `role` allows it, never the record's own owner.

`schema.DECIDERS` names the roles for each decision (quote approval, a
director's approval above `approval.director_discount_pct`, contract review,
a credit override). `unmet(store, decision, by, owner)` says why `--by` may
not decide — unknown, inactive, the owner, a role that does not allow it —
naming who could. A workspace whose reps have no roles yet keeps working:
any named person but the owner decides, with `ROLES_MISSING` as a warning, until roles
are filled.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesops.core.links import safe_get
from salesops.core.model import Store
from salesops.i18n import N_, _, ngettext
from salesops.schema import DECIDERS, DECISIONS, REGISTERS, REP_ROLE

MAX_NAMED = 6
# Where each decision names who took it, per register (quote approval, contract review).
DECISION_FIELDS = {"quotes": "approved_by", "contracts": "reviewer"}
ROLES_MISSING = N_(
    "no rep has a role yet, so anyone named with --by may approve and review; fill the role column "
    "of {file} (rep, manager, director, finance, legal) to let only entitled people decide"
)


@dataclass(frozen=True)
class Person:
    """A rep as a decider: ID, name, role, whether active."""

    rep_id: str
    name: str | None
    role: str | None
    active: bool

    def is_named(self, text: str | None) -> bool:
        key = (text or "").strip().casefold()
        return bool(key) and key in {self.rep_id.casefold(), (self.name or "").strip().casefold()}

    def shown(self) -> str:
        """`周建华 (S-000001, director)`"""
        role = REP_ROLE.label(self.role, _lang()) if self.role else "?"
        return f"{self.name or self.rep_id} ({self.rep_id}, {role})"


def _lang() -> str:
    from salesops.i18n import current

    return current() or "en"


def people(store: Store) -> list[Person]:
    """Every rep with an ID, in file order."""
    table = store("reps")
    out = []
    for j in range(len(table)):
        rep_id = table.id_of(j)
        if not rep_id:
            continue
        out.append(
            Person(
                rep_id.strip(),
                safe_get(table, j, "name"),
                safe_get(table, j, "role"),
                safe_get(table, j, "active") is not False,
            )
        )
    return out


def roles_in_use(store: Store) -> bool:
    """Whether any rep has a role (else decisions are not restricted yet)."""
    return any(p.role for p in people(store))


def find(store: Store, text: str | None) -> Person | None:
    return next((p for p in people(store) if p.is_named(text)), None)


def same_person(store: Store, a: str | None, b: str | None) -> bool:
    """Whether two names (rep_id or name) are the same person."""
    if not a or not b:
        return False
    pa_, pb = find(store, a), find(store, b)
    if pa_ is not None and pb is not None:
        return pa_.rep_id == pb.rep_id
    return a.strip().casefold() == b.strip().casefold()


def entitled(store: Store, decision: str, owner: str | None = None) -> list[Person]:
    """The active reps who may take `decision` on a record owned by `owner`."""
    roles = DECIDERS[decision]
    return [
        p
        for p in people(store)
        if p.active and p.role in roles and not (owner and same_person(store, p.rep_id, owner))
    ]


def who_could(store: Store, decision: str, owner: str | None = None) -> str:
    """`周建华 (S-000001, director), 李娜 (S-000004, manager)` — or that nobody can."""
    found = entitled(store, decision, owner)
    if not found:
        roles = ", ".join(REP_ROLE.label(r, _lang()) for r in DECIDERS[decision])
        return _("nobody in reps has the role ({roles})").format(roles=roles)
    shown = ", ".join(p.shown() for p in found[:MAX_NAMED])
    return shown + (
        ngettext(" and {n} more person", " and {n} more people", len(found) - MAX_NAMED).format(
            n=len(found) - MAX_NAMED
        )
        if len(found) > MAX_NAMED
        else ""
    )


def unmet(
    store: Store, decision: str, by: str | None, owner: str | None, what: str, missing: str
) -> list[str]:
    """Why `by` may not take `decision`; empty when they may.

    `what` names the decision ("approve Q-000001"), `missing` is the sentence
    for no `--by` at all ("approving needs the approver: --by NAME"). Without
    roles in reps, anyone named but the owner may decide (`ROLES_MISSING` is the warning).
    """
    restricted = roles_in_use(store)
    could = who_could(store, decision, owner) if restricted else ""
    if not by or not by.strip():
        if restricted:
            return [_("{missing} (who may: {could})").format(missing=missing, could=could)]
        return [missing]
    if not restricted:
        if owner and same_person(store, by, owner):  # roles or not, nobody decides on their own record
            return [
                _("{name} owns it and cannot {what} themselves; someone else decides: --by NAME").format(
                    name=by.strip(), what=what
                )
            ]
        return []
    person = find(store, by)
    if person is None:
        return [
            _("--by {name} is not a rep_id or name in {file}; who may {what}: {could}").format(
                name=by, file=store("reps").file, what=what, could=could
            )
        ]
    if owner and same_person(store, person.rep_id, owner):
        return [
            _("{name} owns it and cannot {what} themselves; who may: {could}").format(
                name=person.name or person.rep_id, what=what, could=could
            )
        ]
    if not person.active:
        return [
            _("{name} is not active in {file}; who may {what}: {could}").format(
                name=person.name or person.rep_id, file=store("reps").file, what=what, could=could
            )
        ]
    if person.role not in DECIDERS[decision]:
        role = REP_ROLE.label(person.role, _lang()) if person.role else _("no role")
        return [
            _("{name} ({role}) may not {what}; who may: {could}").format(
                name=person.name or person.rep_id, role=role, what=what, could=could
            )
        ]
    return []


def decisions(register: str, record_id: str, history: list[dict[str, str]]) -> list[dict[str, str]]:
    """Who took each decision of a record (`schema.DECISIONS`: ATI, ATB, ATC, approval, review), from
    its history rows (oldest first): one entry per time it entered a decided state."""
    reg = REGISTERS.get(register)
    if reg is None or reg.machine is None:
        return []
    enum = reg.column(reg.machine.field).enum
    out = []
    for row in history:
        if row.get("field") != reg.machine.field:
            continue
        state = enum.parse(row.get("new_value") or "")
        decision = DECISIONS.get((register, state or ""))
        if decision:
            out.append(
                {
                    "decision": decision,
                    "register": register,
                    "record_id": record_id,
                    "state": state,
                    "at": row.get("at", ""),
                    "by": row.get("user", ""),
                    "command": row.get("command", ""),
                }
            )
    return out
