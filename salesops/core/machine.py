"""The stage machine engine: which moves a `schema.Machine` allows, and its gates on the way.

A move goes forward along `order` (several stages at once: each stage on the
way is a step whose gates must hold), to a `side` state from any open state,
or back to a `reversible` state. `moves`, where given for the current state,
lists exactly where it may go. Terminal states are final; `via` states are
set only by their own command.
"""

from __future__ import annotations

from salesops.core.gates import GATES
from salesops.core.links import refusal
from salesops.core.model import Move
from salesops.errors import Refused, UsageError
from salesops.i18n import _, current
from salesops.problems import Problem
from salesops.schema import REGISTERS, Machine, Register


def parse_state(register: Register, text: str) -> str:
    """The state code for `text` (English code or words, Chinese label); usage error otherwise."""
    machine = register.machine
    if machine is None:
        raise UsageError(_("{register} records have no stages").format(register=register.name))
    column = register.column(machine.field)
    code = column.enum.parse(text) if column.enum else None
    if code is None:
        choices = column.enum.choices(current())  # as the user may type them: codes, or Chinese labels
        raise UsageError(
            _("{text} is not {kind}; use one of: {choices}").format(
                text=repr(text), kind=column.enum.a_name if current() == "en" else _(column.enum.name), choices=choices
            )
        )
    return code


def _state(machine: Machine, code: str) -> str:
    """A state of `machine` as messages show it, in their language."""
    for register in REGISTERS.values():
        if register.machine is machine:
            return register.column(machine.field).enum.label(code, current())
    return code


def path(machine: Machine, current: str | None, target: str, record_id: str = "") -> list[str]:
    """The states a move from `current` to `target` enters, in order; refuses a move not allowed."""
    who = record_id or _("the record")
    if current is None:
        raise Refused(_("{who} has no {field}; set it in the file first").format(who=who, field=machine.field))
    now, then = _state(machine, current), _state(machine, target)
    if target == current:
        raise Refused(_("{who} is already {state}").format(who=who, state=now))
    if current in machine.terminal:
        raise Refused(_("{who} is {state}, which is final").format(who=who, state=now))
    if target in machine.via:
        raise Refused(
            _("{who} cannot be moved to {state} with advance; use {command}").format(
                who=who, state=then, command=machine.via[target]
            )
        )
    allowed = machine.moves.get(current)
    if allowed is not None:
        if target in allowed:
            return [target]
        raise Refused(
            _("{who} cannot move from {state} to {target} (from {state}: {allowed})").format(
                who=who, state=now, target=then, allowed=", ".join(_state(machine, a) for a in allowed)
            )
        )
    if target in machine.side:
        return [target]
    order = machine.order
    if current in order and target in order:
        a, b = order.index(current), order.index(target)
        if b > a:
            steps = list(order[a + 1 : b + 1])
            for step in steps[:-1]:
                if step in machine.via:
                    raise Refused(
                        _("{who} cannot pass {state} with advance; use {command}").format(
                            who=who, state=_state(machine, step), command=machine.via[step]
                        )
                    )
            return steps
        if target in machine.reversible:
            return [target]
        raise Refused(_("{who} cannot move back from {state} to {target}").format(who=who, state=now, target=then))
    raise Refused(_("{who} cannot move from {state} to {target}").format(who=who, state=now, target=then))


def check(move: Move) -> list[Problem]:
    """Every unmet condition of the gates guarding `move.target`, as Problems naming the record."""
    machine = move.table.register.machine
    problems = []
    for name in machine.gates.get(move.target, ()):
        for message in GATES[name](move):
            problems.append(
                refusal(
                    move.table,
                    move.row,
                    _("{id} → {state}: {message}").format(
                        id=move.record_id, state=_state(machine, move.target), message=message
                    ),
                    f"gate-{name}",
                )
            )
    return problems
