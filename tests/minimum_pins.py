"""The oldest versions `pyproject.toml` allows, as pip pins: `python tests/minimum_pins.py`.

`make check-minimums` installs exactly these into a throwaway venv and runs the
suite there, so every `>=` in pyproject.toml is a version the suite passes on
(runtime dependencies and the dev extra; README "Developing" lists the last run).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def minimum_pins(extras: tuple[str, ...] = ("dev",)) -> list[str]:
    """`name==version` for every `name>=version` requirement (runtime and `extras`)."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    pins = []
    for requirement in requirements:
        m = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*>=\s*([0-9][^,;\s]*)\s*", requirement)
        if not m:
            raise SystemExit(f"{PYPROJECT.name}: {requirement!r} is not NAME>=VERSION")
        pins.append(f"{m.group(1)}=={m.group(2)}")
    return pins


if __name__ == "__main__":
    print("\n".join(minimum_pins(tuple(sys.argv[1:]) or ("dev",))))
