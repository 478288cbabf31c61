"""The commit path: all files change or none, whatever fails and whenever the process dies."""

from __future__ import annotations

import datetime as dt
import errno
import os
import random
import signal
import stat
from collections import Counter

import pytest

from salesops.errors import FileOpenElsewhere, StorageError
from salesops.storage import commit as tx
from salesops.storage import journal as journal_file

from .conftest import (
    FILES,
    HISTORY,
    HISTORY_HEADER,
    FaultyFS,
    assert_no_leftovers,
    content,
    generation_of,
    kill_at_random,
    make_generation,
    ops_for,
    spawn,
    use_fs,
    wait_for_line,
)

# ---------------------------------------------------------------- plain commits


def test_commit_lands_every_replace_and_the_history_append(tmp_path):
    make_generation(tmp_path, 1)
    tx.commit(tmp_path, ops_for(2))
    assert generation_of(tmp_path) == 2
    assert_no_leftovers(tmp_path)
    assert tx.recover(tmp_path) is None


def test_append_writes_the_header_only_when_it_creates_the_file(tmp_path):
    tx.commit(tmp_path, [tx.Append(HISTORY, b"1\r\n", HISTORY_HEADER)])
    tx.commit(tmp_path, [tx.Append(HISTORY, b"2\r\n", HISTORY_HEADER)])
    assert (tmp_path / HISTORY).read_bytes() == HISTORY_HEADER + b"1\r\n2\r\n"


def test_append_starts_a_new_line_when_the_file_lacks_a_final_line_break(tmp_path):
    (tmp_path / HISTORY).write_bytes(b"generation\r\n1")  # saved by hand without a final newline
    tx.commit(tmp_path, [tx.Append(HISTORY, b"2\r\n", HISTORY_HEADER)])
    assert (tmp_path / HISTORY).read_bytes() == b"generation\r\n1\r\n2\r\n"


def test_a_new_version_keeps_the_register_permissions(tmp_path):
    make_generation(tmp_path, 1)
    os.chmod(tmp_path / "leads.xlsx", 0o640)
    tx.commit(tmp_path, ops_for(2))
    assert stat.S_IMODE(os.stat(tmp_path / "leads.xlsx").st_mode) == 0o640


def test_targets_must_be_plain_distinct_file_names(tmp_path):
    for bad in ("", "..", "sub/leads.xlsx", ".salesops"):
        with pytest.raises(ValueError):
            tx.commit(tmp_path, [tx.Append(bad, b"x")])
    with pytest.raises(ValueError, match="twice"):
        tx.commit(tmp_path, [tx.Append(HISTORY, b"x"), tx.Append(HISTORY, b"y")])


# ---------------------------------------------------------------- refusals before the commit point


def test_a_failing_writer_changes_nothing_and_its_error_propagates(tmp_path):
    make_generation(tmp_path, 1)

    def broken(path):
        path.write_bytes(b"half a file")
        raise ValueError("bug in a writer")

    ops = ops_for(2)
    ops[1] = tx.Replace(ops[1].name, broken)
    with pytest.raises(ValueError, match="bug in a writer"):
        tx.commit(tmp_path, ops)
    assert generation_of(tmp_path) == 1
    assert_no_leftovers(tmp_path)


def test_disk_full_while_staging_is_one_clear_line(tmp_path):
    make_generation(tmp_path, 1)

    def full(path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    ops = ops_for(2)
    ops[1] = tx.Replace("contracts.xlsx", full)
    with pytest.raises(StorageError) as info:
        tx.commit(tmp_path, ops)
    assert info.value.lines() == ["cannot write contracts.xlsx: No space left on device"]
    assert generation_of(tmp_path) == 1
    assert_no_leftovers(tmp_path)


def test_a_register_open_in_excel_is_refused_before_anything_is_written(tmp_path):
    make_generation(tmp_path, 1)
    (tmp_path / "~$contracts.xlsx").write_bytes(b"")
    calls = FaultyFS(0)
    with pytest.MonkeyPatch.context() as mp:
        use_fs(mp, calls)
        with pytest.raises(FileOpenElsewhere, match=r"^contracts\.xlsx is open in Excel/WPS"):
            tx.commit(tmp_path, ops_for(2))
    assert calls.log == []  # not one file touched
    (tmp_path / "~$contracts.xlsx").unlink()
    assert generation_of(tmp_path) == 1
    assert_no_leftovers(tmp_path)


# ---------------------------------------------------------------- fault injection


def _reference_run(tmp_path, monkeypatch):
    """Count the calls of a clean 3-file + history commit; return (total, commit point index, log)."""
    ws = tmp_path / "reference"
    make_generation(ws, 1)
    ref = FaultyFS(0)
    use_fs(monkeypatch, ref)
    tx.commit(ws, ops_for(2))
    point = [kind for kind, _ in ref.log].index("rename") + 1
    return ref.count, point, ref.log


@pytest.mark.parametrize("persistent", [False, True], ids=["once", "persistent"])
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES], ids=["ENOSPC", "EACCES"])
def test_failing_the_kth_filesystem_call_for_every_k(tmp_path, monkeypatch, err, persistent):
    """Every k: the targets stay wholly old (fault up to the journal rename) or end wholly new."""
    total, point, log = _reference_run(tmp_path, monkeypatch)
    kinds = {kind for kind, _ in log}
    assert {"write", "fsync", "fsync_dir", "replace", "rename", "truncate", "unlink"} <= kinds
    for k in range(1, total + 1):
        ws = tmp_path / f"k{k}"
        make_generation(ws, 1)
        fs = FaultyFS(k, err, persistent=persistent)
        use_fs(monkeypatch, fs)
        try:
            tx.commit(ws, ops_for(2))
            raised = None
        except StorageError as exc:
            raised = exc
        where = f"k={k} ({log[k - 1][0]} {log[k - 1][1]})"
        assert fs.failed_at == k, where
        journal = (ws / tx.META_DIR / tx.JOURNAL).exists()
        if k <= point:
            assert raised is not None, where
            assert not journal, where
            assert generation_of(ws) == 1, where  # originals untouched, even before recovery
            if not persistent:
                assert_no_leftovers(ws)  # staging cleaned up at once
        elif raised is not None:
            assert journal, f"{where}: failed after the commit point but dropped the journal"
        if raised is not None:
            (line,) = raised.lines()
            assert "\n" not in line and os.strerror(err) in line, where
            assert any(
                name in line for name in (*FILES, HISTORY, tx.META_DIR, "workspace folder")
            ), line
        else:
            assert k > point, where  # only clean-up failures after the change is durable are silent

        use_fs(monkeypatch, FaultyFS(0))
        tx.recover(ws)
        assert generation_of(ws) == (1 if k <= point else 2), where
        assert_no_leftovers(ws)
        tx.commit(ws, ops_for(generation_of(ws) + 1))  # the next command works normally
        assert generation_of(ws) == (2 if k <= point else 3), where


@pytest.mark.parametrize("persistent", [False, True], ids=["once", "persistent"])
def test_failing_the_kth_call_while_recovering_for_every_k(tmp_path, monkeypatch, persistent):
    """An interrupted roll-forward can itself be interrupted, and still finishes later."""

    def crashed(ws):
        # The first file is replaced, then every further replace fails: a half-applied commit.
        make_generation(ws, 1)
        use_fs(monkeypatch, FaultyFS(2, errno.EIO, persistent=True, kinds={"replace"}))
        with pytest.raises(StorageError, match="do not repeat this command"):
            tx.commit(ws, ops_for(2))
        assert (ws / tx.META_DIR / tx.JOURNAL).exists()
        assert (ws / FILES[0]).read_bytes() == content(FILES[0], 2)
        assert (ws / FILES[1]).read_bytes() == content(FILES[1], 1)

    ref_ws = tmp_path / "reference"
    crashed(ref_ws)
    ref = FaultyFS(0)
    use_fs(monkeypatch, ref)
    assert tx.recover(ref_ws).startswith(
        "finished an interrupted commit (leads.xlsx, contracts.xlsx"
    )
    assert generation_of(ref_ws) == 2
    for k in range(1, ref.count + 1):
        ws = tmp_path / f"k{k}"
        crashed(ws)
        use_fs(monkeypatch, FaultyFS(k, errno.ENOSPC, persistent=persistent))
        try:
            tx.recover(ws)
        except StorageError as exc:
            assert (ws / tx.META_DIR / tx.JOURNAL).exists(), f"k={k}: {exc}"
            assert exc.lines()[0].startswith("could not finish an interrupted commit"), exc.lines()
        use_fs(monkeypatch, FaultyFS(0))
        tx.recover(ws)
        assert generation_of(ws) == 2, f"k={k}"
        assert_no_leftovers(ws)
        assert tx.recover(ws) is None


def test_replace_refused_after_the_commit_point_names_the_program_and_is_finished_later(
    tmp_path, monkeypatch
):
    """Excel opens a register while the commit is staging: on Windows the replace is refused."""
    make_generation(tmp_path, 1)
    owner = tmp_path / "~$contracts.xlsx"
    ops = ops_for(2)
    inner = ops[0].write

    def write_then_excel_opens(path):
        inner(path)
        owner.write_bytes(
            bytes([9]) + b"Zhang San" + b" " * 45 + bytes([9, 0]) + "Zhang San".encode("utf-16-le")
        )

    ops[0] = tx.Replace(ops[0].name, write_then_excel_opens)

    real_replace = tx._RealFS.replace

    def windows_replace(self, src, dst):
        if owner.exists() and dst.name == "contracts.xlsx":
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        real_replace(self, src, dst)

    monkeypatch.setattr(tx._RealFS, "replace", windows_replace)
    monkeypatch.setattr(tx, "REPLACE_RETRY_DELAYS", (0.0, 0.0))
    with pytest.raises(FileOpenElsewhere) as info:
        tx.commit(tmp_path, ops)
    assert info.value.lines() == [
        "could not replace contracts.xlsx (Permission denied): it is open in Excel/WPS (by Zhang San); "
        "close it, then run any salesops command to finish this change (it is saved; do not repeat this command)"
    ]
    with pytest.raises(FileOpenElsewhere, match="could not finish an interrupted commit"):
        tx.recover(tmp_path)  # still open
    owner.unlink()
    assert tx.recover(tmp_path).startswith("finished an interrupted commit")
    assert generation_of(tmp_path) == 2
    assert_no_leftovers(tmp_path)


# ---------------------------------------------------------------- recovery from what a crash leaves


def _crash_after_commit_point(ws, monkeypatch, failing_replace=1):
    make_generation(ws, 1)
    with monkeypatch.context() as mp:
        use_fs(mp, FaultyFS(failing_replace, errno.EIO, persistent=True, kinds={"replace"}))
        with pytest.raises(StorageError):
            tx.commit(ws, ops_for(2))


def test_a_damaged_journal_is_reported_and_nothing_is_guessed(tmp_path, monkeypatch):
    _crash_after_commit_point(tmp_path, monkeypatch)
    journal = tmp_path / tx.META_DIR / tx.JOURNAL
    journal.write_bytes(journal.read_bytes()[:-40])
    with pytest.raises(StorageError, match=r"journal\.json\) is damaged"):
        tx.recover(tmp_path)
    assert generation_of(tmp_path) == 1 and journal.exists()


def test_a_journal_from_a_hostile_workspace_cannot_write_outside_it(tmp_path):
    ws = tmp_path / "ws"
    make_generation(ws, 1)
    meta = ws / tx.META_DIR
    (meta / "tx-0123456789ab").mkdir(parents=True)
    (meta / "evil").write_bytes(b"owned")  # staged path tx-…/../evil
    entry = {"op": "replace", "name": "../evil", "size": 5, "sha256": tx._sha(b"owned")}
    journal = {"version": tx.JOURNAL_VERSION, "tx": "0123456789ab", "ops": [entry]}
    (meta / tx.JOURNAL).write_bytes(journal_file.encode_journal(journal))  # with a valid checksum
    with pytest.raises(StorageError, match="is damaged"):
        tx.recover(ws)
    assert not (tmp_path / "evil").exists()


def test_a_half_written_journal_temp_file_is_rolled_back(tmp_path):
    make_generation(tmp_path, 1)
    meta = tmp_path / tx.META_DIR
    (meta / "tx-0123456789ab").mkdir(parents=True)
    (meta / "tx-0123456789ab" / "leads.xlsx").write_bytes(content("leads.xlsx", 2))
    (meta / "journal-0123456789ab.tmp").write_bytes(b'{"journal": {"ops": [{"name": "lea')
    assert tx.recover(tmp_path) == "removed the staged files of an interrupted commit"
    assert generation_of(tmp_path) == 1
    assert_no_leftovers(tmp_path)


def test_roll_forward_is_idempotent_and_completes_a_torn_append(tmp_path, monkeypatch):
    make_generation(tmp_path, 1)
    history = tmp_path / HISTORY
    # Writes: 3 staged files, the staged history lines, the journal, then the
    # append itself: the 6th write fills the disk half-way through.
    with monkeypatch.context() as mp:
        use_fs(mp, FaultyFS(6, errno.ENOSPC, persistent=True, kinds={"write"}))
        with pytest.raises(StorageError, match=r"could not finish writing history\.csv"):
            tx.commit(tmp_path, ops_for(2))
    assert history.read_bytes().endswith(b"1\r\n2")  # torn
    assert tx.recover(tmp_path).startswith("finished an interrupted commit")
    assert tx.recover(tmp_path) is None
    assert generation_of(tmp_path) == 2
    assert history.read_bytes().count(b"2\r\n") == 1


def test_history_edited_between_crash_and_recovery_keeps_the_users_lines(tmp_path, monkeypatch):
    _crash_after_commit_point(tmp_path, monkeypatch)
    history = tmp_path / HISTORY
    history.write_bytes(history.read_bytes() + b"typed by hand\r\n")
    note = tx.recover(tmp_path)
    assert "history.csv changed after the interrupted commit" in note
    assert history.read_bytes().endswith(b"1\r\ntyped by hand\r\n2\r\n")


# ---------------------------------------------------------------- a file changed after the crash


def _kept(ws):
    return sorted(p.name for p in ws.iterdir() if ".unfinished-" in p.name)


def test_a_register_edited_after_a_crash_is_never_overwritten_both_versions_are_kept(
    tmp_path, monkeypatch
):
    """Issue 10 §3: killed after the commit point, then a person saves leads.xlsx in Excel."""
    _crash_after_commit_point(tmp_path, monkeypatch)  # no replace has happened
    edited = b"leads typed in Excel after the crash\n"
    (tmp_path / "leads.xlsx").write_bytes(edited)
    journal = journal_file.load_journal(tmp_path / tx.META_DIR / tx.JOURNAL)
    stamp = dt.datetime.fromisoformat(journal["at"])
    with pytest.raises(tx.ChangedMeanwhile) as info:
        tx.recover(tmp_path)
    kept = f"leads.unfinished-{stamp:%Y%m%d-%H%M%S}.xlsx"
    assert info.value.lines() == [
        f"leads.xlsx was changed after a salesops command saving it was interrupted ({stamp:%Y-%m-%d %H:%M}); "
        f"salesops did not overwrite it: the command's version is kept as {kept}",
        "open both, keep the one you want under the register's name (copy your edits across if you "
        "need both), delete the other, then run salesops validate; the command's other changes "
        "and its history.csv rows are saved",
    ]
    assert info.value.exit_code == 1
    assert (tmp_path / "leads.xlsx").read_bytes() == edited  # the person's edit
    assert (tmp_path / kept).read_bytes() == content("leads.xlsx", 2)  # the command's version
    for name in FILES[1:]:  # untouched since: finished as the commit point promised
        assert (tmp_path / name).read_bytes() == content(name, 2)
    assert (tmp_path / HISTORY).read_bytes().endswith(b"1\r\n2\r\n")
    assert not (tmp_path / tx.META_DIR / tx.JOURNAL).exists()
    assert tx.recover(tmp_path) is None  # said once; the decision is the user's now
    assert _kept(tmp_path) == [kept]


def test_a_register_deleted_or_replaced_by_a_link_after_a_crash_is_left_alone(
    tmp_path, monkeypatch
):
    _crash_after_commit_point(tmp_path, monkeypatch)
    (tmp_path / "leads.xlsx").unlink()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_bytes(b"not ours\n")
    (tmp_path / "contracts.xlsx").unlink()
    (tmp_path / "contracts.xlsx").symlink_to(outside)
    with pytest.raises(tx.ChangedMeanwhile) as info:
        tx.recover(tmp_path)
    assert [line.split(" was changed")[0] for line in info.value.lines()[:-1]] == [
        "leads.xlsx",
        "contracts.xlsx",
    ]
    assert not (tmp_path / "leads.xlsx").exists()
    assert (tmp_path / "contracts.xlsx").is_symlink() and outside.read_bytes() == b"not ours\n"
    assert len(_kept(tmp_path)) == 2
    assert (tmp_path / "receivables.csv").read_bytes() == content("receivables.csv", 2)


def test_a_register_only_touched_after_a_crash_is_finished_as_usual(tmp_path, monkeypatch):
    _crash_after_commit_point(tmp_path, monkeypatch)
    target = tmp_path / "leads.xlsx"
    os.utime(target, ns=(1, 1))  # a sync client or backup tool touched it: same bytes
    assert tx.recover(tmp_path).startswith("finished an interrupted commit")
    assert generation_of(tmp_path) == 2 and _kept(tmp_path) == []


def test_a_register_saved_by_another_program_during_a_live_commit_is_kept_too(tmp_path):
    """No crash: a program without a lock marker saves leads.xlsx while salesops stages."""
    make_generation(tmp_path, 1)
    ops = ops_for(2)
    inner = ops[1].write

    def stage_while_leads_is_saved(path):
        inner(path)
        (tmp_path / "leads.xlsx").write_bytes(b"saved by a script meanwhile\n")

    ops[1] = tx.Replace(ops[1].name, stage_while_leads_is_saved)
    with pytest.raises(tx.ChangedMeanwhile) as info:
        tx.commit(tmp_path, ops)
    assert info.value.lines()[0].startswith(
        "leads.xlsx was changed by another program while salesops was saving it; salesops did "
        "not overwrite it: the command's version is kept as leads.unfinished-"
    )
    assert (tmp_path / "leads.xlsx").read_bytes() == b"saved by a script meanwhile\n"
    assert (tmp_path / _kept(tmp_path)[0]).read_bytes() == content("leads.xlsx", 2)
    assert (tmp_path / "contracts.xlsx").read_bytes() == content("contracts.xlsx", 2)
    assert not os.listdir(tmp_path / tx.META_DIR) or os.listdir(tmp_path / tx.META_DIR) == ["lock"]


def test_a_journal_of_the_previous_version_is_still_finished(tmp_path, monkeypatch):
    """Version 1 journals (no record of the targets) roll forward unchecked, as they did."""
    _crash_after_commit_point(tmp_path, monkeypatch)
    path = tmp_path / tx.META_DIR / tx.JOURNAL
    journal = journal_file.load_journal(path)
    journal["version"] = 1
    del journal["at"]
    for entry in journal["ops"]:
        entry.pop("before", None)
    path.write_bytes(journal_file.encode_journal(journal))
    assert tx.recover(tmp_path).startswith("finished an interrupted commit")
    assert generation_of(tmp_path) == 2


def test_a_link_is_never_a_commit_target(tmp_path):
    make_generation(tmp_path, 1)
    outside = tmp_path.parent / f"{tmp_path.name}-history.csv"
    outside.write_bytes(HISTORY_HEADER)
    (tmp_path / HISTORY).unlink()
    (tmp_path / HISTORY).symlink_to(outside)
    with pytest.raises(StorageError, match=r"^history\.csv is a symbolic link \(to "):
        tx.commit(tmp_path, ops_for(2))
    assert outside.read_bytes() == HISTORY_HEADER
    (tmp_path / HISTORY).unlink()
    (tmp_path / HISTORY).write_bytes(HISTORY_HEADER + b"1\r\n")
    os.link(tmp_path / "leads.xlsx", tmp_path.parent / f"{tmp_path.name}-leads-backup.xlsx")
    with pytest.raises(StorageError, match=r"^leads\.xlsx is hard-linked"):
        tx.commit(tmp_path, ops_for(2))
    assert generation_of(tmp_path) == 1
    assert_no_leftovers(tmp_path)


def test_next_commit_finishes_the_interrupted_one_first(tmp_path, monkeypatch):
    _crash_after_commit_point(tmp_path, monkeypatch, failing_replace=2)
    tx.commit(tmp_path, ops_for(3))
    assert generation_of(tmp_path) == 3
    assert_no_leftovers(tmp_path)


# ---------------------------------------------------------------- kill -9


KILL_ITERATIONS = 60
KILL_MAX_DELAY = 0.15  # about three slowed commits


def test_kill_9_at_random_instants_leaves_every_file_wholly_one_generation(tmp_path):
    """A worker commits generation after generation; SIGKILL it at random, again and again.

    After each kill (every other one: the rest are left for the next worker's
    own recovery, which may itself be killed) recover() must leave every file
    exactly one generation, all the same, history listing 1..g once each, and
    no staging files.
    """
    ws = tmp_path / "ws"
    make_generation(ws, 0)
    seed = int(os.environ.get("SALESOPS_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    seen: Counter[str] = Counter()
    last = 0
    i = 0
    try:
        # At least KILL_ITERATIONS kills; on a loaded machine (workers commit less before
        # their kill) more, until the loop has proved something, up to four times as many.
        while i % 2 or i < KILL_ITERATIONS or (
            (last < 10 or not seen["rolled forward"]) and i < 4 * KILL_ITERATIONS
        ):
            i += 1
            proc = spawn("commit-loop", str(ws), "0.002")
            wait_for_line(proc, "ready")
            # Past the first round the kills come later (x2 per round): a loaded machine commits slowly.
            code = kill_at_random(proc, rng, KILL_MAX_DELAY * 2 ** ((i - 1) // KILL_ITERATIONS))
            assert code == -signal.SIGKILL, f"worker died by itself ({code})"
            if i % 2:  # left for the next worker's own recovery (the loop ends on an even kill)
                continue
            note = tx.recover(ws) or "nothing to do"
            seen["rolled forward" if note.startswith("finished") else note] += 1
            g = generation_of(ws)
            assert g >= last, f"went back from generation {last} to {g}"
            last = g
            assert_no_leftovers(ws)
    except AssertionError as exc:
        raise AssertionError(f"SALESOPS_KILL_SEED={seed} iteration {i}: {exc}") from exc
    print(f"kill -9 loop: {i} kills, reached generation {last}, recoveries {dict(seen)}")
    assert last >= 10, "the workers hardly ever committed: kills too early?"
    assert seen["rolled forward"] >= 1, f"no kill landed after a commit point: {dict(seen)}"
