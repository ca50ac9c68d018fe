"""Byte helpers shared by the parsers and errors (private)."""

from __future__ import annotations


def show_bytes(data: bytes, limit: int = 32) -> str:
    """Printable ASCII kept, everything else (and the backslash) as ``\\xNN``; cut at ``limit`` bytes."""
    out = "".join(chr(b) if 0x20 <= b < 0x7F and b != 0x5C else f"\\x{b:02x}" for b in data[:limit])
    return out + "…" if len(data) > limit else out


def canonical_decimal(data: bytes, maximum: int) -> int | None:
    """The value of ``0`` or a non-zero digit followed by digits, at most ``maximum``; else None."""
    if not data or (data[0] == 0x30 and len(data) > 1):
        return None
    value = 0
    for b in data:
        if b < 0x30 or b > 0x39:
            return None
        value = value * 10 + (b - 0x30)
        if value > maximum:
            return None
    return value
