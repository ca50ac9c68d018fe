"""Server addresses as text, exactly as the protocol core parses them (protocol/address.ts).

=====================================  =======================================================
text                                   meaning
=====================================  =======================================================
``unix:/run/netspawn.sock``            a UNIX socket (relative paths allowed: ``unix:run/x.sock``)
``/run/netspawn.sock``, ``x.sock``     a bare path: a UNIX socket
``tcp://127.0.0.1:7000``               TCP to a host name or IPv4 address
``tcp://[::1]:7000``, ``[::1]:7000``   TCP to an IPv6 address
=====================================  =======================================================

>>> parse_address("tcp://[::1]:7000")
TcpAddress(hostname='::1', port=7000)
>>> format_address(parse_address("x.sock"))
'unix:x.sock'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Union

from .errors import UsageError


@dataclass(frozen=True)
class UnixAddress:
    """A UNIX stream socket."""

    path: str


@dataclass(frozen=True)
class TcpAddress:
    """A TCP endpoint; ``hostname`` is a name, an IPv4 address, or an IPv6 address without brackets."""

    hostname: str
    port: int


#: A parsed address.
Address = Union[UnixAddress, TcpAddress]

_PORT: Final = re.compile(r"[0-9]{1,5}")
_BAD_HOST: Final = re.compile(r"[\s/]")


def parse_address(text: str) -> Address:
    """Parse an address (see the module documentation for the forms).

    :raises UsageError: ``INVALID_ARGUMENT`` for an empty address, a bad port,
        or a malformed ``tcp://`` or ``[...]`` form.
    """
    if not isinstance(text, str) or text == "":
        raise _invalid(text, "an address must not be empty")
    if text.startswith("unix:"):
        path = text[len("unix:") :]
        if path == "":
            raise _invalid(text, "the socket path is empty")
        return UnixAddress(path)
    if text.startswith("tcp://"):
        return _parse_host_port(text, text[len("tcp://") :])
    if text.startswith("["):
        return _parse_host_port(text, text)
    return UnixAddress(text)


def format_address(address: Address) -> str:
    """The canonical text of an address: ``unix:PATH``, ``tcp://HOST:PORT`` or ``tcp://[V6]:PORT``.

    >>> format_address(parse_address("[::1]:7000"))
    'tcp://[::1]:7000'
    """
    if isinstance(address, UnixAddress):
        return f"unix:{address.path}"
    host = f"[{address.hostname}]" if ":" in address.hostname else address.hostname
    return f"tcp://{host}:{address.port}"


def to_address(address: object) -> Address:
    """An address given as text or already parsed, checked.

    :raises UsageError: ``INVALID_ARGUMENT`` as :func:`parse_address` does, or for another type.
    """
    if isinstance(address, str):
        return parse_address(address)
    if isinstance(address, UnixAddress) and isinstance(address.path, str) and address.path:
        return address
    if isinstance(address, TcpAddress) and isinstance(address.hostname, str) and address.hostname:
        _check_port(str(address.port), address.port, format_address(address))
        return address
    raise UsageError("an address must be a str, a UnixAddress or a TcpAddress")


def _parse_host_port(text: str, rest: str) -> Address:
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0 or rest[close + 1 : close + 2] != ":":
            raise _invalid(text, "expected [IPV6]:PORT")
        hostname = rest[1:close]
        port_text = rest[close + 2 :]
        if ":" not in hostname:
            raise _invalid(text, "brackets are for IPv6 addresses only")
    else:
        colon = rest.rfind(":")
        if colon < 0:
            raise _invalid(text, "expected HOST:PORT")
        hostname = rest[:colon]
        port_text = rest[colon + 1 :]
        if ":" in hostname:
            raise _invalid(text, "write an IPv6 address in brackets: tcp://[::1]:PORT")
    if hostname == "" or _BAD_HOST.search(hostname):
        raise _invalid(text, "the host is empty or malformed")
    port = int(port_text) if _PORT.fullmatch(port_text) else -1
    return TcpAddress(hostname, _check_port(port_text, port, text))


def _check_port(port_text: str, port: object, text: str) -> int:
    valid = isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535
    if not _PORT.fullmatch(port_text) or not valid:
        raise _invalid(text, f'the port must be a number from 1 to 65535, got "{port_text}"')
    assert isinstance(port, int)
    return port


def _invalid(text: object, why: str) -> UsageError:
    shown = f'"{text}"' if isinstance(text, str) else repr(text)
    return UsageError(f"bad address {shown}: {why}")
