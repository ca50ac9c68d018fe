"""Reading the conformance kit's vectors (conformance/vectors) for the Python tests."""

from __future__ import annotations

import base64
import json
import os
from typing import Final

ROOT: Final = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECTORS: Final = os.path.join(ROOT, "conformance", "vectors")


def load(kind: str, name: str) -> list[dict[str, object]]:
    """The vectors of one file, e.g. ``load("codec", "response")``."""
    with open(os.path.join(VECTORS, kind, f"{name}.json"), encoding="utf-8") as file:
        data = json.load(file)
    vectors = data["vectors"]
    assert isinstance(vectors, list)
    return vectors


def bytes_of(spec: object) -> bytes:
    """The kit's byte notation: a U+0000-U+00FF string, {utf8}, {hex}, {base64}, {repeat, count}, or an array."""
    if isinstance(spec, str):
        return spec.encode("latin-1")
    if isinstance(spec, list):
        return b"".join(bytes_of(part) for part in spec)
    if isinstance(spec, dict):
        if "utf8" in spec:
            return str(spec["utf8"]).encode("utf-8")
        if "hex" in spec:
            return bytes.fromhex(str(spec["hex"]))
        if "base64" in spec:
            return base64.b64decode(str(spec["base64"]))
        if "repeat" in spec:
            count = spec["count"]
            assert isinstance(count, int)
            return bytes_of(spec["repeat"]) * count
    raise ValueError(f"not a byte spec: {spec!r}")


def splits(data: bytes) -> list[list[bytes]]:
    """The input whole, one byte at a time, and split at every boundary (at 64 points for long inputs)."""
    out = [[data], [data[i : i + 1] for i in range(len(data))]]
    step = max(1, len(data) // 64)
    for at in range(1, len(data), step):
        out.append([data[:at], data[at:]])
    return out
