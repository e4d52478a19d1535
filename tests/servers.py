"""Servers for tests and benchmarks, out of the shipped package: loopback HTTP, hostile answers,
a request timeline, and a large generated directory."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from postisupport.idp import urns
from postisupport.sandbox.serve import bind


def generated_directory(users: int, organisations: int = 10, admin_every: int = 50) -> dict[str, Any]:
    """A large fictional directory for load tests and benchmarks.

    User i is user{i}@example.com, also answers to alias{i}@example.net and
    legacy ID LEG{i:06d}, is an admin when i is a multiple of `admin_every`,
    and belongs to organisation g{i % organisations}.
    """
    return {
        "Users": [{
            "id": f"u{i}", "userName": f"user{i}@example.com",
            "emails": [{"value": f"user{i}@example.com"}, {"value": f"alias{i}@example.net"}],
            "roles": [{"value": "admin"}] if i % admin_every == 0 else [],
            urns.LOGIN_EXTENSION: {"legacyUserId": f"LEG{i:06d}"},
        } for i in range(users)],
        "Groups": [{
            "id": f"g{k}", "displayName": f"Organisation {k}",
            "members": [{"value": f"u{i}"} for i in range(k, users, organisations)],
            urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", "services": []},
        } for k in range(organisations)],
    }


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 on a free port; yields its SCIM base URL; stops it after."""
    import uvicorn

    sock, url = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield url
    finally:
        # Forced: a hostile server may still be sleeping on a request the client gave up on.
        server.should_exit = server.force_exit = True
        thread.join(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Hostile:
    """An HTTP server that answers every request with the same broken response."""

    def __init__(self, status: int, body: bytes, content_type: bytes, delay: float = 0) -> None:
        self.status, self.body, self.content_type, self.delay = status, body, content_type, delay
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.requests += 1
        await asyncio.sleep(self.delay)
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", self.content_type)]})
        await send({"type": "http.response.body", "body": self.body})


class Timeline:
    """ASGI middleware that records when each request starts and ends."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.events: list[tuple[str, int]] = []
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        number = self.count
        self.count += 1
        self.events.append(("start", number))
        await asyncio.sleep(0.02)  # long enough that concurrent requests overlap
        await self.app(scope, receive, send)
        self.events.append(("end", number))

    def depth(self) -> int:
        """The longest chain of requests where each started after the previous one ended."""
        depth_of: dict[int, int] = {}
        finished: set[int] = set()
        for kind, number in self.events:
            if kind == "start":
                depth_of[number] = 1 + max((depth_of[f] for f in finished), default=0)
            else:
                finished.add(number)
        return max(depth_of.values())
