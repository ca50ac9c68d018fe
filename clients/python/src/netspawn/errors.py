"""Typed errors of the netspawn client.

Every failure of a call is a :class:`NetspawnError` subclass with a stable
string ``code`` from :data:`CLIENT_ERROR_CODES`: the same codes as the
TypeScript client and the conformance kit's adapter protocol. Invalid
arguments (an empty argv, a NUL byte in an argument, a malformed address or
option) raise :class:`UsageError`, code ``INVALID_ARGUMENT``.

>>> try:
...     raise TimeoutExpired(2.5)
... except NetspawnError as error:
...     print(error.code, error)
TIMEOUT timed out after 2.5 s
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import ClassVar, Final

from ._bytes import show_bytes

#: Every error code of a call, with what it means.
CLIENT_ERROR_CODES: Final[Mapping[str, str]] = {
    "CONNECT_FAILED": "The client could not connect to the address (no such socket, connection refused, "
    "unknown host…).",
    "PROTOCOL_ERROR": "The server's bytes broke the protocol; the error carries the protocol core's code and "
    "the offset.",
    "TIMEOUT": "The call's timeout expired; the connection was closed, so the server terminates the program.",
    "ABORTED": "The call was cancelled (Child.abort(), a Canceller, or asyncio task cancellation); the connection "
    "was closed, so the server terminates the program.",
    "CLOSED_WITHOUT_STATUS": "The connection ended before any exitcode or termsig pair: the server rejected the "
    "request (over a limit, malformed) or failed, or the connection dropped; the server's log has the reason. "
    "(sockexec also closes this way, without a byte, when it cannot start the program.)",
    "SPAWN_FAILED": "A netspawn server could not start the program: it replied exit code 127 (not found) or 126 "
    "(not executable) with a `netspawn: cannot run …` line on stderr.",
    "OUTPUT_LIMIT": "The program wrote more than max_output bytes (stdout and stderr together); the connection was "
    "closed, so the server terminates the program.",
    "STDIN_CLOSED": "A write to the program's stdin came after the server stopped accepting it (the program ended, "
    "or the call failed); wait() tells how it ended.",
}

_SYSTEM_CODES: Final[Mapping[str, str]] = {
    "ENOENT": "no such socket",
    "ECONNREFUSED": "connection refused",
    "EACCES": "permission denied",
    "EPERM": "permission denied",
    "ENOTSOCK": "not a socket",
    "ENOTDIR": "a path component is not a directory",
    "ENAMETOOLONG": "socket path too long",
    "ETIMEDOUT": "timed out",
    "EHOSTUNREACH": "host unreachable",
    "ENETUNREACH": "network unreachable",
    "ENOTFOUND": "unknown host",
    "EAI_AGAIN": "unknown host (name resolution failed)",
    "EADDRNOTAVAIL": "address not available",
}


class NetspawnError(Exception):
    """The base class of every error a call can fail with; check ``code``."""

    #: The stable error code.
    code: ClassVar[str] = ""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConnectError(NetspawnError, builtins.ConnectionError):
    """The client could not connect to the server (also a :class:`ConnectionError`).

    A socket path that does not exist but reads as HOST:PORT gets a hint: it
    was almost certainly meant as a TCP address.

    >>> e = ConnectError("unix:/run/nope.sock", "ENOENT")
    >>> e.code, str(e)
    ('CONNECT_FAILED', 'cannot connect to unix:/run/nope.sock: no such socket (ENOENT)')
    >>> str(ConnectError("unix:127.0.0.1:7001", "ENOENT"))
    'cannot connect to unix:127.0.0.1:7001: no such socket (ENOENT); for TCP, write tcp://127.0.0.1:7001'
    """

    code: ClassVar[str] = "CONNECT_FAILED"

    def __init__(self, address: str, system_code: str | None, detail: str = "") -> None:
        phrase = _SYSTEM_CODES.get(system_code or "")
        if phrase is not None:
            why = f"{phrase} ({system_code})"
        else:
            why = system_code or detail or "unknown error"
        hint = _tcp_suggestion(address, system_code)
        super().__init__(f"cannot connect to {address}: {why}" + ("" if hint is None else f"; for TCP, write {hint}"))
        #: The address, as text.
        self.address = address
        #: The system's error code (``ENOENT``, ``ECONNREFUSED``, ...), when there is one.
        self.system_code = system_code


_HOST_PORT: Final = re.compile(r"(?:tcp:)?([^/\s]+):([0-9]{1,5})")


def _tcp_suggestion(address: str, system_code: str | None) -> str | None:
    """The TCP address a missing socket path like ``127.0.0.1:7001`` was meant as, else None."""
    if system_code != "ENOENT" or not address.startswith("unix:"):
        return None
    match = _HOST_PORT.fullmatch(address[len("unix:") :])
    if match is None:
        return None
    host = match.group(1)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return f"tcp://[{host}]:{match.group(2)}" if ":" in host else f"tcp://{host}:{match.group(2)}"


class ProtocolViolationError(NetspawnError):
    """The server's reply broke the protocol.

    Carries the protocol core's error code, the byte offset in the reply where
    the violation was detected, and the received bytes around it.

    >>> e = ProtocolViolationError("BAD_EXITCODE", 11, "exitcode is not a decimal", b"8:exitcode,2:x1,", 0)
    >>> e.code, e.protocol_code, e.excerpt
    ('PROTOCOL_ERROR', 'BAD_EXITCODE', '8:exitcode,»2:x1,')
    """

    code: ClassVar[str] = "PROTOCOL_ERROR"

    def __init__(self, protocol_code: str, offset: int, detail: str, data: bytes, data_offset: int) -> None:
        mark = offset - data_offset
        excerpt = show_bytes(data[:mark], len(data)) + "»" + show_bytes(data[mark:], len(data))
        super().__init__(f'the server\'s reply broke the protocol: {detail} (near "{excerpt}")')
        #: The protocol core's error code (``BAD_EXITCODE``, ``UNKNOWN_PAIR_TYPE``, ...).
        self.protocol_code = protocol_code
        #: Offset in the reply (from 0) of the first byte that could not be accepted, or of its end.
        self.offset = offset
        #: Received bytes around ``offset``.
        self.data = data
        #: Offset in the reply of ``data[0]``.
        self.data_offset = data_offset
        #: ``data`` as printable ASCII (``\\xNN`` for the rest), with ``»`` just before ``offset``.
        self.excerpt = excerpt


class TimeoutExpired(NetspawnError, builtins.TimeoutError):
    """The call's timeout expired (also a :class:`TimeoutError`).

    The connection was closed, so the server terminates the program.
    """

    code: ClassVar[str] = "TIMEOUT"

    def __init__(self, timeout: float) -> None:
        super().__init__(f"timed out after {timeout:g} s")
        #: The timeout, in seconds.
        self.timeout = timeout


class AbortedError(NetspawnError):
    """The call was cancelled: ``Child.abort()``, a :class:`~netspawn.Canceller`, or task cancellation.

    The connection was closed, so the server terminates the program.

    >>> e = AbortedError("user pressed stop")
    >>> e.code, str(e), e.reason
    ('ABORTED', 'aborted: user pressed stop', 'user pressed stop')
    """

    code: ClassVar[str] = "ABORTED"

    def __init__(self, reason: object = None) -> None:
        text = "" if reason is None else f": {reason}"
        super().__init__(f"aborted{text}")
        #: The reason given, if any.
        self.reason = reason


class ClosedWithoutStatusError(NetspawnError):
    """The connection ended before the server sent an exit status.

    A sockexec server does exactly this (0 bytes, then close) when it cannot
    start the program; it is also what a server crash or a dropped connection
    looks like.
    """

    code: ClassVar[str] = "CLOSED_WITHOUT_STATUS"

    def __init__(self, bytes_received: int) -> None:
        if bytes_received == 0:
            message = (
                "the server closed the connection without a reply "
                "(a sockexec server does this when it cannot start the program)"
            )
        else:
            message = f"the server closed the connection after {bytes_received} bytes, without an exit status"
        super().__init__(message)
        #: How many bytes the server sent before closing.
        self.bytes_received = bytes_received


class SpawnError(NetspawnError):
    """A netspawn server could not start the program.

    It replied exit code 127 (not found) or 126 (found, not executable) with a
    one-line reason on stderr, ``netspawn: cannot run PROGRAM: REASON``.

    >>> e = SpawnError(127, "netspawn: cannot run /nonexistent/cmd: program not found")
    >>> e.code, e.exit_code, str(e)
    ('SPAWN_FAILED', 127, 'netspawn: cannot run /nonexistent/cmd: program not found')
    """

    code: ClassVar[str] = "SPAWN_FAILED"

    def __init__(self, exit_code: int, server_message: str) -> None:
        super().__init__(server_message)
        #: The exit code the server replied with: 127 (not found) or 126 (not executable).
        self.exit_code = exit_code
        #: The server's reason line, without its newline.
        self.server_message = server_message


class OutputLimitError(NetspawnError):
    """The program wrote more than the call's ``max_output`` bytes (stdout and stderr together).

    The connection was closed, so the server terminates the program; the output is discarded.
    """

    code: ClassVar[str] = "OUTPUT_LIMIT"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the program wrote more than max_output ({limit} bytes); raise max_output, or use spawn() to stream"
        )
        #: The limit that was exceeded, in bytes.
        self.limit = limit


class StdinClosedError(NetspawnError):
    """A write to the program's stdin came after the server stopped accepting stdin.

    The reply is complete (the program exited without reading all of its
    input), or the call failed: ``wait()`` tells how it ended.
    """

    code: ClassVar[str] = "STDIN_CLOSED"

    def __init__(self) -> None:
        super().__init__("the server no longer accepts stdin for this program (see wait())")


class UsageError(ValueError):
    """An invalid argument: a bad address, argv or option. Nothing was sent.

    >>> UsageError("argv must hold at least the program").code
    'INVALID_ARGUMENT'
    """

    #: Always ``INVALID_ARGUMENT``.
    code: ClassVar[str] = "INVALID_ARGUMENT"
