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
from salesops.problems import Problem
from salesops.schema import Machine, Register


def parse_state(register: Register, text: str) -> str:
    """The state code for `text` (English code or words, Chinese label); usage error otherwise."""
    machine = register.machine
    if machine is None:
        raise UsageError(f"{register.name} records have no stages")
    column = register.column(machine.field)
    code = column.enum.parse(text) if column.enum else None
    if code is None:
        choices = ", ".join(f"{c} ({column.enum.label(c, 'zh')})" for c in column.enum.codes)
        raise UsageError(f"{text!r} is not {column.enum.a_name}; use one of: {choices}")
    return code


def path(machine: Machine, current: str | None, target: str, record_id: str = "") -> list[str]:
    """The states a move from `current` to `target` enters, in order; refuses a move not allowed."""
    who = record_id or "the record"
    if current is None:
        raise Refused(f"{who} has no {machine.field}; set it in the file first")
    if target == current:
        raise Refused(f"{who} is already {current}")
    if current in machine.terminal:
        raise Refused(f"{who} is {current}, which is final")
    if target in machine.via:
        raise Refused(f"{who} cannot be moved to {target} with advance; use {machine.via[target]}")
    allowed = machine.moves.get(current)
    if allowed is not None:
        if target in allowed:
            return [target]
        raise Refused(
            f"{who} cannot move from {current} to {target} (from {current}: {', '.join(allowed)})"
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
                    raise Refused(f"{who} cannot pass {step} with advance; use {machine.via[step]}")
            return steps
        if target in machine.reversible:
            return [target]
        raise Refused(f"{who} cannot move back from {current} to {target}")
    raise Refused(f"{who} cannot move from {current} to {target}")


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
                    f"{move.record_id} → {move.target}: {message}",
                    f"gate-{name}",
                )
            )
    return problems
