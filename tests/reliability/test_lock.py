"""The workspace lock, and registers open in Excel, WPS or LibreOffice."""

from __future__ import annotations

import errno
import signal
import threading
import time

import pytest

from salesops.errors import EXIT_BUSY, FileOpenElsewhere, StorageError, WorkspaceBusy
from salesops.storage import commit as tx
from salesops.storage.lock import check_not_open, holds_lock, open_elsewhere, workspace_lock

from .conftest import (
    HISTORY,
    FaultyFS,
    assert_no_leftovers,
    generation_of,
    make_generation,
    ops_for,
    spawn,
    tell,
    use_fs,
    wait_for_line,
)

# ---------------------------------------------------------------- the lock


@pytest.fixture
def holder(tmp_path):
    """Another process holding the workspace lock (killed at the end)."""
    proc = spawn("hold", str(tmp_path))
    wait_for_line(proc, "locked")
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def test_a_second_writer_with_wait_0_gets_exit_75_and_a_clear_message(tmp_path, holder):
    with pytest.raises(WorkspaceBusy) as info:
        with workspace_lock(tmp_path, wait=0):
            pass
    assert info.value.exit_code == EXIT_BUSY == 75
    assert info.value.lines() == [
        f"workspace {tmp_path} is busy: another salesops command is writing (waited 0s); "
        "try again or pass --wait SECONDS"
    ]
    other = spawn("try-lock", str(tmp_path), "0")  # the same from another process
    out, _ = other.communicate(timeout=30)
    assert out.splitlines()[0].startswith("busy 75 ")


def test_a_writer_waits_as_long_as_asked(tmp_path, holder):
    started = time.monotonic()
    with pytest.raises(WorkspaceBusy, match=r"\(waited 0\.4s\)"):
        with workspace_lock(tmp_path, wait=0.4):
            pass
    assert 0.4 <= time.monotonic() - started < 10  # (the upper bound only: not for ever)


def test_a_waiting_writer_gets_the_lock_as_soon_as_the_holder_is_done(tmp_path, holder):
    waiter = spawn("try-lock", str(tmp_path), "20")
    time.sleep(0.5)  # the waiter is polling by now
    tell(holder)
    assert holder.stdout.readline().strip() == "released"
    released = time.monotonic()
    out, _ = waiter.communicate(timeout=30)
    assert out.strip() == "locked"
    assert time.monotonic() - released < 10  # long before its 20 s were up, on a loaded machine too


def test_a_lock_left_by_a_killed_process_never_blocks(tmp_path, holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    with workspace_lock(tmp_path, wait=0):
        assert holds_lock(tmp_path)
    assert time.monotonic() - started < 10  # at once, not after a lock timeout
    assert not holds_lock(tmp_path)


def test_the_lock_nests_in_one_thread_and_excludes_other_threads(tmp_path):
    make_generation(tmp_path, 1)
    outcome = []

    def other_thread():
        try:
            with workspace_lock(tmp_path, wait=0):
                outcome.append("locked")
        except WorkspaceBusy:
            outcome.append("busy")

    with workspace_lock(tmp_path):
        with workspace_lock(tmp_path, wait=0):  # nested: no deadlock, no wait
            tx.commit(tmp_path, ops_for(2))  # commit inside takes it nested too
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert outcome == ["busy"]
    assert generation_of(tmp_path) == 2


def test_concurrent_writers_lose_no_update(tmp_path):
    """4 processes x 25 read-increment-commit cycles on one counter, started together: exactly 100."""
    workers = [spawn("increment", str(tmp_path), "25") for _ in range(4)]
    for w in workers:
        wait_for_line(w, "ready")
    for w in workers:
        tell(w)
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    assert (tmp_path / "counter.txt").read_text() == "100"
    lines = (tmp_path / HISTORY).read_text().splitlines()
    assert lines[0] == "value,pid"
    assert sorted(int(line.split(",")[0]) for line in lines[1:]) == list(range(1, 101))
    pids = [line.split(",")[1] for line in lines[1:]]
    assert len(set(pids)) == 4  # all four really wrote
    switches = sum(a != b for a, b in zip(pids, pids[1:], strict=False))
    print(f"concurrent writers: the lock changed hands {switches} times in 100 commits")
    assert switches >= 10, "the writers hardly overlapped: the test proves little"
    assert_no_leftovers(tmp_path)


def test_the_bare_lock_knows_nothing_of_commits():
    """lock.py is the lower layer: commit.py builds on it, never the other way round."""
    import ast
    import inspect

    from salesops.storage import lock

    tree = ast.parse(inspect.getsource(lock))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in imported if m.startswith("salesops.storage")}, imported


def test_taking_the_lock_finishes_an_interrupted_commit(tmp_path, monkeypatch):
    make_generation(tmp_path, 1)
    with monkeypatch.context() as mp:
        use_fs(mp, FaultyFS(2, errno.EIO, persistent=True, kinds={"replace"}))
        with pytest.raises(StorageError):
            tx.commit(tmp_path, ops_for(2))
    with tx.locked(tmp_path, wait=0) as note:
        assert (
            note
            == "finished an interrupted commit (leads.xlsx, contracts.xlsx, receivables.csv, history.csv)"
        )
        assert generation_of(tmp_path) == 2
    assert_no_leftovers(tmp_path)


def test_a_reader_never_undoes_a_live_writers_staging(tmp_path, holder):
    staging = tmp_path / tx.META_DIR / "tx-5ca1ab1e0000"
    staging.mkdir(parents=True)
    (staging / "leads.xlsx").write_bytes(b"being written right now")
    assert tx.recover(tmp_path) is None  # the lock is busy: leave it to the writer
    assert (staging / "leads.xlsx").exists()


# ---------------------------------------------------------------- open elsewhere


def excel_owner_file(user: str, codepage: str = "cp1252") -> bytes:
    """The 165-byte owner file Excel (and WPS) writes as ~$name.xlsx."""
    ansi = user.encode(codepage)
    data = bytes([len(user)]) + ansi
    data += b" " * (55 - len(data))
    data += bytes([len(user), 0]) + user.encode("utf-16-le")
    while len(data) < 165:
        data += b" \x00"
    return data[:165]


def word_owner_file(user: str) -> bytes:
    """The 162-byte layout (Word's): zero padding, UTF-16 copy at offset 54."""
    data = bytes([len(user)]) + user.encode("cp1252")
    data += b"\x00" * (54 - len(data))
    data += bytes([len(user), 0]) + user.encode("utf-16-le")
    return data + b"\x00" * (162 - len(data))


def test_excel_owner_file_names_the_user(tmp_path):
    (tmp_path / "~$leads.xlsx").write_bytes(excel_owner_file("Zhang San"))
    assert open_elsewhere(tmp_path, "leads.xlsx") == (
        "leads.xlsx is open in Excel/WPS (by Zhang San); close it and try again "
        "(if nobody has it open, delete ~$leads.xlsx)"
    )
    assert open_elsewhere(tmp_path, "contracts.xlsx") is None


def test_a_chinese_user_name_is_read_from_the_utf16_copy(tmp_path):
    (tmp_path / "~$receivables.xlsx").write_bytes(excel_owner_file("张三", "gbk"))
    assert "(by 张三)" in open_elsewhere(tmp_path, "receivables.xlsx")


def test_the_word_layout_and_the_8bit_name_alone_are_read_too(tmp_path):
    (tmp_path / "~$leads.xlsx").write_bytes(word_owner_file("li.si"))
    assert "(by li.si)" in open_elsewhere(tmp_path, "leads.xlsx")
    (tmp_path / "~$leads.xlsx").write_bytes(bytes([5]) + b"wangw")  # truncated: no UTF-16 copy
    assert "(by wangw)" in open_elsewhere(tmp_path, "leads.xlsx")


def test_an_unreadable_owner_file_still_refuses_without_a_name(tmp_path):
    (tmp_path / "~$leads.xlsx").write_bytes(b"")
    assert open_elsewhere(tmp_path, "leads.xlsx").startswith(
        "leads.xlsx is open in Excel/WPS; close it"
    )


def test_libreoffice_lock_file_names_user_and_host(tmp_path):
    (tmp_path / ".~lock.history.csv#").write_text(
        "Zhang San,zhangsan,PC-01,27.11.2026 10:00,file:///home/zhangsan/.config/libreoffice/4;",
        encoding="utf-8",
    )
    assert open_elsewhere(tmp_path, "history.csv") == (
        "history.csv is open in LibreOffice (by Zhang San, zhangsan@PC-01); close it and try again "
        "(if nobody has it open, delete .~lock.history.csv#)"
    )


def test_check_not_open_names_every_open_file(tmp_path):
    (tmp_path / "~$leads.xlsx").write_bytes(excel_owner_file("Zhang San"))
    (tmp_path / ".~lock.quotes.xlsx#").write_text(",lisi,MAC-02,,;")
    check_not_open(tmp_path, ["contracts.xlsx"])
    with pytest.raises(FileOpenElsewhere) as info:
        check_not_open(tmp_path, ["leads.xlsx", "contracts.xlsx", "quotes.xlsx"])
    assert [line.split(";")[0] for line in info.value.lines()] == [
        "leads.xlsx is open in Excel/WPS (by Zhang San)",
        "quotes.xlsx is open in LibreOffice (by lisi@MAC-02)",
    ]
