"""The netstring reader on the conformance kit's codec vectors (conformance/vectors/codec/netstring.json)."""

from __future__ import annotations

import pytest
from kit import bytes_of, load, splits

from netspawn._netstring import Begin, Data, End, Eof, NetstringReader, encode_netstring
from netspawn._wire_error import WireError

_VECTORS = load("codec", "netstring")
_DECODE = [v for v in _VECTORS if v["direction"] == "decode"]
_ENCODE = [v for v in _VECTORS if v["direction"] == "encode"]


def _decode(parts: list[bytes], limits: dict[str, int]) -> tuple[list[bytes], tuple[str, int] | None]:
    reader = NetstringReader(
        limits.get("maxLengthDigits", 10),
        limits.get("maxNetstringLength", 64 * 1024 * 1024),
    )
    values: list[bytes] = []
    payload = bytearray()

    def pull() -> bool:
        while True:
            event = reader.next()
            if event is None:
                return False
            if isinstance(event, Begin):
                payload.clear()
            elif isinstance(event, Data):
                payload.extend(event.data)
            elif isinstance(event, End):
                values.append(bytes(payload))
            elif isinstance(event, Eof):
                return True

    try:
        for part in parts:
            reader.push(part)
            pull()
        reader.end()
        pull()
    except WireError as error:
        return values, (error.code, error.offset)
    return values, None


@pytest.mark.parametrize("vector", _DECODE, ids=[str(v["id"]) for v in _DECODE])
def test_decode_vectors_for_every_split(vector: dict[str, object]) -> None:
    data = bytes_of(vector["input"])
    expect = vector["expect"]
    assert isinstance(expect, dict)
    want_values = [bytes_of(v) for v in expect.get("values", [])]
    error = expect.get("error")
    want_error = None if error is None else (error["code"], error["offset"])
    limits = vector.get("limits") or {}
    assert isinstance(limits, dict)
    for parts in splits(data) if len(data) < 4096 else [[data], [data[:1000], data[1000:]]]:
        assert _decode(parts, limits) == (want_values, want_error), [len(p) for p in parts]


@pytest.mark.parametrize("vector", _ENCODE, ids=[str(v["id"]) for v in _ENCODE])
def test_encode_vectors(vector: dict[str, object]) -> None:
    value = vector["value"]
    expect = vector["expect"]
    assert isinstance(value, dict) and isinstance(expect, dict)
    encoded = b"".join(encode_netstring(bytes_of(p)) for p in value["payloads"])
    assert encoded == bytes_of(expect["bytes"])


def test_errors_repeat_and_no_payload_is_lost_before_them() -> None:
    reader = NetstringReader()
    reader.push(b"2:ok,01:")
    events = [reader.next(), reader.next(), reader.next()]
    assert isinstance(events[1], Data) and events[1].data == b"ok"
    with pytest.raises(WireError) as first:
        reader.next()
    with pytest.raises(WireError) as again:
        reader.next()
    assert (first.value.code, first.value.offset) == ("LEADING_ZERO", 6)
    assert again.value is first.value
