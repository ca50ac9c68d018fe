"""Cancelling calls from anywhere: another thread, a signal handler, or an asyncio task."""

from __future__ import annotations

import threading
from typing import Callable


class Canceller:
    """A cancellation switch that any number of calls can watch.

    Pass it as ``cancel=`` to a call; :meth:`cancel` (thread-safe) closes the
    connection of every watching call, so the server terminates the programs,
    and the calls fail with :class:`~netspawn.AbortedError` carrying the reason.
    A call started with an already cancelled ``Canceller`` fails at once.

    >>> c = Canceller()
    >>> c.cancel("user pressed stop")
    >>> c.cancelled, c.reason
    (True, 'user pressed stop')
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._reason: object = None
        self._watchers: dict[int, Callable[[object], None]] = {}
        self._next = 0

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancelled

    @property
    def reason(self) -> object:
        """The reason given to :meth:`cancel`."""
        return self._reason

    def cancel(self, reason: object = None) -> None:
        """Cancel every watching call (and every later one). Only the first call's reason counts."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            self._reason = reason
            watchers = list(self._watchers.values())
            self._watchers.clear()
        for watcher in watchers:
            watcher(reason)

    def _watch(self, callback: Callable[[object], None]) -> Callable[[], None]:
        """Call ``callback(reason)`` on cancellation (at once if already cancelled); returns an unwatch function."""
        with self._lock:
            if not self._cancelled:
                key = self._next
                self._next += 1
                self._watchers[key] = callback
                return lambda: self._unwatch(key)
        callback(self._reason)
        return lambda: None

    def _unwatch(self, key: int) -> None:
        with self._lock:
            self._watchers.pop(key, None)
