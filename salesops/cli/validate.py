"""Command: `validate` — check every register (SPEC section 5); exit 1 on any error."""

from __future__ import annotations

import sys

import typer

from salesops.cli.app import app
from salesops.cli.common import (
    RECORD_FORMATS,
    FormatOpt,
    OutputOpt,
    check_choice,
    dumps,
    emit_rows,
    open_workspace,
    write_out,
)

JSON_KEYS = ("severity", "file", "row", "column", "record_id", "message")
TABLE_KEYS = ("severity", "code", "file", "row", "column", "record_id", "message")


@app.command("validate")
def validate(ctx: typer.Context, fmt: FormatOpt = "table", output: OutputOpt = None) -> None:
    """Check every register: types, required values, IDs, references, amounts, statuses, dates.

    Prints one line per problem (`error: leads.xlsx row 14, created_on: "2026-13-45"
    is not a date`, warnings as `warning: …`) on stderr, then a summary line.
    Exit 1 when there is any error; warnings alone exit 0. `-f json` prints
    {"ok", "errors", "warnings", "problems": [{"severity", "file", "row",
    "column", "record_id", "message"}]}; `-f csv|markdown` a table with the
    problem codes (see the error reference).
    """
    from salesops.core.validate import check_workspace

    check_choice("--format", fmt, RECORD_FORMATS)
    ws = open_workspace(ctx)
    problems, rows = check_workspace(ws)
    n_errors = sum(p.severity == "error" for p in problems)
    n_warnings = len(problems) - n_errors
    if fmt == "json":
        data = {
            "ok": n_errors == 0,
            "errors": n_errors,
            "warnings": n_warnings,
            "problems": [{k: p.to_json()[k] for k in JSON_KEYS} for p in problems],
        }
        write_out(dumps(data), output)
    elif fmt in ("csv", "markdown"):
        table = [[p.to_json()[k] for k in TABLE_KEYS] for p in problems]
        emit_rows(fmt, output, list(TABLE_KEYS), table, title="problems")
    else:
        line = _summary(n_errors, n_warnings, rows)
        if output is not None:
            write_out("\n".join([*(p.line() for p in problems), line]), output)
        else:
            for p in problems:
                print(p.line(), file=sys.stderr)
            print(line)
    if n_errors:
        raise typer.Exit(1)


def _summary(errors: int, warnings: int, rows: dict[str, int]) -> str:
    def count(n: int, word: str) -> str:
        return f"{n:,} {word}{'' if n == 1 else 's'}"

    checked = f"{count(len(rows), 'register')}, {count(sum(rows.values()), 'row')} checked"
    if errors:
        return f"{count(errors, 'error')}, {count(warnings, 'warning')} ({checked})"
    return f"ok: {checked}" + (f", {count(warnings, 'warning')}" if warnings else "")
