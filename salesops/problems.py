"""Problems are data: one shape for every validation finding and refused gate."""

from __future__ import annotations

from dataclasses import dataclass

from salesops.i18n import N_, _

ERROR = "error"
WARNING = "warning"
AT_ROW = N_("{file} row {row}")
AT_COLUMN = N_("{place}, {column}")
SAID = N_("{place}: {message}")


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
    `dangling-ref`, …). `header` is the column as the file's own header
    names it (关闭日期 in a register with Chinese headers): messages show it,
    JSON keeps the canonical `column`.
    """

    severity: str
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    record_id: str | None = None
    header: str | None = None

    def location(self) -> str:
        """`leads.xlsx row 14, created_on` (`leads.xlsx 第 14 行，创建日期`) — as much of it as is known."""
        place = ""
        if self.file:
            place = _(AT_ROW).format(file=self.file, row=self.row) if self.row else self.file
        column = self.header or self.column
        if column:
            return _(AT_COLUMN).format(place=place, column=column) if place else column
        return place

    def line(self) -> str:
        """The one-line form: `error: leads.xlsx row 14, created_on: "x" is not a date`.

        The `error:`/`warning:` prefix stays as it is in every language (SPEC 4: scripts look for it).
        """
        where = self.location()
        if self.row is None and self.column is None and self.file and self.message.startswith(self.file + " "):
            where = ""  # "leads.xlsx has merged cells …" names its file already
        text = _(SAID).format(place=where, message=self.message) if where else self.message
        return one_line(f"{self.severity}: {text}")

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in ("severity", "code", "file", "row", "column", "record_id", "message")}


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == WARNING]
