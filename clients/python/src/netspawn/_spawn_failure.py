"""Recognising a netspawn server's "cannot run" reply (private)."""

from __future__ import annotations

from typing import Final

from .errors import SpawnError
from .result import ExitStatus

#: How a netspawn server's reason line starts.
_PREFIX: Final = b"netspawn: cannot run "
#: Bytes of stderr kept to recognise the reason line.
STDERR_HEAD: Final = 4096


def spawn_failure(status: ExitStatus, stdout_bytes: int, stderr_head: bytes) -> SpawnError | None:
    """The spawn error a reply stands for, if it is a netspawn server's report that the program could not start.

    That is: exit code 127 or 126, no stdout, and stderr starting with ``netspawn: cannot run``.
    """
    if status.exit_code not in (126, 127) or stdout_bytes != 0 or not stderr_head.startswith(_PREFIX):
        return None
    line = stderr_head.split(b"\n", 1)[0].decode("utf-8", "replace")
    assert status.exit_code is not None
    return SpawnError(status.exit_code, line)
