"""Incremental netstring decoding and encoding (private, sans-I/O).

Mirrors the protocol core's ``NetstringReader`` (protocol/netstring.ts): a
length is ``0`` or a non-zero digit followed by digits (no leading zeros,
signs or spaces), at most ``max_length_digits`` digits and at most
``max_netstring_length``, checked digit by digit so an over-long declaration
fails before any payload arrives. Bytes in, events out; the same events, and
the same error at the same offset, for any split of the input.
"""

from __future__ import annotations

from typing import Final, Union

from ._bytes import show_bytes
from ._wire_error import WireError

#: Default most digits of a length (the protocol's ``maxLengthDigits``).
DEFAULT_MAX_LENGTH_DIGITS: Final = 10
#: Default largest payload (the protocol's ``maxNetstringLength``, 64 MiB).
DEFAULT_MAX_NETSTRING_LENGTH: Final = 64 * 1024 * 1024

_COLON: Final = 0x3A
_COMMA: Final = 0x2C
_ZERO: Final = 0x30
_NINE: Final = 0x39


class Begin:
    """A length was read: ``length`` payload bytes follow; the netstring starts at ``offset``."""

    __slots__ = ("length", "offset")

    def __init__(self, length: int, offset: int) -> None:
        self.length = length
        self.offset = offset


class Data:
    """Payload bytes, in order (a slice of the pushed chunk)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class End:
    """The ``,`` after a payload: the netstring is complete."""

    __slots__ = ()


class Eof:
    """The input ended cleanly, between netstrings."""

    __slots__ = ()


_END: Final = End()
_EOF: Final = Eof()

NetstringEvent = Union[Begin, Data, End, Eof]


class NetstringReader:
    """Push bytes, call :meth:`end` at end of input, pull events with :meth:`next`.

    ``next`` returns None when more input is needed. Errors are raised as
    :class:`WireError`; afterwards the reader raises the same error again.
    """

    def __init__(
        self,
        max_length_digits: int = DEFAULT_MAX_LENGTH_DIGITS,
        max_netstring_length: int = DEFAULT_MAX_NETSTRING_LENGTH,
    ) -> None:
        self._buf = b""
        self._pos = 0
        self._offset = 0
        self._ended = False
        self._state = "length-start"  # length-start | length | payload | comma | eof | failed
        self._value = 0
        self._digits = 0
        self._remaining = 0
        self._start = 0
        self._error: WireError | None = None
        self._max_digits = max_length_digits
        self._max_length = max_netstring_length

    @property
    def offset(self) -> int:
        """Bytes consumed so far: the offset of the next byte to read."""
        return self._offset

    @property
    def state(self) -> str:
        """Where the reader is in the grammar."""
        return self._state

    def push(self, chunk: bytes) -> None:
        """Append input."""
        if self._ended:
            raise RuntimeError("push after end of input")
        if not chunk:
            return
        if self._pos >= len(self._buf):
            self._buf = bytes(chunk)
        else:
            self._buf = self._buf[self._pos :] + chunk
        self._pos = 0

    def end(self) -> None:
        """Declare the end of input."""
        self._ended = True

    def next(self) -> NetstringEvent | None:
        """The next event, or None when more input is needed."""
        if self._error is not None:
            raise self._error
        try:
            return self._step()
        except WireError as error:
            self._error = error
            self._state = "failed"
            raise

    def _step(self) -> NetstringEvent | None:
        state = self._state
        if state in ("length-start", "length"):
            return self._read_length()
        if state == "payload":
            return self._read_payload()
        if state == "comma":
            return self._read_comma()
        return _EOF

    def _read_length(self) -> NetstringEvent | None:
        buf = self._buf
        while self._pos < len(buf):
            b = buf[self._pos]
            if _ZERO <= b <= _NINE:
                self._digit(b)
            elif b == _COLON and self._state == "length":
                self._take(1)
                self._remaining = self._value
                self._state = "payload" if self._value else "comma"
                return Begin(self._value, self._start)
            else:
                what = "':' with no length before it" if b == _COLON else f"byte {show_bytes(bytes([b]))}"
                raise WireError("BAD_LENGTH", self._offset, f"{what} where a netstring length digit is expected")
        if not self._ended:
            return None
        if self._state == "length":
            raise WireError("EOF_IN_LENGTH", self._offset, "input ended inside a netstring length")
        self._state = "eof"
        return _EOF

    def _digit(self, b: int) -> None:
        if self._state == "length-start":
            self._state = "length"
            self._start = self._offset
            self._value = 0
            self._digits = 0
        elif self._value == 0:
            raise WireError("LEADING_ZERO", self._offset, "netstring length has a leading zero")
        if self._digits == self._max_digits:
            raise WireError(
                "LENGTH_TOO_LONG", self._offset, f"netstring length has more than {self._max_digits} digits"
            )
        self._value = self._value * 10 + (b - _ZERO)
        self._digits += 1
        if self._value > self._max_length:
            raise WireError(
                "PAYLOAD_TOO_LARGE", self._offset, f"netstring length exceeds the limit of {self._max_length} bytes"
            )
        self._take(1)

    def _read_payload(self) -> NetstringEvent | None:
        available = len(self._buf) - self._pos
        if available == 0:
            if self._ended:
                raise WireError(
                    "EOF_IN_PAYLOAD", self._offset, f"input ended with {self._remaining} payload bytes missing"
                )
            return None
        n = min(self._remaining, available)
        data = self._buf[self._pos : self._pos + n]
        self._take(n)
        self._remaining -= n
        if self._remaining == 0:
            self._state = "comma"
        return Data(data)

    def _read_comma(self) -> NetstringEvent | None:
        if self._pos >= len(self._buf):
            if self._ended:
                raise WireError("EOF_IN_PAYLOAD", self._offset, "input ended before the ',' closing a netstring")
            return None
        b = self._buf[self._pos]
        if b != _COMMA:
            raise WireError(
                "MISSING_COMMA", self._offset, f"byte {show_bytes(bytes([b]))} instead of the ',' closing a netstring"
            )
        self._take(1)
        self._state = "length-start"
        return _END

    def _take(self, n: int) -> None:
        self._pos += n
        self._offset += n


def netstring_parts(payload: bytes) -> list[bytes]:
    """A netstring as header, payload and trailing comma (the payload is not copied)."""
    return [b"%d:" % len(payload), payload, b","]


def encode_netstring(payload: bytes) -> bytes:
    """One netstring."""
    return b"%d:%s," % (len(payload), payload)
