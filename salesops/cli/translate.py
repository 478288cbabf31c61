"""`--help` in the user's language: the click command tree translated after typer builds it.

Typer builds the click commands, help texts included, from the command
functions at every run (`typer.main.get_command`), so the tree of one run can
be translated in place without any language sticking to the next run:
command help, option and argument help and metavars are looked up in the
catalogue (`salesops.i18n_build` extracts them from the same tree), and each
command gets a help formatter that translates the words click and typer add
themselves ("Usage:", "Options", "[default: 10.0]") and wraps Chinese text by
its display width (a Chinese character takes two terminal cells).

Click (vendored by typer) is reached through `salesops.cli.clicklib`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from salesops.i18n import N_, _, current, pgettext

METAVAR = "metavar"
USAGE = N_("Usage:")
OPTIONS_METAVAR = N_("[OPTIONS]")
SUBCOMMAND_METAVAR = N_("COMMAND [ARGS]...")
HEADINGS = (N_("Options"), N_("Arguments"), N_("Commands"))
HEADING = N_("{heading}:")
TYPES = {
    "<str>": N_("<text>"),
    "<path>": N_("<path>"),
    "<int>": N_("<number>"),
    "<float>": N_("<number>"),
}
HELP_OPTION = N_("Show this message and exit.")
DEFAULT = N_("default: {default}")
REQUIRED = N_("required")
_EXTRA = re.compile(r"^(?P<help>.*?)\s*\[(?P<extra>[^\[\]]*)\]$", re.S)


def translate_tree(command: Any) -> None:
    """Translate the help of `command` and every subcommand into the current language, in place."""
    if current() == "en":
        return
    from salesops.cli.clicklib import click

    todo = [command]
    while todo:
        cmd = todo.pop()
        cmd.context_class = _context_class(click)
        if cmd.help:
            cmd.help = _(cmd.help)
            cmd.short_help = _(cmd.short_help) if cmd.short_help else summary(cmd.help)
        if cmd.epilog:
            cmd.epilog = _(cmd.epilog)
        if cmd.options_metavar:
            cmd.options_metavar = _(cmd.options_metavar)
        if getattr(cmd, "subcommand_metavar", None):
            cmd.subcommand_metavar = _(cmd.subcommand_metavar)
        for param in cmd.params:
            if getattr(param, "help", None):
                param.help = _(param.help)
            if getattr(param, "metavar", None):
                param.metavar = pgettext(METAVAR, param.metavar)
            elif getattr(param, "param_type_name", "") == "argument" and param.name:
                param.metavar = pgettext(METAVAR, param.name.upper())  # help shows its name
        todo.extend(getattr(cmd, "commands", {}).values())


def summary(help_text: str) -> str:
    """The first sentence of a translated help text (click's own cut stops at '. ', never at '。')."""
    first = help_text.strip().split("\n\n", 1)[0].replace("\n", "")
    return first.split("。", 1)[0]


_CLASSES: dict[int, type] = {}


def _context_class(click: Any) -> type:
    """A click Context whose help formatter translates click's own words and wraps by display width."""
    key = id(click)
    if key not in _CLASSES:

        class Formatter(click.HelpFormatter):
            def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
                if prefix is None:
                    prefix = _(USAGE)
                    prefix += "" if prefix.endswith("：") else " "
                super().write_usage(prog, args, prefix)

            def write_heading(self, heading: str) -> None:
                self.write(f"{'':>{self.current_indent}}{_(HEADING).format(heading=_(heading))}\n")

            def write_text(self, text: str) -> None:
                indent = " " * self.current_indent
                self.write(wrap(text, self.width, indent, indent) + "\n")

            def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
                rows = [(_types(first), _help_cell(second)) for first, second in rows]
                width = min(max((cells(f) for f, _s in rows), default=0), col_max)
                first_col = width + col_spacing
                for first, second in rows:
                    self.write(f"{'':>{self.current_indent}}{first}")
                    if not second:
                        self.write("\n")
                        continue
                    if cells(first) <= width:
                        self.write(" " * (first_col - cells(first)))
                    else:
                        self.write("\n" + " " * (first_col + self.current_indent))
                    lines = wrap(second, max(self.width - first_col - 2, 10)).splitlines() or [""]
                    self.write(lines[0] + "\n")
                    for line in lines[1:]:
                        self.write(" " * (first_col + self.current_indent) + line + "\n")

        class Context(click.Context):
            formatter_class = Formatter

        _CLASSES[key] = Context
    return _CLASSES[key]


def _types(text: str) -> str:
    """An argument's `REGISTER <str>` with typer's type name translated."""
    return re.sub(
        r"<\w+>", lambda m: _(TYPES[m.group(0)]) if m.group(0) in TYPES else m.group(0), text
    )


def _help_cell(text: str) -> str:
    """An option's help with typer's `[default: x; required]` translated."""
    m = _EXTRA.match(text)
    if not m:
        return _(text)
    parts = []
    for part in m.group("extra").split("; "):
        if part == "required":
            parts.append(_(REQUIRED))
        elif part.startswith("default: "):
            parts.append(_(DEFAULT).format(default=part.removeprefix("default: ")))
        else:
            parts.append(part)
    help_text = _(m.group("help")) if m.group("help") else ""
    return f"{help_text}  [{'; '.join(parts)}]".strip()


# ---------------------------------------------------------------- wrapping by display width


def cells(text: str) -> int:
    """Terminal cells `text` takes: two for wide (Chinese) characters."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_TOKEN = re.compile(
    r"\[[^\]\n]{0,30}\]|[\x21-\x7e]+|\s+|.", re.S
)  # a short [default: x] stays whole
_NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)]")
_NO_LINE_END = set("（《「『“‘([")


def _fill(text: str, width: int, first: str, rest: str) -> str:
    lines: list[str] = []
    line, used = first, cells(first)
    empty = True
    for token in _TOKEN.findall(text):
        if token.isspace():
            if not empty:
                line += " "
                used += 1
            continue
        size = cells(token)
        # never start a line with closing punctuation, nor end one with an opening bracket
        glued = token[0] in _NO_LINE_START or line[-1:] in _NO_LINE_END
        if not empty and used + size > width and not glued:
            lines.append(line.rstrip())
            line, used, empty = rest, cells(rest), True
        line += token
        used += size
        empty = False
    lines.append(line.rstrip())
    return "\n".join(lines)


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Click's paragraph-preserving wrap (`\\b` blocks kept as typed), measured in terminal cells.

    A space between two Chinese characters is a line break that the source
    wrapped; it is dropped, as Chinese runs words together.
    """
    paragraphs: list[tuple[str, bool, str]] = []
    buf: list[str] = []
    indent = ""

    def flush() -> None:
        if buf:
            if buf[0].strip() == "\b":
                paragraphs.append((indent, True, "\n".join(buf[1:])))
            else:
                paragraphs.append((indent, False, " ".join(buf)))
            buf.clear()

    for line in text.expandtabs().splitlines():
        if not line.strip():
            flush()
            indent = ""
            continue
        if not buf:
            indent = line[: len(line) - len(line.lstrip())]
            line = line.lstrip()
        buf.append(line.rstrip())
    flush()
    out = []
    for extra, raw, para in paragraphs:
        first, rest = initial_indent + extra, subsequent_indent + extra
        if raw:
            out.append("\n".join(rest + ln for ln in para.splitlines()))
        else:
            para = re.sub(r"\s+", " ", para)
            para = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", para)
            out.append(_fill(para, width, first, rest))
    return "\n\n".join(out)


# ---------------------------------------------------------------- click's usage errors

_USAGE_ERRORS = (
    (
        r"No such option: (?P<option>\S+) \(Possible options: (?P<choices>.*)\)",
        N_("no such option: {option} (did you mean {choices}?)"),
    ),
    (r"No such option: (?P<option>\S+)", N_("no such option: {option}")),
    (r"Missing option '?(?P<name>[^'.]+)'?\.(?P<rest>.*)", N_("missing option {name}")),
    (r"Missing argument '?(?P<name>[^'.]+)'?\.(?P<rest>.*)", N_("missing argument {name}")),
    (r"Missing parameter:? '?(?P<name>[^'.]+)'?\.?(?P<rest>.*)", N_("missing argument {name}")),
    (
        r"No such command '(?P<name>[^']*)'\. Did you mean (?:one of )?(?P<choices>.*)\?",
        N_("no such command: {name} (did you mean {choices}?)"),
    ),
    (r"No such command '(?P<name>.*)'\.", N_("no such command: {name}")),
    (r"Missing command\.", N_("a command is missing")),
    (
        r"Got unexpected extra arguments?(?:\(s\))? \((?P<args>.*)\)",
        N_("unexpected extra argument(s): {args}"),
    ),
    (r"Option '(?P<option>.*)' requires an argument\.", N_("option {option} needs a value")),
    (
        r"Option '(?P<option>.*)' requires (?P<n>\d+) arguments\.",
        N_("option {option} needs {n} values"),
    ),
    (r"Option '(?P<option>.*)' does not take a value\.", N_("option {option} takes no value")),
    (
        r"Invalid value for '?(?P<hint>[^':]*)'?: Value (?P<value>.*) is not a valid (?P<kind>integer|float)\.",
        N_("{hint}: {value} is not a number"),
    ),
    (
        r"Invalid value for '?(?P<hint>[^':]*)'?: Input should be a valid integer.*",
        N_("{hint}: not a whole number"),
    ),
    (
        r"Invalid value for '?(?P<hint>[^':]*)'?: Input should be a valid number.*",
        N_("{hint}: not a number"),
    ),
    (
        r"Invalid value for '?(?P<hint>[^':]*)'?: (?P<value>.*) is not one of (?P<choices>.*)\.",
        N_("{hint}: {value} is not one of {choices}"),
    ),
    (
        r"Invalid value for '?(?P<hint>[^':]*)'?: (?P<message>.*)",
        N_("{hint}: invalid value: {message}"),
    ),
)
SEE_HELP = N_("{message} (see '{command} --help')")


def usage_message(text: str) -> str:
    """A click usage error in the current language (English: click's own words)."""
    if current() == "en":
        return text
    for pattern, template in _USAGE_ERRORS:
        m = re.fullmatch(pattern, text.strip(), re.S)
        if m:
            fields = {k: v.strip() for k, v in m.groupdict().items() if k != "rest"}
            return _(template).format(**fields)
    return text
