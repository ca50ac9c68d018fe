#!/usr/bin/env python3
"""Conformance adapter (netspawn-conformance-adapter/1, see ../README.md) for the Python client.

    deno task conformance client --adapter python                      # the blocking API
    deno task conformance client --adapter 'python3 conformance/adapters/python.py --aio'   # asyncio

Runs the client from its sources (clients/python/src); NETSPAWN_PYTHON_SRC may name another copy.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys

_SRC = os.environ.get("NETSPAWN_PYTHON_SRC") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python", "src"
)
sys.path.insert(0, _SRC)

import netspawn  # noqa: E402
import netspawn.aio  # noqa: E402

PROTOCOL = "netspawn-conformance-adapter/1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _run(request: dict[str, object], use_aio: bool) -> dict[str, object]:
    if request.get("protocol") != PROTOCOL:
        return {"ok": False, "error": "UNSUPPORTED", "message": f"unknown protocol {request.get('protocol')!r}"}
    fields = request.get("argv")
    if not isinstance(fields, list):
        return {"ok": False, "error": "UNSUPPORTED", "message": "argv is not a list"}
    argv = [base64.b64decode(str(a)) for a in fields]
    stdin: bytes | None = None if request.get("stdin") is None else base64.b64decode(str(request["stdin"]))
    timeout_ms = request.get("timeoutMs")
    timeout = None if timeout_ms is None else float(str(timeout_ms)) / 1000
    address = str(request["address"])
    try:
        if use_aio:
            result = asyncio.run(netspawn.aio.exec(address, argv, stdin=stdin, timeout=timeout, max_output=None))
        else:
            result = netspawn.exec(address, argv, stdin=stdin, timeout=timeout, max_output=None)
    except netspawn.ProtocolViolationError as error:
        return {"ok": False, "error": error.code, "detail": error.protocol_code, "message": str(error)}
    except netspawn.NetspawnError as error:
        return {"ok": False, "error": error.code, "message": str(error)}
    except netspawn.UsageError as error:
        return {"ok": False, "error": "UNSUPPORTED", "message": str(error)}
    return {
        "ok": True,
        "stdout": _b64(result.stdout),
        "stderr": _b64(result.stderr),
        "exitCode": result.exit_code,
        "signal": result.signal,
    }


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    print(json.dumps(_run(request, "--aio" in sys.argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
