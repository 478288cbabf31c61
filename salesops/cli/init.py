"""`salesops init`: create a workspace, or complete one, without ever overwriting a file.

Every missing register is created with its header in the workspace language
(xlsx: styled frozen header, filters, dropdowns for enums, date and money
formats; CSV: the header row in UTF-8 with BOM), plus `salesops.toml` from
the settings template. `--sample` fills the new registers with the sample
company of `salesops.sample`. All files are written in one atomic commit
through `storage.commit`, under the workspace lock.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import typer

from salesops import i18n
from salesops.cli.app import app
from salesops.cli.common import WaitOpt, check_choice, say, set_lang, warn
from salesops.errors import Refused, UsageError
from salesops.i18n import _, ngettext
from salesops.schema import HISTORY_COLUMNS, HISTORY_FILE, REGISTERS, SETTINGS_FILE

FORMATS = ("xlsx", "csv")
LANGS = ("en", "zh")


@dataclass
class InitResult:
    """What `init` did: files created (with their row counts) and files kept."""

    root: Path
    fmt: str
    lang: str
    created: list[tuple[str, int | None]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def settings_text(fmt: str, lang: str) -> str:
    """The settings template with `format` and `lang` filled in (comments kept)."""
    from salesops.settings import template_text

    text = template_text()
    for key, value in (("format", fmt), ("lang", lang)):
        text = re.sub(
            rf'^({key}\s*=\s*)"[^"]*"( *)',
            lambda m, v=value: (
                f'{m.group(1)}"{v}"' + " " * max(1, len(m.group(0)) - len(m.group(1)) - len(v) - 2)
            ),
            text,
            count=1,
            flags=re.MULTILINE,
        )
    return text


def create_workspace(
    root: Path,
    fmt: str | None = None,
    lang: str | None = None,
    sample: bool = False,
    wait: float = 10.0,
) -> InitResult:
    """Create `root` if needed and every missing register and settings file; never overwrite one.

    `fmt`/`lang` default to the existing settings, else xlsx and the system's
    language. With `sample`,
    the sample company fills the registers; that needs a folder without
    registers (mixing it into existing data would leave dangling references).
    """
    from salesops.settings import load_settings
    from salesops.storage import commit as tx
    from salesops.storage.lock import check_not_open
    from salesops.storage.table import Table
    from salesops.storage.workspace import Workspace, writer_for

    if fmt is not None:
        check_choice("--format", fmt, FORMATS)
    if lang is not None:
        check_choice("--lang", lang, LANGS)
    if root.exists() and not root.is_dir():
        raise UsageError(_("{path} exists and is not a folder").format(path=root))
    root.mkdir(parents=True, exist_ok=True)

    settings_exists = (root / SETTINGS_FILE).exists()
    settings = load_settings(root)  # existing settings are checked: a broken file stops init
    result = InitResult(
        root,
        fmt or (settings.format if settings_exists else "xlsx"),
        lang or settings.lang,  # without a salesops.toml: the system's language
    )
    if settings_exists:
        for key, chosen in (("format", fmt), ("lang", lang)):
            if chosen is not None and chosen != settings.get(key):
                result.notes.append(
                    _('{file} keeps {key} = "{value}"; new registers use --{key} {chosen} as asked').format(
                        file=SETTINGS_FILE, key=key, value=settings.get(key), chosen=chosen
                    )
                )
    ws = Workspace(root, settings.with_overrides(format=result.fmt, lang=result.lang))

    with ws.writing(wait), i18n.using(result.lang):  # what Excel shows (dropdown errors) in its language
        missing: list[Table] = []
        for name, register in REGISTERS.items():
            path, file_fmt, exists = ws.file_of(name)
            if exists:
                result.kept.append(path.name)
                continue
            missing.append(Table.empty(register, path.name, file_fmt, result.lang, settings.date_order))
        history = None
        if sample and missing:
            present = result.kept + ([HISTORY_FILE] if (root / HISTORY_FILE).exists() else [])
            if present:
                raise Refused(
                    _(
                        "--sample needs a folder without registers, so the sample company does not mix "
                        "with your data; {path} already has {files} (choose a new folder)"
                    ).format(path=root, files=", ".join(present))
                )
            history = _fill_with_sample(missing, result.lang)
        elif sample:
            result.notes.append(_("every register already exists: the sample company was not added"))
        ops: list = [tx.Replace(t.file, writer_for(root, t)) for t in missing]
        result.created = [(t.file, len(t)) for t in missing]
        if history is not None:
            ops.append(history[0])
            result.created.append((HISTORY_FILE, history[1]))
        if not settings_exists:
            text = settings_text(result.fmt, result.lang)
            if history is not None:
                from salesops.sample_plan import sample_settings

                text = sample_settings(text)
            ops.append(
                tx.Replace(SETTINGS_FILE, lambda path: tx.write_bytes(path, text.encode("utf-8")))
            )
            result.created.insert(0, (SETTINGS_FILE, None))
        else:
            result.kept.insert(0, SETTINGS_FILE)
        if ops:
            check_not_open(root, [t.file for t in missing])
            tx.commit(root, ops)
    return result


def _fill_with_sample(tables: list, lang: str = "en") -> tuple[object, int]:
    """Append the sample company to `tables`; the history.csv write for its stage changes, and its rows."""
    from salesops.core.model import Change
    from salesops.sample import generate
    from salesops.storage import commit as tx
    from salesops.storage.csv_io import csv_bytes
    from salesops.storage.workspace import history_header, history_value

    company = generate()
    for table in tables:
        for record in company.records[table.register.name]:
            table.append(record)
        table.changes.clear()  # the sample's history is its own stage changes, not "row added"
    rows = []
    for row in company.history:  # in the workspace's language, as every command writes it
        change = Change(row["register"], row["record_id"], row["field"], row["old_value"], row["new_value"])
        row = {**row, "old_value": history_value(change, row["old_value"], lang), "new_value": history_value(change, row["new_value"], lang)}
        rows.append([row[c] for c in HISTORY_COLUMNS])
    data = csv_bytes([history_header(lang), *rows])
    return tx.Replace(HISTORY_FILE, lambda path: tx.write_bytes(path, data)), len(company.history)


def regenerate_sample(target: Path) -> list[str]:
    """Rewrite the committed CSV sample workspace in `target` (other files there are left alone)."""
    import shutil
    import tempfile

    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".sample-") as tmp:
        staging = Path(tmp) / "ws"
        result = create_workspace(staging, fmt="csv", lang="en", sample=True)
        lines = []
        for name, rows in result.created:
            os.replace(staging / name, target / name)
            lines.append(f"wrote {target / name}" + (f" ({rows} rows)" if rows is not None else ""))
        shutil.rmtree(staging, ignore_errors=True)
    return lines


@app.command("init")
def init_command(
    ctx: typer.Context,
    directory: Path = typer.Argument(
        None,
        metavar="DIR",
        help="Folder to create or complete (default: -w, $SALESOPS_WORKSPACE, or the current folder).",
    ),
    fmt: str = typer.Option(
        None,
        "--format",
        metavar="xlsx|csv",
        help="File format of new registers (default: the folder's settings, else xlsx).",
    ),
    lang: str = typer.Option(
        None,
        "--lang",
        metavar="en|zh",
        help="Language of headers, enum values and messages (default: the folder's settings, else the system's).",
    ),
    sample: bool = typer.Option(
        False,
        "--sample",
        help="Fill the new registers with a demo company (all stages; receivables overdue as of 2026-11-27).",
    ),
    wait: WaitOpt = 10.0,
) -> None:
    """Create a workspace: every missing register with its header, and salesops.toml.

    Never overwrites an existing register or settings file: it creates what is
    missing and says what it kept. xlsx registers get a styled frozen header,
    filters, dropdowns for every enum and date/money formats; CSV registers
    are UTF-8 with BOM so Excel opens them.
    """
    if directory is None:
        directory = Path(
            (ctx.find_root().obj or {}).get("workspace")
            or os.environ.get("SALESOPS_WORKSPACE")
            or "."
        )
    result = create_workspace(directory.expanduser(), fmt, lang, sample, wait)
    if not (ctx.find_root().obj or {}).get("lang"):
        set_lang(result.lang)  # the workspace's language from now on
    say(_("Workspace {path} ({format}, {lang}):").format(path=result.root, format=result.fmt, lang=result.lang))
    for name, rows in result.created:
        if rows:
            say(ngettext("  created  {file} ({n} row)", "  created  {file} ({n} rows)", rows).format(file=name, n=rows))
        else:
            say(_("  created  {file}").format(file=name))
    for name in result.kept:
        say(_("  kept     {file} (already there, not changed)").format(file=name))
    for note in result.notes:
        warn(note)
    if not result.created:
        say(_("Nothing to create: the workspace is complete."))
    elif sample:
        where = "" if directory == Path(".") else f"-w {directory} "
        say(_("Try: {command}").format(command=f"salesops {where}list opportunities --where stage=negotiation"))
