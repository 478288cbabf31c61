"""Problems are data: one shape for every validation finding and refused gate."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


def one_line(text: str) -> str:
    """`text` with line breaks and control characters escaped (`\\n`, `\\x1d`), so a message stays one line.

    Messages quote what users typed or what cells hold; a line break in a
    cell must not split an `error:` line in two.
    """
    if text.isprintable():
        return text
    import unicodedata

    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(repr(ch)[1:-1])  # \n, \t, \x1d, \u2028
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    """One finding: where it is and what is wrong.

    `row` is the Excel row number (header = 1), `column` the canonical field
    name, `code` a stable identifier from the catalogue (`bad-date`,
    `dangling-ref`, …).
    """

    severity: str
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    record_id: str | None = None

    def location(self) -> str:
        """`leads.xlsx row 14, created_on` — as much of it as is known."""
        parts = []
        if self.file:
            parts.append(self.file + (f" row {self.row}" if self.row else ""))
        if self.column:
            parts.append(self.column)
        return ", ".join(parts)

    def line(self) -> str:
        """The one-line form: `error: leads.xlsx row 14, created_on: "x" is not a date`."""
        where = self.location()
        if self.row is None and self.column is None and self.file and self.message.startswith(self.file + " "):
            where = ""  # "leads.xlsx has merged cells …" names its file already
        return one_line(f"{self.severity}: {where + ': ' if where else ''}{self.message}")

    def to_json(self) -> dict:
        data = asdict(self)
        return {k: data[k] for k in ("severity", "code", "file", "row", "column", "record_id", "message")}


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == WARNING]
