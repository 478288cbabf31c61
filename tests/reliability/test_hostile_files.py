"""The broken-file corpus: one hostile or damaged register per error, each with its exact message.

`tests/corpus/hostile/<case>/` holds the file (or, for big ones, nothing: the
test makes it with `make.py`), any other registers the case needs, and
`expected.txt`: a description, which commands must refuse it, and the exact
`error:` lines. A refused file is refused by `validate`, `list` and a writing
command alike — one line naming the file, exit 1, nothing written, never a
traceback. A readable file with a bad cell is reported by `validate` with its
row and column, and kept as it is when the register is rewritten.
"""

from __future__ import annotations

import importlib.util

import pytest

from .clitools import REPO, assert_clean_failure, assert_no_traceback, digest, empty_workspace, run

CORPUS = REPO / "tests" / "corpus" / "hostile"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.txt").is_file())


def _make():
    spec = importlib.util.spec_from_file_location("hostile_make", CORPUS / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _make()


def load_case(case: str) -> tuple[dict[str, bytes], set[str], list[str]]:
    """(files to put in the workspace, commands that must show the lines, the exact error lines)."""
    folder = CORPUS / case
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "expected.txt"}
    if case in MAKE.GENERATED:
        name, make = MAKE.GENERATED[case]
        files[name] = make()
    lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    scope = next(line for line in lines if line.startswith(("# refused by:", "# reported by:")))
    commands = set(scope.split(":", 1)[1].split())
    return (
        files,
        commands | {scope.split()[1]},
        [line for line in lines if not line.startswith("#")],
    )


def test_every_case_is_complete():
    assert len(CASES) >= 20
    committed = set(MAKE.COMMITTED)
    for case in CASES:
        files, _, lines = load_case(case)
        assert lines and all(line.startswith("error: ") for line in lines), case
        named = lines[0].removeprefix("error: ").split(" ")[0].rstrip(":")
        assert named in files, f"{case}: the message must name the file ({named})"
        if case in committed:  # the committed bytes are what make.py makes (bar zip timestamps)
            assert MAKE.COMMITTED[case][0] in files, case
    assert committed | set(MAKE.GENERATED) <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_hostile_file(case, tmp_path):
    files, commands, lines = load_case(case)
    target = lines[0].removeprefix("error: ").split(" ")[0].rstrip(":")
    register, ext = target.rsplit(".", 1)
    ws = empty_workspace(tmp_path / "ws", ext)
    for name, data in files.items():
        (ws / name).write_bytes(data)
    before = digest(ws)
    write = {
        "receivables": ["payment", "record", "R-000001", "--amount", "1"],
        "leads": ["lead", "add", "--company", "Corpus Co"],
    }[register]

    if "refused" in commands:
        for args in (["validate"], ["list", register], write):
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
    res = run(
        ["advance", "R-000002", "cancelled", "--reason", "corpus"], ws
    )  # rewrites the register
    assert res.code == 0, res.err
    rewritten = (ws / target).read_bytes().decode("utf-8-sig")
    original = files[target].decode("utf-8-sig")
    bad_row = original.splitlines()[int(lines[0].split(" row ")[1].split(",")[0]) - 1]
    assert bad_row in rewritten.splitlines(), "the reported cell was changed"
    assert run(["validate"], ws).err_lines == lines
