"""The request writer on the conformance kit's encode vectors (conformance/vectors/codec/request.json)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import pytest
from kit import bytes_of, load

from netspawn import Arg, UsageError
from netspawn._request import RequestWriter

_ENCODE = [v for v in load("codec", "request") if v["direction"] == "encode"]


def _encode(value: dict[str, object]) -> bytes:
    writer = RequestWriter()
    argv = value["argv"]
    assert isinstance(argv, list)
    out = writer.argv([bytes_of(a) for a in argv])
    stdin = value.get("stdin", [])
    assert isinstance(stdin, list)
    for chunk in stdin:
        out += b"".join(writer.stdin(bytes_of(chunk)))
    if value.get("end", True):
        out += writer.end()
    return out


@pytest.mark.parametrize("vector", _ENCODE, ids=[str(v["id"]) for v in _ENCODE])
def test_encode_vectors(vector: dict[str, object]) -> None:
    value = vector["value"]
    expect = vector["expect"]
    assert isinstance(value, dict) and isinstance(expect, dict)
    if "error" in expect:
        with pytest.raises(UsageError) as error:
            _encode(value)
        assert error.value.code == expect["error"]["code"]
    else:
        assert _encode(value) == bytes_of(expect["bytes"])


def test_an_empty_stdin_sends_one_end_marker_only() -> None:
    writer = RequestWriter()
    head = writer.argv(["cat"])
    assert head == b"1:1,3:cat,"
    assert writer.stdin(b"") == []
    assert writer.end() == b"0:,"
    with pytest.raises(RuntimeError):
        writer.end()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ("ls -l", "not a single string"),
        (b"ls", "not a single string"),
        ([], "at least the program"),
        (["echo", "a\0b"], "argv[1] contains a NUL byte"),
        (["echo", 3], "argv[1] must be str or bytes, got int"),
        (["echo", "\udc80"], "argv[1] is not valid Unicode text"),
        (42, "must be a list of arguments"),
    ],
)
def test_argv_that_cannot_be_carried_is_refused(argv: object, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")) as error:
        RequestWriter().argv(cast("Sequence[Arg]", argv))
    assert error.value.code == "INVALID_ARGUMENT"


def test_arguments_are_bytes_or_utf8() -> None:
    head = RequestWriter().argv(["é", b"\xff\x00"[:1], bytearray(b"x"), memoryview(b"yz")])
    assert head == b"1:4,2:\xc3\xa9,1:\xff,1:x,2:yz,"
