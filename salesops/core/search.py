"""`--where` conditions: `FIELD=VALUE`, `FIELD!=V`, `FIELD>=V`, `FIELD<=V`, `FIELD>V`, `FIELD<V`, `FIELD~TEXT`.

A condition names a field as the schema does (English, Chinese or an alias)
or a user column of the register by its header. Its value is read as a cell
of that column is, so dates and money compare as dates and money (`amount>=50万`,
`created_on>=2026/11/1`), enum values in either language (`stage=谈判`) and
stages in their order (`stage>=proposal`: proposal, negotiation, won). Text
compares ignoring case and full/half width; `~` keeps the records whose
value contains the text (as shown in either language: `stage~谈判`,
`company~华信`). An empty value means an empty cell (`owner=`, `owner!=`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salesops.core.model import Records
from salesops.errors import UsageError
from salesops.i18n import _
from salesops.schema import Column, Register

OPERATORS = ("!=", ">=", "<=", "~", "=", ">", "<")
_WHERE = re.compile(r"^\s*([^=!<>~]+?)\s*(!=|>=|<=|~|=|>|<)(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Condition:
    """One `--where` condition: a field (or user column), an operator and the value to compare with."""

    field: str  # canonical field name, or a user column's header
    op: str
    value: Any  # typed as the column's values are (None: an empty cell); for `~` the folded text
    text: str  # as typed
    column: Column | None  # None for a user column (its cells compare as text)

    def holds(self, have: Any) -> bool:
        """Whether a record whose field is `have` (typed; None when empty) meets the condition."""
        if self.op == "~":
            return any(self.value in fold(form) for form in _forms(self.column, have))
        if self.op in ("=", "!="):
            same = _key(have) == _key(self.value)
            return same if self.op == "=" else not same
        a, b = _order(self.column, have), _order(self.column, self.value)
        if a is None or b is None:
            return False
        try:
            return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[self.op]
        except TypeError:
            return False


def fold(text: Any) -> str:
    """Text as conditions compare it: full-width forms as half-width, case folded, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


def parse(
    register: Register, text: str, date_order: str = "MDY", user_columns: tuple[str, ...] = ()
) -> Condition:
    """One `--where` text as a `Condition`; a usage error names what is wrong with it."""
    from salesops import codec, values

    m = _WHERE.match(unicodedata.normalize("NFKC", text))
    if not m:
        ops = " ".join(OPERATORS)
        raise UsageError(
            _("--where {text} is not FIELD=VALUE (or another operator: {ops})").format(
                text=repr(text), ops=ops
            )
        )
    name, op, raw = m.group(1).strip(), m.group(2), m.group(3).strip()
    field = register.header_aliases.get(values.normalize_header(name))
    user = next(
        (u for u in user_columns if values.normalize_header(u) == values.normalize_header(name)),
        None,
    )
    if field is None and user is None:
        known = [*register.by_name, *user_columns]
        raise UsageError(
            _("--where: {register} has no column {name} (columns: {columns})").format(
                register=register.name, name=repr(name), columns=", ".join(known)
            )
        )
    column = register.column(field) if field is not None else None
    if op == "~":
        if not raw:
            raise UsageError(
                _("--where {text}: ~ needs the text to look for").format(text=repr(text))
            )
        return Condition(field or user or name, op, fold(raw), raw, column)
    if not raw:
        if op not in ("=", "!="):
            raise UsageError(_("--where {text}: {op} needs a value").format(text=repr(text), op=op))
        return Condition(field or user or name, op, None, raw, column)
    if column is None:
        return Condition(user or name, op, raw, raw, None)
    try:
        value = codec.read_cell(column, raw, date_order)
    except values.BadValue as exc:
        raise UsageError(
            _('--where {field}: "{text}" {reason}').format(field=field, text=raw, reason=exc)
        ) from None
    return Condition(field, op, value, raw, column)


def matches(record: dict[str, Any], conditions: list[Condition]) -> bool:
    """Whether `record` (typed fields, and user columns by header) meets every condition."""
    return all(c.holds(record.get(c.field)) for c in conditions)


def _forms(column: Column | None, value: Any) -> list[str]:
    """How a value reads to people: its text, and an enum value's code and Chinese label."""
    if value is None:
        return []
    if column is None:
        return [str(value)]
    from salesops import codec

    forms = [codec.to_text(column, value, "en")]
    if column.enum is not None:
        forms.append(codec.to_text(column, value, "zh"))
    return forms


def _key(value: Any) -> Any:
    """What `=` compares: folded text, else the value itself."""
    return fold(value) if isinstance(value, str) else value


def _order(column: Column | None, value: Any) -> Any:
    """What `<`, `>`… compare: a stage or status by its place on the forward path (an enum value by
    its place in the enum), text folded, else the value; None for what has no place (empty, lost)."""
    if value is None:
        return None
    if (
        isinstance(value, str)
        and column is not None
        and column.enum is not None
        and not column.enum.open
    ):
        return _rank(column, value)
    return _key(value)


def _rank(column: Column, code: str) -> int | None:
    from salesops.schema import REGISTERS

    for register in REGISTERS.values():
        machine = register.machine
        if machine is not None and register.by_name.get(machine.field) is column:
            return machine.order.index(code) if code in machine.order else None
    codes = column.enum.codes if column.enum else ()
    return codes.index(code) if code in codes else None


def select(
    table: Records,
    conditions: list[Condition],
    user_cells: Callable[[int], dict[str, Any]] | None = None,
) -> list[int]:
    """Rows of `table` meeting every condition (an unreadable cell counts as empty; `user_cells(i)`
    gives a row's user columns when a condition names one)."""
    from salesops.core.links import safe_get

    names = {c.field for c in conditions}
    fields = [n for n in names if n in table.register.by_name]
    wants_user = user_cells is not None and len(fields) < len(names)
    out = []
    for i in range(len(table)):
        record = {n: safe_get(table, i, n) for n in fields}
        if wants_user:
            record.update(user_cells(i))
        if matches(record, conditions):
            out.append(i)
    return out


def split(text: str) -> tuple[str, str, str]:
    """(field name, operator, value text) of a `--where` text; empty strings when it is no condition."""
    m = _WHERE.match(unicodedata.normalize("NFKC", text))
    return (m.group(1).strip(), m.group(2), m.group(3).strip()) if m else ("", "", "")
