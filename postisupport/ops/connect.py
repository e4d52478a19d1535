"""The client for the configured identity API, or for the in-process sandbox."""

from __future__ import annotations

from postisupport.config.settings import Settings
from postisupport.errors import NotConfigured
from postisupport.scim.client import ScimClient


def client(settings: Settings, *, max_concurrency: int = 8) -> ScimClient:
    if settings.uses_sandbox:
        from postisupport.sandbox import app as sandbox

        application = sandbox.application(settings.sandbox_data)
        return ScimClient(
            sandbox.IN_PROCESS_URL,
            transport=sandbox.transport(application),
            timeout=settings.timeout,
            max_concurrency=max_concurrency,
        )
    if not settings.api_url:
        raise NotConfigured()
    return ScimClient(
        settings.api_url,
        token=settings.token,
        timeout=settings.timeout,
        max_concurrency=max_concurrency,
    )
