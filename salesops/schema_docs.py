"""The README's register reference, written from the schema (`python -m salesops.docs` includes it).

One table per register: each column's English and Chinese header, its type
(with the register a reference points to), whether it is required, and the
values of its enum, so the documentation cannot drift from `salesops.schema`.
"""

from __future__ import annotations

from salesops.schema import REGISTERS, Column, Register

TYPE_WORDS = {
    "id": "ID (text)",
    "text": "text",
    "date": "date",
    "money": "money",
    "int": "whole number",
    "pct": "percentage (0–100)",
    "enum": "one of",
    "bool": "yes/no (是/否)",
}


def register_reference() -> str:
    """Markdown: an introduction, then one section per register."""
    lines = [
        "## Register reference",
        "",
        "Every register, as `salesops/schema.py` declares it: headers in English or Chinese (either",
        "is read, in any order; a header may also be one of the other spellings listed), the type of",
        "each column, and `*` for a value required on every row. Enum values are read as the English",
        "code or the Chinese label and written in the workspace language.",
    ]
    for reg in REGISTERS.values():
        lines += ["", *_section(reg)]
    return "\n".join(lines) + "\n"


def _section(reg: Register) -> list[str]:
    lines = [
        f"### {reg.name} ({reg.zh}, IDs `{reg.prefix}000001`…)",
        "",
        "| column | 中文 | type | also read as |",
        "| --- | --- | --- | --- |",
    ]
    for col in reg.columns:
        star = "*" if col.required else ""
        aliases = ", ".join(col.aliases)
        lines.append(f"| `{col.name}`{star} | {col.zh} | {_type(col)} | {aliases} |")
    if reg.machine is not None:
        order = " → ".join(reg.machine.order)
        side = f"; also {', '.join(reg.machine.side)}" if reg.machine.side else ""
        lines += [
            "",
            f"`{reg.machine.field}` moves {order}{side}; final: {', '.join(sorted(reg.machine.terminal))}.",
        ]
    return lines


def _type(col: Column) -> str:
    if col.type == "ref":
        if len(col.targets) == 1:
            return f"reference to {col.targets[0]}"
        return f"ID of a record in {', '.join(col.targets[:-1])} or {col.targets[-1]}"
    if col.form is not None:
        return f"{col.form.name}: {col.form.examples}"
    if col.type == "enum" and col.enum is not None:
        values = " · ".join(
            f"`{code}` {zh}" if code != zh else f"`{code}`" for code, zh in col.enum.values
        )
        return f"one of {values}" + (" (or other text)" if col.enum.open else "")
    word = TYPE_WORDS.get(col.type, col.type)
    if col.type == "pct" and col.min is not None and col.min < 0:
        word = "percentage (may be below 0)"
    if col.person:
        word += ", a rep (rep_id or name)"
    if col.type == "int" and col.min is not None:
        word += f" {col.min}–{col.max}" if col.max is not None else f" ≥ {col.min}"
    return word
