"""netspawn: run programs on a sockexec-protocol server (netspawn or sockexec) from Python.

Standard library only. The blocking API is here; the asyncio API is
:mod:`netspawn.aio`, with the same functions and semantics.

Example (with a server at ``/run/netspawn.sock``)::

    import netspawn
    result = netspawn.exec("unix:/run/netspawn.sock", ["uname", "-s"])
    assert (result.stdout, result.exit_code, result.signal) == (b"Linux\\n", 0, None)
"""

from __future__ import annotations

from ._request import Arg
from ._settings import DEFAULT, DEFAULT_EXEC_MAX_OUTPUT
from .address import Address, TcpAddress, UnixAddress, format_address, parse_address
from .cancel import Canceller
from .child import Child, ChildOutput, ChildStdin
from .client import AddressLike, Client, exec, spawn  # noqa: A004 - the protocol's verb
from .errors import (
    CLIENT_ERROR_CODES,
    AbortedError,
    ClosedWithoutStatusError,
    ConnectError,
    NetspawnError,
    OutputLimitError,
    ProtocolViolationError,
    SpawnError,
    StdinClosedError,
    TimeoutExpired,
    UsageError,
)
from .result import ExecResult, ExitStatus

__version__ = "0.1.0"

__all__ = [
    "CLIENT_ERROR_CODES",
    "DEFAULT",
    "DEFAULT_EXEC_MAX_OUTPUT",
    "AbortedError",
    "Address",
    "AddressLike",
    "Arg",
    "Canceller",
    "Child",
    "ChildOutput",
    "ChildStdin",
    "Client",
    "ClosedWithoutStatusError",
    "ConnectError",
    "ExecResult",
    "ExitStatus",
    "NetspawnError",
    "OutputLimitError",
    "ProtocolViolationError",
    "SpawnError",
    "StdinClosedError",
    "TcpAddress",
    "TimeoutExpired",
    "UnixAddress",
    "UsageError",
    "exec",
    "format_address",
    "parse_address",
    "spawn",
]
