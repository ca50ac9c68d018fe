"""The asyncio client: :func:`exec`, :func:`spawn` and :class:`Client`, as in :mod:`netspawn`.

Cancelling the task that awaits :func:`exec` closes the connection, so the
server terminates the program; :class:`~netspawn.Canceller` and
:meth:`AsyncChild.abort` cancel with :class:`~netspawn.AbortedError`.

Example (with a server at ``/run/netspawn.sock``)::

    import asyncio, netspawn.aio

    async def main() -> None:
        result = await netspawn.aio.exec("unix:/run/netspawn.sock", ["echo", "hi"])
        assert result.stdout == b"hi\\n"

    asyncio.run(main())
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Literal

from ._async_call import PIPED, AsyncCall
from ._request import Arg
from ._settings import (
    DEFAULT,
    DEFAULT_EXEC_MAX_OUTPUT,
    NO_DEFAULTS,
    Default,
    Defaults,
    check_defaults,
    resolve_settings,
)
from ._stdin import check_source
from .address import Address, to_address
from .cancel import Canceller
from .client import AddressLike
from .errors import StdinClosedError, UsageError
from .result import ExecResult, ExitStatus

__all__ = ["AsyncChild", "AsyncChildOutput", "AsyncChildStdin", "Client", "exec", "spawn"]


class AsyncChildStdin:
    """The program's stdin: ``await write(data)`` returns once the connection took it; ``await close()`` ends it.

    Writes raise :class:`~netspawn.StdinClosedError` once the server stopped
    accepting stdin (the program ended without reading everything, or the call failed).
    """

    def __init__(self, call: AsyncCall, piped: bool) -> None:
        self._call = call
        self._closed = not piped

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called (or when spawned with ``stdin=None``)."""
        return self._closed

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send all of ``data`` (in pieces of 64 KiB).

        :raises StdinClosedError: when the server no longer accepts stdin.
        """
        if self._closed:
            raise ValueError("write to a closed stdin")
        if isinstance(data, str):
            raise UsageError("stdin.write() takes bytes; encode text first (e.g. text.encode())")
        chunk = bytes(data)
        if chunk:
            await self._call.write_stdin(chunk)

    async def close(self) -> None:
        """End the program's stdin (sends the end marker once)."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._call.end_stdin()
        except StdinClosedError:
            pass  # the reply is complete or the call failed: wait() tells


class AsyncChildOutput:
    """The program's stdout or stderr.

    ``await read(n)`` returns output as the server sends it and ``b""`` at the
    end of the reply; ``async for chunk in stream`` iterates it. Both raise the
    call's error when it failed. ``close()`` discards further output of this
    stream (the call goes on).
    """

    def __init__(self, call: AsyncCall, stream: str) -> None:
        self._call = call
        self._stream = stream
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    async def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes as soon as some are available; everything to the end for -1."""
        if self._closed:
            raise ValueError("read from a closed stream")
        if size < 0:
            return b"".join([chunk async for chunk in self])
        return await self._call.read(self._stream, size) if size else b""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            if self._closed:
                raise ValueError("read from a closed stream")
            data = await self._call.read(self._stream, -1)
            if not data:
                return
            yield data

    def close(self) -> None:
        """Stop reading this stream: its further output is discarded."""
        if not self._closed:
            self._closed = True
            self._call.discard(self._stream)


class AsyncChild:
    """A program running on a server (see :func:`spawn`); semantics as :class:`netspawn.Child`.

    Read both ``stdout`` and ``stderr`` (in two tasks, or close the one you do
    not want), or a program that fills one of them stalls. Use it as an async
    context manager: leaving the block ends the call, and a program still
    running is terminated.
    """

    def __init__(self, call: AsyncCall, piped: bool) -> None:
        self._call = call
        #: The program's stdin (already closed when spawned with ``stdin=None``).
        self.stdin = AsyncChildStdin(call, piped)
        #: The program's stdout.
        self.stdout = AsyncChildOutput(call, "stdout")
        #: The program's stderr.
        self.stderr = AsyncChildOutput(call, "stderr")

    @property
    def done(self) -> bool:
        """True once the reply is complete or the call failed."""
        return self._call.done

    async def wait(self) -> ExitStatus:
        """Wait until the reply is complete; how the program ended.

        :raises NetspawnError: why the call failed, including :class:`~netspawn.SpawnError`.
        """
        return await self._call.wait()

    def abort(self, reason: object = None) -> None:
        """Cancel the call: close the connection, so the server terminates the program."""
        self._call.abort(reason)

    def close(self) -> None:
        """End the call: a program still running is terminated; the connection is closed."""
        self._call.close()

    async def __aenter__(self) -> AsyncChild:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


async def exec(  # noqa: A001 - the protocol's verb, as in the other clients
    address: AddressLike,
    argv: Sequence[Arg],
    *,
    stdin: object = None,
    timeout: float | None | Default = DEFAULT,
    max_output: int | None | Default = DEFAULT,
    cancel: Canceller | None = None,
) -> ExecResult:
    """Run ``argv`` and collect its output; the options are those of :func:`netspawn.exec`.

    ``stdin`` may also be an async iterable of chunks or an object with a
    coroutine ``read(n)`` such as ``asyncio.StreamReader``.
    """
    return await _exec(address, argv, stdin, timeout, max_output, cancel, NO_DEFAULTS)


async def spawn(
    address: AddressLike,
    argv: Sequence[Arg],
    *,
    stdin: Literal["piped"] | None = "piped",
    timeout: float | None | Default = DEFAULT,
    max_output: int | None | Default = DEFAULT,
    cancel: Canceller | None = None,
) -> AsyncChild:
    """Connect, send argv, and stream; the options are those of :func:`netspawn.spawn`.

    :raises ConnectError: ``CONNECT_FAILED`` when the server cannot be reached.
    """
    return await _spawn(address, argv, stdin, timeout, max_output, cancel, NO_DEFAULTS)


class Client:
    """A client for one server, with defaults for every call; see :class:`netspawn.Client`."""

    def __init__(
        self,
        address: AddressLike,
        *,
        timeout: float | None | Default = DEFAULT,
        max_output: int | None | Default = DEFAULT,
        cancel: Canceller | None = None,
    ) -> None:
        #: The server's address.
        self.address: Address = to_address(address)
        self._defaults = check_defaults(timeout, max_output, cancel)

    async def exec(
        self,
        argv: Sequence[Arg],
        *,
        stdin: object = None,
        timeout: float | None | Default = DEFAULT,
        max_output: int | None | Default = DEFAULT,
        cancel: Canceller | None = None,
    ) -> ExecResult:
        """Run ``argv`` and collect its output; see :func:`exec`. The call's options win."""
        return await _exec(self.address, argv, stdin, timeout, max_output, cancel, self._defaults)

    async def spawn(
        self,
        argv: Sequence[Arg],
        *,
        stdin: Literal["piped"] | None = "piped",
        timeout: float | None | Default = DEFAULT,
        max_output: int | None | Default = DEFAULT,
        cancel: Canceller | None = None,
    ) -> AsyncChild:
        """Run ``argv``, streaming; see :func:`spawn`. The call's options win."""
        return await _spawn(self.address, argv, stdin, timeout, max_output, cancel, self._defaults)


async def _exec(
    address: AddressLike,
    argv: Sequence[Arg],
    stdin: object,
    timeout: object,
    max_output: object,
    cancel: object,
    defaults: Defaults,
) -> ExecResult:
    target = to_address(address)
    settings = resolve_settings(timeout, max_output, cancel, defaults, DEFAULT_EXEC_MAX_OUTPUT)
    check_source(stdin, asynchronous=True)
    output: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    call = AsyncCall(argv, settings, stdin, lambda stream, data: output[stream].append(data))
    try:
        await call.start(target)
        status = await call.wait()
    except asyncio.CancelledError:
        call.abort("the awaiting task was cancelled")
        raise
    finally:
        call.close()
    return ExecResult(
        stdout=b"".join(output["stdout"]),
        stderr=b"".join(output["stderr"]),
        exit_code=status.exit_code,
        signal=status.signal,
    )


async def _spawn(
    address: AddressLike,
    argv: Sequence[Arg],
    stdin: object,
    timeout: object,
    max_output: object,
    cancel: object,
    defaults: Defaults,
) -> AsyncChild:
    target = to_address(address)
    if stdin not in ("piped", None):
        raise UsageError(f'spawn\'s stdin must be "piped" or None, got {stdin!r}; use exec() to send a source')
    settings = resolve_settings(timeout, max_output, cancel, defaults, None)
    call = AsyncCall(argv, settings, PIPED if stdin == "piped" else None)
    try:
        await call.start(target)
    except BaseException:
        call.close()
        raise
    return AsyncChild(call, piped=stdin == "piped")
