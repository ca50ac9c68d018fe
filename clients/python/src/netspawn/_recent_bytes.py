"""The last bytes received, to show where a protocol error is (private)."""

from __future__ import annotations

from typing import Final

#: How many bytes before the current chunk are kept.
_KEEP: Final = 64
#: How many bytes on each side of an offset an excerpt shows.
_AROUND: Final = 24


class RecentBytes:
    """The chunk being parsed and a copy of the bytes just before it (memory: 64 bytes plus the chunk)."""

    def __init__(self) -> None:
        self._before = b""
        self._current = b""
        self._current_start = 0

    @property
    def total(self) -> int:
        """Bytes received so far."""
        return self._current_start + len(self._current)

    def push(self, chunk: bytes) -> None:
        """Record the next chunk received."""
        self._before = (self._before + self._current[-_KEEP:])[-_KEEP:]
        self._current_start += len(self._current)
        self._current = chunk

    def around(self, offset: int) -> tuple[bytes, int]:
        """A copy of the known bytes around ``offset``, and the offset of its first byte."""
        known = self._current_start - len(self._before)
        start = max(known, offset - _AROUND)
        end = max(start, min(self.total, offset + _AROUND))
        joined = self._before + self._current[: max(0, end - self._current_start)]
        return joined[start - known : end - known], start
