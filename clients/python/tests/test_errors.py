"""Error codes and messages, as the TypeScript client's (clients/ts/errors.ts)."""

from __future__ import annotations

import netspawn
from netspawn import (
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


def test_every_code_has_exactly_one_error_class() -> None:
    classes: list[type[NetspawnError]] = [
        ConnectError,
        ProtocolViolationError,
        TimeoutExpired,
        AbortedError,
        ClosedWithoutStatusError,
        SpawnError,
        OutputLimitError,
        StdinClosedError,
    ]
    assert sorted(c.code for c in classes) == sorted(CLIENT_ERROR_CODES)
    assert all(issubclass(c, NetspawnError) for c in classes)
    assert UsageError.code == "INVALID_ARGUMENT" and issubclass(UsageError, ValueError)


def test_errors_are_also_the_matching_builtin_errors() -> None:
    assert isinstance(TimeoutExpired(1.5), TimeoutError)
    assert isinstance(ConnectError("unix:/x", "ENOENT"), ConnectionError)
    assert str(TimeoutExpired(1.5)) == "timed out after 1.5 s"


def test_connect_errors_name_the_cause_and_hint_at_tcp() -> None:
    assert (
        str(ConnectError("tcp://h:1", "ECONNREFUSED"))
        == "cannot connect to tcp://h:1: connection refused (ECONNREFUSED)"
    )
    assert str(ConnectError("tcp://h:1", "EWHATEVER")) == "cannot connect to tcp://h:1: EWHATEVER"
    assert str(ConnectError("tcp://h:1", None, "boom")) == "cannot connect to tcp://h:1: boom"
    assert str(ConnectError("unix:[::1]:7", "ENOENT")).endswith("; for TCP, write tcp://[::1]:7")
    assert "for TCP" not in str(ConnectError("unix:/run/x.sock", "ENOENT"))


def test_a_protocol_violation_shows_where_it_is() -> None:
    error = ProtocolViolationError("BAD_EXITCODE", 11, "exitcode is not a decimal", b"8:exitcode,2:x\x001,", 0)
    assert (error.code, error.protocol_code, error.offset) == ("PROTOCOL_ERROR", "BAD_EXITCODE", 11)
    assert error.excerpt == "8:exitcode,»2:x\\x001,"
    assert (
        str(error)
        == 'the server\'s reply broke the protocol: exitcode is not a decimal (near "8:exitcode,»2:x\\x001,")'
    )


def test_other_messages() -> None:
    assert str(AbortedError()) == "aborted"
    assert AbortedError(ValueError("x")).reason.__class__ is ValueError
    assert "without a reply" in str(ClosedWithoutStatusError(0))
    assert str(ClosedWithoutStatusError(9)) == "the server closed the connection after 9 bytes, without an exit status"
    assert OutputLimitError(1024).limit == 1024
    assert netspawn.SpawnError(126, "netspawn: cannot run x: permission denied").exit_code == 126
