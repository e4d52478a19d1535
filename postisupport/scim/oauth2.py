"""OAuth2 client credentials (RFC 6749 section 4.4) as an httpx auth flow.

The access token is fetched on the first request and kept in memory for the
client's life, so a bulk run or an agent's session fetches one token, not one
per request. It is fetched again shortly before it expires, and once when the
API answers 401 (a token revoked early). Concurrent requests share one fetch.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from postisupport import USER_AGENT
from postisupport.core.text import MIN_SECRET, redacted, shortened, terminal_safe
from postisupport.core.urls import is_loopback
from postisupport.errors import ApiError, AuthError, PostisupportError, UnreachableError

MAX_ANSWER_BYTES = 100_000  # a token response is a few hundred bytes
REFRESH_MARGIN = 30.0  # seconds before expiry that a token counts as expired
DEFAULT_LIFETIME = 300.0  # when the token endpoint does not say (expires_in is only RECOMMENDED)
MAX_LIFETIME = 366 * 24 * 3600  # an expires_in beyond a year, NaN or past a float's range is read as unsaid
# After the token endpoint failed, requests in this many seconds get the same failure without asking
# it again: a bulk run's hundreds of rows must not each hammer an endpoint that is down.
FAILURE_HOLD = 2.0


class ClientCredentials(httpx.Auth):
    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        *,
        timeout: float = 10.0,
        verify: Any = True,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._timeout = timeout
        self._verify = verify
        self._transport = transport
        self._clock = clock
        self._token: str | None = None
        self._issued: list[str] = []  # every access token this process got, to cut out of echoed text
        self._expires_at = 0.0
        self._margin = REFRESH_MARGIN
        self._lock: asyncio.Lock | None = None
        self._failed: tuple[PostisupportError, float] | None = None  # the last failure, and when
        self.fetches = 0  # how many tokens this process fetched
        # Set when a fetch was cut short by the caller's deadline: what the caller should say then,
        # as the token endpoint, not the API, kept it waiting.
        self.stalled: UnreachableError | None = None

    def __repr__(self) -> str:  # never the secret or the token
        return f"ClientCredentials({self.token_url!r}, client_id={self._client_id!r})"

    def secrets(self) -> list[str]:
        """What a server must never be shown to have said back: the client secret (alone and as the
        Basic credentials it is sent in) and every access token issued to us."""
        basic = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()
        return [self._client_secret, basic, *self._issued]

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._current()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self._current(stale=token)}"
            yield request

    async def _current(self, stale: str | None = None) -> str:
        """The access token in force; `stale` is one the API refused, to be replaced (once)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            fresh = self._token is not None and self._clock() < self._expires_at - self._margin
            if self._token is not None and ((stale is None and fresh) or (stale and self._token != stale)):
                return self._token
            if self._failed is not None and self._clock() < self._failed[1] + FAILURE_HOLD:
                raise self._failed[0].with_traceback(None)
            try:
                self._token, lifetime = await self._fetch()
            except (ApiError, UnreachableError) as error:
                self._failed = (error, self._clock())
                raise
            self._failed = None
            # Renewed REFRESH_MARGIN before it expires; a token that lives less long than twice that,
            # at half its life: a margin longer than the life would make it stale on arrival, and
            # fetch a token for every request.
            self._expires_at = self._clock() + lifetime
            self._margin = min(REFRESH_MARGIN, lifetime / 2)
            return self._token

    async def _fetch(self) -> tuple[str, float]:
        where = "POST token endpoint"
        self.stalled = None
        data = {"grant_type": "client_credentials"}
        if self._scope:
            data["scope"] = self._scope
        try:
            async with (
                httpx.AsyncClient(timeout=self._timeout, verify=self._verify, transport=self._transport,
                                  headers={"User-Agent": USER_AGENT}, follow_redirects=False,
                                  trust_env=not is_loopback(self.token_url)) as http,
                http.stream("POST", self.token_url, data=data,
                            auth=(self._client_id, self._client_secret)) as response,
            ):
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:
                        raise ApiError(where, "the token endpoint's answer is larger than "
                                       f"{MAX_ANSWER_BYTES // 1000} KB; refused")
                # Known before the response is closed, which is when a trace records it.
                body = _parsed(content)
                if isinstance(body, dict) and isinstance(body.get("access_token"), str):
                    self._issued.append(body["access_token"])
        except asyncio.CancelledError:
            self.stalled = UnreachableError(self.token_url, "timed out", timeout=self._timeout,
                                            token_endpoint=True)
            raise
        except httpx.TimeoutException:
            raise UnreachableError(self.token_url, "timed out", timeout=self._timeout,
                                   token_endpoint=True) from None
        except httpx.RemoteProtocolError as error:
            from postisupport.scim.client import protocol_error

            raise protocol_error(error, self.token_url, where, "the OAuth2 token endpoint answered the "
                                 "token request", token_endpoint=True) from None
        except httpx.TransportError as error:
            raise UnreachableError(self.token_url, str(error) or type(error).__name__,
                                   token_endpoint=True) from None
        self.fetches += 1
        status = response.status_code
        if status in (400, 401, 403):
            # RFC 6749 section 5.2: invalid_client, unauthorized_client, invalid_scope ...
            raise AuthError(status, where, redacted(_oauth_error(body), self.secrets()), token_endpoint=True)
        if 300 <= status < 400:
            # Never followed: the client secret would go wherever it points.
            pointed = urlsplit(response.headers.get("location", "")).hostname or "nowhere it says"
            raise ApiError(where, f"the token endpoint answered HTTP {status}, a redirect to {pointed}, "
                           "which is not followed", status)
        if status != 200 or not isinstance(body, dict):
            raise ApiError(where, f"the token endpoint answered HTTP {status} without a token", status)
        token, lifetime = body.get("access_token"), body.get("expires_in", DEFAULT_LIFETIME)
        if not isinstance(token, str) or not token.isascii() or not token.isprintable() or not token:
            raise ApiError(where, "the token endpoint's answer holds no usable access_token")
        if len(token) < MIN_SECRET:
            # Too short to be cut out of what a server echoes (core.text.redacted): never sent.
            raise ApiError(where, f"the token endpoint issued an access token of only {len(token)} "
                           f"character(s); one that short is refused (at least {MIN_SECRET})")
        told = isinstance(lifetime, int | float) and not isinstance(lifetime, bool)
        if not told or not 0 < lifetime <= MAX_LIFETIME:
            # NaN, an integer too big for a float, or years: what the endpoint says of it is no lifetime
            # (F31-7 crashed on float(10**400), F31-8 asked for a token before each request on NaN).
            lifetime = DEFAULT_LIFETIME
        return token, float(lifetime)


def _parsed(content: bytes | bytearray) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def _oauth_error(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    parts = [body.get("error"), body.get("error_description")]
    text = " ".join(p for p in parts if isinstance(p, str))
    return shortened(terminal_safe(" ".join(text.split())), 200)
