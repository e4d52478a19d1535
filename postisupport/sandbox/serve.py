"""The sandbox over HTTP on a socket, served by uvicorn until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from typing import Any

from postisupport.errors import ListenError
from postisupport.sandbox.app import BASE_PATH, SandboxApplication


def bind(host: str, port: int) -> tuple[socket.socket, str]:
    """A listening socket, and the SCIM base URL it serves."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)  # connections made before the server runs wait instead of failing
    except OSError as error:
        raise ListenError(host, port, error.strerror or str(error)) from None
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return sock, f"http://{shown}:{bound_port}{BASE_PATH}"


def serve(app: SandboxApplication, sock: socket.socket, on_ready: Callable[[], None]) -> None:
    """Serve until Ctrl-C or SIGTERM, then return after a graceful shutdown.

    `on_ready` runs once a signal would stop the server cleanly, so whoever
    waits for it can stop the server straight away.
    """
    import uvicorn

    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    def stop(signum: int, frame: Any) -> None:
        # Before uvicorn runs, this stops it as soon as it starts; after its
        # graceful shutdown, uvicorn re-raises the signal here, where it ends.
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        on_ready()
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
