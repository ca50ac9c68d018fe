"""Reading a stdin source piece by piece (private).

A source is None (no stdin), ``str`` (sent as UTF-8), bytes-like, a file
object opened for reading (binary or text), or an iterable of ``str`` or
bytes chunks; the asyncio client also takes async iterables and objects with
a coroutine ``read(n)`` (``asyncio.StreamReader``). Sources are read only as
fast as the server accepts the data, in pieces of at most :data:`STDIN_PIECE`.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Final

from ._request import to_bytes
from .errors import UsageError

#: Largest stdin netstring the client sends; bigger chunks are split (servers limit netstring sizes).
STDIN_PIECE: Final = 64 * 1024

_BYTES_LIKE: Final = (str, bytes, bytearray, memoryview)


def check_source(source: object, asynchronous: bool) -> None:
    """Check a stdin source's type at once, before anything is sent.

    :raises UsageError: for anything that is not a source.
    """
    if source is None or isinstance(source, _BYTES_LIKE) or callable(getattr(source, "read", None)):
        return
    if isinstance(source, Iterable) or (asynchronous and isinstance(source, AsyncIterable)):
        return
    kinds = "str, bytes, a file object, an iterable" + (" or an async iterable" if asynchronous else "")
    raise UsageError(f"stdin must be None, {kinds} of chunks; got {type(source).__name__}")


def pieces(source: object) -> Iterator[bytes]:
    """The non-empty pieces of a source, read as they are asked for."""
    if source is None:
        return
    if isinstance(source, _BYTES_LIKE):
        yield from _split(to_bytes(source, "stdin"))
        return
    read = getattr(source, "read", None)
    if callable(read):
        while True:
            chunk = read(STDIN_PIECE)
            if not chunk:
                return
            yield from _split(to_bytes(chunk, "a stdin chunk"))
    assert isinstance(source, Iterable)
    for chunk in source:
        yield from _split(to_bytes(chunk, "a stdin chunk"))


async def apieces(source: object) -> AsyncIterator[bytes]:
    """The non-empty pieces of a source, for the asyncio client (sync sources are read in place)."""
    read = getattr(source, "read", None)
    if callable(read) and inspect.iscoroutinefunction(read):
        while True:
            chunk = await read(STDIN_PIECE)
            if not chunk:
                return
            for piece in _split(to_bytes(chunk, "a stdin chunk")):
                yield piece
        return
    if isinstance(source, AsyncIterable):
        async for chunk in source:
            for piece in _split(to_bytes(chunk, "a stdin chunk")):
                yield piece
        return
    for piece in pieces(source):
        yield piece


def _split(data: bytes) -> Iterator[bytes]:
    if len(data) <= STDIN_PIECE:
        if data:
            yield data
        return
    view = memoryview(data)
    for at in range(0, len(data), STDIN_PIECE):
        yield bytes(view[at : at + STDIN_PIECE])
