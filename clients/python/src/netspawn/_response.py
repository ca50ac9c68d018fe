"""The client's side of a response: bytes in, output and status events out (private, sans-I/O).

Mirrors the protocol core's ``ResponseParser`` (protocol/response_parser.ts):
pairs of netstrings (type, value) until end of input. Output pairs may come
before and after the single status pair (sockexec sends output after the
status), empty output pairs are valid and carry nothing, and the response is
complete only at end of input. A pair type, exitcode or termsig whose length
alone rules it out fails at that length, before its payload arrives.
"""

from __future__ import annotations

import re
from typing import Final, Union

from ._bytes import canonical_decimal, show_bytes
from ._netstring import (
    DEFAULT_MAX_LENGTH_DIGITS,
    DEFAULT_MAX_NETSTRING_LENGTH,
    Begin,
    Data,
    End,
    NetstringReader,
)
from ._wire_error import WireError
from .result import ExitStatus

#: Longest termsig value a receiver accepts.
MAX_TERMSIG_LENGTH: Final = 16
#: Longest exitcode value ("255").
MAX_EXITCODE_LENGTH: Final = 3
_SIGNAL_NAME: Final = re.compile(rb"(?:[A-Z][A-Z0-9+]*|\?\?\?)\Z")
_OUTPUT_TYPES: Final = {b"stdout": "stdout", b"stderr": "stderr"}
_STATUS_TYPES: Final = {b"exitcode": "exitcode", b"termsig": "termsig"}


class Output:
    """Output bytes of the program, in order per stream."""

    __slots__ = ("stream", "data")

    def __init__(self, stream: str, data: bytes) -> None:
        self.stream = stream
        self.data = data


class Status:
    """How the program ended. Output may still follow."""

    __slots__ = ("status",)

    def __init__(self, status: ExitStatus) -> None:
        self.status = status


class Complete:
    """The response is complete: input ended after the status."""

    __slots__ = ()


ResponseEvent = Union[Output, Status, Complete]

_COMPLETE: Final = Complete()


class ResponseParser:
    """Push bytes, pull events; None means more input is needed.

    States, as in the specification: ``type``, ``output``, ``status``,
    ``late-type``, ``late-output``, ``ended``, ``failed``.
    """

    def __init__(
        self,
        max_length_digits: int = DEFAULT_MAX_LENGTH_DIGITS,
        max_netstring_length: int = DEFAULT_MAX_NETSTRING_LENGTH,
    ) -> None:
        self._reader = NetstringReader(max_length_digits, max_netstring_length)
        self._state = "type"
        self._stream = "stdout"
        self._status_type = "exitcode"
        self._value = bytearray()
        self._start = 0
        self._pending: ResponseEvent | None = None
        self._error: WireError | None = None

    @property
    def state(self) -> str:
        """The current state."""
        return self._state

    @property
    def offset(self) -> int:
        """Bytes consumed so far."""
        return self._reader.offset

    def push(self, chunk: bytes) -> None:
        """Append input."""
        self._reader.push(chunk)

    def end(self) -> None:
        """Declare the end of input (the server closed the connection)."""
        self._reader.end()

    def next(self) -> ResponseEvent | None:
        """The next event, or None when more input is needed (or after the end)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        if self._error is not None:
            raise self._error
        try:
            while self._state != "ended":
                got = self._reader.next()
                if got is None:
                    return None
                event = self._on(got)
                if event is not None:
                    return event
            return None
        except WireError as error:
            self._state = "failed"
            self._error = error
            raise

    def _data_state(self) -> bool:
        return self._state in ("output", "late-output")

    def _on(self, got: object) -> ResponseEvent | None:
        if isinstance(got, Data):
            if self._data_state():
                return Output(self._stream, got.data) if got.data else None
            self._value += got.data
            return None
        if isinstance(got, Begin):
            self._begin(got.length, got.offset)
            return None
        if isinstance(got, End):
            return self._end()
        return self._eof()

    def _begin(self, length: int, offset: int) -> None:
        self._start = offset
        self._value = bytearray()
        if self._data_state():
            return
        if self._state == "status":
            exitcode = self._status_type == "exitcode"
            if length == 0 or length > (MAX_EXITCODE_LENGTH if exitcode else MAX_TERMSIG_LENGTH):
                code = "BAD_EXITCODE" if exitcode else "BAD_TERMSIG"
                raise WireError(code, offset, f"{self._status_type} value of {length} bytes")
        elif length < 6 or length > 8:
            raise WireError("UNKNOWN_PAIR_TYPE", offset, f"pair type of {length} bytes")

    def _end(self) -> ResponseEvent | None:
        if self._data_state():
            self._state = "type" if self._state == "output" else "late-type"
            return None
        value = bytes(self._value)
        self._value = bytearray()
        if self._state == "status":
            return self._status(value)
        stream = _OUTPUT_TYPES.get(value)
        if stream is not None:
            self._stream = stream
            self._state = "output" if self._state == "type" else "late-output"
            return None
        status_type = _STATUS_TYPES.get(value)
        if status_type is None:
            raise WireError("UNKNOWN_PAIR_TYPE", self._start, f'unknown pair type "{show_bytes(value)}"')
        if self._state == "late-type":
            raise WireError("DUPLICATE_STATUS", self._start, "a second status pair")
        self._status_type = status_type
        self._state = "status"
        return None

    def _status(self, value: bytes) -> ResponseEvent:
        if self._status_type == "exitcode":
            code = canonical_decimal(value, 255)
            if code is None:
                raise WireError(
                    "BAD_EXITCODE", self._start, f'exitcode "{show_bytes(value)}" is not a decimal from 0 to 255'
                )
            self._state = "late-type"
            return Status(ExitStatus(exit_code=code, signal=None))
        if _SIGNAL_NAME.match(value) is None:
            raise WireError("BAD_TERMSIG", self._start, f'termsig "{show_bytes(value)}" is not a signal name')
        self._state = "late-type"
        return Status(ExitStatus(exit_code=None, signal=value.decode("ascii")))

    def _eof(self) -> ResponseEvent | None:
        if self._state == "late-type":
            self._state = "ended"
            return _COMPLETE
        if self._state == "type":
            raise WireError(
                "CLOSED_WITHOUT_STATUS", self._reader.offset, "connection closed before any exitcode or termsig pair"
            )
        raise WireError("EOF_IN_PAIR", self._reader.offset, "input ended inside a pair")
