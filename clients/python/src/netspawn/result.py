"""What a call reports: how the program ended, and what it wrote."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExitStatus:
    """How a program ended: ``exit_code`` (0-255) or ``signal``, the other one None.

    ``signal`` is the signal's name without ``SIG`` (``"TERM"``, ``"KILL"``,
    ``"RTMIN+6"``), or ``"???"`` for a signal the server has no name for.

    >>> ExitStatus(exit_code=0, signal=None).success
    True
    """

    exit_code: int | None
    signal: str | None

    @property
    def success(self) -> bool:
        """True when the program exited with code 0."""
        return self.exit_code == 0


@dataclass(frozen=True)
class ExecResult:
    """Everything a program wrote to stdout and stderr, and how it ended.

    A non-zero exit code or a signal is a result, not an error.

    >>> r = ExecResult(stdout=b"hi\\n", stderr=b"", exit_code=0, signal=None)
    >>> r.stdout.decode(), r.success
    ('hi\\n', True)
    """

    stdout: bytes
    stderr: bytes
    exit_code: int | None
    signal: str | None

    @property
    def status(self) -> ExitStatus:
        """``exit_code`` and ``signal`` as an :class:`ExitStatus`."""
        return ExitStatus(exit_code=self.exit_code, signal=self.signal)

    @property
    def success(self) -> bool:
        """True when the program exited with code 0."""
        return self.exit_code == 0
