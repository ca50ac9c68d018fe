"""Call semantics of both APIs against scripted fake servers: what the kit's client vectors do not reach."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine
from typing import Callable

import pytest
from conftest import FakeServer, Handler, read_request

import netspawn
import netspawn.aio
from netspawn import (
    AbortedError,
    Canceller,
    ExitStatus,
    OutputLimitError,
    ProtocolViolationError,
    StdinClosedError,
    UsageError,
)

Start = Callable[[Handler], FakeServer]


def _reply(data: bytes) -> Handler:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(data)

    return handler


def _hang(seen: list[bytes]) -> Handler:
    """Read the request, then wait until the client closes the connection."""

    def handler(conn: socket.socket) -> None:
        seen.append(read_request(conn))
        while conn.recv(65536):
            pass
        seen.append(b"closed")

    return handler


def _pair(stream: str, data: bytes) -> bytes:
    return b"%d:%s,%d:%s," % (len(stream), stream.encode(), len(data), data)


def test_a_protocol_violation_names_the_code_and_shows_the_bytes(fake_server: Start) -> None:
    server = fake_server(_reply(b"6:stdout,2:hi,8:exitcode,2:x1,"))
    with pytest.raises(ProtocolViolationError) as error:
        netspawn.exec(server.address, ["prog"])
    assert (error.value.protocol_code, error.value.offset) == ("BAD_EXITCODE", 25)
    assert error.value.excerpt == ":stdout,2:hi,8:exitcode,»2:x1,"  # 24 bytes each side


def test_the_reply_counts_when_the_program_ignored_its_stdin(fake_server: Start) -> None:
    """The server replies and closes without reading 4 MiB of stdin: writes fail, the result stands."""

    def handler(conn: socket.socket) -> None:
        conn.recv(16)
        conn.sendall(_pair("stdout", b"early") + b"8:exitcode,1:0,")

    server = fake_server(handler)
    result = netspawn.exec(server.address, ["head", "-c1"], stdin=b"z" * (4 << 20), timeout=10)
    assert (result.stdout, result.exit_code) == (b"early", 0)


def test_max_output_at_its_edge_and_one_byte_over(fake_server: Start) -> None:
    reply = _pair("stdout", b"a" * 600) + _pair("stderr", b"b" * 400) + b"8:exitcode,1:0,"
    server = fake_server(_reply(reply))
    result = netspawn.exec(server.address, ["prog"], max_output=1000)
    assert (len(result.stdout), len(result.stderr)) == (600, 400)
    over = fake_server(_reply(reply))
    with pytest.raises(OutputLimitError) as error:
        netspawn.exec(over.address, ["prog"], max_output=999)
    assert error.value.limit == 999


def test_a_canceller_in_another_thread_cancels_exec(fake_server: Start) -> None:
    seen: list[bytes] = []
    server = fake_server(_hang(seen))
    canceller = Canceller()
    threading.Timer(0.2, canceller.cancel, args=("enough",)).start()
    with pytest.raises(AbortedError) as error:
        netspawn.exec(server.address, ["sleep", "100"], cancel=canceller)
    assert error.value.reason == "enough"
    server.close()
    assert seen == [b"1:2,5:sleep,3:100,0:,", b"closed"]


def test_a_cancelled_canceller_fails_the_next_call_at_once(fake_server: Start) -> None:
    seen: list[bytes] = []
    server = fake_server(_hang(seen))
    canceller = Canceller()
    canceller.cancel("before")
    with pytest.raises(AbortedError):
        netspawn.Client(server.address, cancel=canceller).exec(["true"])


def test_abort_from_another_thread_ends_a_blocked_read(fake_server: Start) -> None:
    seen: list[bytes] = []
    server = fake_server(_hang(seen))
    with netspawn.spawn(server.address, ["sleep", "100"], stdin=None) as child:
        threading.Timer(0.2, child.abort, args=("stop",)).start()
        with pytest.raises(AbortedError):
            child.stdout.read()
        with pytest.raises(AbortedError):
            child.wait()
        assert child.done


def test_a_canceller_in_a_signal_handler_cancels_the_blocked_call(fake_server: Start) -> None:
    import signal

    seen: list[bytes] = []
    server = fake_server(_hang(seen))
    canceller = Canceller()
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: canceller.cancel("SIGALRM"))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2, 0.01)  # again every 10 ms: some land while the lock is held
        with pytest.raises(AbortedError) as error:
            netspawn.exec(server.address, ["sleep", "100"], cancel=canceller)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert error.value.reason == "SIGALRM"


def test_abort_in_a_signal_handler_while_this_thread_holds_the_lock(fake_server: Start) -> None:
    import signal

    server = fake_server(_reply(_pair("stdout", b"x" * 65536) * 64 + b"8:exitcode,1:0,"))
    with netspawn.spawn(server.address, ["prog"], stdin=None) as child:
        previous = signal.signal(signal.SIGALRM, lambda signum, frame: child.abort("SIGALRM"))
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
            with pytest.raises(AbortedError):
                while True:
                    assert child.stdout.read(1), "the abort came before the end of the output"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def test_a_closed_stream_is_discarded_and_does_not_stall_the_other(fake_server: Start) -> None:
    noise = _pair("stderr", b"e" * 65536) * 32
    server = fake_server(_reply(noise + _pair("stdout", b"wanted") + b"8:exitcode,1:0,"))
    with netspawn.spawn(server.address, ["prog"], stdin=None, timeout=10) as child:
        child.stderr.close()
        assert child.stdout.read() == b"wanted"
        assert child.wait() == ExitStatus(exit_code=0, signal=None)


def test_stdin_writes_after_the_reply_raise_stdin_closed(fake_server: Start) -> None:
    def handler(conn: socket.socket) -> None:
        conn.recv(11)
        conn.sendall(b"8:exitcode,1:3,")

    server = fake_server(handler)
    with netspawn.spawn(server.address, ["cat"], timeout=10) as child:
        assert child.wait() == ExitStatus(exit_code=3, signal=None)
        with pytest.raises(StdinClosedError):
            child.stdin.write(b"late")
        child.stdin.close()  # no error: the reply is complete


def test_a_spawned_program_reads_lines_through_io_wrappers(fake_server: Start) -> None:
    import io

    server = fake_server(_reply(_pair("stdout", b"one\ntw") + _pair("stdout", b"o\n") + b"8:exitcode,1:0,"))
    with netspawn.spawn(server.address, ["prog"], stdin=None) as child:
        lines = list(io.TextIOWrapper(io.BufferedReader(child.stdout), encoding="utf-8"))
        assert lines == ["one\n", "two\n"]
        child.wait()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": 0}, "timeout must be more than 0"),
        ({"timeout": -1}, "timeout must be more than 0"),
        ({"timeout": float("nan")}, "timeout must be more than 0"),
        ({"timeout": "5"}, "timeout must be a number"),
        ({"timeout": True}, "timeout must be a number"),
        ({"max_output": -1}, "max_output must be"),
        ({"max_output": 1.5}, "max_output must be"),
        ({"stdin": 42}, "stdin must be None"),
        ({"cancel": object()}, "cancel must be a netspawn.Canceller"),
    ],
)
def test_bad_options_are_refused_before_connecting(kwargs: dict[str, object], message: str) -> None:
    nowhere = "unix:/nonexistent/netspawn.sock"
    # Deliberately ill-typed calls, as from untyped code.
    run: Callable[..., object] = netspawn.exec
    arun: Callable[..., Coroutine[object, object, object]] = netspawn.aio.exec
    start: Callable[..., object] = netspawn.spawn
    with pytest.raises(UsageError, match=message):
        run(nowhere, ["true"], **kwargs)
    with pytest.raises(UsageError, match=message):
        asyncio.run(arun(nowhere, ["true"], **kwargs))
    with pytest.raises(UsageError):
        netspawn.exec(nowhere, [])
    with pytest.raises(UsageError, match="spawn's stdin"):
        start(nowhere, ["cat"], stdin=b"data")


# --- asyncio ---


def test_async_protocol_violation_and_output_after_status(fake_server: Start) -> None:
    bad = fake_server(_reply(b"8:exitcode,1:0,8:exitcode,1:1,"))
    late = fake_server(_reply(b"8:exitcode,1:0," + _pair("stdout", b"late")))

    async def main() -> None:
        with pytest.raises(ProtocolViolationError) as error:
            await netspawn.aio.exec(bad.address, ["prog"])
        assert (error.value.protocol_code, error.value.offset) == ("DUPLICATE_STATUS", 15)
        result = await netspawn.aio.exec(late.address, ["prog"])
        assert (result.stdout, result.exit_code) == (b"late", 0)

    asyncio.run(main())


def test_async_reply_counts_when_the_program_ignored_its_stdin(fake_server: Start) -> None:
    def handler(conn: socket.socket) -> None:
        conn.recv(16)
        conn.sendall(_pair("stdout", b"early") + b"8:exitcode,1:0,")

    server = fake_server(handler)

    async def chunks() -> object:
        for _ in range(64):
            yield b"z" * 65536

    result = asyncio.run(netspawn.aio.exec(server.address, ["head"], stdin=chunks(), timeout=10))
    assert (result.stdout, result.exit_code) == (b"early", 0)


def test_async_cancelling_the_task_closes_the_connection(fake_server: Start) -> None:
    seen: list[bytes] = []
    server = fake_server(_hang(seen))

    async def main() -> None:
        task = asyncio.ensure_future(netspawn.aio.exec(server.address, ["sleep", "100"]))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    server.close()
    assert seen == [b"1:2,5:sleep,3:100,0:,", b"closed"]


def test_async_canceller_from_another_thread(fake_server: Start) -> None:
    seen: list[bytes] = []
    server = fake_server(_hang(seen))
    canceller = Canceller()
    threading.Timer(0.2, canceller.cancel, args=("from a thread",)).start()
    started = time.monotonic()
    with pytest.raises(AbortedError) as error:
        asyncio.run(netspawn.aio.exec(server.address, ["sleep", "100"], cancel=canceller))
    assert error.value.reason == "from a thread" and time.monotonic() - started < 5


def test_async_stdin_closed_and_discarded_stream(fake_server: Start) -> None:
    def handler(conn: socket.socket) -> None:
        conn.recv(11)
        conn.sendall(_pair("stderr", b"e" * 65536) * 8 + _pair("stdout", b"x") + b"8:exitcode,1:3,")

    server = fake_server(handler)

    async def main() -> None:
        async with await netspawn.aio.spawn(server.address, ["cat"], timeout=10) as child:
            child.stderr.close()
            assert [chunk async for chunk in child.stdout] == [b"x"]
            assert await child.wait() == ExitStatus(exit_code=3, signal=None)
            with pytest.raises(StdinClosedError):
                await child.stdin.write(b"late")

    asyncio.run(main())
