"""The message catalogue: everything salesops says, in English and Chinese.

Messages are written in English in the source and marked for translation:

    from salesops.i18n import _, N_, ngettext

    raise Refused(_("{id} is {state}: a final state").format(id=rid, state=label))
    say(ngettext("scored {n} lead", "scored {n} leads", n).format(n=n))
    TITLE = N_("Receivables aging")   # a constant: marked here, translated where shown: _(TITLE)

Placeholders are named (`{name}`, filled by `str.format`), so a translation
may reorder them. The Chinese forms live in
`salesops/locale/zh/LC_MESSAGES/salesops.po`, compiled to `salesops.mo` beside
it and read by the standard `gettext` module; `python -m salesops.i18n_build
update` (Babel, a dev dependency) extracts new messages, keeps the
translations and compiles, and `tests/test_i18n.py` fails while any message
lacks its Chinese form.

The language is chosen per command — `--lang`, else the workspace's `lang`,
else the locale — and held in a context variable, never in module state:
`using(lang)` sets it for a block and restores the one before, so runs in one
process may switch languages between calls. Code that renders for a given
language (reports) passes it explicitly: `translate(message, lang)`.

Nothing here imports more than the standard library: `salesops --help` loads it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
import os
from collections.abc import Iterator
from pathlib import Path

LANGS = ("en", "zh")
DOMAIN = "salesops"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("salesops_lang", default=None)


@functools.cache
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of `lang` (English is the source language: no catalogue)."""
    if lang not in LANGS or lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def locale_lang(environ: dict[str, str] | None = None) -> str:
    """The language of the user's locale: `zh` for any Chinese locale, else `en`.

    Reads LANGUAGE, LC_ALL, LC_MESSAGES and LANG in gettext's order; without
    any (Windows), the locale Python reports.
    """
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return _lang_of(value.split(":")[0])
    if environ is None:
        import locale

        with contextlib.suppress(ValueError):
            return _lang_of(locale.getlocale()[0] or "")
    return "en"


def _lang_of(locale_name: str) -> str:
    name = locale_name.lower()
    return "zh" if name.startswith("zh") or name.startswith("chinese") else "en"


def current() -> str:
    """The language messages are written in now."""
    return _current.get() or locale_lang()


def set_lang(lang: str | None) -> contextvars.Token:
    """Make `lang` the current language (None: back to the locale's); `reset(token)` undoes it."""
    return _current.set(lang if lang in LANGS else None)


def reset(token: contextvars.Token) -> None:
    """Restore the language in force before `set_lang` returned `token`."""
    _current.reset(token)


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Messages in `lang` inside the block, the previous language after it."""
    token = set_lang(lang)
    try:
        yield current()
    finally:
        reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return catalogue(current()).gettext(message)


gettext = _


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it yet (constants, help texts)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message for `n`, in the current language."""
    return catalogue(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart from the same English words by `context`."""
    return catalogue(current()).pgettext(context, message)


def person(name: str | None) -> str:
    """Someone as messages name them: history.csv's `unknown` (nobody recorded) in the current language."""
    return pgettext("person", "unknown") if not name or name == "unknown" else name


def list_text(items, lang: str | None = None) -> str:
    """Items as a sentence lists them, in `lang` (default: the current language): `a, b` / `a、b`."""
    return ("、" if (lang or current()) == "zh" else ", ").join(items)


def translate(message: str, lang: str) -> str:
    """`message` in `lang`, whatever the current language (renderers given a language)."""
    return catalogue(lang).gettext(message)


def translate_plural(singular: str, plural: str, n: int, lang: str) -> str:
    """The form of a counted message for `n`, in `lang`."""
    return catalogue(lang).ngettext(singular, plural, n)


def joined(parts) -> str:
    """Clauses of one message joined as the language punctuates them (`a; b` / `a；b`)."""
    return pgettext("clause separator", "; ").join(parts)
