"""The client's side of a request: argv, stdin chunks, the end marker (private, sans-I/O).

Mirrors the protocol core's ``RequestWriter`` (protocol/request_writer.ts):
argc and argv first, then any number of non-empty stdin chunks, then the end
marker ``0:,`` exactly once. An empty chunk produces no bytes (its netstring
would be the end marker).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Union

from ._netstring import encode_netstring, netstring_parts
from .errors import UsageError

#: A program argument: a string (sent as UTF-8) or bytes.
Arg = Union[str, bytes, bytearray, memoryview]

#: The end marker.
END_MARKER: Final = b"0:,"


def to_bytes(value: object, what: str) -> bytes:
    """Bytes of a str (UTF-8) or bytes-like value.

    :raises UsageError: for other types, or a str that is not encodable (lone surrogates).
    """
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise UsageError(f"{what} is not valid Unicode text ({error.reason}); pass bytes instead") from None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise UsageError(f"{what} must be str or bytes, got {type(value).__name__}")


def validate_argv(argv: object) -> list[bytes]:
    """argv as bytes: at least the program, no NUL bytes.

    :raises UsageError: ``INVALID_ARGUMENT`` naming the problem.
    """
    if isinstance(argv, (str, bytes, bytearray, memoryview)):
        raise UsageError("argv must be a list of arguments (the program first), not a single string")
    if not isinstance(argv, Sequence):
        raise UsageError(f"argv must be a list of arguments, got {type(argv).__name__}")
    if len(argv) == 0:
        raise UsageError("argv must hold at least the program")
    out = []
    for i, arg in enumerate(argv):
        data = to_bytes(arg, f"argv[{i}]")
        if b"\0" in data:
            raise UsageError(f"argv[{i}] contains a NUL byte")
        out.append(data)
    return out


class RequestWriter:
    """Encoder of one request; each method returns the bytes to send.

    States: ``argv`` (nothing sent), ``stdin`` (argv sent), ``closed`` (end marker sent).
    """

    def __init__(self) -> None:
        self._state = "argv"

    @property
    def state(self) -> str:
        """The current state."""
        return self._state

    def argv(self, argv: Sequence[Arg]) -> bytes:
        """argc and the argv netstrings.

        :raises UsageError: for an empty argv or a NUL in an argument.
        :raises RuntimeError: when argv was already sent.
        """
        args = validate_argv(argv)
        self._expect("argv")
        self._state = "stdin"
        return encode_netstring(b"%d" % len(args)) + b"".join(encode_netstring(a) for a in args)

    def stdin(self, data: bytes) -> list[bytes]:
        """A stdin chunk as parts (header, payload, comma); none for an empty chunk."""
        self._expect("stdin")
        return netstring_parts(data) if data else []

    def end(self) -> bytes:
        """The end marker ``0:,``."""
        self._expect("stdin")
        self._state = "closed"
        return END_MARKER

    def _expect(self, state: str) -> None:
        if self._state != state:
            raise RuntimeError(f"INVALID_STATE: the request writer is in state {self._state}")
