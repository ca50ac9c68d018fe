"""The response parser on the conformance kit's codec vectors (conformance/vectors/codec/response.json)."""

from __future__ import annotations

import pytest
from kit import bytes_of, load, splits

from netspawn._response import Complete, Output, ResponseParser, Status
from netspawn._wire_error import WireError

_DECODE = [v for v in load("codec", "response") if v["direction"] == "decode"]

Event = dict[str, object]


def _merge(events: list[Event], stream: str, data: bytes) -> None:
    if events and stream in events[-1]:
        previous = events[-1][stream]
        assert isinstance(previous, bytes)
        events[-1] = {stream: previous + data}
    else:
        events.append({stream: data})


def _parse(parts: list[bytes], limits: dict[str, int]) -> tuple[list[Event], tuple[str, int] | None]:
    parser = ResponseParser(limits.get("maxLengthDigits", 10), limits.get("maxNetstringLength", 64 * 1024 * 1024))
    events: list[Event] = []

    def pull() -> None:
        while True:
            event = parser.next()
            if event is None:
                return
            if isinstance(event, Output):
                _merge(events, event.stream, event.data)
            elif isinstance(event, Status):
                status = event.status
                events.append({"exitcode": status.exit_code} if status.signal is None else {"termsig": status.signal})
            elif isinstance(event, Complete):
                events.append({"end": True})

    try:
        for part in parts:
            parser.push(part)
            pull()
        parser.end()
        pull()
    except WireError as error:
        return events, (error.code, error.offset)
    return events, None


def _expected(expect: dict[str, object]) -> list[Event]:
    out: list[Event] = []
    events = expect.get("events", [])
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, dict)
        if "stdout" in event or "stderr" in event:
            stream = "stdout" if "stdout" in event else "stderr"
            _merge(out, stream, bytes_of(event[stream]))
        else:
            out.append(event)
    return out


@pytest.mark.parametrize("vector", _DECODE, ids=[str(v["id"]) for v in _DECODE])
def test_decode_vectors_for_every_split(vector: dict[str, object]) -> None:
    data = bytes_of(vector["input"])
    expect = vector["expect"]
    assert isinstance(expect, dict)
    error = expect.get("error")
    want = (_expected(expect), None if error is None else (error["code"], error["offset"]))
    limits = vector.get("limits") or {}
    assert isinstance(limits, dict)
    for parts in splits(data):
        assert _parse(parts, limits) == want, [len(p) for p in parts]


def test_a_bad_length_fails_before_its_payload_arrives() -> None:
    parser = ResponseParser()
    parser.push(b"8:exitcode,4:")
    with pytest.raises(WireError) as error:
        parser.next()
    assert (error.value.code, error.value.offset) == ("BAD_EXITCODE", 11)
    assert parser.state == "failed"
