"""The read-only SCIM 2.0 client: HTTP in, tolerant models out, nothing else.

One client serves a single diagnosis, a warm interactive session or a bulk
run: it keeps its connections open, and every request it makes passes one
shared concurrency limit, so a thousand concurrent diagnoses never put more
than `max_concurrency` requests on the wire at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from postisupport import urns
from postisupport.errors import ApiError, AuthError, UnreachableError
from postisupport.models import Group, User
from postisupport.printable import printable, shortened

LOOKUP_FILTER = (
    "userName eq {value} or emails.value eq {value} or "
    + urns.LOGIN_EXTENSION
    + ":legacyUserId eq {value}"
)
LOOKUP_COUNT = 20
PAGE_COUNT = 200
RETRIED_STATUSES = frozenset({429, 503})
MAX_RETRIES = 2
MAX_RETRY_WAIT = 5.0
MAX_ERROR_DETAIL = 200
MAX_ANSWER_BYTES = 16 * 2**20  # far above any honest page; a bound on what a hostile server costs


def quote(value: str) -> str:
    """A SCIM filter string literal (RFC 7644 section 3.4.2.2: JSON string syntax).

    Backslash, double quote and control characters are escaped, so no value
    can end the literal and change the filter.
    """
    return json.dumps(value, ensure_ascii=False)


def lookup_filter(identifier: str) -> str:
    return LOOKUP_FILTER.format(value=quote(identifier))


def any_of(attribute: str, values: Iterable[str]) -> str:
    return " or ".join(f"{attribute} eq {quote(v)}" for v in values)


@dataclass
class Page:
    """One list response: its resources, and the problems met reading it."""

    resources: list[dict[str, Any]]
    total: int
    problems: list[str] = field(default_factory=list)

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
    ) -> None:
        headers = {"Accept": "application/scim+json, application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers=headers,
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
        )
        self._slots = asyncio.Semaphore(max_concurrency)

    async def __aenter__(self) -> ScimClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def find_users(self, identifier: str) -> Page:
        """Users whose userName, any e-mail or legacy user ID equals the identifier."""
        return await self.search("Users", lookup_filter(identifier), count=LOOKUP_COUNT)

    async def groups_by_id(self, group_ids: Iterable[str]) -> Page:
        # Members are left out: an organisation may have thousands of them and
        # the diagnosis needs none.
        return await self.search("Groups", any_of("id", group_ids), excluded="members")

    async def groups_of_member(self, user_id: str) -> Page:
        return await self.search(
            "Groups", f"members.value eq {quote(user_id)}", excluded="members"
        )

    async def admins_of(self, group_ids: Iterable[str]) -> Page:
        groups = any_of("groups.value", group_ids)
        return await self.search("Users", f'roles.value eq "admin" and ({groups})')

    async def search(
        self, endpoint: str, scim_filter: str, *, count: int = PAGE_COUNT, excluded: str = ""
    ) -> Page:
        params = {"filter": scim_filter, "count": str(count)}
        if excluded:
            params["excludedAttributes"] = excluded
        body = await self._get(endpoint, params)
        return _page_of(body, endpoint)

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        for attempt in range(MAX_RETRIES + 1):
            async with self._slots:
                response = await self._send(path, params)
            if response.status_code not in RETRIED_STATUSES or attempt == MAX_RETRIES:
                break
            await asyncio.sleep(_retry_wait(response, attempt))
        return _body_of(response, path)

    async def _send(self, path: str, params: dict[str, str]) -> Answer:
        try:
            async with self._http.stream("GET", path, params=params) as response:
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:
                        raise ApiError(
                            f"the identity API's answer to GET /{path} is larger than "
                            f"{MAX_ANSWER_BYTES // 2**20} MB; refused"
                        )
                return Answer(response.status_code, response.headers, bytes(content))
        except httpx.TimeoutException:
            raise UnreachableError(
                f"the identity API at {self.base_url} did not answer within {self.timeout:g} s"
            ) from None
        except httpx.TransportError as error:
            raise UnreachableError(
                f"cannot reach the identity API at {self.base_url}: {_reason(error)}"
            ) from None


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: httpx.Headers
    content: bytes


def _retry_wait(response: Answer, attempt: int) -> float:
    try:
        wait = float(response.headers.get("Retry-After", ""))
    except ValueError:
        wait = 0.5 * 2**attempt
    return max(0.0, min(wait, MAX_RETRY_WAIT))


def _body_of(response: Answer, path: str) -> Any:
    where = f"GET /{path}"
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested to blow the stack
        body = None
    status = response.status_code
    if status in (401, 403):
        word = "rejected the credentials" if status == 401 else "refused access"
        raise AuthError(f"the identity API {word} (HTTP {status}){_detail(body)}; "
                        "check POSTISUPPORT_TOKEN")
    if status >= 400:
        raise ApiError(f"the identity API answered HTTP {status} to {where}{_detail(body)}")
    if body is None:
        kind = printable(response.headers.get("Content-Type", "no content type"))
        raise ApiError(f"the identity API answered {where} with something that is not JSON ({kind})")
    if isinstance(body, dict) and urns.ERROR in _schemas(body):
        raise ApiError(f"the identity API answered {where} with an error{_detail(body)}")
    return body


def _schemas(body: dict[str, Any]) -> list[Any]:
    schemas = body.get("schemas")
    return schemas if isinstance(schemas, list) else []


def _detail(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail")
    if not isinstance(detail, str) or not detail.strip():
        return ""
    return f": {shortened(printable(' '.join(detail.split())), MAX_ERROR_DETAIL)}"


def _page_of(body: Any, endpoint: str) -> Page:
    where = f"GET /{endpoint}"
    if not isinstance(body, dict):
        raise ApiError(f"the identity API answered {where} with JSON that is not a list response")
    keys = {str(k).lower(): v for k, v in body.items()}
    resources = keys.get("resources", [])
    total = keys.get("totalresults")
    if not isinstance(resources, list) or not isinstance(total, int) or isinstance(total, bool):
        raise ApiError(
            f"the identity API answered {where} with a malformed list response "
            "(needs totalResults and a Resources list)"
        )
    page = Page(resources=[], total=total)
    for position, resource in enumerate(resources, start=1):
        if isinstance(resource, dict):
            page.resources.append(resource)
        else:
            page.problems.append(f"{endpoint} result {position} is not a resource; ignored")
    return page


def users_of(page: Page) -> list[User]:
    return [User.parse(resource) for resource in page.resources]


def groups_of(page: Page) -> list[Group]:
    return [Group.parse(resource) for resource in page.resources]
