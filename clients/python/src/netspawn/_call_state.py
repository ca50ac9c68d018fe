"""One call's bookkeeping, shared by the sync and asyncio clients (private, sans-I/O).

Bytes from the server go in; the response parser turns them into output and
status events; output is checked against ``max_output`` and either handed to
a sink (``exec``) or queued per stream for the reader (``spawn``). A call ends
exactly once: finished (the reply is complete) or failed.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Final

from ._recent_bytes import RecentBytes
from ._response import Complete, Output, ResponseParser, Status
from ._spawn_failure import STDERR_HEAD, spawn_failure
from ._wire_error import WireError
from .errors import ClosedWithoutStatusError, NetspawnError, OutputLimitError, ProtocolViolationError
from .result import ExitStatus

#: Bytes a stream queues for its reader before the socket stops being read.
HIGH_WATER_MARK: Final = 64 * 1024

#: A receiver of output: ``sink(stream, data)`` with stream ``"stdout"`` or ``"stderr"``.
Sink = Callable[[str, bytes], None]


class OutputQueue:
    """The output of one stream waiting for its reader."""

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self.size = 0
        #: False once the reader closed the stream: its output is discarded.
        self.wanted = True

    @property
    def full(self) -> bool:
        """True while the reader has not caught up (the socket should not be read for it)."""
        return self.wanted and self.size >= HIGH_WATER_MARK

    def put(self, data: bytes) -> None:
        """Queue output (discarded once the reader closed the stream)."""
        if self.wanted:
            self._chunks.append(data)
            self.size += len(data)

    def take(self, limit: int) -> bytes:
        """Up to ``limit`` queued bytes (all of them for a negative limit); empty when none is queued."""
        if not self._chunks:
            return b""
        if limit < 0 or limit >= self.size:
            data = b"".join(self._chunks)
            self._chunks.clear()
        else:
            head = self._chunks[0]
            if len(head) > limit:
                data = head[:limit]
                self._chunks[0] = head[limit:]
            else:
                parts = []
                taken = 0
                while self._chunks and taken + len(self._chunks[0]) <= limit:
                    parts.append(self._chunks.popleft())
                    taken += len(parts[-1])
                data = b"".join(parts)
        self.size -= len(data)
        return data

    def drop(self) -> None:
        """Discard what is queued and everything that comes later."""
        self.wanted = False
        self._chunks.clear()
        self.size = 0


class CallState:
    """What a call has received, and how it ended."""

    def __init__(self, max_output: int | None, sink: Sink | None = None) -> None:
        self._parser = ResponseParser()
        self._recent = RecentBytes()
        self._max_output = max_output
        self._sink = sink
        self.queues: Final = {"stdout": OutputQueue(), "stderr": OutputQueue()}
        self.status: ExitStatus | None = None
        #: True once the reply is complete.
        self.finished = False
        #: Why the call failed, once it did.
        self.error: BaseException | None = None
        self._output_bytes = 0
        self._stdout_bytes = 0
        self._stderr_head = b""

    @property
    def done(self) -> bool:
        """True once the reply is complete or the call failed."""
        return self.finished or self.error is not None

    @property
    def has_room(self) -> bool:
        """Whether more may be read from the socket (no reader is behind)."""
        return not (self.queues["stdout"].full or self.queues["stderr"].full)

    def feed(self, data: bytes) -> None:
        """Bytes from the server."""
        if self.done or not data:
            return
        self._recent.push(data)
        self._parser.push(data)
        self._drain()

    def feed_eof(self) -> None:
        """The server closed the connection (or it broke): the reply ends here."""
        if self.done:
            return
        self._parser.end()
        self._drain()

    def fail(self, error: BaseException) -> None:
        """End the call with ``error`` (no effect once it ended); queued output is dropped."""
        if self.done:
            return
        self.error = error
        for queue in self.queues.values():
            queue.drop()

    def outcome(self) -> ExitStatus:
        """How the program ended, once the call is done.

        :raises NetspawnError: why the call failed, or :class:`~netspawn.SpawnError`.
        """
        if self.error is not None:
            raise self.error
        assert self.status is not None
        failure = spawn_failure(self.status, self._stdout_bytes, self._stderr_head)
        if failure is not None:
            raise failure
        return self.status

    def _drain(self) -> None:
        while not self.done:
            try:
                event = self._parser.next()
            except WireError as error:
                self.fail(self._violation(error))
                return
            if event is None:
                return
            if isinstance(event, Output):
                self._output(event.stream, event.data)
            elif isinstance(event, Status):
                self.status = event.status
            elif isinstance(event, Complete):
                self.finished = True

    def _output(self, stream: str, data: bytes) -> None:
        self._output_bytes += len(data)
        if self._max_output is not None and self._output_bytes > self._max_output:
            self.fail(OutputLimitError(self._max_output))
            return
        if stream == "stdout":
            self._stdout_bytes += len(data)
        elif len(self._stderr_head) < STDERR_HEAD:
            self._stderr_head += data[: STDERR_HEAD - len(self._stderr_head)]
        if self._sink is not None:
            self._sink(stream, data)
        else:
            self.queues[stream].put(data)

    def _violation(self, error: WireError) -> NetspawnError:
        if error.code == "CLOSED_WITHOUT_STATUS":
            return ClosedWithoutStatusError(self._recent.total)
        data, start = self._recent.around(error.offset)
        return ProtocolViolationError(error.code, error.offset, error.detail, data, start)
