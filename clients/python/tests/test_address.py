"""Addresses, as the protocol core parses them (protocol/address.ts)."""

from __future__ import annotations

import pytest

from netspawn import TcpAddress, UnixAddress, UsageError, format_address, parse_address
from netspawn.address import to_address


@pytest.mark.parametrize(
    ("text", "parsed", "canonical"),
    [
        ("unix:/run/netspawn.sock", UnixAddress("/run/netspawn.sock"), "unix:/run/netspawn.sock"),
        ("unix:run/x.sock", UnixAddress("run/x.sock"), "unix:run/x.sock"),
        ("/run/netspawn.sock", UnixAddress("/run/netspawn.sock"), "unix:/run/netspawn.sock"),
        ("x.sock", UnixAddress("x.sock"), "unix:x.sock"),
        ("./x.sock", UnixAddress("./x.sock"), "unix:./x.sock"),
        ("tcp://127.0.0.1:7000", TcpAddress("127.0.0.1", 7000), "tcp://127.0.0.1:7000"),
        ("tcp://localhost:1", TcpAddress("localhost", 1), "tcp://localhost:1"),
        ("tcp://[::1]:65535", TcpAddress("::1", 65535), "tcp://[::1]:65535"),
        ("[::1]:7000", TcpAddress("::1", 7000), "tcp://[::1]:7000"),
        ("[fe80::1%eth0]:7", TcpAddress("fe80::1%eth0", 7), "tcp://[fe80::1%eth0]:7"),
    ],
)
def test_every_form_parses_and_formats_back(text: str, parsed: object, canonical: str) -> None:
    assert parse_address(text) == parsed
    assert format_address(parse_address(text)) == canonical
    assert parse_address(canonical) == parsed


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "must not be empty"),
        ("unix:", "the socket path is empty"),
        ("tcp://host", "expected HOST:PORT"),
        ("tcp://:7000", "the host is empty or malformed"),
        ("tcp://a b:7000", "the host is empty or malformed"),
        ("tcp://a/b:7000", "the host is empty or malformed"),
        ("tcp://::1:7000", "write an IPv6 address in brackets"),
        ("tcp://[::1]7000", r"expected \[IPV6\]:PORT"),
        ("[::1", r"expected \[IPV6\]:PORT"),
        ("[127.0.0.1]:7", "brackets are for IPv6 addresses only"),
        ("tcp://h:0", "from 1 to 65535"),
        ("tcp://h:65536", "from 1 to 65535"),
        ("tcp://h:+1", "from 1 to 65535"),
        ("tcp://h:123456", "from 1 to 65535"),
        ("tcp://h:", "from 1 to 65535"),
        ("tcp://h:٣", "from 1 to 65535"),
    ],
)
def test_malformed_addresses_are_usage_errors(text: str, why: str) -> None:
    with pytest.raises(UsageError, match=why) as error:
        parse_address(text)
    assert error.value.code == "INVALID_ARGUMENT"


def test_parsed_addresses_are_checked_too() -> None:
    assert to_address(TcpAddress("::1", 7)) == TcpAddress("::1", 7)
    with pytest.raises(UsageError):
        to_address(TcpAddress("h", 0))
    with pytest.raises(UsageError):
        to_address(UnixAddress(""))
    with pytest.raises(UsageError):
        to_address(7000)
