"""Which identity API to talk to, and the client for it: options, then environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from postisupport.errors import NotConfiguredError, UsageError

if TYPE_CHECKING:
    from postisupport.scim import ScimClient

API_URL_VARIABLE = "POSTISUPPORT_API_URL"
TOKEN_VARIABLE = "POSTISUPPORT_TOKEN"
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Settings:
    api_url: str | None = None
    sandbox: bool = False
    sandbox_data: Path | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def uses_sandbox(self) -> bool:
        return self.sandbox or self.sandbox_data is not None


def checked_url(url: str) -> str:
    """The API's base URL, or UsageError: every malformed URL is caught here, before any I/O."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise UsageError(f"--api: {url!r} is not a valid URL ({error})") from None
    if parts.username is not None or parts.password is not None:
        # Not echoed: the part before the @ is likely a secret.
        raise UsageError("--api: the URL holds credentials; put the token in POSTISUPPORT_TOKEN instead")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--api: {url!r} is not an http(s) URL, e.g. https://idp.example.com/scim/v2")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise UsageError(f"--api: {url!r} contains spaces or control characters")
    return url.rstrip("/")


def token_from_environment() -> str | None:
    # Only the environment: a token on the command line would land in shell
    # history and process listings.
    return os.environ.get(TOKEN_VARIABLE) or None


def client(settings: Settings, *, max_concurrency: int = 8) -> ScimClient:
    """A client for the configured API, or for the in-process sandbox."""
    from postisupport.scim import ScimClient

    if settings.uses_sandbox:
        from postisupport import sandbox

        app = sandbox.application(settings.sandbox_data)
        return ScimClient(
            sandbox.IN_PROCESS_URL,
            transport=sandbox.transport(app),
            timeout=settings.timeout,
            max_concurrency=max_concurrency,
        )
    if not settings.api_url:
        raise NotConfiguredError(
            f"no identity API configured: pass --api URL or set {API_URL_VARIABLE} "
            "(and the bearer token in POSTISUPPORT_TOKEN), or try the demo directory with --sandbox"
        )
    return ScimClient(
        checked_url(settings.api_url),
        token=token_from_environment(),
        timeout=settings.timeout,
        max_concurrency=max_concurrency,
    )
