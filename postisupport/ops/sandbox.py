"""Serving the sandbox over HTTP: the data the settings name, on the address asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from postisupport.config.settings import Settings


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    writable: bool = False


def exposed(settings: Settings, options: ServeOptions) -> bool:
    """Whether the sandbox would be reachable from other machines with no token to stop anyone."""
    import ipaddress

    if settings.sandbox_token or options.host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(options.host).is_loopback
    except ValueError:
        return True  # a host name: it may resolve to anything


def serve(settings: Settings, options: ServeOptions, on_ready: Callable[[str, str | None], None]) -> None:
    """Serve until Ctrl-C or SIGTERM. `on_ready(url, mapping)` runs once the socket accepts connections;
    `mapping` names the mapping a capture served was made through, when it was another than
    postisupport's own: the sandbox serves it in postisupport's form, which that mapping misreads.

    The data file is checked before the port is taken, so a bad file costs no socket.
    """
    from postisupport.sandbox.app import application
    from postisupport.sandbox.serve import bind
    from postisupport.sandbox.serve import serve as serve_forever

    served = application(settings.sandbox_data, settings.sandbox_token, writable=options.writable,
                         served=True)
    from postisupport.idp.mapping import DEFAULT

    record = served.record if isinstance(served.record, dict) else {}
    through = record.get("mapping")
    other = str(through) if through is not None and through != DEFAULT else None
    sock, url = bind(options.host, options.port)
    serve_forever(served, sock, lambda: on_ready(url, other))
