"""Fixtures: the netspawn server under test, and a scripted fake server."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from typing import Callable

import pytest

#: Set by clients/python/python_test.ts, which starts netspawn's server in-process.
_UNIX = os.environ.get("NETSPAWN_TEST_UNIX")
_TCP = os.environ.get("NETSPAWN_TEST_TCP")
_SKIP = "no netspawn server: set NETSPAWN_TEST_UNIX and NETSPAWN_TEST_TCP, or run `deno test -A clients/python/`"


@pytest.fixture(params=["unix", "tcp"])
def address(request: pytest.FixtureRequest) -> str:
    """The address of a running netspawn server, over a UNIX socket and over TCP."""
    value = _UNIX if request.param == "unix" else _TCP
    if not value:
        pytest.skip(_SKIP)
    return value


@pytest.fixture
def unix_address() -> str:
    """The UNIX socket address of a running netspawn server."""
    if not _UNIX:
        pytest.skip(_SKIP)
    return _UNIX


Handler = Callable[[socket.socket], None]


class FakeServer:
    """A one-connection server on a UNIX socket that runs ``handler(conn)``, then closes."""

    def __init__(self, handler: Handler) -> None:
        self._dir = tempfile.mkdtemp(prefix="netspawn-py-fake-")
        self.path = os.path.join(self._dir, "fake.sock")
        self.address = f"unix:{self.path}"
        self.errors: list[BaseException] = []
        self._closed = False
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(1)
        self._listener.settimeout(10)
        self._thread = threading.Thread(target=self._serve, args=(handler,), daemon=True)
        self._thread.start()

    def _serve(self, handler: Handler) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError as error:
            self.errors.append(error)
            return
        with conn:
            conn.settimeout(10)
            try:
                handler(conn)
            except OSError:
                pass  # the client went away: what the test wants to see is on the client's side
            except BaseException as error:  # pragma: no cover - reported by close()
                self.errors.append(error)

    def close(self) -> None:
        """Stop, and fail the test if the handler broke (once; later calls do nothing)."""
        if self._closed:
            return
        self._closed = True
        self._thread.join(10)
        self._listener.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
        os.rmdir(self._dir)
        assert not self._thread.is_alive(), "the fake server's handler did not finish"
        assert not self.errors, self.errors


def read_request(conn: socket.socket) -> bytes:
    """Everything the client sends up to and including the end marker ``0:,`` (or its close)."""
    data = b""
    while not data.endswith(b"0:,"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def fake_server() -> Iterator[Callable[[Handler], FakeServer]]:
    """Start fake servers; each is closed (and checked) at the end of the test."""
    started: list[FakeServer] = []

    def start(handler: Handler) -> FakeServer:
        server = FakeServer(handler)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
