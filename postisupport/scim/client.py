"""The read-only SCIM 2.0 client: HTTP in, list responses of plain JSON resources out, nothing else.

One client serves a single diagnosis, a warm interactive session or a bulk
run: it keeps its connections open, and every request it makes passes one
shared concurrency limit, so a thousand concurrent diagnoses never put more
than `max_concurrency` requests on the wire at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import random
import re
import ssl
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from postisupport import USER_AGENT
from postisupport.core.text import (
    NESTED,
    NOT_UTF8,
    REDACTED,
    NotJson,
    json_document,
    kept_twice,
    redacted,
    shortened,
    terminal_safe,
)
from postisupport.core.urls import is_loopback
from postisupport.errors import (
    ApiError,
    AuthError,
    ConfigurationError,
    PostisupportError,
    SecretSource,
    UnreachableError,
)
from postisupport.scim.pacing import Pacer
from postisupport.scim.trace import LOCATION_ASIDE

if TYPE_CHECKING:
    from tenacity import RetryCallState

LOOKUP_COUNT = 20
PAGE_COUNT = 200
MAX_PAGES = 25  # 5,000 groups or administrators for one question: past that, the answer is reported cut
RETRIED_STATUSES = frozenset({429, 503})
MAX_RETRIES = 2
MAX_RETRY_WAIT = 5.0
MAX_ERROR_DETAIL = 200
MAX_ANSWER_BYTES = 16 * 2**20  # far above any honest page; a bound on what a hostile server costs
MAX_URL_BYTES = 8000  # what servers and proxies commonly accept in a request line
URL_OVERHEAD = 200  # the endpoint, "?filter=", count and excludedAttributes around the filter

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"  # RFC 7644 section 3.12

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """Which failures are tried again, how many tries in all, and how long to wait between them:
    the server's Retry-After when it gives one, else exponential backoff from half a second."""

    statuses: frozenset[int] = RETRIED_STATUSES
    attempts: int = MAX_RETRIES + 1
    transport: bool = False  # connection errors and timeouts too
    max_wait: float = MAX_RETRY_WAIT
    jitter: float = 0.0  # up to this many seconds added to a backoff, so workers don't retry in step


# An agent on a call can't wait long; a bulk run of thousands of rows can, and should be polite.
QUICK = RetryPolicy()
PATIENT = RetryPolicy(frozenset({429, 502, 503, 504}), attempts=5, transport=True, max_wait=30.0, jitter=0.5)
# Nothing tried again: a 429 or 503 is its error at once (ScimClient.stop_retrying).
ONCE = RetryPolicy(frozenset(), attempts=1)


TOO_LONG = "the diagnosis took too long"


class Budget:
    """The time a diagnosis's requests may take, all together: the clock runs while one of them is
    being sent and answered, or waits to be tried again, never while they wait their turn (a rate
    limit, the concurrency limit, another request's Retry-After). A bulk run held back by --rate
    must not time its rows out; a server that answers each request just in time still cannot hold a
    diagnosis longer than its budget."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._spent = 0.0
        self._busy = 0  # requests of the diagnosis being sent or waiting to be tried again
        self._since = 0.0

    def left(self) -> float:
        running = asyncio.get_running_loop().time() - self._since if self._busy else 0.0
        return self.seconds - self._spent - running

    @contextmanager
    def busy(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        if not self._busy:
            self._since = loop.time()
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._spent += loop.time() - self._since


# The budget of the diagnosis a request is part of (set by the diagnosis; None: no budget but the
# request's own timeout). A context variable, as the requests of one diagnosis run in the tasks it
# starts, and those of another diagnosis on the same client in others.
BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget", default=None)


class _TryAgain(Exception):
    """A failure the policy tries again: the answer, or the error, to give up with."""

    def __init__(self, answer: Answer | None = None, error: PostisupportError | None = None,
                 path: str = "") -> None:
        super().__init__()
        self.answer, self.error, self.path = answer, error, path


@dataclass
class Page:
    """One list response: its resources, and the problems met reading it."""

    resources: list[dict[str, Any]]
    total: int
    problems: list[str] = field(default_factory=list)
    # Items the server sent, non-resources too: where the next page starts (startIndex is 1-based).
    received: int = field(default=0, compare=False, repr=False)

    @property
    def truncated(self) -> bool:
        return self.total > len(self.resources)


class ScimClient:
    """Reads Users and Groups from one SCIM service provider."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        max_concurrency: int = 8,
        sleep: Sleep = asyncio.sleep,
        auth: httpx.Auth | None = None,
        verify: ssl.SSLContext | bool = True,
        retry: RetryPolicy = QUICK,
        throttle: AbstractAsyncContextManager[Any] | None = None,
        on_page: Callable[[str, Page], None] | None = None,
        secret_source: SecretSource | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        headers = {"Accept": "application/scim+json, application/json", "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._token = token
        self._auth = auth
        self._secret_source = secret_source  # named by an AuthError, so the user knows what to fix
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        with unusable_proxy():
            self._http = self._client(headers, transport, auth, verify)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._sleep = sleep
        self._retry = retry
        self._throttle = throttle  # a rate limit shared by every request (aiolimiter in bulk runs)
        self._pacer = pacer  # request starts spread over the round trip (bulk runs)
        # While a server asks everyone to wait (Retry-After), the gate is shut for all requests;
        # the one request that was told waits and opens it again.
        self._open = asyncio.Event()
        self._open.set()
        self._closer: asyncio.Task[Any] | None = None
        self._told = 0.0  # the server's last asked wait, as waited
        self.requests = 0  # sent, retries included
        self._on_page = on_page  # sees every list response read (a capture keeps the resources)

    def _client(self, headers: dict[str, str], transport: Any, auth: Any, verify: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers=headers,
            timeout=self.timeout,
            transport=transport,
            auth=auth,
            verify=verify,
            follow_redirects=False,  # a redirect is an error: the token never goes where it points
            event_hooks={"response": [_keep_location_aside]},
            # A proxy named in the environment (HTTP_PROXY, ALL_PROXY) is another machine: traffic for
            # this one, plain http with the token in it, never goes through it.
            trust_env=not is_loopback(self.base_url),
        )

    @property
    def url_budget(self) -> int:
        """How many URL-encoded bytes a filter may take, so the whole request line stays under
        MAX_URL_BYTES."""
        return MAX_URL_BYTES - len(self.base_url) - URL_OVERHEAD

    async def __aenter__(self) -> ScimClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def stop_retrying(self) -> None:
        """From now on every request is tried once, and none waits for what the server asked
        (Retry-After), the wait it last asked included: for a caller whose requests the server went on
        rate limiting through every retry (doctor's later checks), where each next one would only wait
        as long again, in vain."""
        self._retry = ONCE
        self._open.set()

    async def probe(self) -> None:
        """One cheap authenticated request: raises AuthError when the API refuses our credentials."""
        _page_of(await self._get("Users", {"count": "0"}), "Users")

    async def search(
        self, endpoint: str, scim_filter: str, *, count: int = PAGE_COUNT, excluded: str = "",
        pages: int = MAX_PAGES,
    ) -> Page:
        """Everything a filter finds, in up to `pages` pages.

        Paging stops on totalResults, on an empty page, and on a page holding only resources
        already read: some servers send the first page again for a startIndex past the end.
        """
        params = {"filter": scim_filter, "count": str(count)}
        if excluded:
            params["excludedAttributes"] = excluded
        page = await self.get_page(endpoint, params)
        seen: dict[str | tuple[str, str], dict[str, Any]] = {}
        repeated = differing = 0

        def fresh_of(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
            # A resource sent twice (a server that unions the filter's clauses naively) is one: else
            # one person would be "several users", one administrator two. Sent again with other values
            # (F29-3), it is still one: what differs is read as an attribute sent two ways, so none of it.
            nonlocal repeated, differing
            fresh = []
            for resource in resources:
                identity = _identity(resource)
                first = seen.get(identity)
                if first is None:
                    seen[identity] = resource
                    fresh.append(resource)
                    continue
                repeated += 1
                if first != resource:
                    differing += 1
                    for key, value in resource.items():
                        if key not in first:
                            first[key] = value
                        elif first[key] != value:
                            kept_twice(first, key, value)  # a key of no letters, sent twice: the first
            return fresh

        page.resources = fresh_of(page.resources)
        for _ in range(pages - 1):
            if page.received >= page.total or not page.received:
                break
            more = await self.get_page(endpoint, {**params, "startIndex": str(page.received + 1)})
            fresh = fresh_of(more.resources)
            if not fresh:
                repeated -= len(more.resources)  # a page past the end, sent again: no repetition of note
                break
            page.resources += fresh
            page.problems += more.problems
            page.received += more.received
        if repeated > 0:
            # What it counted in totalResults too: the page is not taken for cut short.
            page.total = max(page.total - repeated, len(page.resources))
            again = f" ({differing} with other values the second time, not read)" if differing else ""
            page.problems.append(f"the API sent {repeated} of the {endpoint} more than once; each is read "
                                 f"once{again}")
        if self._on_page is not None:
            self._on_page(endpoint, page)
        return page

    async def get_page(self, endpoint: str, params: dict[str, str]) -> Page:
        """One list response for any query; raises ApiError when it is not a usable one."""
        return _page_of(await self._get(endpoint, params), endpoint)

    async def get_json(self, path: str, params: dict[str, str]) -> Any:
        """Any read the identity API serves, as JSON: for checks of the server itself (doctor)."""
        return await self._get(path, params)

    async def service_provider_config(self) -> Any:
        """What the server says it supports (RFC 7644 section 5), as it said it."""
        return await self._get("ServiceProviderConfig", {})

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        try:
            try:
                return self._read(await self._attempt(path, params), path)
            except _TryAgain as failed:
                return await self._retried(path, params, failed)
        except PostisupportError as error:
            raise self._scrubbed(error) from None

    async def _retried(self, path: str, params: dict[str, str], failed: _TryAgain) -> Any:
        """The tries after a first one the policy tries again. Tenacity counts that first try as its
        own first attempt, so the waits and the number of tries are those of one retry loop; it is
        imported only here, as almost every request succeeds at once (7 ms of every start)."""
        from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry.attempts), wait=self._wait, sleep=self._nap,
            retry=retry_if_exception_type(_TryAgain), reraise=True,
        )
        first: _TryAgain | None = failed
        try:
            async for attempt in retrying:
                with attempt:
                    if first is not None:
                        again, first = first, None
                        raise again
                    return self._read(await self._attempt(path, params), path)
        except _TryAgain as last:
            if self._closer is asyncio.current_task():
                # Tenacity asks for the wait before it stops: the last try shut the gate and will not
                # try again. The others still wait what the server asked, then go by themselves.
                self._shut(self._told, None)
            if last.error is not None:
                raise last.error from None
            assert last.answer is not None
            return self._read(last.answer, path)
        raise AssertionError("tenacity neither returned nor raised")  # pragma: no cover

    async def _attempt(self, path: str, params: dict[str, str]) -> Answer:
        async with self._gated_slot():
            if self._throttle is not None:
                async with self._throttle:
                    pass
            started = await self._pacer.start() if self._pacer is not None else 0.0
            self.requests += 1
            budget = BUDGET.get()
            try:
                with budget.busy() if budget is not None else nullcontext():
                    answer = await self._send(path, params)
            except UnreachableError as error:
                if self._retry.transport and error.reason != TOO_LONG:
                    raise _TryAgain(error=error) from None
                raise
            if self._pacer is not None:
                self._pacer.answered(started)
        if answer.status_code in self._retry.statuses:
            raise _TryAgain(answer=answer, path=path)
        return answer

    @asynccontextmanager
    async def _gated_slot(self) -> AsyncIterator[None]:
        """A request slot, taken while the gate is open. Checked again once the slot is had: a request
        that passed the gate and then queued for a slot must not go while a server's wait shuts it."""
        while True:
            if not self._open.is_set():
                if self._closer is asyncio.current_task():
                    self._open.set()  # this request waited the server out: everyone may go again
                else:
                    await self._open.wait()
            await self._slots.acquire()
            if self._open.is_set() or self._closer is asyncio.current_task():
                break
            self._slots.release()  # shut while this one queued: it waits with the others, slot free
        try:
            yield
        finally:
            self._slots.release()

    def _shut(self, seconds: float, closer: asyncio.Task[Any] | None) -> None:
        """Every request waits: until `closer` has waited `seconds` and tries again, or, with no one
        to try again, until the time is up."""
        self._open.clear()
        self._closer = closer
        if closer is None:
            asyncio.get_running_loop().call_later(seconds, self._open.set)

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next try: what the server asked (then every request waits), or backoff."""
        failed = state.outcome.exception() if state.outcome else None
        answer = failed.answer if isinstance(failed, _TryAgain) else None
        where = f"GET /{failed.path}" if isinstance(failed, _TryAgain) else "GET"
        told = _retry_after(answer) if answer is not None else None
        budget = BUDGET.get()
        if told is not None and answer is not None and budget is not None \
                and min(told, self._retry.max_wait) >= budget.left():
            # The server answered, and asked for a wait this diagnosis can't make: its answer, not an
            # API that did not answer. Every other request still waits as asked (a bulk run's next rows
            # would otherwise hammer a server that said "not now"), the gate opening by itself after.
            if self._open.is_set():
                self._shut(min(told, self._retry.max_wait), None)
            raise ApiError(where, f"the identity API answered HTTP {answer.status_code} to {where} and asked "
                           f"to wait {told:g} s (Retry-After), longer than this diagnosis may take: try "
                           "again later", answer.status_code)
        if told is not None:
            self._told = max(0.0, min(told, self._retry.max_wait))
            self._shut(self._told, asyncio.current_task())
            return self._told
        backoff = 0.5 * 2 ** (state.attempt_number - 1) + random.uniform(0, self._retry.jitter)
        return min(backoff, self._retry.max_wait)

    async def _nap(self, seconds: float) -> None:
        try:
            budget = BUDGET.get()
            if budget is not None and seconds >= budget.left():
                # Waiting would spend the diagnosis's budget: it ends now, as it would then.
                raise UnreachableError(self.base_url, TOO_LONG, timeout=budget.seconds)
            if seconds > 0:
                with budget.busy() if budget is not None else nullcontext():
                    await self._sleep(seconds)
        except BaseException:
            # A request that shut the gate for the server's wait and will not try again (out of time,
            # cancelled: a stopped row, Ctrl-C on a look-up) opens it: no one else would, and every
            # other request would wait for ever.
            if self._closer is asyncio.current_task():
                self._open.set()
            raise

    def _read(self, answer: Answer, path: str) -> Any:
        """The answer's JSON, with our own credentials cut out of every string in it: a server that
        echoes them into a user's name must not put them on the screen, in JSON or in bulk rows."""
        body = _body_of(answer, path)
        secrets = self.secrets()
        # Decoded as the body was read (json.loads tells UTF-16 and UTF-32 apart): read as UTF-8, a UTF-16
        # answer's secrets would have a NUL between each character, matching no form.
        text = answer.content.decode(json.detect_encoding(answer.content), "replace")
        if redacted(text, secrets) == text:  # the usual case: one pass over the text, nothing to cut
            return body
        return without_secrets(body, secrets)

    def secrets(self) -> list[str]:
        """Our own credentials, to be cut out of whatever the server says: it may echo them. An auth flow
        that holds secrets (OAuth2: the client secret, every token issued) names them."""
        return [self._token or "", *(getattr(self._auth, "secrets", list)())]

    def _scrubbed(self, error: PostisupportError) -> PostisupportError:
        """The error with our own credentials cut out of what the server said."""
        secrets = self.secrets()
        if isinstance(error, AuthError) and error.source is None:
            error.source = self._secret_source
        return error.scrubbed(lambda text: redacted(text, secrets))

    async def _send(self, path: str, params: dict[str, str]) -> Answer:
        """One request, whole: `timeout` is a deadline for all of it, not for each read, nor past the
        diagnosis's budget."""
        budget = BUDGET.get()
        limit = self.timeout if budget is None else min(self.timeout, budget.left())
        cut = budget is not None and limit < self.timeout
        if cut and limit <= 0:
            raise UnreachableError(self.base_url, TOO_LONG, timeout=budget.seconds if budget else None)
        try:
            async with (
                asyncio.timeout(limit),
                self._http.stream("GET", path, params=params) as response,
            ):
                content = bytearray()
                try:
                    async for chunk in response.aiter_bytes():
                        content += chunk
                        if len(content) > MAX_ANSWER_BYTES:
                            raise ApiError(
                                f"GET /{path}",
                                f"the identity API's answer to GET /{path} is larger than "
                                f"{MAX_ANSWER_BYTES // 2**20} MB; refused",
                            )
                    undecoded = _undecoded(response) if content else None
                except httpx.DecodingError:
                    undecoded = response.headers.get("Content-Encoding", "?")
                if undecoded is not None:
                    if response.status_code in (401, 403):
                        # A refusal is told by its status; its body (broken or not) only words it.
                        return Answer(response.status_code, response.headers, b"")
                    raise ApiError(f"GET /{path}", f"the identity API answered GET /{path} with a body that "
                                   f"can't be decompressed ({terminal_safe(undecoded)})") from None
                return Answer(response.status_code, response.headers, bytes(content))
        except (httpx.TimeoutException, TimeoutError) as error:
            # The deadline covers the auth flow: an OAuth2 token endpoint may be what kept us waiting.
            stalled = getattr(self._auth, "stalled", None)
            if isinstance(stalled, UnreachableError):
                raise stalled from None
            if cut and budget is not None:
                raise UnreachableError(self.base_url, TOO_LONG, timeout=budget.seconds) from None
            raise UnreachableError(self.base_url, _reason(error), timeout=self.timeout) from None
        except httpx.RemoteProtocolError as error:
            raise protocol_error(error, self.base_url, f"GET /{path}",
                                 f"the identity API answered GET /{path}") from None
        except httpx.TransportError as error:
            raise UnreachableError(self.base_url, _reason(error)) from None


# httpcore's words for a connection closed before a whole status line and headers came. Whether any
# bytes came first (an HTTP/0.9 body, which has neither) it does not say; most often none did: a dropped
# connection (a server restarting, a proxy with no backend), which bulk tries again and counts as an
# outage when it lasts. So it stays "cannot reach", worded for people.
DISCONNECTED = "Server disconnected without sending a response"
# h11's words for a connection closed before the answer was whole: the same, once an answer had begun.
CUT_SHORT = ("peer closed connection", "peer unexpectedly closed connection")
# h11's words for an answer that breaks HTTP/1.1 (some with the bytes at fault as a Python repr,
# `bytearray(b'X-Bad: \x00')`), and ours for people; the first that starts the text says it.
MALFORMED = (
    ("illegal header line", "a header line that is not a name and a value"),
    ("continuation line at start of headers", "a header line that is not a name and a value"),
    ("illegal status line", "a status line that is not HTTP's"),
    ("no response line received", "a status line that is not HTTP's"),
    ("Receive buffer too long", "headers too large to read"),
    ("bad Content-Length", "a Content-Length that is not a length"),
    ("conflicting Content-Length", "conflicting Content-Length headers"),
    ("illegal chunk header", "a chunked body that is malformed"),
    ("malformed chunk footer", "a chunked body that is malformed"),
)


def _reason(error: Exception) -> str:
    reason = str(error) or type(error).__name__
    if "CERTIFICATE_VERIFY_FAILED" in reason:
        return f"its TLS certificate is not trusted ({reason}); a private CA can be added as a CA bundle"
    if reason.startswith(DISCONNECTED):
        return "it closed the connection before any HTTP answer came"
    return reason


def protocol_error(error: httpx.RemoteProtocolError, url: str, where: str, answered: str,
                   token_endpoint: bool = False) -> ApiError | UnreachableError:
    """What an answer that broke HTTP is: the server's unusable answer (ApiError: it was reached and
    answered, so no outage, nor tried again), or no answer at all when it closed the connection first.
    `answered` says who answered what ("the identity API answered GET /Users"); `url` is the server."""
    malformed = _malformed(str(error))
    if malformed is None:
        return UnreachableError(url, _reason(error), token_endpoint=token_endpoint)
    said = f" ({malformed})" if malformed else ""
    return ApiError(where, f"{answered} with a malformed HTTP response{said}")


def _malformed(reason: str) -> str | None:
    """What is wrong with an answer h11 refused, in words for people ("" when h11's words are new to us);
    None when the connection ended before the answer did, which is no answer to call malformed."""
    if reason.startswith((DISCONNECTED, *CUT_SHORT)):
        return None
    if reason.startswith("illegal header line: ") and _controls(reason.removeprefix("illegal header line: ")):
        return "a header holding control characters"
    return next((said for start, said in MALFORMED if reason.startswith(start)), "")


def _controls(line: str) -> bool:
    """Whether the header line h11 quoted (`bytearray(b'...')`) holds a control character besides a tab."""
    import ast

    quoted = line.removeprefix("bytearray(").removesuffix(")")
    try:
        raw = ast.literal_eval(quoted)
    except (ValueError, SyntaxError):
        return False
    return isinstance(raw, bytes) and re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", raw) is not None


def _undecoded(response: httpx.Response) -> str | None:
    """The content codings of an answer httpx left as they came, or None: it passes a coding it has no
    decoder for (br without the brotli package) on unread, and those bytes are no text. The codings it
    decodes are those it asks for."""
    accepted = response.request.headers.get("Accept-Encoding", "")
    asked = {"identity", *(coding.strip().lower() for coding in accepted.split(","))}
    left = [coding.strip() for coding in response.headers.get_list("Content-Encoding", split_commas=True)]
    return ", ".join(c for c in left if c and c.lower() not in asked) or None


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: httpx.Headers
    content: bytes


def _retry_after(answer: Answer) -> float | None:
    """Retry-After in seconds (RFC 9110 allows a delay or an HTTP date), or None when there is none."""
    value = answer.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


NOT_JSON = object()  # an answer that does not parse (JSON null is a body, and parses to None)


@contextmanager
def unusable_proxy() -> Iterator[None]:
    """A proxy the environment names that httpx can't use (SOCKS without its package, an ftp:// one, a
    malformed URL) is a setting to mend, said in one line, not a bug."""
    try:
        yield
    except (ValueError, ImportError, httpx.InvalidURL) as error:
        raise ConfigurationError("the proxy the environment names (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) "
                                 f"can't be used: {terminal_safe(str(error))}") from None


def without_secrets(body: Any, secrets: list[str]) -> Any:
    """`body` (fresh from json.loads: changed in place) with the secrets cut out of every string in it,
    keys included. Walked without recursion: the JSON may be nested as deep as the parser allows."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redacted(value, secrets)
        if isinstance(value, int | float) and not isinstance(value, bool):
            # An all-digit token echoed as a number: its data problem would quote it.
            return REDACTED if redacted(written := json.dumps(value), secrets) != written else value
        if isinstance(value, (dict, list)):
            todo.append(value)
        return value

    todo: list[Any] = []
    root = clean(body)
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            node[:] = [clean(item) for item in node]
        else:
            items = [(clean(key), clean(value)) for key, value in node.items()]
            node.clear()
            node.update(items)
    return root


def _body_of(response: Answer, path: str) -> Any:
    where = f"GET /{path}"
    unread: NotJson | None = None
    try:
        # A key sent twice with different values is read as one sent in two cases: none is read (F29-1).
        body = json_document(response.content, any_unicode=True, twins=True)
    except NotJson as error:  # not JSON, not Unicode, nested to blow the stack, a number too long
        body, unread = NOT_JSON, error
    status = response.status_code
    if status in (401, 403):
        raise AuthError(status, where, _detail(body))
    if status == 304:
        # Not Modified answers a conditional request, and none is sent: neither a redirect nor an answer.
        raise ApiError(where, f"the identity API answered HTTP 304 (not modified) to {where}, which was not "
                       "a conditional request", status)
    if 300 <= status < 400:
        # Named by host only: the rest of a redirect's URL may carry a token.
        target = _host(response.headers.get(LOCATION_ASIDE, "")) or "an unnamed place"
        raise ApiError(where, f"the identity API answered HTTP {status} to {where}, a redirect to "
                       f"{shortened(terminal_safe(target), 100)}; redirects are not followed", status)
    if status >= 400:
        raise ApiError(where, f"the identity API answered HTTP {status} to {where}", status, _detail(body))
    if unread is not None and unread.reason == NESTED:
        raise ApiError(where, f"the identity API answered {where} with JSON nested too deeply to read; "
                       "refused")
    if unread is not None and unread.number:
        raise ApiError(where, f"the identity API answered {where} with JSON holding a number of more than "
                       f"{sys.get_int_max_str_digits()} digits; refused")
    if unread is not None and unread.told:
        raise ApiError(where, f"the identity API answered {where} with JSON that can't be read: "
                       f"{terminal_safe(unread.reason)}; refused")
    if body is NOT_JSON:
        kind = shortened(terminal_safe(response.headers.get("Content-Type", "no content type")), 100)
        what = "text that is not UTF-8, as JSON must be" if unread is not None and unread.reason == NOT_UTF8 \
            else "something that is not JSON"
        raise ApiError(where, f"the identity API answered {where} with {what} ({kind})")
    if isinstance(body, dict) and ERROR_SCHEMA in _schemas(body):
        raise ApiError(where, f"the identity API answered {where} with an error", None, _detail(body))
    return body




async def _keep_location_aside(response: httpx.Response) -> None:
    """Move a redirect's Location out of httpx's sight: we never follow one, and httpx would otherwise
    parse it, failing on a hostile one (javascript:, malformed hosts) before we could say what it was."""
    if "Location" in response.headers:
        response.headers[LOCATION_ASIDE] = response.headers.pop("Location")


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _schemas(body: dict[str, Any]) -> list[Any]:
    schemas = body.get("schemas")
    return schemas if isinstance(schemas, list) else []


def _detail(body: Any) -> str:
    """The SCIM error's `detail`, on one short line that is safe to print; "" when there is none."""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail")
    if not isinstance(detail, str) or not detail.strip():
        return ""
    return shortened(terminal_safe(" ".join(detail.split())), MAX_ERROR_DETAIL)


def _identity(resource: dict[str, Any]) -> str | tuple[str, str]:
    """What tells a resource from the others on a page: its id. One whose id is no string (missing,
    a list, an object) is told by its whole JSON text instead: two such users are two, one sent twice
    is one, and paging still sees a page repeated; reading the resource notes the id as a data problem."""
    value = resource.get("id")
    if isinstance(value, str):
        return value
    return ("json", json.dumps(resource, sort_keys=True))  # it came from json.loads: always dumps


def _page_of(body: Any, endpoint: str) -> Page:
    where = f"GET /{endpoint}"
    if not isinstance(body, dict):
        raise ApiError(where, f"the identity API answered {where} with JSON that is not a list response")
    keys = {str(k).lower(): v for k, v in body.items()}
    resources = keys.get("resources", [])
    total = keys.get("totalresults")
    if not isinstance(resources, list) or not isinstance(total, int) or isinstance(total, bool):
        raise ApiError(
            where,
            f"the identity API answered {where} with a malformed list response "
            "(needs totalResults and a Resources list)"
        )
    page = Page(resources=[], total=max(total, 0), received=len(resources))
    if total < 0:  # RFC 7644 section 3.4.2: a count, never negative
        page.problems.append(f"the API said totalResults {total} for {endpoint}: read as the number sent")
    for position, resource in enumerate(resources, start=1):
        if isinstance(resource, dict):
            page.resources.append(resource)
        else:
            page.problems.append(f"{endpoint} result {position} is not a resource; ignored")
    return page
