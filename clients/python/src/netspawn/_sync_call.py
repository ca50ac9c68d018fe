"""One request on one connection, driven by the calling threads (private).

No background thread: whichever thread needs progress (a read, a stdin
write, ``wait``) becomes the driver and runs the select loop, servicing
everyone's needs — reading the socket while every reader has room, sending
queued stdin, enforcing the deadline — while other threads wait on the
condition. Other threads wake the driver through a socket pair when they
queue stdin, make room, or abort. The socket is read only while no stream's
reader is behind, so a slow reader stalls the server and then the program.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Callable, Final

from ._call_state import CallState, Sink
from ._connect import connect
from ._request import Arg, RequestWriter
from ._settings import Settings
from ._stdin import STDIN_PIECE, pieces
from .address import Address, TcpAddress
from .errors import AbortedError, StdinClosedError, TimeoutExpired
from .result import ExitStatus

#: Bytes read from the socket at once.
_READ_SIZE: Final = 64 * 1024
#: Bytes handed to the socket at once.
_SEND_SIZE: Final = 256 * 1024


class _Piped:
    """The marker of stdin written through the child's stdin stream."""


#: stdin written through :meth:`SyncCall.write_stdin` and ended by :meth:`SyncCall.end_stdin`.
PIPED: Final = _Piped()


class SyncCall:
    """A request in flight: connect at once, send argv, then drive the socket on demand.

    ``stdin`` is :data:`PIPED`, or a source (None for none) that the driver
    reads as the server accepts it. ``sink`` receives output instead of the
    per-stream queues.
    """

    def __init__(
        self,
        address: Address,
        argv: Sequence[Arg],
        settings: Settings,
        stdin: object = PIPED,
        sink: Sink | None = None,
    ) -> None:
        self._writer = RequestWriter()
        head = self._writer.argv(argv)
        self._state = CallState(settings.max_output, sink)
        self._cond = threading.Condition(threading.Lock())
        self._inside: set[int] = set()  # threads inside a method of the call (holding or awaiting the lock)
        self._deferred: AbortedError | None = None  # an abort that could not take the lock
        self._driving = False
        self._stdin_busy = False
        self._released = False
        self._eof = False
        self._write_closed = False
        self._outgoing = bytearray(head)
        self._source: Iterator[bytes] | None = None
        self._timeout = settings.timeout
        self._deadline = None if settings.timeout is None else time.monotonic() + settings.timeout
        self._tcp = isinstance(address, TcpAddress)
        if stdin is None:
            self._outgoing += self._writer.end()
        elif not isinstance(stdin, _Piped):
            self._source = pieces(stdin)
        self._sock = connect(address, self._remaining(), settings.timeout)
        self._sock.setblocking(False)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._events = 0
        self._unwatch: list[Callable[[], None]] = []
        for canceller in settings.cancellers:
            self._unwatch.append(canceller._watch(self.abort))

    # --- what the child and exec ask for ---

    @property
    def done(self) -> bool:
        """True once the reply is complete or the call failed."""
        return self._state.done

    def wait(self) -> ExitStatus:
        """Drive until the reply is complete; how the program ended.

        :raises NetspawnError: why the call failed, including ``SPAWN_FAILED``.
        """
        with self._hold():
            self._run_until(lambda: self._state.done)
            return self._state.outcome()

    def read(self, stream: str, limit: int) -> bytes:
        """Up to ``limit`` bytes of a stream (all that is queued for a negative limit); ``b""`` at its end.

        :raises NetspawnError: why the call failed.
        """
        queue = self._state.queues[stream]
        with self._hold():
            self._run_until(lambda: queue.size > 0 or self._state.done)
            was_full = queue.full
            data = queue.take(limit)
            if data:
                if was_full and not queue.full:
                    self._wake()
                return data
            if self._state.error is not None:
                raise self._state.error
            return b""

    def discard(self, stream: str) -> None:
        """The reader no longer wants a stream: drop its output from now on."""
        with self._hold():
            self._state.queues[stream].drop()
            self._wake()

    def write_stdin(self, data: bytes) -> None:
        """Send ``data`` to the program's stdin; returns once the socket took it.

        :raises StdinClosedError: when the server no longer accepts stdin (see :meth:`wait`).
        """
        with self._hold():
            self._acquire_stdin()
            try:
                view = memoryview(data)
                for at in range(0, len(data), STDIN_PIECE):
                    self._send_locked(b"".join(self._writer.stdin(bytes(view[at : at + STDIN_PIECE]))))
            finally:
                self._release_stdin()

    def end_stdin(self) -> None:
        """Send the end marker (once; later calls do nothing).

        :raises StdinClosedError: when the server no longer accepts stdin.
        """
        with self._hold():
            self._acquire_stdin()
            try:
                if self._writer.state == "stdin":
                    self._send_locked(self._writer.end())
            finally:
                self._release_stdin()

    def abort(self, reason: object = None) -> None:
        """Cancel the call: it fails with ``ABORTED``; the connection is closed.

        Thread-safe, and safe in a signal handler: when it interrupts this
        thread inside a method of the call, the abort is deferred to that
        method, which is woken for it.
        """
        if threading.get_ident() in self._inside:
            self._deferred = AbortedError(reason)
            self._wake_anyway()
            return
        with self._hold():
            self._fail(AbortedError(reason))

    def close(self) -> None:
        """End the call: abort it if it is still running, and release the socket."""
        with self._hold():
            self._fail(AbortedError("the call was closed before it ended"))

    # --- the driver ---

    @contextmanager
    def _hold(self) -> Iterator[None]:
        """Hold the call's lock (this thread counts as inside from before it asks), applying deferred aborts."""
        me = threading.get_ident()
        self._inside.add(me)
        try:
            with self._cond:
                self._apply_deferred()
                yield
                self._apply_deferred()
        finally:
            self._inside.discard(me)

    def _apply_deferred(self) -> None:
        if self._deferred is not None:
            deferred, self._deferred = self._deferred, None
            self._fail(deferred)

    def _wait(self) -> None:
        """Wait on the condition (the lock is let go meanwhile)."""
        self._cond.wait()

    def _run_until(self, goal: Callable[[], bool]) -> None:
        """Drive (or wait for the driver) until ``goal()`` holds; the lock is held."""
        while True:
            self._apply_deferred()
            if goal():
                return
            if self._driving:
                self._wait()
                continue
            self._driving = True
            try:
                self._step()
            finally:
                self._driving = False
                if self._state.done:
                    self._release()
                self._cond.notify_all()

    def _step(self) -> None:
        """One select round: read, write, or time out. Called with the lock held; releases it to wait."""
        if self._state.done:
            return
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            self._state.fail(TimeoutExpired(self._timeout or 0.0))
            return
        self._refill()
        self._watch_socket()
        self._cond.release()
        try:
            ready = self._selector.select(remaining)
        finally:
            self._cond.acquire()
        events = 0
        for key, mask in ready:
            if key.fileobj is self._wake_r:
                self._drain_wake()
            else:
                events = mask
        if self._state.done:
            return
        if events & selectors.EVENT_READ:
            self._read()
        if events & selectors.EVENT_WRITE and not self._state.done:
            self._write()

    def _watch_socket(self) -> None:
        """Select the socket for what the call can do now: read while readers have room, write while stdin waits."""
        events = 0
        if not self._eof and self._state.has_room:
            events |= selectors.EVENT_READ
        if self._outgoing and not self._write_closed:
            events |= selectors.EVENT_WRITE
        if events == self._events:
            return
        if self._events == 0:
            self._selector.register(self._sock, events)
        elif events == 0:
            self._selector.unregister(self._sock)
        else:
            self._selector.modify(self._sock, events)
        self._events = events

    def _read(self) -> None:
        try:
            data = self._sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""  # a reset is the end of the reply; what came before it counts
        if data:
            self._state.feed(data)
        else:
            self._eof = True
            self._state.feed_eof()

    def _write(self) -> None:
        try:
            with memoryview(self._outgoing) as view:
                sent = self._sock.send(view[:_SEND_SIZE])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            # The server closed the connection (EPIPE, ECONNRESET): no more stdin, but its reply is still read.
            self._write_closed = True
            self._outgoing.clear()
            self._source = None
            return
        del self._outgoing[:sent]

    def _refill(self) -> None:
        """Take more of a stdin source when what is queued is nearly sent."""
        while self._source is not None and len(self._outgoing) < STDIN_PIECE and not self._write_closed:
            try:
                piece = next(self._source, None)
            except Exception as error:
                failure = AbortedError(f"reading stdin failed: {error!r}")
                failure.__cause__ = error
                self._state.fail(failure)
                return
            if piece is None:
                self._source = None
                self._outgoing += self._writer.end()
            else:
                self._outgoing += b"".join(self._writer.stdin(piece))

    # --- helpers (lock held) ---

    def _send_locked(self, data: bytes) -> None:
        if self._state.done or self._write_closed:
            raise StdinClosedError()
        self._outgoing += data
        self._wake()
        self._run_until(lambda: not self._outgoing or self._state.done or self._write_closed)
        if self._outgoing or self._write_closed or (self._state.done and self._state.error is not None):
            raise StdinClosedError()

    def _acquire_stdin(self) -> None:
        while self._stdin_busy:
            self._wait()
        self._stdin_busy = True

    def _release_stdin(self) -> None:
        self._stdin_busy = False
        self._cond.notify_all()

    def _fail(self, error: BaseException) -> None:
        self._state.fail(error)
        if self._driving:
            self._wake()
        else:
            self._release()
        self._cond.notify_all()

    def _remaining(self) -> float | None:
        return None if self._deadline is None else self._deadline - time.monotonic()

    def _wake(self) -> None:
        if self._driving:
            self._wake_anyway()

    def _wake_anyway(self) -> None:
        if not self._released:
            try:
                self._wake_w.send(b"!")
            except OSError:
                pass  # the pipe is full (the driver wakes anyway) or closed (the call ended)

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _release(self) -> None:
        """Close the socket (reset a TCP connection after a failure) and stop watching cancellers."""
        if self._released:
            return
        self._released = True
        for unwatch in self._unwatch:
            unwatch()
        if self._state.error is not None and self._tcp:
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self._selector.close()
        self._sock.close()
        self._wake_r.close()
        self._wake_w.close()
