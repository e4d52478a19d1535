"""The client for the configured identity API, or for the in-process sandbox."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from postisupport.config.settings import DEFAULTS, Settings, read_as_captured
from postisupport.errors import DataFileError, InvalidSetting, NotConfigured, SecretSource
from postisupport.scim.client import QUICK, RetryPolicy, ScimClient
from postisupport.scim.pacing import Pacer
from postisupport.sources.scim.queries import ScimStore
from postisupport.sources.trust import tls_context

if TYPE_CHECKING:
    from postisupport.idp.mapping import Mapping
    from postisupport.scim.trace import Sink


def store(settings: Settings, *, max_concurrency: int = 8, transport: Any = None,
          retry: RetryPolicy = QUICK, throttle: Any = None, observe: Sink | None = None,
          on_page: Any = None, pace: bool = False) -> ScimStore:
    """`transport` replaces the network (tests); the sandbox brings its own. `retry` and `throttle`
    (a shared rate limit) and `pace` (request starts spread over the round trip, scim/pacing.py) are
    for bulk runs. `observe` gets every HTTP exchange, secrets cut
    (scim/trace.py): the engineer's trace."""
    mapping = mapping_of(settings)
    if settings.uses_sandbox:
        from postisupport.sandbox import app as sandbox

        application = sandbox.application(settings.sandbox_data)
        if application.record is not None and settings.sandbox_data is not None:
            # A capture holds what a store sent in postisupport's contract, whatever mapping it was read
            # through: it is read back as captured (as replay does), never through another mapping, which
            # would be named as in force where it was not.
            read_as_captured(settings, settings.sandbox_data)
            try:
                mapping = replay_mapping(application.record)
            except DataFileError as error:
                raise DataFileError(f"sandbox data {settings.sandbox_data}: {error}", settings.sandbox_data) \
                    from None
        return ScimStore(ScimClient(
            sandbox.IN_PROCESS_URL,
            transport=_traced(sandbox.transport(application), observe, settings, None),
            timeout=settings.timeout,
            max_concurrency=max_concurrency,
            retry=retry,
            throttle=throttle,
            on_page=on_page,
            pacer=_pacer(pace, max_concurrency),
        ), mapping)
    if not settings.api_url:
        raise NotConfigured()
    if settings.unbound is not None:
        raise settings.unbound  # before any I/O: the secret never goes to a URL it was not stored for
    verify = tls_context(settings)
    for url in {str(settings.api_url), str(settings.token_url or settings.api_url)}:
        _proxy_for(url)  # a proxy that can't be used is a setting to mend, before anything is asked
    token_transport = transport
    if observe is not None and transport is None:
        # Each URL goes its own way: the token endpoint may be on this machine while the API is
        # behind the proxy, and the client secret must never go to the proxy in plain http.
        transport = _direct_or_proxied(str(settings.api_url), verify)
        token_transport = _direct_or_proxied(str(settings.token_url or settings.api_url), verify)
    flow: list[Any] = []
    transport = _traced(transport, observe, settings, flow)
    auth = _oauth2(settings, verify, _traced(token_transport, observe, settings, flow))
    flow.append(auth)
    return ScimStore(ScimClient(
        settings.api_url,
        token=settings.token,
        auth=auth,
        verify=verify,
        transport=transport,
        timeout=settings.timeout,
        max_concurrency=max_concurrency,
        retry=retry,
        throttle=throttle,
        on_page=on_page,
        secret_source=secret_source(settings),
        pacer=_pacer(pace, max_concurrency),
    ), mapping)


def mapping_of(settings: Settings) -> Mapping | None:
    """The mapping the settings name (idp/mapping.py), None for the default: postisupport's contract,
    read as such, with no mapping file parsed. A bad one is the setting's error."""
    if settings.mapping == DEFAULTS["mapping"]:  # idp.mapping.DEFAULT, unparsed: no 5 ms of import
        return None
    from postisupport.idp.mapping import MappingError, load

    try:
        return load(settings.mapping)
    except MappingError as error:
        raise InvalidSetting("mapping", settings.origin("mapping"), str(error)) from None


def replay_mapping(record: Any) -> Mapping | None:
    """How a capture's directory is read back (`record`: its "capture"): postisupport's contract, which
    the file holds, with what the captured store recorded for no one (its `unrecorded`) left out, so it
    is unknown for everyone again. None: the contract itself. A name outside the vocabulary is the
    file's error."""
    unrecorded = record.get("unrecorded") if isinstance(record, dict) else None
    if not unrecorded:
        return None
    from dataclasses import replace

    from postisupport.idp import mapping as mappings

    if not isinstance(unrecorded, list) or any(name not in mappings.FIELDS for name in unrecorded):
        raise DataFileError(f"capture.unrecorded: {str(unrecorded)[:80]} names no facts of the vocabulary")
    fields = {mappings.FIELDS[name] for name in unrecorded}
    contract = mappings.preset(mappings.DEFAULT)
    organisations = contract.organisations
    if organisations is not None:
        business_id = None if "business_id" in fields else organisations.business_id
        services = None if "organisation_services" in fields else organisations.services
        organisations = replace(organisations, business_id=business_id, services=services)
    facts = {name: fact for name, fact in contract.facts.items() if mappings.FIELDS[name] not in fields}
    return replace(contract, facts=facts,
                   organisations=None if "organisation" in fields else organisations,
                   administrators=None if "administrators" in fields else contract.administrators)


def _pacer(pace: bool, concurrency: int) -> Pacer | None:
    return Pacer(concurrency) if pace else None


def secret_source(settings: Settings) -> SecretSource | None:
    """Where the secret in use comes from, for an error to name when a server refuses it."""
    secret = "client_secret" if settings.auth == "oauth2" and not settings.token else "token"
    if getattr(settings, secret) is None:
        return None
    return SecretSource(str(settings.origin(secret)), secret, settings.profile)


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (its scheme's, else ALL_PROXY), unless NO_PROXY leaves
    the host out or it is this machine (scim.client goes direct to it); its port checked, as httpx
    only fails on it when it connects (an OverflowError, no transport error)."""
    import urllib.request
    from urllib.parse import urlsplit

    from postisupport.core.urls import is_loopback
    from postisupport.scim.client import unusable_proxy

    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme.lower()) or proxies.get("all")
    if proxy is None or is_loopback(url) or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    with unusable_proxy():
        urlsplit(proxy if "://" in proxy else f"http://{proxy}").port  # noqa: B018 (ValueError: out of range)
    return proxy


def _direct_or_proxied(url: str, verify: ssl.SSLContext) -> Any:
    """The transport an observed client is given, going where an unobserved one goes (-v or --trace
    must not change that): through the proxy the environment names for the URL's scheme, unless
    NO_PROXY leaves the host out, and never for this machine (scim.client)."""
    import httpx

    proxy = _proxy_for(url)
    if proxy is None:
        return httpx.AsyncHTTPTransport(verify=verify)
    from postisupport.scim.client import unusable_proxy

    with unusable_proxy():
        return httpx.AsyncHTTPTransport(verify=verify, proxy=proxy)


def _oauth2(settings: Settings, verify: ssl.SSLContext, transport: Any) -> Any:
    """The OAuth2 flow when the profile asks for it and no bearer token overrides it."""
    if settings.auth != "oauth2" or settings.token:
        return None
    from postisupport.scim.oauth2 import ClientCredentials

    missing = [name for name in ("token_url", "client_id", "client_secret") if not getattr(settings, name)]
    if missing:
        which = "it" if len(missing) == 1 else "them"
        raise InvalidSetting(missing[0], settings.origin(missing[0]),
                             f"OAuth2 needs {', '.join(missing)}; set {which} with auth login")
    return ClientCredentials(str(settings.token_url), str(settings.client_id), str(settings.client_secret),
                             settings.scope, timeout=settings.timeout, verify=verify, transport=transport)


def _traced(transport: Any, observe: Sink | None, settings: Settings, flow: list[Any] | None) -> Any:
    """The transport, wrapped to report each exchange when someone observes; the secrets to cut are
    the settings' and, once it has fetched one, the OAuth2 flow's."""
    if observe is None:
        return transport
    from postisupport.scim.trace import TracingTransport

    def secrets() -> list[str]:
        known = [settings.token or "", settings.client_secret or ""]
        return known + [s for auth in (flow or []) if auth is not None for s in auth.secrets()]

    return TracingTransport(transport, observe, secrets)

