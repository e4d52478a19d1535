"""The sandbox as an ASGI application (scim2-server), mounted under /scim/v2, and its in-process transport."""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

from scim2_models import ScimProvider, UnauthorizedException
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.requests import ScimRequest

from postisupport.idp import urns
from postisupport.sandbox.datafile import build_storage, demo_data, read_data_file
from postisupport.sandbox.schemas import provider
from postisupport.sandbox.storage import DirectoryStorage

MOUNT = "/scim"
BASE_PATH = f"{MOUNT}/v2"
IN_PROCESS_URL = f"http://sandbox.invalid{BASE_PATH}"


READ_METHODS = frozenset({"GET", "HEAD"})


class SandboxApplication(ASGIApplication):
    """scim2-server's ASGI application, mounted under /scim, with an optional bearer token.

    Read-only unless `writable`: anyone who can reach a served sandbox could
    otherwise change the directory other people are testing against.
    """

    def __init__(
        self, storage: DirectoryStorage, token: str | None = None, scim: ScimProvider | None = None,
        *, writable: bool = False,
    ) -> None:
        super().__init__(AsyncInMemoryStorage(storage), scim or provider())
        self.token = token
        self.writable = writable

    def check_auth(self, request: ScimRequest) -> None:
        if self.token is None:
            return
        scheme, _, given = (request.header("Authorization") or "").partition(" ")
        # Compared in constant time, so response timing tells nothing about the token.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), self.token.encode()):
            raise UnauthorizedException

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path != MOUNT and not path.startswith(MOUNT + "/"):
                await _error(send, 404, f"the SCIM API is under {BASE_PATH}")
                return
            searching = scope["method"] == "POST" and path.endswith("/.search")
            if not self.writable and scope["method"] not in READ_METHODS and not searching:
                await _error(send, 403, "the sandbox is served read-only")
                return
            scope = {**scope, "root_path": MOUNT}
        await super().__call__(scope, receive, send)


async def _error(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"schemas": [urns.ERROR], "status": str(status), "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/scim+json")]})
    await send({"type": "http.response.body", "body": body})


def application(
    data_file: Path | None = None, token: str | None = None, *, writable: bool = False
) -> SandboxApplication:
    data = demo_data() if data_file is None else read_data_file(data_file)
    scim = provider()
    return SandboxApplication(build_storage(data, scim), token, scim, writable=writable)


def transport(app: SandboxApplication) -> Any:
    import httpx

    return httpx.ASGITransport(app=app)
