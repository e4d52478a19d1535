"""Servers for tests and benchmarks, out of the shipped package: loopback HTTP, hostile answers,
a request timeline, and a large generated directory."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from postisupport.idp import urns
from postisupport.sandbox.serve import bind

LOGGED_IN = "2021-03-01T08:00:00Z"  # since the 2021 renewal: an administrator who logs in can act


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
            # Each has logged in since the renewal, so its administrators can act.
            urns.LOGIN_EXTENSION: {"legacyUserId": f"LEG{i:06d}", "lastLoginTime": LOGGED_IN},
        } for i in range(users)],
        "Groups": [{
            "id": f"g{k}", "displayName": f"Organisation {k}",
            "members": [{"value": f"u{i}"} for i in range(k, users, organisations)],
            urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", "services": []},
        } for k in range(organisations)],
    }


@contextmanager
def serving(app: Any, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 on a free port; yields its SCIM base URL; stops it after.

    With `tls` (certificate file, key file) it serves HTTPS, and the URL names 127.0.0.1 too."""
    import uvicorn

    sock, url = bind("127.0.0.1", 0)
    options: dict[str, Any] = {}
    if tls is not None:
        options = {"ssl_certfile": str(tls[0]), "ssl_keyfile": str(tls[1])}
        url = url.replace("http://", "https://", 1)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, **options)
    server = _QuickServer(config)
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
        server.stop()
        thread.join(10)


class _QuickServer:
    """uvicorn's server, stopped at once: its main loop polls for the stop every 0.1 s and its shutdown
    waits 0.1 s more for connections to end, 0.2 s in all for each of the suite's hundreds of servers.
    A test's server has nothing to wait for: a hostile one may still be sleeping on a request the client
    gave up on, and that request is cancelled."""

    def __new__(cls, config: Any) -> Any:
        import asyncio

        import uvicorn

        class Server(uvicorn.Server):
            async def main_loop(self) -> None:
                self._stopped = asyncio.Event()
                self._loop = asyncio.get_running_loop()
                if not self.should_exit:  # stop() may have come before the loop was known
                    await self._stopped.wait()

            async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
                for server in self.servers:
                    server.close()
                for connection in list(self.server_state.connections):
                    connection.shutdown()
                for task in list(self.server_state.tasks):
                    task.cancel()
                await asyncio.sleep(0)

            def stop(self) -> None:
                self.should_exit = self.force_exit = True
                if getattr(self, "_loop", None) is not None:
                    self._loop.call_soon_threadsafe(self._stopped.set)

        return Server(config)


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


@contextmanager
def raw_serving(answer: bytes) -> Iterator[str]:
    """A server on 127.0.0.1 on a free port that answers every request with `answer`, bytes as they are,
    then closes the connection: what no ASGI server would send (control characters in a header, no
    status line). Yields its SCIM base URL; stops it after. `answer` is sent in pieces of 16 KB, as a
    large answer comes off a network."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stopped = threading.Event()

    def answering(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client gave up on a broken answer: its right
            request = b""
            while b"\r\n\r\n" not in request and (chunk := conn.recv(65536)):
                request += chunk
            for start in range(0, len(answer), 16384):
                conn.sendall(answer[start:start + 16384])
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):  # until the client closes: closing first could reset the answer
                pass

    def accepting() -> None:
        while not stopped.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(10)
            threading.Thread(target=answering, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accepting, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/scim/v2"
    finally:
        stopped.set()
        thread.join(10)
        listener.close()


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
        # Long enough that requests sent together overlap on a loaded machine too (at 0.02 s a CI run's
        # second request of a pair once started after the first had ended: depth 3 for 2).
        await asyncio.sleep(0.25)
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


class Trickle:
    """An HTTP server that answers 200 at once, then sends its body one byte every `interval` seconds."""

    def __init__(self, body: bytes, interval: float) -> None:
        self.body, self.interval = body, interval

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/scim+json")]})
        for byte in self.body:
            await send({"type": "http.response.body", "body": bytes([byte]), "more_body": True})
            await asyncio.sleep(self.interval)
        await send({"type": "http.response.body", "body": b""})


class Redirecting:
    """An HTTP server that answers every request with a redirect carrying a JSON body."""

    def __init__(self, status: int, location: str) -> None:
        self.status, self.location = status, location
        self.requests: list[dict[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.requests.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"location", self.location.encode())]})
        await send({"type": "http.response.body", "body": b'{"totalResults": 0, "Resources": []}'})


class OAuthServer:
    """An OAuth2 token endpoint (client credentials, RFC 6749 section 4.4) in front of an ASGI app.

    POST /token with HTTP Basic client authentication returns a new access token each time
    (access-token-1, access-token-2, ...); every other request must carry a token issued and not revoked.
    """

    def __init__(self, app: Any, client_id: str, client_secret: str, expires_in: int = 3600) -> None:
        self.app, self.client_id, self.client_secret = app, client_id, client_secret
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.revoked: set[str] = set()
        self.token_requests: list[dict[str, list[str]]] = []
        self.down = False  # the token endpoint answers 500 while set

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if scope["path"] == "/token":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            form = parse_qs(body.decode())
            self.token_requests.append(form)
            if self.down:
                await _json(send, 500, {"error": "server_error"})
                return
            expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if headers.get("authorization") != expected or form.get("grant_type") != ["client_credentials"]:
                await _json(send, 401, {"error": "invalid_client", "error_description": "unknown client"})
                return
            token = f"access-token-{len(self.issued) + 1}"
            self.issued.append(token)
            await _json(send, 200, {"access_token": token, "token_type": "Bearer",
                                    "expires_in": self.expires_in})
            return
        given = headers.get("authorization", "").removeprefix("Bearer ")
        if given not in self.issued or given in self.revoked:
            await _json(send, 401, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                                    "status": "401", "detail": "token not accepted"})
            return
        await self.app(scope, receive, send)


async def answer_of(app: Any, scope: Any, receive: Any) -> tuple[dict[str, Any], bytes]:
    """What the ASGI `app` answers `scope`: its start message and its whole body, for a wrapper to change."""
    sent: list[Any] = []

    async def keep(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, keep)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def send_answer(send: Any, start: dict[str, Any], body: bytes, *headers: tuple[bytes, bytes]) -> None:
    """`start` and `body` sent on, with its own length and `headers` added."""
    kept = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    await send({**start, "headers": [*kept, *headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Any, status: int, body: Any) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class Quirky:
    """The wrapped SCIM app with one quirk of a real-world server:
    "ignores-filters" drops filter=; "ignores-attributes" drops attributes=;
    "case-sensitive" keeps only the users whose userName, e-mail or legacy ID is exactly a value
    a filter on userName names (as the Node server issue 9 tells of); "no-schemas" answers 404
    on /Schemas; "refuses" answers 400 to attributes= naming an extension attribute and to the
    filter `roles pr`; "fails-halfway" answers 500 from the fifth request on; "whole-total" says, as
    a filtered list's totalResults, how many the whole collection holds."""

    def __init__(self, app: Any, quirk: str) -> None:
        self.app, self.quirk, self.requests = app, quirk, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        query = parse_qs(scope["query_string"].decode(), keep_blank_values=True)
        self.requests += 1
        if self.quirk == "fails-halfway" and self.requests > 4:
            return await _json(send, 500, {"status": "500", "detail": "internal error"})
        if self.quirk == "refuses" and (any("urn:" in v for v in query.get("attributes", []))
                                        or query.get("filter") == ["roles pr"]):
            return await _json(send, 400, {"status": "400", "scimType": "invalidFilter"})
        if self.quirk == "no-schemas" and scope["path"].endswith("/Schemas"):
            return await _json(send, 404, {"status": "404", "detail": "no such endpoint"})
        if self.quirk == "case-sensitive" and "userName eq " in query.get("filter", [""])[0]:
            return await self._exactly(query["filter"][0], scope, receive, send)
        if self.quirk == "whole-total" and "filter" in query:
            return await self._whole_total(scope, receive, send)
        dropped = {"ignores-filters": "filter", "ignores-attributes": "attributes"}.get(self.quirk)
        if dropped:
            kept = [(k, v) for k, values in query.items() if k != dropped for v in values]
            scope = {**scope, "query_string": urlencode(kept).encode()}
        await self.app(scope, receive, send)

    async def _answered(self, scope: Any, receive: Any) -> tuple[int, Any]:
        """The wrapped app's answer to `scope`: its status and its JSON body."""
        sent: list[Any] = []

        async def keep(message: Any) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return status, json.loads(body)

    async def _whole_total(self, scope: Any, receive: Any, send: Any) -> None:
        status, body = await self._answered(scope, receive)
        if status != 200 or not isinstance(body, dict) or "Resources" not in body:
            return await _json(send, status, body)
        async def nothing() -> Any:  # a GET's request has no body; the first call has read it
            return {"type": "http.request", "body": b"", "more_body": False}

        _, whole = await self._answered({**scope, "query_string": b"count=0"}, nothing)
        await _json(send, 200, {**body, "totalResults": whole["totalResults"]})

    async def _exactly(self, scim_filter: str, scope: Any, receive: Any, send: Any) -> None:
        values = {json.loads(f'"{v}"') for v in re.findall(r'eq "((?:[^"\\]|\\.)*)"', scim_filter)}
        sent: list[Any] = []

        async def keep(message: Any) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
        resources = [user for user in body.get("Resources", []) if values & {
            user.get("userName"), *(e.get("value") for e in user.get("emails", [])),
            user.get(urns.LOGIN_EXTENSION, {}).get("legacyUserId")}]
        await _json(send, 200, {"schemas": [LIST_RESPONSE], "totalResults": len(resources),
                                "Resources": resources})
