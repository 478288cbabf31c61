"""Options shared by many commands, and `-f/--format`, `-o/--output` rendering in one place."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from salesops.errors import FileOpenElsewhere, StorageError, UsageError
from salesops.i18n import _

FormatOpt = Annotated[
    str, typer.Option("-f", "--format", metavar="FORMAT", help="Output format: table, json, csv or markdown.")
]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write the output to FILE.")]
WaitOpt = Annotated[
    float, typer.Option("--wait", metavar="SECONDS", help="Seconds to wait for the workspace lock (then exit 75).")
]
ByOpt = Annotated[str | None, typer.Option("--by", metavar="NAME", help="Who does it (recorded in history).")]
LangOpt = Annotated[str | None, typer.Option("--lang", metavar="en|zh", help="Language of the output.")]

RECORD_FORMATS = ("table", "json", "csv", "markdown")


def open_workspace(ctx: typer.Context, lang: str | None = None):
    """The workspace chosen by -w / $SALESOPS_WORKSPACE / the current folder.

    The command then speaks its `--lang` (a read-only command's option, which
    also sets the language its output shows register data in), else the global
    `salesops --lang` (messages only: registers keep the workspace language),
    else the workspace's `lang`.
    """
    from salesops.storage.workspace import Workspace, find_workspace

    options = ctx.find_root().obj or {}
    root = find_workspace(options.get("workspace"))
    ws = Workspace(root)
    if ws.recovered:  # an earlier command was interrupted mid-commit
        warn(ws.recovered)
    if lang:
        check_choice("--lang", lang, ("en", "zh"))
        ws.settings = ws.settings.with_overrides(lang=lang)
    elif options.get("lang"):
        lang = check_choice("--lang", options["lang"], ("en", "zh"))
    set_lang(lang or ws.settings.lang)
    if ctx.params.get("output") is not None and _writes_a_file(ctx):  # refused now, not after the work
        check_output(ctx.params["output"])
    if "wait" not in ctx.params:  # a read-only command (every writing one takes --wait): say what waits
        from salesops.storage.baseline import prepare

        prepare(ws)
        ctx.call_on_close(lambda: warn_unrecorded(ws))
    return ws


def _writes_a_file(ctx: typer.Context) -> bool:
    """Whether the command's -o names a FILE (`OutputOpt`; collect's names a folder)."""
    return any(p.name == "output" and p.metavar == "FILE" for p in ctx.command.params)


def warn_unrecorded(ws) -> None:
    """One `warning:` line when registers carry edits made by hand that salesops has not recorded yet
    (after a read-only command that succeeded; a writing command or validate records them)."""
    if sys.exc_info()[0] is not None:
        return
    from salesops.i18n import ngettext
    from salesops.storage.baseline import unrecorded_files

    found = unrecorded_files(ws)
    if found:
        warn(
            ngettext(
                "{n} register has edits made outside salesops that are not recorded yet ({files}); "
                "salesops validate records and checks them",
                "{n} registers have edits made outside salesops that are not recorded yet ({files}); "
                "salesops validate records and checks them",
                len(found),
            ).format(n=len(found), files=", ".join(found))
        )


def set_lang(lang: str) -> None:
    """Speak `lang` for the rest of this command (`salesops.cli.main` restores the language after it)."""
    from salesops import i18n

    i18n.set_lang(lang)


def check_choice(option: str, value: str, choices: tuple[str, ...]) -> str:
    """`value` if it is one of `choices`, else a usage error (exit 2)."""
    if value not in choices:
        raise UsageError(
            _("{option} must be one of {choices}, not {value}").format(
                option=option, choices=", ".join(choices), value=repr(value)
            )
        )
    return value


def to_jsonable(value: Any) -> Any:
    """Decimals as numbers, dates as ISO text, recursively.

    A Decimal becomes a float only when the float is the same number (15
    significant digits or fewer: every amount salesops accepts), an integral one
    an int; any other stays a Decimal, which only `dumps` writes (digit for digit).
    """
    if isinstance(value, Decimal):
        from salesops.values import float_exact

        if float_exact(value):
            return float(value)
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return to_jsonable(value.item())
    return value


def dumps(data: Any) -> str:
    """`json.dumps(to_jsonable(data), ensure_ascii=False, indent=2)`, in one faster pass."""
    from salesops.jsonout import dumps as fast_dumps

    return fast_dumps(data)


def cell_text(value: Any) -> str:
    """A value as shown in tables, CSV and markdown."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def csv_text(columns: list[str], rows: list[list[Any]], bom: bool = False) -> str:
    """CSV of rows, formula-like text guarded with `'` (SPEC section 8)."""
    import csv
    import io

    from salesops.storage.csv_io import guard

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([guard(cell_text(v)) for v in row])
    return ("\ufeff" if bom else "") + buf.getvalue()


def markdown_text(columns: list[str], rows: list[list[Any]], title: str | None = None) -> str:
    """A GitHub-style markdown table."""

    def esc(v: Any) -> str:
        return cell_text(v).replace("|", "\\|").replace("\n", " ")

    lines = [f"### {title}", ""] if title else []
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in columns) + "|")
    lines.extend("| " + " | ".join(esc(v) for v in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def console(output: Path | None = None, file=None):
    """A rich console: colour only on a terminal without NO_COLOR."""
    from rich.console import Console

    no_color = bool(os.environ.get("NO_COLOR")) or output is not None
    width = 200 if file is not None else None
    if file is None and not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        width = 160  # piped (cron mail, less): wide enough that tables are never cropped
    return Console(file=file, no_color=no_color, highlight=False, soft_wrap=False, width=width)


def rich_table(columns: list[str], rows: list[list[Any]], title: str | None = None):
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*(cell_text(v) for v in row))
    return table


def write_out(text: str, output: Path | None) -> None:
    """Print `text`, or write it to `output` (UTF-8) through `save_output`."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    save_output(output, text)


def save_output(output: Path, data: str | bytes) -> None:
    """Write a command's output to FILE (-o), for every command and format (text as UTF-8).

    The one way output reaches a file: refused (exit 1) when FILE is a file of the
    workspace — a register, history.csv, salesops.toml, anything in .salesops/ —
    or is open in Excel, WPS or LibreOffice; written whole or not at all (temp
    file, fsync, rename), so a full disk leaves the previous FILE as it was.
    """
    from salesops.storage.commit import write_atomically
    from salesops.storage.lock import open_elsewhere

    real = check_output(output)
    cannot = _("cannot write {file}: {reason}")
    busy = open_elsewhere(real.parent, real.name)
    if busy:
        raise FileOpenElsewhere(cannot.format(file=output, reason=busy))
    write_atomically(real, data.encode("utf-8") if isinstance(data, str) else data, str(output))


def check_output(output: Path) -> Path:
    """The real path of FILE (-o), or the error that refuses it: a file of the workspace, a
    folder, a folder that does not exist. Commands check it before their work, and again when
    they write (`save_output`)."""
    from salesops.storage.workspace import output_clash

    output = Path(output)
    clash = output_clash(output, _command_workspace())
    if clash:
        raise StorageError(
            _(
                "-o {file} {clash}; salesops never writes output over a workspace's own files: "
                "choose another file name"
            ).format(file=output, clash=clash)
        )
    real = Path(os.path.realpath(output))
    cannot = _("cannot write {file}: {reason}")
    if real.is_dir():
        raise StorageError(
            cannot.format(file=output, reason=_("it is a folder; give a file name"))
        )
    if not real.parent.is_dir():
        raise StorageError(
            cannot.format(
                file=output, reason=_("the folder {folder} does not exist").format(folder=real.parent)
            )
        )
    return real


@contextmanager
def output_console(output: Path | None) -> Iterator[Any]:
    """A rich console on the terminal, or one whose text is saved to FILE (-o) at the end."""
    if output is None:
        yield console()
        return
    buf = io.StringIO()
    yield console(output, buf)
    save_output(output, buf.getvalue())


def _command_workspace() -> Path | None:
    """The workspace of the running command (-w, else $SALESOPS_WORKSPACE, else the current folder)."""
    from salesops.cli.clicklib import get_current_context

    ctx = get_current_context(silent=True)
    option = (ctx.find_root().obj or {}).get("workspace") if ctx is not None else None
    raw = option or os.environ.get("SALESOPS_WORKSPACE") or "."
    return Path(raw).expanduser()


def emit_rows(
    fmt: str,
    output: Path | None,
    columns: list[str],
    rows: list[list[Any]],
    *,
    json_data: Any = None,
    title: str | None = None,
    more: int = 0,
) -> None:
    """Render tabular data in the chosen format (`json_data` overrides the JSON form; `more`: how
    many rows a table leaves out, said under it)."""
    check_choice("--format", fmt, RECORD_FORMATS)
    if fmt == "json":
        data = json_data if json_data is not None else [dict(zip(columns, r, strict=False)) for r in rows]
        write_out(dumps(data), output)
    elif fmt == "csv":
        write_out(csv_text(columns, rows, bom=output is not None), output)
    elif fmt == "markdown":
        write_out(markdown_text(columns, rows, title), output)
    else:
        with output_console(output) as con:
            con.print(rich_table(columns, rows, title))
            if more:
                from salesops.reports.render.table import ALL_ROWS

                con.print(_(ALL_ROWS).format(n=more))


def say(message: str) -> None:
    """A one-line human message on stdout."""
    print(message)


def warn(message: str) -> None:
    """A `warning: …` line on stderr."""
    from salesops.problems import one_line

    print(one_line(f"warning: {message}"), file=sys.stderr)
