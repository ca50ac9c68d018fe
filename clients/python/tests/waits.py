"""Waiting on events with deadlines, and process facts from /proc, for the end-to-end tests."""

from __future__ import annotations

import os
import re
import time
from typing import Callable


def gone(pid: int, seconds: float) -> None:
    """Return once process ``pid`` no longer exists; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while os.path.exists(f"/proc/{pid}"):
        assert time.monotonic() < deadline, f"deadline: process {pid} still exists after {seconds} s"
        time.sleep(0.02)


def stalled(read: Callable[[], int], quiet: float, seconds: float) -> int:
    """The value of ``read()`` once it stopped changing for ``quiet`` seconds; fail after ``seconds``."""
    start = time.monotonic()
    last, since = read(), time.monotonic()
    while time.monotonic() - start < seconds:
        time.sleep(0.02)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"deadline: progress did not stall within {seconds} s (at {last})")


def written(pid: int) -> int:
    """Bytes process ``pid`` has written so far (``wchar`` of /proc/PID/io)."""
    with open(f"/proc/{pid}/io", encoding="ascii") as file:
        match = re.search(r"^wchar: (\d+)$", file.read(), re.M)
    return int(match.group(1)) if match else -1


def rss() -> int:
    """This process's resident memory, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
