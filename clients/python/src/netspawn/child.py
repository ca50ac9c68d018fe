"""A program running on a server, streamed: :class:`Child` and its three streams."""

from __future__ import annotations

import io
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from ._sync_call import SyncCall
from .errors import StdinClosedError, UsageError
from .result import ExitStatus

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer


class ChildStdin(io.RawIOBase):
    """The program's stdin, a binary writable file.

    ``write`` blocks until the connection took the bytes (a large write goes
    in pieces of 64 KiB); ``close`` ends the program's stdin. Writes raise
    :class:`~netspawn.StdinClosedError` once the server stopped accepting
    stdin (the program ended without reading everything, or the call failed).
    """

    def __init__(self, call: SyncCall, piped: bool) -> None:
        super().__init__()
        self._call = call
        if not piped:
            super().close()

    def writable(self) -> bool:
        """Always True."""
        return True

    def write(self, data: ReadableBuffer) -> int:
        """Send all of ``data``; returns its length.

        :raises StdinClosedError: when the server no longer accepts stdin.
        """
        if self.closed:
            raise ValueError("write to a closed stdin")
        if isinstance(data, str):
            raise UsageError("stdin.write() takes bytes; encode text first (e.g. text.encode())")
        chunk = bytes(data)
        if chunk:
            self._call.write_stdin(chunk)
        return len(chunk)

    def close(self) -> None:
        """End the program's stdin (sends the end marker once)."""
        if self.closed:
            return
        try:
            self._call.end_stdin()
        except StdinClosedError:
            pass  # the reply is complete or the call failed: wait() tells
        finally:
            super().close()

    def __del__(self) -> None:
        """No I/O while being collected (the collector may run while the call's lock is held)."""


class ChildOutput(io.RawIOBase):
    """The program's stdout or stderr, a binary readable file.

    Reads return output as the server sends it and ``b""`` at the end of the
    reply; they raise the call's error when it failed. Iterate
    :meth:`chunks` for output as it comes, or wrap the stream in
    ``io.BufferedReader``/``io.TextIOWrapper`` for lines. ``close`` discards
    further output of this stream (the call goes on).
    """

    def __init__(self, call: SyncCall, stream: str) -> None:
        super().__init__()
        self._call = call
        self._stream = stream

    def readable(self) -> bool:
        """Always True."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes as soon as some are available; everything to the end for -1 or None."""
        if self.closed:
            raise ValueError("read from a closed stream")
        if size is None or size < 0:
            return self.readall()
        return self._call.read(self._stream, size) if size else b""

    def readall(self) -> bytes:
        """Everything up to the end of the reply."""
        return b"".join(self.chunks())

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Read into ``buffer``; 0 at the end."""
        with memoryview(buffer) as view, view.cast("B") as target:
            data = self.read(len(target))
            target[: len(data)] = data
            return len(data)

    def chunks(self) -> Iterator[bytes]:
        """The output as it comes, chunk by chunk, until the end of the reply."""
        while True:
            if self.closed:
                raise ValueError("read from a closed stream")
            data = self._call.read(self._stream, -1)
            if not data:
                return
            yield data

    def close(self) -> None:
        """Stop reading this stream: its further output is discarded."""
        if not self.closed:
            self._call.discard(self._stream)
        super().close()

    def __del__(self) -> None:
        """No I/O while being collected (the collector may run while the call's lock is held)."""


class Child:
    """A program running on a server (see :func:`netspawn.spawn`).

    Backpressure holds end to end: a reader that falls behind on ``stdout``
    or ``stderr`` stops the client reading the connection, which stalls the
    server and then the program; a program that does not read its stdin makes
    ``stdin.write`` wait. Read both ``stdout`` and ``stderr`` (in two threads,
    or close the one you do not want), or a program that fills one of them
    stalls. The timeout is enforced while a thread reads, writes or waits.

    Use it as a context manager: leaving the block ends the call, and a
    program still running is terminated.
    """

    def __init__(self, call: SyncCall, piped: bool) -> None:
        self._call = call
        #: The program's stdin (already closed when spawned with ``stdin=None``).
        self.stdin = ChildStdin(call, piped)
        #: The program's stdout.
        self.stdout = ChildOutput(call, "stdout")
        #: The program's stderr.
        self.stderr = ChildOutput(call, "stderr")

    @property
    def done(self) -> bool:
        """True once the reply is complete or the call failed."""
        return self._call.done

    def wait(self) -> ExitStatus:
        """Wait until the reply is complete; how the program ended.

        Output pairs may follow the status, so this returns only at the end of
        the reply: read (or close) ``stdout`` and ``stderr`` meanwhile.

        :raises NetspawnError: why the call failed, including
            :class:`~netspawn.SpawnError` when the server could not start the program.
        """
        return self._call.wait()

    def abort(self, reason: object = None) -> None:
        """Cancel the call (thread-safe): close the connection, so the server terminates the program.

        Reads, writes and :meth:`wait` then raise :class:`~netspawn.AbortedError`
        carrying ``reason``. Does nothing once the call has ended.
        """
        self._call.abort(reason)

    def close(self) -> None:
        """End the call: a program still running is terminated; the connection is closed."""
        self._call.close()

    def __enter__(self) -> Child:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
