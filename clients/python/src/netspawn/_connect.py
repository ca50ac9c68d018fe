"""Opening a connection to an address, with errors as the client reports them (private)."""

from __future__ import annotations

import asyncio
import errno
import socket

from .address import Address, UnixAddress, format_address
from .errors import ConnectError, TimeoutExpired


def connect(address: Address, remaining: float | None, timeout: float | None) -> socket.socket:
    """A connected, blocking socket to ``address``, within ``remaining`` seconds (None: no limit).

    :raises ConnectError: ``CONNECT_FAILED`` with the system's error code.
    :raises TimeoutExpired: when ``remaining`` runs out (``timeout`` is the call's, for the message).
    """
    text = format_address(address)
    if remaining is not None and remaining <= 0:
        raise TimeoutExpired(timeout or 0.0)
    if isinstance(address, UnixAddress) and len(address.path.encode("utf-8", "surrogateescape")) >= 108:
        raise ConnectError(text, "ENAMETOOLONG")
    sock: socket.socket | None = None
    try:
        if isinstance(address, UnixAddress):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(remaining)
            sock.connect(address.path)
        else:
            sock = socket.create_connection((address.hostname, address.port), timeout=remaining)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        return sock
    except socket.timeout:
        _close(sock)
        raise TimeoutExpired(timeout or 0.0) from None
    except OSError as error:
        _close(sock)
        raise connect_error(text, error) from error


async def connect_async(address: Address, remaining: float | None, timeout: float | None) -> socket.socket:
    """A connected, non-blocking socket to ``address`` for the running loop; as :func:`connect`."""
    text = format_address(address)
    if remaining is not None and remaining <= 0:
        raise TimeoutExpired(timeout or 0.0)
    if isinstance(address, UnixAddress) and len(address.path.encode("utf-8", "surrogateescape")) >= 108:
        raise ConnectError(text, "ENAMETOOLONG")
    try:
        return await asyncio.wait_for(_open_async(address), remaining)
    except asyncio.TimeoutError:
        raise TimeoutExpired(timeout or 0.0) from None
    except OSError as error:
        raise connect_error(text, error) from error


async def _open_async(address: Address) -> socket.socket:
    loop = asyncio.get_running_loop()
    if isinstance(address, UnixAddress):
        return await _try_connect(socket.AF_UNIX, address.path)
    infos = await loop.getaddrinfo(address.hostname, address.port, type=socket.SOCK_STREAM)
    last: OSError = OSError(errno.EADDRNOTAVAIL, "no address to connect to")
    for family, _, _, _, sockaddr in infos:
        try:
            sock = await _try_connect(family, sockaddr)
        except OSError as error:
            last = error
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise last


async def _try_connect(
    family: int, sockaddr: str | tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes]
) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def connect_error(text: str, error: OSError) -> ConnectError:
    """The ``CONNECT_FAILED`` error for a failed connection to ``text``."""
    if isinstance(error, socket.gaierror):
        return ConnectError(text, _resolver_code(error), str(error))
    code = errno.errorcode.get(error.errno) if error.errno is not None else None
    return ConnectError(text, code, str(error))


def _resolver_code(error: socket.gaierror) -> str:
    if error.errno == socket.EAI_AGAIN:
        return "EAI_AGAIN"
    if error.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
        return "ENOTFOUND"
    return f"EAI_{error.errno}"


def _close(sock: socket.socket | None) -> None:
    if sock is not None:
        sock.close()
