"""The sandbox as an ASGI application (scim2-server), mounted under /scim/v2, and its in-process transport."""

from __future__ import annotations

import hmac
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scim2_models import Resource, ResourceType, ScimProvider, SearchRequest, UnauthorizedException
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService
from scim2_server.storage import SearchPage

from postisupport.idp import urns
from postisupport.sandbox.datafile import build_storage, demo_data, read_data_file
from postisupport.sandbox.schemas import provider
from postisupport.sandbox.storage import DirectoryStorage

MOUNT = "/scim"
BASE_PATH = f"{MOUNT}/v2"
IN_PROCESS_URL = f"http://sandbox.invalid{BASE_PATH}"


READ_METHODS = frozenset({"GET", "HEAD"})
PATH_SAFE = "/:@!$&'()*+,;="  # what RFC 3986 lets a path hold as it is, beside letters, digits and -._~
# RFC 3986's host (a name, an IPv4 address, an [IPv6] one and its zone) and a port, as RFC 9110 has Host.
HOST = re.compile(rb"(\[[0-9A-Za-z:.%_~-]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(:[0-9]*)?")
KEPT_PUBLISHED = 5000  # resources kept in their published form; the oldest kept is dropped past that


class SandboxService(ScimService):
    """scim2-server's service, keeping the published form of the resources a search answers with
    until the directory changes.

    Publishing a resource (a deep copy with its location and its references as URLs) is a third of
    a search's time, and a session asks for the same organisations' groups and administrators call
    after call. Only searches use what is kept: they just serialise it, and every other answer
    publishes afresh. Any change to the storage (a load, a store, a removal) drops all of it.
    """

    def __init__(self, scim: ScimProvider, storage: DirectoryStorage) -> None:
        super().__init__(scim)
        self._storage = storage
        self._published: dict[tuple[str, str | None, str | None], Resource[Any]] = {}
        self._as_of = storage.changes
        self._searching = False

    def search_response(self, base_url: str, resource_types: list[ResourceType], page: SearchPage,
                        search_request: SearchRequest[Any]) -> Any:
        self._searching = True  # search_response is synchronous: nothing else runs meanwhile
        try:
            return super().search_response(base_url, resource_types, page, search_request)
        finally:
            self._searching = False

    def publish(self, base_url: str, resource: Resource[Any]) -> Resource[Any]:
        if not self._searching:
            return super().publish(base_url, resource)
        if self._as_of != self._storage.changes:
            self._published.clear()
            self._as_of = self._storage.changes
        key = (base_url, resource.meta.resource_type if resource.meta else None, resource.id)
        published = self._published.get(key)
        if published is None:
            if len(self._published) >= KEPT_PUBLISHED:
                del self._published[next(iter(self._published))]
            published = self._published[key] = super().publish(base_url, resource)
        return published


class SandboxApplication(ASGIApplication):
    """scim2-server's ASGI application, mounted under /scim, with an optional bearer token.

    Read-only unless `writable`: anyone who can reach a served sandbox could
    otherwise change the directory other people are testing against.
    """

    def __init__(
        self, storage: DirectoryStorage, token: str | None = None, scim: ScimProvider | None = None,
        *, writable: bool = False,
    ) -> None:
        scim = scim or provider()
        super().__init__(AsyncInMemoryStorage(storage), scim, SandboxService(scim, storage))
        self.record: Any = None  # a capture file's record ("capture"), when the data is one
        self.token = token
        self.writable = writable

    def check_auth(self, request: ScimRequest) -> None:
        if self.token is None:
            return
        scheme, _, given = (request.header("Authorization") or "").partition(" ")
        # Compared in constant time, so response timing tells nothing about the token.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), self.token.encode()):
            raise UnauthorizedException

    def finalize_response(self, request: ScimRequest, response: ScimResponse) -> ScimResponse:
        # scim2-server's Location is the URL of the request made of its decoded path: a %00, %0a or %0d
        # in it became a control character in a header, which h11 will not send, and the client got no
        # answer at all (and the server's stderr a traceback).
        response.headers.setdefault("Location", _location(request))
        return super().finalize_response(request, response)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path != MOUNT and not path.startswith(MOUNT + "/"):
                await _error(send, 404, f"the SCIM API is under {BASE_PATH}")
                return
            sent = [HOST.fullmatch(value) for name, value in scope["headers"] if name.lower() == b"host"]
            hosts = [host for host in sent if host is not None]
            if len(sent) > 1 or len(hosts) < len(sent):
                # It would be in every URL the sandbox answers with, headers too; RFC 9112 section 3.2
                # has a server answer 400 to a Host that names no host, or to two of them.
                await _error(send, 400, "the request's Host header names no host")
                return
            if self.token is None and hosts and not _no_rebound_name(hosts[0][1]):
                # With no token to ask for, a page whose name was rebound to this address could read the
                # directory (a capture served may be real people's); an address, or localhost, can't be.
                await _error(send, 400, "the request's Host header is a name other than localhost: served "
                             "with no token, the sandbox answers to its address or localhost only")
                return
            if not _utf8(scope):
                await _error(send, 400, "the request's headers or query are not UTF-8 text")
                return
            searching = scope["method"] == "POST" and path.endswith("/.search")
            if not self.writable and scope["method"] not in READ_METHODS and not searching:
                await _error(send, 403, "the sandbox is served read-only")
                return
            scope = {**scope, "root_path": MOUNT}
        await super().__call__(scope, receive, send)


def _location(request: ScimRequest) -> str:
    """The request's URL (as ScimRequest.url has it) with its path percent-encoded again."""
    base = request.base_url.rstrip("/")
    path = quote(request.path.strip("/"), safe=PATH_SAFE)
    return f"{base}/{path}" if path else base


def _no_rebound_name(host: bytes) -> bool:
    """Whether a Host header's host (HOST's first group) is an IP address, localhost or the in-process
    sandbox: no name that DNS could point at this machine for a web page of another."""
    import ipaddress

    name = host.decode("ascii", "replace").lower()
    if name.startswith("["):
        name = name[1:-1].split("%")[0]
    if name in ("localhost", IN_PROCESS_URL.split("/")[2]) or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _utf8(scope: Any) -> bool:
    """Whether the header values and the query string are UTF-8: scim2-server decodes them so, and any
    other bytes raised in its hands (a 500, and a traceback on the server's stderr)."""
    try:
        scope["query_string"].decode()
        for _, value in scope["headers"]:
            value.decode()
    except UnicodeDecodeError:
        return False
    return True


async def _error(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"schemas": [urns.ERROR], "status": str(status), "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/scim+json")]})
    await send({"type": "http.response.body", "body": body})


def application(
    data_file: Path | None = None, token: str | None = None, *, writable: bool = False, served: bool = False
) -> SandboxApplication:
    """`served`: for clients over HTTP, who read it through a mapping of their own: what a capture's
    store recorded for no one is said in each user, so they read it as unknown too."""
    data = demo_data() if data_file is None else read_data_file(data_file)
    if served and isinstance(data.get("capture"), dict):
        data = _told(data, data["capture"].get("unrecorded"))
    scim = provider()
    sandbox = SandboxApplication(build_storage(data, scim), token, scim, writable=writable)
    sandbox.record = data.get("capture")
    return sandbox


def _told(data: dict[str, Any], unrecorded: Any) -> dict[str, Any]:
    """The capture with each user's unknownFacts holding what its store recorded for no one."""
    if not isinstance(unrecorded, list) or not unrecorded or not isinstance(data.get("Users"), list):
        return data
    from postisupport.idp.contract import told_unknown

    return {**data, "Users": [told_unknown(user, urns.LOGIN_EXTENSION, unrecorded) if isinstance(user, dict)
                              else user for user in data["Users"]]}


def transport(app: SandboxApplication) -> Any:
    import httpx

    return httpx.ASGITransport(app=app)
