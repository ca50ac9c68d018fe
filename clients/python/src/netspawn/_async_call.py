"""One request on one connection, for asyncio (private).

Built on the loop's socket operations (``sock_recv``, ``sock_sendall``) so
that nothing but this call decides what a failed write means: when the server
has sent its whole reply and closed, a write of stdin the program never read
fails, and the reply already received must still count. One pump task reads
the socket while no stream's reader is behind; writers send directly.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Sequence
from typing import Callable, Final

from ._call_state import CallState, Sink
from ._connect import connect_async
from ._request import Arg, RequestWriter
from ._settings import Settings
from ._stdin import STDIN_PIECE, apieces
from .address import Address, TcpAddress
from .errors import AbortedError, StdinClosedError, TimeoutExpired
from .result import ExitStatus

#: Bytes read from the socket at once.
_READ_SIZE: Final = 64 * 1024


class _Piped:
    """The marker of stdin written through the child's stdin stream."""


#: stdin written through :meth:`AsyncCall.write_stdin` and ended by :meth:`AsyncCall.end_stdin`.
PIPED: Final = _Piped()


class AsyncCall:
    """A request in flight on the running loop; :meth:`start` connects and sends argv."""

    def __init__(self, argv: Sequence[Arg], settings: Settings, stdin: object = PIPED, sink: Sink | None = None):
        self._writer = RequestWriter()
        self._head = self._writer.argv(argv)
        self._settings = settings
        self._stdin = stdin
        self._state = CallState(settings.max_output, sink)
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._stdin_lock = asyncio.Lock()
        self._write_closed = False
        self._released = False
        self._sock: socket.socket | None = None
        self._tcp = False
        self._tasks: list[asyncio.Task[None]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._unwatch: list[Callable[[], None]] = []

    async def start(self, address: Address) -> None:
        """Connect, send argv (and the end marker for no stdin), and start reading.

        :raises ConnectError: when the server cannot be reached.
        :raises TimeoutExpired: when the timeout runs out while connecting.
        """
        timeout = self._settings.timeout
        deadline = None if timeout is None else self._loop.time() + timeout
        self._tcp = isinstance(address, TcpAddress)
        self._sock = await connect_async(address, timeout, timeout)
        if deadline is not None:
            self._timer = self._loop.call_at(deadline, lambda: self._fail(TimeoutExpired(timeout or 0.0)))
        for canceller in self._settings.cancellers:
            self._unwatch.append(canceller._watch(self._abort_threadsafe))
        self._spawn_task(self._pump())
        async with self._stdin_lock:
            try:
                await self._send(self._head)
                if self._stdin is None:
                    await self._send(self._writer.end())
            except StdinClosedError:
                return  # the server closed the connection at once: the status tells
        if self._stdin is not None and not isinstance(self._stdin, _Piped):
            self._spawn_task(self._send_source(self._stdin))

    @property
    def done(self) -> bool:
        """True once the reply is complete or the call failed."""
        return self._state.done

    async def wait(self) -> ExitStatus:
        """Wait until the reply is complete; how the program ended.

        :raises NetspawnError: why the call failed, including ``SPAWN_FAILED``.
        """
        await self._until(lambda: self._state.done)
        return self._state.outcome()

    async def read(self, stream: str, limit: int) -> bytes:
        """Up to ``limit`` bytes of a stream (all that is queued for a negative limit); ``b""`` at its end."""
        queue = self._state.queues[stream]
        await self._until(lambda: queue.size > 0 or self._state.done)
        data = queue.take(limit)
        if data:
            self._notify()
            return data
        if self._state.error is not None:
            raise self._state.error
        return b""

    def discard(self, stream: str) -> None:
        """The reader no longer wants a stream: drop its output from now on."""
        self._state.queues[stream].drop()
        self._notify()

    async def write_stdin(self, data: bytes) -> None:
        """Send ``data`` to the program's stdin; returns once the socket took it.

        :raises StdinClosedError: when the server no longer accepts stdin.
        """
        async with self._stdin_lock:
            view = memoryview(data)
            for at in range(0, len(data), STDIN_PIECE):
                await self._send(b"".join(self._writer.stdin(bytes(view[at : at + STDIN_PIECE]))))

    async def end_stdin(self) -> None:
        """Send the end marker (once; later calls do nothing).

        :raises StdinClosedError: when the server no longer accepts stdin.
        """
        async with self._stdin_lock:
            if self._writer.state == "stdin":
                await self._send(self._writer.end())

    def abort(self, reason: object = None) -> None:
        """Cancel the call: it fails with ``ABORTED``; the connection is closed."""
        self._fail(AbortedError(reason))

    def close(self) -> None:
        """End the call: abort it if it is still running, and release the socket."""
        self._fail(AbortedError("the call was closed before it ended"))

    # --- tasks ---

    async def _send_source(self, source: object) -> None:
        """Send a stdin source as the server accepts it, then the end marker."""
        async with self._stdin_lock:
            try:
                async for piece in apieces(source):
                    await self._send(b"".join(self._writer.stdin(piece)))
                await self._send(self._writer.end())
            except StdinClosedError:
                pass  # the reply is complete or the call failed: the status tells
            except Exception as error:
                failure = AbortedError(f"reading stdin failed: {error!r}")
                failure.__cause__ = error
                self._fail(failure)

    async def _pump(self) -> None:
        sock = self._sock
        assert sock is not None
        while not self._state.done:
            if not self._state.has_room:
                await self._until(lambda: self._state.has_room or self._state.done)
                continue
            try:
                data = await self._loop.sock_recv(sock, _READ_SIZE)
            except OSError:
                data = b""  # a reset is the end of the reply; what came before it counts
            if data:
                self._state.feed(data)
            else:
                self._state.feed_eof()
            self._notify()
        self._release()

    async def _send(self, data: bytes) -> None:
        if self._state.done or self._write_closed or self._sock is None:
            raise StdinClosedError()
        sending = self._loop.create_task(self._loop.sock_sendall(self._sock, data))
        sending.add_done_callback(_retrieve)
        ended = self._loop.create_task(self._until(lambda: self._state.done))
        try:
            await asyncio.wait({sending, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            unsent = not sending.done()
            if unsent:
                sending.cancel()  # the call ended, or this task was cancelled: the rest is never sent
        if unsent or sending.cancelled():
            raise StdinClosedError()
        if sending.exception() is not None:
            # The server closed the connection (EPIPE, ECONNRESET): no more stdin, but its reply is still read.
            self._write_closed = True
            raise StdinClosedError()

    # --- helpers ---

    def _spawn_task(self, coroutine: object) -> None:
        assert asyncio.iscoroutine(coroutine)
        task: asyncio.Task[None] = self._loop.create_task(coroutine)
        self._tasks.append(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._fail(task.exception() or RuntimeError("task failed"))

    async def _until(self, goal: Callable[[], bool]) -> None:
        while not goal():
            await self._changed.wait()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _abort_threadsafe(self, reason: object) -> None:
        try:
            self._loop.call_soon_threadsafe(self.abort, reason)
        except RuntimeError:
            pass  # the loop is closed: nothing runs any more

    def _fail(self, error: BaseException) -> None:
        self._state.fail(error)
        self._release()
        self._notify()

    def _release(self) -> None:
        """Stop the tasks and the timer, then close the socket (reset a TCP connection after a failure)."""
        if self._released or not self._state.done:
            return
        self._released = True
        if self._timer is not None:
            self._timer.cancel()
        for unwatch in self._unwatch:
            unwatch()
        current = asyncio.current_task(self._loop)
        for task in self._tasks:
            if task is not current:
                task.cancel()
        sock = self._sock
        if sock is None:
            return
        if self._state.error is not None and self._tcp:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        # Unregister the cancelled socket operations first (their own clean-up then does nothing),
        # so the connection closes now, not at the loop's next turn.
        try:
            self._loop.remove_reader(sock.fileno())
            self._loop.remove_writer(sock.fileno())
        except (NotImplementedError, ValueError):
            pass
        sock.close()


def _retrieve(task: asyncio.Task[None]) -> None:
    """Mark a send's failure as seen (its caller may be gone), so asyncio does not log it."""
    if not task.cancelled():
        task.exception()
