"""A protocol violation found by the sans-I/O parsers (private)."""

from __future__ import annotations


class WireError(Exception):
    """The server's bytes broke the protocol.

    ``code`` is the protocol core's error code (``BAD_EXITCODE``,
    ``LEADING_ZERO``, ...), ``offset`` the position in the reply (from 0) of
    the first byte that could not be accepted, or of the end of input for the
    end-of-input codes.
    """

    def __init__(self, code: str, offset: int, detail: str) -> None:
        super().__init__(f"{code} at byte {offset}: {detail}")
        self.code = code
        self.offset = offset
        self.detail = detail
