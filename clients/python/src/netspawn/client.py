"""The blocking client: :func:`exec`, :func:`spawn` and :class:`Client`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Union

from ._request import Arg
from ._settings import (
    DEFAULT,
    DEFAULT_EXEC_MAX_OUTPUT,
    NO_DEFAULTS,
    Default,
    Defaults,
    check_defaults,
    resolve_settings,
)
from ._stdin import check_source
from ._sync_call import PIPED, SyncCall
from .address import Address, to_address
from .cancel import Canceller
from .child import Child
from .errors import UsageError
from .result import ExecResult

#: An address: ``unix:/path``, a bare path, ``tcp://host:port``, ``[::1]:port``, or a parsed one.
AddressLike = Union[str, Address]


def exec(  # noqa: A001 - the protocol's verb, as in the other clients
    address: AddressLike,
    argv: Sequence[Arg],
    *,
    stdin: object = None,
    timeout: float | None | Default = DEFAULT,
    max_output: int | None | Default = DEFAULT,
    cancel: Canceller | None = None,
) -> ExecResult:
    """Run ``argv`` on the server at ``address``, send ``stdin``, and collect the output.

    A non-zero exit code or a signal is a result, not an error. Never run
    through a shell.

    :param address: ``unix:/path``, a bare path, ``tcp://host:port``, ``[::1]:port``, or a parsed address.
    :param argv: the program and its arguments, ``str`` (sent as UTF-8) or bytes; no NUL bytes.
    :param stdin: None (the default: stdin is ended at once), ``str`` (UTF-8), bytes, a file object
        opened for reading, or an iterable of chunks; read only as fast as the server accepts it.
    :param timeout: seconds the whole call may take (connecting, running, reading the reply);
        None (the default) for none. When it expires the connection is closed, so the server
        terminates the program, and the call raises :class:`~netspawn.TimeoutExpired`.
    :param max_output: most bytes of stdout and stderr together held in memory
        (default 64 MiB; None for no limit); one more raises :class:`~netspawn.OutputLimitError`.
    :param cancel: a :class:`~netspawn.Canceller` that cancels the call (``ABORTED``).
    :raises NetspawnError: ``CONNECT_FAILED``, ``PROTOCOL_ERROR``, ``TIMEOUT``, ``ABORTED``,
        ``CLOSED_WITHOUT_STATUS``, ``SPAWN_FAILED`` (the server could not start the program) or ``OUTPUT_LIMIT``.
    :raises UsageError: ``INVALID_ARGUMENT`` for a bad address, argv or option.

    Example (with a server at ``/run/netspawn.sock``)::

        result = netspawn.exec("unix:/run/netspawn.sock", ["echo", "hello"])
        assert (result.stdout, result.exit_code) == (b"hello\\n", 0)
    """
    return _exec(address, argv, stdin, timeout, max_output, cancel, NO_DEFAULTS)


def spawn(
    address: AddressLike,
    argv: Sequence[Arg],
    *,
    stdin: Literal["piped"] | None = "piped",
    timeout: float | None | Default = DEFAULT,
    max_output: int | None | Default = DEFAULT,
    cancel: Canceller | None = None,
) -> Child:
    """Run ``argv`` on the server at ``address``, streaming its stdin, stdout and stderr.

    Connects at once and sends argv; then whatever is written to
    ``child.stdin`` goes to the program, until ``child.stdin.close()``.

    :param stdin: ``"piped"`` (the default): write it through ``child.stdin``;
        None: no stdin (ended at once).
    :param timeout: seconds the whole call may take; None (the default) for none.
    :param max_output: most bytes of output (default: no limit; output is streamed).
    :param cancel: a :class:`~netspawn.Canceller` that cancels the call.
    :raises ConnectError: ``CONNECT_FAILED`` at once when the server cannot be reached.
    :raises UsageError: ``INVALID_ARGUMENT`` for a bad address, argv or option.

    Example (with a server at ``/run/netspawn.sock``)::

        with netspawn.spawn("unix:/run/netspawn.sock", ["tr", "a-z", "A-Z"]) as child:
            child.stdin.write(b"shout")
            child.stdin.close()
            assert child.stdout.read() == b"SHOUT"
            assert child.wait() == netspawn.ExitStatus(exit_code=0, signal=None)
    """
    return _spawn(address, argv, stdin, timeout, max_output, cancel, NO_DEFAULTS)


class Client:
    """A client for one server, with defaults for every call.

    Each call opens its own connection (the protocol runs one program per
    connection), so a ``Client`` holds no socket and needs no closing.

    >>> client = Client("tcp://127.0.0.1:7000", timeout=10)
    >>> client.address
    TcpAddress(hostname='127.0.0.1', port=7000)
    """

    def __init__(
        self,
        address: AddressLike,
        *,
        timeout: float | None | Default = DEFAULT,
        max_output: int | None | Default = DEFAULT,
        cancel: Canceller | None = None,
    ) -> None:
        #: The server's address.
        self.address: Address = to_address(address)
        self._defaults = check_defaults(timeout, max_output, cancel)

    def exec(
        self,
        argv: Sequence[Arg],
        *,
        stdin: object = None,
        timeout: float | None | Default = DEFAULT,
        max_output: int | None | Default = DEFAULT,
        cancel: Canceller | None = None,
    ) -> ExecResult:
        """Run ``argv`` and collect its output; see :func:`netspawn.exec`. The call's options win."""
        return _exec(self.address, argv, stdin, timeout, max_output, cancel, self._defaults)

    def spawn(
        self,
        argv: Sequence[Arg],
        *,
        stdin: Literal["piped"] | None = "piped",
        timeout: float | None | Default = DEFAULT,
        max_output: int | None | Default = DEFAULT,
        cancel: Canceller | None = None,
    ) -> Child:
        """Run ``argv``, streaming; see :func:`netspawn.spawn`. The call's options win."""
        return _spawn(self.address, argv, stdin, timeout, max_output, cancel, self._defaults)


def _exec(
    address: AddressLike,
    argv: Sequence[Arg],
    stdin: object,
    timeout: object,
    max_output: object,
    cancel: object,
    defaults: Defaults,
) -> ExecResult:
    settings = resolve_settings(timeout, max_output, cancel, defaults, DEFAULT_EXEC_MAX_OUTPUT)
    check_source(stdin, asynchronous=False)
    output: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    call = SyncCall(to_address(address), argv, settings, stdin, lambda stream, data: output[stream].append(data))
    try:
        status = call.wait()
    finally:
        call.close()
    return ExecResult(
        stdout=b"".join(output["stdout"]),
        stderr=b"".join(output["stderr"]),
        exit_code=status.exit_code,
        signal=status.signal,
    )


def _spawn(
    address: AddressLike,
    argv: Sequence[Arg],
    stdin: object,
    timeout: object,
    max_output: object,
    cancel: object,
    defaults: Defaults,
) -> Child:
    if stdin not in ("piped", None):
        raise UsageError(f'spawn\'s stdin must be "piped" or None, got {stdin!r}; use exec() to send a source')
    settings = resolve_settings(timeout, max_output, cancel, defaults, None)
    call = SyncCall(to_address(address), argv, settings, PIPED if stdin == "piped" else None)
    return Child(call, piped=stdin == "piped")
