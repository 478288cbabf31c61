"""The broken-file corpus: one hostile or damaged register per error, each with its exact message.

`tests/corpus/hostile/<case>/` holds the file (or, for big ones, nothing: the
test makes it with `make.py`), any other registers the case needs, and
`expected.txt`: a description, which commands must refuse it, and the exact
`error:` lines. A refused file is refused by `validate`, `list` and a writing
command alike — one line naming the file, exit 1, nothing written, never a
traceback. A readable file with a bad cell is reported by `validate` with its
row and column, and kept as it is when the register is rewritten. A case whose
scope names some commands only (`# refused by: write`: a file that reads well
but cannot take a new row) is checked with those.

Links are made by the test (`make.LINKED`); files LibreOffice saved are
committed (`make.LIBREOFFICE`, rewritten by `make.py --libreoffice`).
"""

from __future__ import annotations

import importlib.util
import os
import zipfile
from pathlib import Path

import pytest

from .clitools import (
    REPO,
    assert_clean_failure,
    assert_no_traceback,
    digest,
    empty_workspace,
    rows_of,
    run,
)

CORPUS = REPO / "tests" / "corpus" / "hostile"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.txt").is_file())


def _make():
    spec = importlib.util.spec_from_file_location("hostile_make", CORPUS / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _make()


def load_case(case: str) -> tuple[dict[str, bytes | None], set[str], list[str]]:
    """(files to put in the workspace — None for a link the test makes —, the scope: `refused`
    or `reported` and the commands that must show the lines, the exact error lines)."""
    folder = CORPUS / case
    files: dict[str, bytes | None] = {
        p.name: p.read_bytes() for p in folder.iterdir() if p.name != "expected.txt"
    }
    if case in MAKE.GENERATED:
        name, make = MAKE.GENERATED[case]
        files[name] = make()
    if case in MAKE.LINKED and MAKE.LINKED[case][1] != "hard":
        files[MAKE.LINKED[case][0]] = None
    lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    scope = next(line for line in lines if line.startswith(("# refused by:", "# reported by:")))
    commands = set(scope.split(":", 1)[1].split())
    return (
        files,
        commands | {scope.split()[1]},
        [line for line in lines if not line.startswith("#")],
    )


def test_every_case_is_complete():
    assert len(CASES) >= 27
    for case in CASES:
        files, _, lines = load_case(case)
        assert lines and all(line.startswith("error: ") for line in lines), case
        named = lines[0].removeprefix("error: ").split(" ")[0].rstrip(":")
        assert named in files, f"{case}: the message must name the file ({named})"
        if case in MAKE.COMMITTED:  # the committed bytes are what make.py makes (bar zip timestamps)
            assert MAKE.COMMITTED[case][0] in files, case
        if case in MAKE.LIBREOFFICE:  # saved by LibreOffice: its own package, not openpyxl's
            with zipfile.ZipFile(CORPUS / case / MAKE.LIBREOFFICE[case][0]) as z:
                assert b"LibreOffice" in z.read("docProps/app.xml"), case
    made = {*MAKE.COMMITTED, *MAKE.GENERATED, *MAKE.LIBREOFFICE, *MAKE.LINKED}
    assert made <= set(CASES)


def _workspace(case: str, files: dict[str, bytes | None], tmp_path: Path, ext: str) -> Path:
    ws = empty_workspace(tmp_path / "ws", ext)
    for name, data in files.items():
        if data is not None:
            (ws / name).write_bytes(data)
    if case in MAKE.LINKED:
        name, target = MAKE.LINKED[case]
        if target == "hard":
            os.link(ws / name, tmp_path / f"elsewhere-{name}")
        else:
            if not target.startswith("/"):
                (ws / target).write_text("at,user,command,register,record_id,field,old_value,new_value\n")
            elif not Path(target).exists():
                pytest.skip(f"no {target} here")
            (ws / name).symlink_to(target)
    return ws


WRITES = {
    "receivables": ["payment", "record", "R-000001", "--amount", "1"],
    "leads": ["lead", "add", "--company", "Corpus Co"],
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_file(case, tmp_path):
    files, commands, lines = load_case(case)
    target = lines[0].removeprefix("error: ").split(" ")[0].rstrip(":")
    register, ext = target.rsplit(".", 1)
    ws = _workspace(case, files, tmp_path, ext)
    before = digest(ws)
    shown = register if register in WRITES else "receivables"  # (history.csv: any command)

    if "refused" in commands:
        runs = {"validate": ["validate"], "list": ["list", shown], "write": WRITES[shown]}
        for name, args in runs.items():
            if name not in commands:
                continue
            res = run(args, ws)
            assert_clean_failure(res)
            assert res.err_lines == lines, f"{case}: salesops {' '.join(args)}"
            assert digest(ws) == before, f"{case}: salesops {' '.join(args)} wrote something"
        return

    # Reported, not refused: validate names row and column; the file stays usable and unchanged.
    res = run(["validate"], ws)
    assert res.code == 1 and res.err_lines == lines, res.err
    listed = run(["list", register, "-f", "json"], ws)
    assert listed.code == 0, listed.err
    assert_no_traceback(listed)
    reported = [int(line.split(" row ")[1].split(",")[0]) for line in lines]
    kept = {r: rows_of(ws / target)[r - 1] for r in reported}
    res = run(
        ["advance", "R-000002", "cancelled", "--reason", "corpus"], ws
    )  # rewrites the register
    assert res.code == 0, res.err
    after = rows_of(ws / target)
    for r, row in kept.items():
        assert after[r - 1] == row, f"the reported row {r} was changed"
    if ext == "csv":  # byte for byte, as typed
        rewritten = (ws / target).read_bytes().decode("utf-8-sig").splitlines()
        original = files[target].decode("utf-8-sig").splitlines()
        assert all(original[r - 1] in rewritten for r in reported), "the reported cell was changed"
    assert run(["validate"], ws).err_lines == lines
