"""Every HTTP exchange, as the engineer reproducing a ticket needs it: one JSON line each, secrets cut.

A transport wrapper, so nothing in the client changes: the request as sent and
the response as received (headers, and bodies up to BODY_BYTES), with the
time, the status and how long it took. Authorization and cookie headers, token
query parameters, and tokens or secrets in bodies (an OAuth2 token response, a
client-credentials form) are replaced by "[redacted]" before anything is
written, and so is any known secret wherever it appears.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from postisupport.core.text import REDACTED, redacted

BODY_BYTES = 64 * 1024  # per body: enough for any diagnosis's answers, a bound on a hostile one
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Names whose values are credentials, in a query string, a form or a JSON body; SCIM's own
# attributes (passwordResetSentAt, ...) are data an engineer needs, and stay.
SECRET_NAME = re.compile(r"^(token|password|secret|code|key|api_?key|assertion|client_assertion)$"
                         r"|(_|-)?(token|secret)$", re.IGNORECASE)

Sink = Callable[[dict[str, Any]], None]


class TracingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, sink: Sink,
                 secrets: Callable[[], Iterable[str]] = tuple) -> None:
        self._inner, self._sink, self._secrets = inner, sink, secrets

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        when = datetime.now(UTC)
        sent = request.content if isinstance(request.stream, httpx.ByteStream) else b""
        response = await self._inner.handle_async_request(request)

        def done(received: bytes, complete: bool) -> None:
            self._sink(self._record(request, response, when, started, sent, received, complete))

        response.stream = _Tee(response.stream, done)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

    def _record(self, request: httpx.Request, response: httpx.Response, when: datetime, started: float,
                sent: bytes, received: bytes, complete: bool) -> dict[str, Any]:
        secrets = [s for s in self._secrets() if s]
        return {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": request.method,
            "url": redacted(safe_url(str(request.url)), secrets),
            "status": response.status_code,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            "request": {"headers": _headers(request.headers, secrets), **_body(sent, secrets, True)},
            "response": {"headers": _headers(response.headers, secrets),
                          **_body(received, secrets, complete)},
        }


class _Tee(httpx.AsyncByteStream):
    """The response's bytes passed on as they come, a capped copy kept; recorded when closed."""

    def __init__(self, inner: Any, done: Callable[[bytes, bool], None]) -> None:
        self._inner, self._done = inner, done
        self._kept = bytearray()
        self._complete = False
        self._recorded = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if len(self._kept) < BODY_BYTES + 1:
                self._kept += chunk[: BODY_BYTES + 1 - len(self._kept)]
            yield chunk
        self._complete = True

    async def aclose(self) -> None:
        if not self._recorded:
            self._recorded = True
            self._done(bytes(self._kept), self._complete)
        await self._inner.aclose()


def safe_url(url: str) -> str:
    """The URL with every query parameter that could hold a secret redacted."""
    parts = urlsplit(url)
    query = [(k, REDACTED if SECRET_NAME.search(k) else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _headers(headers: httpx.Headers, secrets: list[str]) -> dict[str, str]:
    return {name: REDACTED if name.lower() in SECRET_HEADERS else redacted(value, secrets)
            for name, value in headers.items()}


def _body(content: bytes, secrets: list[str], complete: bool) -> dict[str, Any]:
    if not content:
        return {"body": None, "size": 0}
    text = content[:BODY_BYTES].decode("utf-8", errors="replace")
    try:
        body: Any = _scrubbed(json.loads(text))
        shown = json.dumps(body, ensure_ascii=False)
    except (ValueError, RecursionError):
        pairs = parse_qsl(text, keep_blank_values=True) if "=" in text and " " not in text else []
        scrubbed = [(k, REDACTED if SECRET_NAME.search(k) else v) for k, v in pairs]
        shown = urlencode(scrubbed) if pairs else text
    cut = len(content) > BODY_BYTES or not complete
    return {"body": redacted(shown, secrets), "size": len(content), "truncated": cut}


def _scrubbed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if SECRET_NAME.search(str(k)) and isinstance(v, str) else _scrubbed(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value
