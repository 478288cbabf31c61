"""Small helpers over `Records`s shared by the flow modules: related rows, new IDs, settings numbers.

`Tables` is how the core reaches registers: a function from register name to
its `Records` (the CLI passes `Workspace.table`). Nothing here does I/O itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from salesops.core.model import Created, Records, Session, Store
from salesops.errors import Refused
from salesops.i18n import _, current
from salesops.problems import ERROR, Problem
from salesops.schema import REGISTERS

Tables = Store

CENT = Decimal("0.01")


def related(tables: Tables, register: str, field: str, value: str | None) -> list[int]:
    """Row indexes of `register` whose `field` holds the ID `value`."""
    if not value:
        return []
    return tables(register).where(field, value)


def safe_get(table: Records, i: int, name: str) -> Any:
    """The typed value, or None when the cell is unreadable (for scans over a whole register;
    `salesops validate` reports such cells)."""
    from salesops.errors import BadCell

    try:
        return table.get(i, name)
    except BadCell:
        return None


def find(tables: Tables, register: str, record_id: str | None) -> int | None:
    """Row index of `record_id` in `register`, or None."""
    if not record_id:
        return None
    return tables(register).find(record_id)


def require(tables: Tables, register: str, record_id: str) -> int:
    """Row index of `record_id` in `register`; refuses naming the register when it is missing."""
    i = find(tables, register, record_id)
    if i is None:
        name = REGISTERS[register].name
        label = name[:-3] + "y" if name.endswith("ies") else name.rstrip("s")
        what = REGISTERS[register].zh if current() == "zh" else label
        raise Refused(_("no {what} {id} in {file}").format(what=what, id=repr(record_id), file=tables(register).file))
    return i


def new_record(table: Records, fields: dict[str, Any]) -> tuple[str, int]:
    """Append a record with the next ID of its register; returns (id, row index)."""
    record_id = table.next_id()
    record = {table.register.id_column: record_id}
    record.update({k: v for k, v in fields.items() if v is not None})
    return record_id, table.append(record)


def add_record(tables: Session, register: str, fields: dict[str, Any]) -> Created:
    """A new record of `register` (next ID), as the `Created` outcome of `tables`' session."""
    table = tables(register)
    record_id, i = new_record(table, fields)
    return tables.result(Created(register, record_id, table.record(i)))


def decimal_setting(settings, key: str, default: Any = None) -> Decimal | None:
    """A numeric setting as a Decimal (None when unset)."""
    value = settings.get(key, default)
    if value is None or isinstance(value, bool):
        return None
    return Decimal(str(value))


def refusal(
    table: Records, i: int | None, message: str, code: str = "refused", column: str | None = None
) -> Problem:
    """A Problem naming the record; its message is the whole line the user sees."""
    record_id = table.id_of(i) if i is not None else None
    return Problem(
        ERROR,
        code,
        message,
        file=table.file,
        row=table.excel_row(i) if i is not None else None,
        column=column,
        record_id=record_id,
    )


def refuse_if(problems: list[Problem]) -> None:
    """Raise `Refused` listing every problem (one error line each), if there are any."""
    if problems:
        raise Refused(*(p.message for p in problems), problems=problems)


def money_text(amount: Decimal | None) -> str:
    """Money as shown in messages: `1,234.50`."""
    if amount is None:
        return _("nothing")
    return f"{amount.quantize(CENT):,.2f}"


def field_label(table: Records, name: str) -> str:
    """Field `name` as the register's own header writes it (关闭日期 in a Chinese header), for messages."""
    label = getattr(table, "label", None)
    return label(name) if label else table.register.column(name).header(current())


def state_name(register: str, code: str | None) -> str:
    """A stage or status as messages show it, in their language (won / 赢单)."""
    if not code:
        return _("without status")
    reg = REGISTERS[register]
    return reg.column(reg.machine.field).enum.label(code, current())


def pct_text(value: Decimal | None) -> str:
    """A percentage as shown in messages: `12.5%`."""
    if value is None:
        return "?"
    text = format(value.normalize(), "f")
    return f"{text}%"


def state_text(who: str, state: str | None, register: str) -> str:
    """`R-000012 is paid` (`R-000012 为已回款`) in the messages' language, or `R-000012 has no status`
    when the cell is empty (never "is None")."""
    if state:
        return _("{id} is {state}").format(id=who, state=state_name(register, state))
    reg = REGISTERS[register]
    return _("{id} has no {field}").format(id=who, field=reg.column(reg.machine.field).header(current()))
