"""Every HTTP exchange, as the engineer reproducing a ticket needs it: one JSON line each, secrets cut.

A transport wrapper, so nothing in the client changes: the request as sent and
the response as received (headers, and bodies up to BODY_BYTES), with the
time, the status and how long it took. Authorization and cookie headers, token
query parameters, and tokens or secrets in bodies (an OAuth2 token response, a
client-credentials form) are replaced by "[redacted]" before anything is
written, and so is any known secret wherever it appears.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from postisupport.core.text import REDACTED, redacted

# Where the client moves a redirect's Location, out of httpx's sight (scim.client); the trace shows it
# as the server sent it.
LOCATION_ASIDE = "X-Postisupport-Location"
# What a response body the trace shows may be decoded from (zlib's window bits for each).
DECODED = {"gzip": 16 + 15, "x-gzip": 16 + 15, "deflate": 15}

BODY_BYTES = 64 * 1024  # per body: enough for any diagnosis's answers, a bound on a hostile one
# A body is scrubbed whole before it is cut to BODY_BYTES (cut first, a token response's JSON no longer
# parses, and its access_token would be written in clear); this much of it is kept for that.
SCRUB_BYTES = 2 * 2**20
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Names whose values are credentials, in a query string, a form or a JSON body; SCIM's own
# attributes (passwordResetSentAt, ...) are data an engineer needs, and stay.
SECRET_NAME = re.compile(r"^(token|password|passwd|pwd|passphrase|secret|code|key|api_?key|assertion|sig"
                         r"|signature|saml_?response|otp|pin|sas"
                         r"|client_assertion|jwt|bearer|authorization|credentials?|private_?key)$"
                         r"|(_|-)?(token|secret|jwt)$|(_|-)(password|key|credentials?)$"
                         r"|^j?session([_-]?id)?$|(_|-)session([_-]?id)?$"
                         r"|(?-i:[a-z](Password|Key|Credentials?|Session|SessionId))$", re.IGNORECASE)

Sink = Callable[[dict[str, Any]], None]


class TracingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, sink: Sink,
                 secrets: Callable[[], Iterable[str]] = tuple) -> None:
        self._inner, self._sink, self._secrets = inner, sink, secrets
        # Values seen under a credential's name (an access token in a token response): secrets too,
        # wherever they turn up again, in that body or a later exchange.
        self._learnt: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        when = datetime.now(UTC)
        sent = request.content if isinstance(request.stream, httpx.ByteStream) else b""
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException as error:
            # The request no answer came to (refused, timed out, cut off at its deadline) is often
            # the one a ticket is about: recorded too, with why.
            self._sink(self._unanswered(request, when, started, sent, error))
            raise

        def done(received: bytes, size: int, complete: bool) -> None:
            self._sink(self._record(request, response, when, started, sent, received, size, complete))

        response.stream = _Tee(response.stream, done)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

    def _unanswered(self, request: httpx.Request, when: datetime, started: float, sent: bytes,
                    error: BaseException) -> dict[str, Any]:
        secrets = [s for s in [*self._secrets(), *self._learnt] if s]
        why = "cancelled: its deadline passed, or the run was stopped" \
            if isinstance(error, asyncio.CancelledError) else f"{type(error).__name__}: {error}"
        return {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": request.method,
            "url": redacted(safe_url(str(request.url)), secrets),
            "status": None,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            "request": {"headers": _headers(request.headers, secrets),
                        **_body(sent, secrets, True, learnt=self._learnt)},
            "error": redacted(why, secrets),
        }

    def _record(self, request: httpx.Request, response: httpx.Response, when: datetime, started: float,
                sent: bytes, received: bytes, size: int, complete: bool) -> dict[str, Any]:
        secrets = [s for s in [*self._secrets(), *self._learnt] if s]
        request_body = _body(sent, secrets, True, learnt=self._learnt)
        whole = len(received) >= size  # else a part was kept, and decodes to a part
        received, decoded = _decoded(received, response.headers.get("Content-Encoding", ""))
        if decoded:
            complete = complete and whole
        response_body = {**_body(received, secrets, complete, size, learnt=self._learnt), **decoded}
        secrets += self._learnt  # so headers of this exchange, too
        return {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": request.method,
            "url": redacted(safe_url(str(request.url)), secrets),
            "status": response.status_code,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            "request": {"headers": _headers(request.headers, secrets), **request_body},
            "response": {"headers": _headers(response.headers, secrets), **response_body},
        }


class _Tee(httpx.AsyncByteStream):
    """The response's bytes passed on as they come, a capped copy kept; recorded when closed."""

    def __init__(self, inner: Any, done: Callable[[bytes, int, bool], None]) -> None:
        self._inner, self._done = inner, done
        self._kept = bytearray()
        self._size = 0
        self._complete = False
        self._recorded = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._size += len(chunk)
            if len(self._kept) < SCRUB_BYTES:
                self._kept += chunk[: SCRUB_BYTES - len(self._kept)]
            yield chunk
        self._complete = True

    async def aclose(self) -> None:
        if not self._recorded:
            self._recorded = True
            self._done(bytes(self._kept), self._size, self._complete)
        await self._inner.aclose()


def safe_url(url: str) -> str:
    """The URL with every query parameter that could hold a secret redacted."""
    parts = urlsplit(url)
    query = [(k, REDACTED if SECRET_NAME.search(k) else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _headers(headers: httpx.Headers, secrets: list[str]) -> dict[str, str]:
    """Every header, its value redacted when its name is a credential's (X-Auth-Token, X-Api-Key) and
    its secrets cut out of it otherwise; the name too, as a server may echo a token there."""
    def secret(name: str) -> bool:
        return name.lower() in SECRET_HEADERS or SECRET_NAME.search(name) is not None

    return {("location" if name.lower() == LOCATION_ASIDE.lower() else redacted(name, secrets)):
            REDACTED if secret(name) else _without_query_secrets(redacted(value, secrets))
            for name, value in headers.items()}


# A query parameter inside any text (a Location, a link in a body): its name, and its value up to where
# a URL's parameter ends (never past a quote or a backslash, so a JSON text stays JSON).
QUERY_PARAMETER = re.compile(r"(?<=[?&;])([A-Za-z0-9_.\-]+)=([^&#\s\"'<>\\]*)")


def _without_query_secrets(text: str) -> str:
    """`text` with the value of every URL query parameter named as a credential (access_token, code,
    client_secret, sig) replaced, as the request URL's are (safe_url)."""
    return QUERY_PARAMETER.sub(lambda m: f"{m[1]}=%5Bredacted%5D" if SECRET_NAME.search(m[1]) else m[0], text)


def _decoded(content: bytes, encoding: str) -> tuple[bytes, dict[str, str]]:
    """The body as the server meant it: httpx decodes a compressed answer above the transport, where
    the trace is taken, so without this a gzipped body is shown as mojibake (and its secrets are
    looked for in bytes that hide them). At most SCRUB_BYTES of it: a bomb costs nothing."""
    import zlib

    name = encoding.strip().lower()
    if not name or name == "identity" or not content:
        return content, {}
    if name not in DECODED:
        return content, {"encoding": f"{name}, not decoded"}
    try:
        return zlib.decompressobj(DECODED[name]).decompress(content, SCRUB_BYTES), {"encoding": name}
    except zlib.error:
        try:  # "deflate" sent raw, without its zlib header, as some servers do
            return zlib.decompressobj(-15).decompress(content, SCRUB_BYTES), {"encoding": name}
        except zlib.error:
            return content, {"encoding": f"{name}, which does not decode"}


def _body(content: bytes, secrets: list[str], complete: bool, size: int | None = None,
          learnt: list[str] | None = None) -> dict[str, Any]:
    """The body as the trace shows it: scrubbed whole (what of it was kept), then cut to BODY_BYTES.
    What it holds under credentials' names is added to `learnt`."""
    size = len(content) if size is None else size
    if not size:
        return {"body": None, "size": 0}
    # Decoded as the client reads it (json.loads detects UTF-16 and UTF-32 too): read as UTF-8, a
    # UTF-16 body's secrets would be written with a NUL between each character, matching no form.
    text = content[:SCRUB_BYTES].decode(json.detect_encoding(content[:4]), errors="replace")
    found: list[str] = []
    try:
        body: Any = _scrubbed(json.loads(text), found)
        # A secret holding " or \ is dumped escaped: its JSON-escaped form is one text.redacted cuts.
        shown = json.dumps(body, ensure_ascii=False)
    except (ValueError, RecursionError):
        # JSON cut short, or with text after it: its escapes undone first (\/ and \u002b, as some
        # servers write them), or a secret written so would match no form.
        text = _unescaped(text)
        pairs = parse_qsl(text, keep_blank_values=True) if "=" in text and " " not in text else []
        found += [v for k, v in pairs if SECRET_NAME.search(k)]
        scrubbed = [(k, REDACTED if SECRET_NAME.search(k) else v) for k, v in pairs]
        shown = urlencode(scrubbed) if pairs else _scrubbed_text(text, found)
    if learnt is not None:
        learnt += [value for value in found if value not in learnt]
    shown = _without_query_secrets(redacted(shown, [*secrets, *found]))
    cut = len(shown) > BODY_BYTES or size > len(content) or not complete
    return {"body": shown[:BODY_BYTES], "size": size, "truncated": cut}


def _scrubbed(value: Any, found: list[str]) -> Any:
    """`value` with whatever is under a credential's name redacted, whatever its type
    ({"refresh_token": {"value": ...}} holds a secret as much as a string); the strings cut, in `found`."""
    if isinstance(value, dict):
        scrubbed = {}
        for k, v in value.items():
            if SECRET_NAME.search(str(k)):
                found += _strings(v)
                scrubbed[k] = REDACTED
            else:
                scrubbed[k] = _scrubbed(v, found)
        return scrubbed
    if isinstance(value, list):
        return [_scrubbed(v, found) for v in value]
    return value


# A JSON escape that changes no string's bounds when undone: \/, and \uXXXX of a printable character
# other than " and \.
_HARMLESS_ESCAPE = re.compile(r"\\(/)|\\u([0-9a-fA-F]{4})")


def _unescaped(text: str) -> str:
    def undone(match: re.Match[str]) -> str:
        if match.group(1):
            return "/"
        char = chr(int(match.group(2), 16))
        return char if char.isprintable() and char not in '"\\' and not "\ud800" <= char <= "\udfff" \
            else match.group(0)

    return _HARMLESS_ESCAPE.sub(undone, text)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]


# "name": in JSON that does not parse (cut, or broken); the value after it is found by _value_end.
_JSON_NAME = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*')
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)(?:"|$)')
_JSON_BARE = re.compile(r'[^,}\]\s]*')  # a number, true, false or null: to the next separator


def _scrubbed_text(text: str, found: list[str]) -> str:
    """JSON that does not parse with every value under a credential's name redacted: a string (perhaps
    cut off), an object or a list (to its closing bracket, or to the end when the body was cut there),
    or a bare value; the strings cut go into `found`."""
    kept: list[str] = []
    position = 0
    for match in _JSON_NAME.finditer(text):
        if match.start() < position or not SECRET_NAME.search(match.group(1)):
            continue
        start = match.end()
        end = _value_end(text, start)
        value = text[start:end]
        found += [m.group(1) for m in _JSON_STRING.finditer(value)] if value[:1] in "[{" else \
            [value.removeprefix('"').removesuffix('"')]
        kept += [text[position:start], f'"{REDACTED}"']
        position = end
    return "".join([*kept, text[position:]])


def _value_end(text: str, start: int) -> int:
    """Where the JSON value starting at `start` ends: after its closing quote or bracket (strings
    inside skipped), before the comma or bracket after a bare value; the text's end when it is cut."""
    if text[start:start + 1] == '"':
        string = _JSON_STRING.match(text, start)
        return string.end() if string else len(text)
    if text[start:start + 1] in ("{", "["):
        depth, position = 0, start
        while position < len(text):
            char = text[position]
            if char == '"':
                string = _JSON_STRING.match(text, position)
                position = string.end() if string else len(text)
                continue
            depth += char in "{["
            depth -= char in "}]"
            position += 1
            if depth == 0:
                return position
        return len(text)
    bare = _JSON_BARE.match(text, start)
    return bare.end() if bare else start
