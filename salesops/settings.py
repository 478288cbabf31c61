"""Workspace settings: `salesops.toml` merged over the defaults.

The defaults are the template `templates/salesops.toml` itself (shipped as
`salesops.templates`), so the file `init` writes, the documentation and the
values in force can never disagree.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from salesops.errors import SalesopsError
from salesops.i18n import _
from salesops.settings_check import CHOICES, check_values

TEMPLATE_NAME = "salesops.toml"


def template_text() -> str:
    """The commented settings template that `init` writes."""
    return resources.files("salesops.templates").joinpath(TEMPLATE_NAME).read_text("utf-8")


def defaults() -> dict[str, Any]:
    """Every setting with its default value."""
    return tomllib.loads(template_text())


# Tables whose keys are the user's own names: a key the defaults lack is added, taking the keys
# it does not set from the named default entry (None: the value is taken as it is).
_OPEN_TABLES = {"contract.terms.": None, "commission.plans.": "standard"}


def _merge(base: dict[str, Any], over: dict[str, Any], path: str, problems: list[str]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        where = f"{path}{key}"
        if key not in base:
            if path in _OPEN_TABLES:
                like = _OPEN_TABLES[path]
                if like is None:
                    out[key] = value
                elif not isinstance(value, dict):
                    problems.append(_("setting {key} must be a table").format(key=where))
                else:
                    out[key] = _merge(base[like], value, where + ".", problems)
                continue
            problems.append(_("unknown setting {key}").format(key=where))
            continue
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(_("setting {key} must be a table").format(key=where))
                continue
            out[key] = _merge(default, value, where + ".", problems)
        elif isinstance(default, bool) != isinstance(value, bool) or (
            isinstance(default, (int, float)) and not isinstance(value, (int, float))
        ) or (isinstance(default, str) and not isinstance(value, str)) or (
            isinstance(default, list) and not isinstance(value, list)
        ):
            problems.append(
                _("setting {key} must be like {default}, not {value}").format(
                    key=where, default=repr(default), value=repr(value)
                )
            )
        else:
            out[key] = value
    return out


def _regions(base: dict[str, Any], over: Any, problems: list[str]) -> dict[str, list[str]]:
    """The region table: the workspace's places join its regions and leave the default's."""
    if not isinstance(over, dict):
        problems.append(_("setting regions must be a table of region = [places]"))
        return base
    owner: dict[str, str] = {}
    for region, places in over.items():
        if not isinstance(places, list) or not all(isinstance(p, str) and p.strip() for p in places):
            message = _('setting regions."{region}" must be a list of place names, not {value}')
            problems.append(message.format(region=region, value=repr(places)))
            continue
        for place in places:
            if owner.setdefault(place.strip(), region) != region:
                message = _('setting regions: "{place}" is in both "{one}" and "{other}"')
                problems.append(message.format(place=place, one=owner[place.strip()], other=region))
    out = {region: [p for p in places if p not in owner] for region, places in base.items()}
    for place, region in owner.items():
        out.setdefault(region, []).append(place)
    return out


@dataclass(frozen=True)
class Settings:
    """Settings in force for one workspace; `get("quote.valid_days")` reads a dotted key."""

    data: dict[str, Any]
    path: Path | None = None

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def lang(self) -> str:
        return self.data["lang"]

    @property
    def format(self) -> str:
        return self.data["format"]

    @property
    def currency(self) -> str:
        return self.data["currency"]

    @property
    def date_order(self) -> str:
        return self.data["date_order"]

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with top-level keys replaced (e.g. `lang="zh"` from `--lang`)."""
        data = dict(self.data)
        data.update({k: v for k, v in values.items() if v is not None})
        return Settings(data, self.path)


def load_settings(workspace: Path) -> Settings:
    """Read `<workspace>/salesops.toml` (missing → all defaults); bad values are errors.

    Without a `lang` key the language is the user's locale (Chinese on a
    Chinese system), not the template's `en`.
    """
    from salesops.i18n import locale_lang

    path = workspace / TEMPLATE_NAME
    base = defaults()
    base["lang"] = locale_lang()
    if not path.exists():
        return Settings(base, None)
    try:
        user = tomllib.loads(path.read_text("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:  # the parser's own words say what and where (line, column)
        raise SalesopsError(
            _("{file}: not valid TOML, correct it in a text editor: {reason}").format(file=path.name, reason=exc)
        ) from None
    except UnicodeDecodeError:
        raise SalesopsError(_("{file}: not UTF-8 text; save it as UTF-8").format(file=path.name)) from None
    problems: list[str] = []
    regions = user.pop("regions", None)
    merged = _merge(base, user, "", problems)
    if regions is not None:
        merged["regions"] = _regions(base["regions"], regions, problems)
    problems += check_values(merged)
    if problems:
        raise SalesopsError(*(f"{path.name}: {p}" for p in problems))
    return Settings(merged, path)


def workspace_lang(folder: str | Path) -> str | None:
    """The `lang` set in `<folder>/salesops.toml`, or None (no file, no key, a broken file).

    Cheap and silent: the CLI asks before it parses the command line, so that
    `--help` and usage errors speak the workspace's language; a broken file
    is reported later, by the command that loads the settings.
    """
    try:
        text = (Path(folder).expanduser() / TEMPLATE_NAME).read_text("utf-8-sig")
        lang = tomllib.loads(text).get("lang")
    except (OSError, ValueError):
        return None
    return lang if lang in CHOICES["lang"] else None
