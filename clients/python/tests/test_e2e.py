"""The blocking client end to end against netspawn's server (started by clients/python/python_test.ts)."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from typing import Callable

import pytest
from waits import gone, rss, stalled, written

import netspawn
from netspawn import AbortedError, Child, ConnectError, ExitStatus, OutputLimitError, SpawnError, TimeoutExpired

_ALL_BYTES = bytes(range(256))


def test_exec_output_exit_codes_signals(address: str) -> None:
    assert netspawn.exec(address, ["echo", "hello"]) == netspawn.ExecResult(b"hello\n", b"", 0, None)
    mixed = netspawn.exec(address, ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (mixed.stdout, mixed.stderr, mixed.exit_code, mixed.signal) == (b"out\n", b"err\n", 3, None)
    assert netspawn.exec(address, ["sh", "-c", "exit 255"]).exit_code == 255
    for name in ("TERM", "KILL", "HUP", "SEGV"):
        killed = netspawn.exec(address, ["sh", "-c", f"kill -{name} $$"])
        assert (killed.exit_code, killed.signal) == (None, name)


def test_binary_data_both_ways_and_arguments_byte_for_byte(address: str) -> None:
    assert netspawn.exec(address, ["cat"], stdin=_ALL_BYTES * 3).stdout == _ALL_BYTES * 3
    arg = _ALL_BYTES[1:]  # everything but NUL, not valid UTF-8
    printed = netspawn.exec(address, ["printf", "%s", arg])
    assert printed.stdout == arg
    shell_words = netspawn.exec(address, ["printf", "[%s]", "", "$(id)", "*", "é ✓"])
    assert shell_words.stdout == "[][$(id)][*][é ✓]".encode()


def test_stdin_sources(address: str) -> None:
    assert netspawn.exec(address, ["cat"], stdin="héllo").stdout == "héllo".encode()
    assert netspawn.exec(address, ["cat"], stdin=[b"a", "b", b"", bytearray(b"c")]).stdout == b"abc"
    assert netspawn.exec(address, ["wc", "-c"], stdin="").stdout.strip() == b"0"
    with tempfile.TemporaryFile() as file:
        file.write(b"x" * 300_000)
        file.seek(0)
        assert netspawn.exec(address, ["wc", "-c"], stdin=file).stdout.strip() == b"300000"


def test_spawn_failures_are_spawn_errors(address: str) -> None:
    with pytest.raises(SpawnError) as missing:
        netspawn.exec(address, ["/nonexistent/cmd"])
    assert (missing.value.exit_code, str(missing.value)) == (
        127,
        "netspawn: cannot run /nonexistent/cmd: program not found",
    )
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "not-executable")
        with open(path, "w") as file:
            file.write("#!/bin/sh\n")
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        with pytest.raises(SpawnError) as denied:
            netspawn.exec(address, [path])
        assert denied.value.exit_code == 126
        assert str(denied.value).startswith(f"netspawn: cannot run {path}: ")
    with netspawn.spawn(address, ["/nonexistent/cmd"], stdin=None) as child:
        assert child.stderr.read() == b"netspawn: cannot run /nonexistent/cmd: program not found\n"
        with pytest.raises(SpawnError):
            child.wait()


def test_connect_failed_when_nothing_listens() -> None:
    with tempfile.TemporaryDirectory() as directory:
        with pytest.raises(ConnectError) as error:
            netspawn.exec(os.path.join(directory, "nobody.sock"), ["true"])
        assert error.value.system_code == "ENOENT"


def _started(address: str, script: str, **options: object) -> tuple[Child, int]:
    """Spawn ``sh -c`` printing its pid first; the child and the pid."""
    start: Callable[..., Child] = netspawn.spawn  # options from the caller, checked by spawn
    child = start(address, ["sh", "-c", f"echo $$; {script}"], **options)
    line = b""
    while not line.endswith(b"\n"):
        data = child.stdout.read(1)
        assert data, "the remote program printed its pid"
        line += data
    pid = int(line)
    assert os.path.exists(f"/proc/{pid}")
    return child, pid


_TICKING = "while :; do echo tick; sleep 0.1; done"


def test_timeout_kills_the_remote_program(address: str) -> None:
    child, pid = _started(address, _TICKING, timeout=1)
    with child, pytest.raises(TimeoutExpired):
        for _ in child.stdout.chunks():
            pass
    gone(pid, 10)


def test_abort_and_leaving_the_with_block_kill_the_remote_program(address: str) -> None:
    child, pid = _started(address, "exec sleep 60")
    child.abort("cancelled by test")
    with pytest.raises(AbortedError) as error:
        child.wait()
    assert error.value.reason == "cancelled by test"
    gone(pid, 10)
    child, pid = _started(address, _TICKING)
    with child:
        pass
    gone(pid, 10)


def test_output_limit_kills_the_remote_program(address: str) -> None:
    child, pid = _started(address, "exec yes", max_output=1 << 20)
    with child, pytest.raises(OutputLimitError):
        for _ in child.stdout.chunks():
            pass
    gone(pid, 10)


def test_two_threads_read_stdout_and_stderr(address: str) -> None:
    script = "head -c 3000000 /dev/zero | tr '\\0' o; head -c 2000000 /dev/zero | tr '\\0' e >&2"
    with netspawn.spawn(address, ["sh", "-c", script], stdin=None, timeout=60) as child:
        got: dict[str, int] = {}

        def drain(name: str, stream: netspawn.ChildOutput) -> None:
            got[name] = sum(len(c) for c in stream.chunks())

        threads = [threading.Thread(target=drain, args=("err", child.stderr))]
        threads[0].start()
        drain("out", child.stdout)
        threads[0].join(30)
        assert child.wait() == ExitStatus(0, None)
    assert got == {"out": 3_000_000, "err": 2_000_000}


def test_100_mb_each_way_through_cat_with_bounded_memory(unix_address: str) -> None:
    total = 100 * 1024 * 1024
    piece = bytes((i * 7) % 256 for i in range(256 * 1024))
    baseline = peak = rss()
    received = 0
    intact = True
    with netspawn.spawn(unix_address, ["cat"], timeout=120) as child:

        def feed() -> None:
            for _ in range(total // len(piece)):
                child.stdin.write(piece)
            child.stdin.close()

        writer = threading.Thread(target=feed)
        writer.start()
        for chunk in child.stdout.chunks():
            first, last = piece[received % len(piece)], piece[(received + len(chunk) - 1) % len(piece)]
            intact = intact and chunk[0] == first and chunk[-1] == last
            received += len(chunk)
            peak = max(peak, rss())
        writer.join(60)
        assert child.wait() == ExitStatus(0, None)
    assert received == total and intact
    assert peak - baseline < 32 * 1024 * 1024, f"RSS grew by {(peak - baseline) / 1048576:.1f} MiB"


def test_a_reader_that_pauses_stalls_the_program_and_loses_nothing(unix_address: str) -> None:
    total = 100 * 1024 * 1024
    child, pid = _started(unix_address, f"exec head -c {total} /dev/zero", stdin=None, timeout=120)
    with child:
        stalled_at = stalled(lambda: written(pid), 0.3, 20)
        assert 0 < stalled_at < 16 * 1024 * 1024, f"the program wrote {stalled_at} bytes with nobody reading"
        baseline = rss()
        received = sum(len(chunk) for chunk in _counted(child.stdout.chunks(), baseline))
        assert received == total
        assert child.wait() == ExitStatus(0, None)


def _counted(chunks: Iterator[bytes], baseline: int) -> Iterator[bytes]:
    for i, chunk in enumerate(chunks):
        if i % 64 == 0:
            assert rss() - baseline < 32 * 1024 * 1024
        yield chunk
