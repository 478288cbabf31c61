"""Keep the message catalogue whole: extract, merge, compile and check (a developer tool; needs Babel).

    python -m salesops.i18n_build update   # new messages into the .po, translations kept, .mo compiled
    python -m salesops.i18n_build check    # exit 1 naming every message without Chinese, or a stale .mo

Messages come from two places: `_()`, `N_()`, `ngettext()` and `pgettext()`
calls in the package's Python files (Babel's extractor), and the help texts of
the command tree (command help, option and argument help, metavars), which
typer takes from docstrings and `typer.Option(help=...)`: they are read from
the built tree itself, so a new command needs no marking to be translated.

The .po is written one message per block, sorted by source file, without line
numbers, so two branches adding messages merge cleanly. The .mo is committed
beside it (no build step; `pip install -e .` works as is) and `check`
proves it holds exactly the .po's translations.
"""

from __future__ import annotations

import io
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path

from salesops.i18n import DOMAIN, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
TRANSLATIONS = ("zh",)
METAVAR = "metavar"  # pgettext context of option placeholders (DATE → 日期)
_KEEP_METAVAR = re.compile(r"[|]")  # en|zh, MDY|DMY: literal choices, not words
HEADER = {
    "Project-Id-Version": "salesops",
    "Language": "zh_Hans_CN",
    "Content-Type": "text/plain; charset=utf-8",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


def _source_files() -> Iterator[Path]:
    skip = {PACKAGE / "i18n_build.py"}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path not in skip and "__pycache__" not in path.parts:
            yield path


def _rel(path: Path | str) -> str:
    """`path` relative to the repository (as written in the .po), else as it is."""
    full = Path(path).resolve()
    return full.relative_to(ROOT).as_posix() if full.is_relative_to(ROOT) else str(full)


def extract_code() -> Iterator[tuple[str, str | tuple[str, str], str | None]]:
    """(source file, message or (singular, plural), context) of every marked message in the package."""
    from babel.messages.extract import extract_from_file

    for path in _source_files():
        for _lineno, message, _comments, context in extract_from_file(
            "python", path, keywords=KEYWORDS
        ):
            yield _rel(path), message, context


def extract_help() -> Iterator[tuple[str, str, str | None]]:
    """(source file, text, context) of every help text and metavar of the command tree."""
    import inspect

    from salesops import docs

    for _ctx, cmd in docs.walk():
        callback = getattr(cmd, "callback", None)
        func = inspect.unwrap(callback) if callback else None  # typer wraps the command function
        source = _rel(inspect.getsourcefile(func)) if func else "salesops/cli/app.py"
        for text in (cmd.help, cmd.short_help, cmd.epilog):
            if text:
                yield source, text, None
        for param in cmd.params:
            if getattr(param, "help", None):
                yield source, param.help, None
            metavar = getattr(param, "metavar", None) or _argument_name(param)
            if metavar and not _KEEP_METAVAR.search(metavar):
                yield source, metavar, METAVAR


def _argument_name(param) -> str | None:
    """What help shows for an argument declared without a metavar: its name (translated as one)."""
    return (
        param.name.upper()
        if getattr(param, "param_type_name", "") == "argument" and param.name
        else None
    )


def extract():
    """A Babel Catalog of every message salesops can say."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="salesops", fuzzy=False)
    for source, message, context in [*extract_code(), *extract_help()]:
        catalog.add(message, locations=[(source, None)], context=context)
    return catalog


def read(lang: str):
    """The .po of `lang` as a Babel Catalog (empty when there is none yet)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def merged(lang: str):
    """The extracted messages with the translations of `lang` kept (obsolete ones dropped)."""
    from babel.messages.catalog import Catalog

    old = read(lang)
    fresh = extract()
    out = Catalog(locale="zh_Hans_CN" if lang == "zh" else lang, project="salesops", fuzzy=False)
    for msg in fresh:
        if not msg.id:
            continue
        before = old.get(msg.id, context=msg.context)
        text = before.string if before is not None else ("", "") if msg.pluralizable else ""
        out.add(
            msg.id,
            text,
            locations=sorted(set(msg.locations)),
            context=msg.context,
            user_comments=before.user_comments if before is not None else (),
        )
    return out


def po_text(catalog) -> bytes:
    """The .po bytes: header without dates or tool versions, one block per message, by file."""
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=True, sort_by_file=True, include_lineno=False)
    header = "".join(f'"{k}: {v}\\n"\n' for k, v in HEADER.items())
    return f'msgid ""\nmsgstr ""\n{header}\n'.encode() + buf.getvalue()


def mo_bytes(catalog) -> bytes:
    """The compiled .mo of `catalog` (its header carries the plural rule gettext needs)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def _messages(mo: bytes) -> dict:
    """The translations a compiled catalogue holds (its header, with Babel's dates, left out)."""
    import gettext

    messages = gettext.GNUTranslations(io.BytesIO(mo))._catalog
    return {k: v for k, v in messages.items() if k != ""}


def update() -> list[str]:
    """Write every .po (merged) and .mo; the paths written."""
    written = []
    for lang in TRANSLATIONS:
        catalog = merged(lang)
        po = po_path(lang)
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_bytes(po_text(catalog))
        mo_path(lang).write_bytes(mo_bytes(read(lang)))
        written += [_rel(po), _rel(mo_path(lang))]
    return written


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:  # braces not meant as fields
        return set()


def problems() -> list[str]:
    """Everything wrong with the catalogues: messages missing or untranslated, broken fields, a stale .mo."""
    out: list[str] = []
    fresh = extract()
    for lang in TRANSLATIONS:
        po = po_path(lang)
        rel = _rel(po)
        if not po.exists():
            return [f"{rel} is missing; run: python -m salesops.i18n_build update"]
        catalog = read(lang)
        for msg in fresh:
            if msg.id and catalog.get(msg.id, context=msg.context) is None:
                where = ", ".join(sorted({loc for loc, _ in msg.locations}))
                out.append(f"{rel}: new message from {where}: {_show(msg.id)}")
        for msg in catalog:
            if not msg.id:
                continue
            if fresh.get(msg.id, context=msg.context) is None:
                out.append(f"{rel}: message no longer used: {_show(msg.id)}")
            strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            if not all(strings):
                out.append(f"{rel}: no Chinese for {_show(msg.id)}")
                continue
            ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
            want = set().union(*(_fields(i) for i in ids))
            for s in strings:
                if _fields(s) != want:
                    out.append(
                        f"{rel}: the translation of {_show(msg.id)} has fields {sorted(_fields(s))}, "
                        f"the message {sorted(want)}"
                    )
        if _messages(mo_path(lang).read_bytes()) != _messages(mo_bytes(catalog)):
            out.append(
                f"{_rel(mo_path(lang))} does not match {rel}; run: python -m salesops.i18n_build update"
            )
    return out


def _show(msgid) -> str:
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    text = text.replace("\n", " ")
    return repr(text if len(text) <= 80 else text[:77] + "...")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["update"]:
        for path in update():
            print(f"wrote {path}")
        found = problems()
        for line in found:
            print(line)
        return 0
    if args == ["check"]:
        found = problems()
        for line in found:
            print(f"error: {line}", file=sys.stderr)
        return 1 if found else 0
    print("usage: python -m salesops.i18n_build update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
