"""The asyncio client end to end against netspawn's server (started by clients/python/python_test.ts)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Callable, TypeVar

import pytest
from waits import gone, rss, stalled, written

import netspawn.aio
from netspawn import AbortedError, ExecResult, ExitStatus, SpawnError, TimeoutExpired
from netspawn.aio import AsyncChild

T = TypeVar("T")


def _run(main: Callable[[], Awaitable[T]]) -> T:
    async def wrapped() -> T:
        return await main()

    return asyncio.run(wrapped())


async def _started(address: str, script: str, **options: object) -> tuple[AsyncChild, int]:
    """Spawn ``sh -c`` printing its pid first; the child and the pid."""
    start: Callable[..., Awaitable[AsyncChild]] = netspawn.aio.spawn
    child = await start(address, ["sh", "-c", f"echo $$; {script}"], **options)
    line = b""
    while not line.endswith(b"\n"):
        data = await child.stdout.read(1)
        assert data, "the remote program printed its pid"
        line += data
    return child, int(line)


def test_exec_output_exit_codes_signals_binary(address: str) -> None:
    async def main() -> None:
        assert await netspawn.aio.exec(address, ["echo", "hello"]) == ExecResult(b"hello\n", b"", 0, None)
        mixed = await netspawn.aio.exec(address, ["sh", "-c", "echo out; echo err >&2; exit 3"])
        assert (mixed.stdout, mixed.stderr, mixed.exit_code) == (b"out\n", b"err\n", 3)
        killed = await netspawn.aio.exec(address, ["sh", "-c", "kill -KILL $$"])
        assert (killed.exit_code, killed.signal) == (None, "KILL")
        data = bytes(range(256)) * 1000
        assert (await netspawn.aio.exec(address, ["cat"], stdin=data)).stdout == data
        arg = bytes(range(1, 256))
        assert (await netspawn.aio.exec(address, ["printf", "%s", arg])).stdout == arg
        results = await asyncio.gather(*(netspawn.aio.exec(address, ["echo", str(i)]) for i in range(20)))
        assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(20)]

    _run(main)


def test_spawn_failure_and_stdin_from_a_stream_reader(address: str) -> None:
    async def main() -> None:
        with pytest.raises(SpawnError) as error:
            await netspawn.aio.exec(address, ["/nonexistent/cmd"])
        assert error.value.exit_code == 127
        reader = asyncio.StreamReader()
        reader.feed_data(b"from a stream reader")
        reader.feed_eof()
        assert (await netspawn.aio.exec(address, ["cat"], stdin=reader)).stdout == b"from a stream reader"

    _run(main)


def test_timeout_abort_and_task_cancellation_kill_the_remote_program(address: str, tmp_path: Path) -> None:
    ticking = "while :; do echo tick; sleep 0.1; done"
    pidfile = tmp_path / "pid"

    async def main() -> None:
        child, pid = await _started(address, ticking, timeout=1)
        async with child:
            with pytest.raises(TimeoutExpired):
                async for _ in child.stdout:
                    pass
        gone(pid, 10)
        child, pid = await _started(address, "exec sleep 60")
        child.abort("stop")
        with pytest.raises(AbortedError):
            await child.wait()
        gone(pid, 10)
        script = f"echo $$ > {pidfile}.tmp && mv {pidfile}.tmp {pidfile}; {ticking}"
        task = asyncio.ensure_future(netspawn.aio.exec(address, ["sh", "-c", script]))
        deadline = time.monotonic() + 10
        while not pidfile.exists():
            assert time.monotonic() < deadline, "the remote program wrote its pid file"
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        gone(int(pidfile.read_text()), 10)

    _run(main)


def test_100_mb_each_way_through_cat_with_bounded_memory(unix_address: str) -> None:
    total = 100 * 1024 * 1024
    piece = bytes((i * 7) % 256 for i in range(256 * 1024))

    async def main() -> tuple[int, int]:
        baseline = peak = rss()
        received = 0
        async with await netspawn.aio.spawn(unix_address, ["cat"], timeout=120) as child:

            async def feed() -> None:
                for _ in range(total // len(piece)):
                    await child.stdin.write(piece)
                await child.stdin.close()

            feeding = asyncio.ensure_future(feed())
            async for chunk in child.stdout:
                assert chunk[0] == piece[received % len(piece)]
                received += len(chunk)
                peak = max(peak, rss())
            await feeding
            assert await child.wait() == ExitStatus(0, None)
        return received, peak - baseline

    received, growth = _run(main)
    assert received == total
    assert growth < 32 * 1024 * 1024, f"RSS grew by {growth / 1048576:.1f} MiB"


def test_a_reader_that_pauses_stalls_the_program_and_loses_nothing(unix_address: str) -> None:
    total = 100 * 1024 * 1024

    async def main() -> None:
        child, pid = await _started(unix_address, f"exec head -c {total} /dev/zero", stdin=None, timeout=120)
        async with child:
            stalled_at = await asyncio.get_running_loop().run_in_executor(None, stalled, lambda: written(pid), 0.3, 20)
            assert 0 < stalled_at < 16 * 1024 * 1024, f"the program wrote {stalled_at} bytes with nobody reading"
            baseline = rss()
            received = 0
            async for chunk in child.stdout:
                received += len(chunk)
                assert rss() - baseline < 32 * 1024 * 1024
            assert received == total
            assert await child.wait() == ExitStatus(0, None)

    _run(main)
