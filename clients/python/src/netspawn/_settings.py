"""Checking and merging call options (private)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from .cancel import Canceller
from .errors import UsageError

#: The default ``max_output`` of ``exec``: 64 MiB of stdout and stderr together.
DEFAULT_EXEC_MAX_OUTPUT: Final = 64 * 1024 * 1024

#: Longest timeout accepted, in seconds (about 24.8 days, as the TypeScript client).
MAX_TIMEOUT: Final = 2147483.647


class Default:
    """The type of :data:`DEFAULT`."""

    def __repr__(self) -> str:
        return "DEFAULT"


#: An option not given: the client's default applies, else the call's own default.
DEFAULT: Final = Default()


@dataclass(frozen=True)
class Defaults:
    """A client's defaults; ``DEFAULT`` where none was given."""

    timeout: float | None | Default = DEFAULT
    max_output: int | None | Default = DEFAULT
    cancellers: tuple[Canceller, ...] = ()


#: No defaults (the module-level functions).
NO_DEFAULTS: Final = Defaults()


@dataclass(frozen=True)
class Settings:
    """A call's options, checked, with defaults applied."""

    #: Seconds, or None for no timeout.
    timeout: float | None
    #: Bytes, or None for no limit.
    max_output: int | None
    #: Cancellers that cancel the call.
    cancellers: tuple[Canceller, ...]


def check_defaults(timeout: object, max_output: object, cancel: object) -> Defaults:
    """A client's defaults, checked.

    :raises UsageError: naming the bad option.
    """
    return Defaults(
        timeout=timeout if isinstance(timeout, Default) else _timeout(timeout),
        max_output=max_output if isinstance(max_output, Default) else _max_output(max_output),
        cancellers=_cancellers(cancel),
    )


def resolve_settings(
    timeout: object, max_output: object, cancel: object, defaults: Defaults, default_max_output: int | None
) -> Settings:
    """Merge a call's options over a client's defaults and check them.

    :raises UsageError: naming the bad option.
    """
    if isinstance(timeout, Default):
        timeout = None if isinstance(defaults.timeout, Default) else defaults.timeout
    if isinstance(max_output, Default):
        max_output = default_max_output if isinstance(defaults.max_output, Default) else defaults.max_output
    return Settings(
        timeout=_timeout(timeout),
        max_output=_max_output(max_output),
        cancellers=defaults.cancellers + _cancellers(cancel),
    )


def _timeout(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"timeout must be a number of seconds or None, got {type(value).__name__}")
    if math.isnan(value) or not 0 < value <= MAX_TIMEOUT:
        raise UsageError(f"timeout must be more than 0 and at most {MAX_TIMEOUT} seconds, got {value!r}")
    return float(value)


def _max_output(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"max_output must be a non-negative number of bytes, or None for no limit, got {value!r}")
    return value


def _cancellers(value: object) -> tuple[Canceller, ...]:
    if value is None:
        return ()
    if not isinstance(value, Canceller):
        raise UsageError(f"cancel must be a netspawn.Canceller, got {type(value).__name__}")
    return (value,)
