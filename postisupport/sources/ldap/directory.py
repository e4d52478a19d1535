"""The LDAP source: what an LDAP directory (Active Directory, Samba AD, OpenLDAP) knows about one
identifier, read into a Snapshot through an LDAP mapping, in at most three searches on one bound
connection: the user; their organisation (the nearest ancestor entry of an organisation's class) with
their service groups; the organisation's administrators.

ldap3's synchronous strategy runs in a worker thread, one operation at a time per connection; the
connection is bound once and kept, and bound again when the server has dropped it. It only binds and
searches: the connection is opened read-only, so ldap3 itself refuses any write.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from postisupport.core.facts import OrganisationFacts, Snapshot, UserFacts, matches, name_matches
from postisupport.core.identifiers import Asked, fold, looks_like_business_id, name_key
from postisupport.core.text import redacted, shortened
from postisupport.errors import (
    ApiError,
    AuthError,
    InvalidInput,
    InvalidSetting,
    PostisupportError,
    SecretSource,
    UnreachableError,
)
from postisupport.sources.ldap import reading
from postisupport.sources.ldap.reading import Entry, dn_key

if TYPE_CHECKING:
    from postisupport.config.settings import Settings
    from postisupport.sources.ldap.mapping import LdapMapping

# The facts that tell whether someone can log in, by the mapping's names: what auth status checks.
STATE = ("reset_requested", "password_changed_at", "locked", "active", "last_login")
SAMPLE = 50  # users auth status reads to tell whether the account reads their state
ROUND_TRIPS = 3  # searches in a diagnosis: the user; the organisation and the groups; the administrators
SHARED_ANSWERS = 1000  # organisations whose administrators a run keeps (the most recently used)
LOOKUP_COUNT = 20  # users a look-up reads, as the SCIM source's
PAGE_SIZE = 500
MAX_ENTRIES = 5000  # an organisation's administrators or members read at most
EMPTY_PAGES = 100  # pages in a row with no entry, each with a cookie, that end a search as a fault
MEMBER_OF = "memberOf"  # the groups an entry is in, as AD and OpenLDAP's memberof overlay keep them
# LDAP result codes (RFC 4511) said by name.
RESULTS = {0: "success", 3: "timeLimitExceeded", 4: "sizeLimitExceeded", 10: "referral",
           32: "noSuchObject", 34: "invalidDNSyntax", 48: "inappropriateAuthentication",
           49: "invalidCredentials", 50: "insufficientAccessRights", 51: "busy", 52: "unavailable",
           53: "unwillingToPerform", 80: "other"}
AUTH_RESULTS = frozenset({48, 49, 50, 53})
# AD's extended bind errors (the data field of result 49): what a refused service account means.
AD_BIND_DATA = {"52e": "wrong password", "525": "no such account", "530": "not permitted at this time",
                "531": "not permitted at this workstation", "532": "password expired",
                "533": "account disabled", "701": "account expired", "773": "must change its password",
                "775": "account locked"}


@dataclass(frozen=True)
class Root:
    """What the rootDSE (and AD's partitions) tell of the directory: where its users are, its realm."""

    base_dn: str
    domains: frozenset[str]  # folded: the DNS domain and the Kerberos realm (name@REALM)
    netbios: frozenset[str]  # folded: DOMAIN of DOMAIN\name


class LdapStore:
    """One LDAP server, bound as the service account: searches only, each reported to `observe`."""

    def __init__(self, settings: Settings, mapping: LdapMapping, observe: Any = None,
                 connector: Callable[[], Any] | None = None,
                 recorder: Callable[[str, str, str, list[Entry], int], None] | None = None,
                 concurrency: int = 1, shared: bool = False, throttle: Any = None) -> None:
        """`connector` opens a connection instead of the network (a replay's); `recorder` sees each
        search's base, filter, scope and entries (a capture's). Up to `concurrency` searches run at
        once, each on a bound connection of its own, kept for the next (a bulk run's pool); `shared`
        keeps each organisation's administrators for every look-up of a run."""
        self._connector = connector
        self._recorder = recorder
        if connector is None:
            self._check_account(settings)
        self.url = str(settings.api_url or "ldap://replay.invalid")
        self.mapping = mapping
        self.timeout = settings.timeout
        self.observe = observe
        self._settings = settings
        self._bind_dn = settings.bind_dn
        self._password = settings.bind_password
        self._given_base = settings.base_dn
        self._local = threading.local()  # the connection the worker thread's search is on
        self._idle: list[Any] = []
        self._opened: list[Any] = []
        self._shut = False  # closed: a search its cut connection failed is over, not retried
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ldap")
        self._root: Root | None = None
        self.searches = 0
        self.throttle = throttle
        self.shared: OrderedDict[str, asyncio.Task[Any]] | None = OrderedDict() if shared else None
        scheme = urlsplit(self.url).scheme.lower()
        # StartTLS (a plain ldap:// URL with starttls) is verified as ldaps:// is, with the same trust.
        self.starttls = scheme == "ldap" and settings.starttls
        secure = (scheme == "ldaps" or self.starttls) and connector is None
        self.context = _tls(settings) if secure else None

    @staticmethod
    def _check_account(settings: Settings) -> None:
        if not settings.bind_dn:
            raise InvalidSetting("bind_dn", settings.origin("bind_dn"), "an LDAP directory is read as a "
                                 "read-only service account: set its DN (POSTISUPPORT_BIND_DN or auth login "
                                 "--bind-dn)")
        if not settings.bind_password:
            raise InvalidSetting("bind_password", settings.origin("bind_password"), "the service account's "
                                 "password is missing: set POSTISUPPORT_BIND_PASSWORD, or store it with auth "
                                 "login --with-password")

    @property
    def unrecorded(self) -> frozenset[str]:
        return self.mapping.unrecorded

    def secrets(self) -> list[str]:
        return [self._password or ""]

    @property
    def root(self) -> Root:
        assert self._root is not None
        return self._root

    # --- I/O, in a worker thread -------------------------------------------------------------------

    @property
    def _connection(self) -> Any:
        return getattr(self._local, "connection", None)

    @_connection.setter
    def _connection(self, connection: Any) -> None:
        self._local.connection = connection

    def cut(self, text: str) -> str:
        """`text` the directory sent, without the bind password in any form: a directory that echoes it
        (in an error's message, in an entry's value) must not put it on a screen, in JSON or a bulk row."""
        return redacted(text, self.secrets())

    async def run(self, work: Callable[[], Any]) -> Any:
        try:
            if self.throttle is not None:
                async with self.throttle:
                    return await asyncio.get_running_loop().run_in_executor(self._executor, self._pooled,
                                                                            work)
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._pooled, work)
        except PostisupportError as error:
            raise error.scrubbed(self.cut) from None

    def _pooled(self, work: Callable[[], Any]) -> Any:
        """`work` on an idle bound connection (or a new one), given back when done; one a search
        broke is dropped."""
        with self._lock:
            self._connection = self._idle.pop() if self._idle else None
        try:
            return work()
        finally:
            connection, self._connection = self._connection, None
            if connection is not None and not connection.closed:
                with self._lock:
                    self._idle.append(connection)

    def bound(self) -> Any:
        """The bound connection, opened (and the rootDSE read) on first use, again when dropped."""
        if self._connection is not None and not self._connection.closed and self._connection.bound:
            return self._connection
        import ldap3
        from ldap3.core.exceptions import LDAPException

        if self._connector is not None:
            self._connection = self._connector()
            self._rooted(self._connection)
            return self._connection
        parts = urlsplit(self.url)
        secure = parts.scheme.lower() == "ldaps"
        tls = _tls_of(self.context, parts.hostname or "") if secure or self.starttls else None
        port = parts.port or (636 if secure else 389)
        server = ldap3.Server(parts.hostname or "", port=port, use_ssl=secure, tls=tls, get_info=ldap3.NONE,
                              connect_timeout=self.timeout)
        connection = ldap3.Connection(server, user=self._bind_dn, password=self._password, read_only=True,
                                      auto_referrals=False, receive_timeout=math.ceil(self.timeout),
                                      raise_exceptions=False, return_empty_attributes=False)
        with self._lock:  # from its opening on: close() must be able to cut a bind that never ends
            self._opened = [c for c in self._opened if not c.closed]
            self._opened.append(connection)
        started = time.perf_counter()
        try:
            connection.open()
            if self.starttls:
                self._started_tls(connection)
            ok = connection.bind()
        except LDAPException as error:
            self._report("bind", "", "", None, 0, started)
            raise UnreachableError(self.url, _reason(error)) from None
        except OSError as error:
            self._report("bind", "", "", None, 0, started)
            raise UnreachableError(self.url, error.strerror or type(error).__name__) from None
        result = connection.result or {}
        self._report("bind", "", "", result.get("result"), 0, started)
        if not ok:
            code = int(result.get("result") or 0)
            connection.unbind()
            detail = _bind_detail(result)
            if code in AUTH_RESULTS:
                refused = AuthError(code, self.url, detail, ldap=True)
                refused.source = SecretSource(str(self._settings.origin("bind_password")), "bind_password",
                                              self._settings.profile)
                raise refused
            raise ApiError("bind", f"the LDAP directory refused the bind ({_result(code)})", code, detail)
        self._connection = connection
        self._rooted(connection)
        return connection

    def _started_tls(self, connection: Any) -> None:
        """TLS started on the open connection before the bind, or UnreachableError: the password is
        never sent on a connection that did not start it (a server that refuses, a certificate not
        trusted)."""
        started = time.perf_counter()
        try:
            ok = connection.start_tls(read_server_info=False)
        except Exception as error:  # ldap3 raises its own errors or ssl's for a failed handshake
            with contextlib.suppress(Exception):  # the handshake's failure closed the socket already
                connection.unbind()
            self._report("starttls", "", "", None, 0, started)
            raise UnreachableError(self.url, f"StartTLS failed: {_reason(error)}") from None
        result = connection.result or {}
        self._report("starttls", "", "", result.get("result", 0 if ok else None), 0, started)
        if not ok:
            connection.unbind()
            code = int(result.get("result") or 0)
            refused = RESULTS.get(code) or str(result.get("description") or f"LDAP result {code}")
            raise UnreachableError(self.url, f"the directory did not start TLS ({refused}): use ldaps://, or "
                                   "have the directory offer StartTLS")

    def _rooted(self, connection: Any) -> None:
        """The rootDSE read once, by the first connection bound."""
        if self._root is None:
            root = self._read_root(connection)
            with self._lock:
                self._root = self._root or root

    def _read_root(self, connection: Any) -> Root:
        wanted = ["defaultNamingContext", "namingContexts", "ldapServiceName", "configurationNamingContext"]
        entries = self._search_on(connection, "", "(objectClass=*)", wanted, scope="BASE", count=False)
        root = entries[0] if entries else Entry("", {})
        base = self._given_base or root.first("defaultNamingContext") or root.first("namingContexts")
        if not base:
            raise ApiError("rootDSE", "the LDAP directory names no naming context in its rootDSE; give the "
                           "base DN (--base-dn or POSTISUPPORT_BASE_DN)")
        try:
            reading.parse_dn(base)
        except ValueError:
            raise ApiError("rootDSE", f"the LDAP directory's naming context {shortened(base, 80)!r} is no "
                           "DN; give the base DN (--base-dn or POSTISUPPORT_BASE_DN)") from None
        dns = _dns_domain(base)
        domains = {dns} if dns else set()
        service = root.first("ldapServiceName")
        if service and "@" in service:
            domains.add(fold(service.rpartition("@")[2]))
        netbios: set[str] = set()
        configuration = root.first("configurationNamingContext")
        if configuration and self.mapping.realm:
            # AD's down-level domain name (DOMAIN\name) is its partition's nETBIOSName.
            found = self._search_on(connection, f"CN=Partitions,{configuration}",
                                    f"(&(objectClass=crossRef)(nCName={_escaped(base)}))", ["nETBIOSName"],
                                    count=False, tolerate=True)
            netbios = {fold(n) for e in found for n in e.values("nETBIOSName")}
        return Root(base, frozenset(domains), frozenset(netbios))

    def search(self, filter_: str, attributes: list[str], base: str | None = None, scope: str = "SUBTREE",
               limit: int = LOOKUP_COUNT + 1, sized: bool = False) -> list[Entry]:
        kept = self._connection
        connection = self.bound()
        under = self.root.base_dn if base is None else base
        try:
            return self._search_on(connection, under, filter_, attributes, scope=scope, limit=limit,
                                   sized=sized)
        except _Dropped:
            if kept is not connection or self._shut:
                raise  # opened for this search (the server is gone, not idle), or cut by close()
        # One kept from an earlier look-up, which the server closed while idle (AD's MaxConnIdleTime,
        # OpenLDAP's idletimeout, a load balancer): ldap3 tells only when it is read. Bound again, once.
        return self._search_on(self.bound(), under, filter_, attributes, scope=scope, limit=limit,
                               sized=sized)

    def search_sized(self, filter_: str, attributes: list[str], base: str, scope: str,
                     limit: int) -> tuple[list[Entry], bool]:
        """At most `limit` entries, and whether there were more: past `limit`, or past the directory's own
        size limit (OpenLDAP's sizelimit, 500 by default; the answer it cut is no failure, only part)."""
        try:
            entries = self.search(filter_, attributes, base=base, scope=scope, limit=limit + 1, sized=True)
        except _SizeLimited as limited:
            return limited.entries[:limit], True
        return entries[:limit], len(entries) > limit

    def _search_on(self, connection: Any, base: str, filter_: str, attributes: list[str],
                   scope: str = "SUBTREE", limit: int = LOOKUP_COUNT + 1, count: bool = True,
                   tolerate: bool = False, sized: bool = False) -> list[Entry]:
        import ldap3
        from ldap3.core.exceptions import LDAPCommunicationError, LDAPException, LDAPResponseTimeoutError

        if count:
            self.searches += 1
        started = time.perf_counter()
        entries: list[Entry] = []
        seen: set[str] = set()
        empty = 0
        cookie: Any = None
        while True:
            try:
                connection.search(base, filter_, search_scope=getattr(ldap3, scope), attributes=attributes,
                                  size_limit=limit, time_limit=max(1, int(self.timeout)),
                                  paged_size=min(PAGE_SIZE, limit) if scope != "BASE" else None,
                                  paged_cookie=cookie)
            except LDAPException as error:
                self._connection = None
                self._report("search", base, filter_, None, len(entries), started)
                if isinstance(error, LDAPCommunicationError):
                    raise _Dropped(self.url, _reason(error)) from None
                if isinstance(error, LDAPResponseTimeoutError):
                    raise UnreachableError(self.url, _reason(error)) from None
                # ldap3 refused to send it (a DN or filter it can't encode): the directory was reached.
                raise ApiError("search", f"the search under {base!r} can't be sent to the LDAP directory: "
                               f"{_reason(error)}") from None
            result = connection.result or {}
            code = int(result.get("result") or 0)
            page = [_entry(item, self.cut) for item in connection.response or []
                    if item.get("type") == "searchResEntry"]
            entries += page
            # A page of entries all sent before, or page after page of none, with a cookie each time: a
            # paging that would never end (F31-3, F31-6). What was sent is the answer.
            fresh = {dn_key(e.dn) for e in page} - seen
            seen |= fresh
            repeated = bool(page) and not fresh
            empty = 0 if page else empty + 1
            if code == 4 and len(entries) >= limit:
                code = 0  # the limit is ours: what it sent is what was asked for
            if code == 4 and sized:
                self._report("search", base, filter_, code, len(entries), started)
                if self._recorder is not None:
                    self._recorder(base, filter_, scope, entries, code)
                raise _SizeLimited(entries)
            if code == 10 and not tolerate:
                # The base itself is another server's: not followed (it could be anyone's), and never
                # "no one" either. A continuation reference within a search's answer is left unread.
                self._report("search", base, filter_, code, len(entries), started)
                where = ", ".join(str(r) for r in result.get("referrals") or []) or "another server"
                raise ApiError("search", f"the LDAP directory referred the search under {base!r} to {where}, "
                               "and referrals are not followed: give a base DN this server holds", code,
                               str(result.get("message") or ""))
            if code not in (0, 10):
                self._report("search", base, filter_, code, len(entries), started)
                if tolerate or (code == 32 and scope == "BASE"):
                    if self._recorder is not None:
                        # Replayed as an answer: the capture's result is only ever a size limit's cut.
                        self._recorder(base, filter_, scope, entries, 0)
                    return entries
                if code == 3:
                    raise UnreachableError(self.url, "time limit exceeded", timeout=self.timeout)
                if code in AUTH_RESULTS:
                    raise ApiError("search", f"the LDAP directory refused the search under {base!r} "
                                   f"({_result(code)}): the service account may lack the right to read it",
                                   code, str(result.get("message") or ""))
                raise ApiError("search", f"the LDAP directory answered the search under {base!r} with "
                               f"{_result(code)}", code, str(result.get("message") or ""))
            controls = result.get("controls") or {}
            cookie = controls.get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie")
            if empty >= EMPTY_PAGES:
                self._report("search", base, filter_, code, len(entries), started)
                raise ApiError("search", f"the LDAP directory sent {empty} pages in a row with no entry for "
                               f"the search under {base!r}, each with a cookie for the next: its paging has "
                               "no end")
            if not cookie or len(entries) >= limit or repeated:
                break
        self._report("search", base, filter_, 0, len(entries), started)
        if self._recorder is not None:
            self._recorder(base, filter_, scope, entries[:limit], 0)
        return entries[:limit]

    def _report(self, operation: str, base: str, filter_: str, result: int | None, entries: int,
                started: float) -> None:
        if self.observe is None:
            return
        self.observe({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "protocol": "ldap",
                      "method": operation, "url": self.url, "base": base, "filter": filter_,
                      "scope": "base" if operation == "bind" else None, "status": result,
                      "result": None if result is None else _result(result), "entries": entries,
                      "elapsed_ms": round((time.perf_counter() - started) * 1000, 1)})

    def close(self) -> None:
        """Each idle connection unbound; one a search (or a bind) still holds is cut at its socket. Its
        unbind would wait for ldap3's lock, which that search holds for as long as the server trickles
        its answer (each byte resets ldap3's receive timeout): a deadline, Ctrl-C and the process's exit
        all waited with it."""
        with self._lock:
            self._shut = True
            opened, idle = self._opened, {id(c) for c in self._idle}
            self._opened, self._idle = [], []
        for connection in opened:
            if id(connection) in idle:
                with contextlib.suppress(Exception):  # a connection already gone is closed
                    connection.unbind()
            else:
                _cut_off(connection)
        self._executor.shutdown(wait=False)

    # --- the questions ----------------------------------------------------------------------------

    def user_filter(self, identifier: str) -> tuple[str, str | None]:
        """The filter that finds the users answering to `identifier`, and the legacy ID a down-level form
        (DOMAIN\\name, name@REALM) names, if any."""
        mapping = self.mapping
        terms: list[str] = []
        legacy: str | None = None
        local, at, domain = identifier.rpartition("@")
        if mapping.realm and "\\" in identifier:
            domain_part, _, name = identifier.partition("\\")
            if fold(domain_part) in self.root.netbios | {d.split(".")[0] for d in self.root.domains}:
                legacy = name
        elif mapping.realm and at and fold(domain) in self.root.domains:
            legacy = local
        for name in mapping.lookup:
            fact = mapping.facts[name]
            for source in fact.sources:
                value = identifier if name != "legacy_user_id" else (legacy or identifier)
                terms.append(f"({source.attribute}={_escaped((source.prefix or '') + value)})")
        return f"(&{mapping.users}(|{''.join(dict.fromkeys(terms))}))", legacy


class _Dropped(UnreachableError):
    """The connection failed under a search: the server closed it, or can't be reached."""


class _SizeLimited(Exception):
    """The directory stopped a search at its own size limit: `entries` is what it sent."""

    def __init__(self, entries: list[Entry]) -> None:
        super().__init__("sizeLimitExceeded")
        self.entries = entries


def _cut_off(connection: Any) -> None:
    """The connection's socket shut both ways: the search blocked reading it fails at once."""
    sock = getattr(connection, "socket", None)
    if isinstance(sock, socket.socket | ssl.SSLSocket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _entry(item: dict[str, Any], cut: Callable[[str], str]) -> Entry:
    raw = item.get("raw_attributes") or {}
    attributes: dict[str, tuple[str, ...]] = {}
    for name, values in raw.items():
        texts = tuple(cut(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)) for v in values)
        attributes[name.lower()] = attributes.get(name.lower(), ()) + texts
    return Entry(cut(str(item.get("dn") or "")), attributes)


def _escaped(value: str) -> str:
    """A filter's value, RFC 4515's escapes applied."""
    from ldap3.utils.conv import escape_filter_chars

    return str(escape_filter_chars(value))


def _dns_domain(dn: str) -> str | None:
    try:
        parts = reading.parse_dn(dn)
    except ValueError:
        return None
    labels = [value for kind, value, _ in parts if kind.lower() == "dc"]
    return fold(".".join(labels)) if labels else None


def _result(code: int) -> str:
    return f"{RESULTS.get(code, 'result')} ({code})"


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    # ldap3 passes a socket's error on as a tuple's repr, at times within another (a failed TLS
    # handshake's): the reason is what is inside (attack 25, F15).
    while wrapped := re.fullmatch(r"\((['\"])(.*)\1,\)", text, re.DOTALL):
        text = wrapped.group(2).replace("\\'", "'").replace('\\"', '"')
    for prefix in ("socket ssl wrapping error: ", "wrap socket error: "):
        text = text.removeprefix(prefix)
    return text.splitlines()[0][:200]


def _bind_detail(result: dict[str, Any]) -> str:
    message = str(result.get("message") or "")
    marker = "data "
    if marker in message:
        code = message.split(marker, 1)[1][:3].lower()
        if code in AD_BIND_DATA:
            return f"{AD_BIND_DATA[code]} (AD data {code})"
    return RESULTS.get(int(result.get("result") or 0), "")


def _tls(settings: Settings) -> ssl.SSLContext:
    from postisupport.sources.trust import tls_context

    return tls_context(settings)


def _tls_of(context: ssl.SSLContext | None, host: str) -> Any:
    """ldap3's TLS, wrapping the socket with the SSL context every HTTPS request of ours uses (the OS
    trust store, --ca-bundle, SSL_CERT_FILE), which checks the server's name too."""
    import ldap3

    class Verified(ldap3.Tls):  # type: ignore[misc]
        def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
            assert context is not None
            connection.socket = context.wrap_socket(connection.socket, server_side=False,
                                                    do_handshake_on_connect=True, server_hostname=host)

    return Verified()


# --- the look-ups: three searches at most ---------------------------------------------------------


async def fetch(store: LdapStore, identifier: str, asked: Asked | None = None) -> Snapshot:
    mapping = store.mapping

    def find() -> tuple[list[Entry], str | None]:
        store.bound()
        query, legacy = store.user_filter(identifier)
        return store.search(query, mapping.attributes()), legacy

    entries, legacy = await store.run(find)
    problems: list[str] = []
    if len(entries) > LOOKUP_COUNT:
        problems.append(f"the directory holds more than {LOOKUP_COUNT} users for the look-up; the first "
                        f"{LOOKUP_COUNT} are read")
        entries = entries[:LOOKUP_COUNT]
    users = tuple(reading.user_facts(e, mapping) for e in entries)
    found = matches(users, identifier)
    if not found and legacy is not None:
        found = tuple((u, how) for u, how in matches(users, legacy) if how == "legacyUserId")
    if problems and not found:
        # Cut, and none of those read answers: one past the cut may be the caller, and "no user has these
        # details" would be untrue of them (F32-5), as SCIM's source refuses a held-back answer.
        raise ApiError("search", f"the LDAP directory sent more than {LOOKUP_COUNT} users for the look-up, "
                       "none of which answers to the identifier: it seems not to apply the look-up's "
                       "filter (postisupport doctor checks it)")
    snapshot = Snapshot(identifier, users, found, problems=tuple(problems), users_reported=len(entries),
                        asked=asked, unrecorded=mapping.unrecorded)
    return await _completed(store, snapshot, {dn_key(e.dn): e for e in entries})


async def fetch_by_name(store: LdapStore, name: str, organisation: str) -> Snapshot:
    """A caller by their name among the entries right under their organisation (by name or business ID)."""
    mapping = store.mapping
    found_org = await _organisation(store, organisation)
    asked = Asked(name, "name", organisation, organisation_found=found_org is not None,
                  organisation_name=found_org[0].name if found_org is not None else None)
    if found_org is None:
        return Snapshot(name, (), (), asked=asked, unrecorded=mapping.unrecorded)
    org_dn = found_org[1].dn
    entries, cut_off = await store.run(lambda: store.search_sized(mapping.users, mapping.attributes(),
                                                                  org_dn, "LEVEL", MAX_ENTRIES))
    if cut_off:
        # Those past them may have the name too: who has it can't be told, and no one found is shown as
        # the caller (lookup.name-unsearchable).
        cut = f"the directory sent {len(entries)} of the organisation's members, and has more"
        return Snapshot(name, (), (), problems=(cut,), asked=replace(asked, members_cut=True),
                        unrecorded=mapping.unrecorded)
    # One level under the organisation: an entry elsewhere is no member of it, whatever its name, and a
    # directory that ignores the base or the scope sends such entries (attack 30, F30-2).
    under = [e for e in entries if _parent_key(e.dn) == dn_key(org_dn)]
    problems = (f"the directory sent {len(entries) - len(under)} entries for the organisation's members that "
                "are not right under it; they are left out",) if len(under) < len(entries) else ()
    users = tuple(reading.user_facts(e, mapping, org_dn) for e in under)
    found = name_matches(users, name)
    kept = {dn_key(u.id): e for e in under for u, _ in found if u.id and dn_key(u.id) == dn_key(e.dn)}
    snapshot = Snapshot(name, tuple(u for u, _ in found), found, problems=problems, users_reported=len(found),
                        asked=asked, unrecorded=mapping.unrecorded)
    return await _completed(store, snapshot, kept)


async def fetch_organisation(store: LdapStore, business_id: str) -> Snapshot:
    mapping = store.mapping
    try:
        found = await _organisation(store, business_id)
    except InvalidInput as error:
        raise InvalidInput("identifier", error.reason, error.key, **error.params) from None
    asked = Asked(business_id, "business-id")
    if found is None:
        return Snapshot(business_id, (), (), asked=asked, unrecorded=mapping.unrecorded)
    org, org_entry = found
    admins, problems = await _administrators(store, org_entry)
    problems = [*reading.organisation_facts(org_entry, mapping)[1], *problems]
    return Snapshot(business_id, (), (), (org,), admins, tuple(problems), asked=asked,
                    unrecorded=mapping.unrecorded)


async def _organisation(store: LdapStore, given: str) -> tuple[OrganisationFacts, Entry] | None:
    """The one organisation `given` names: a business ID, or its name as typed."""
    mapping = store.mapping
    by_id = looks_like_business_id(given)
    classes = "".join(f"(objectClass={_escaped(c)})" for c in mapping.organisation_classes)
    if by_id:
        if mapping.business_id is None:
            raise InvalidInput("organisation", "the directory records no business IDs (the mapping reads "
                               "none); give the organisation's name")
        values = "".join(f"({s.attribute}={_escaped(given)})" for s in mapping.business_id.sources)
    else:
        values = "".join(f"({a}={_escaped(given)})" for a in mapping.organisation_name)
    query = f"(&(|{classes})(|{values}))"
    entries = await store.run(lambda: store.search(query, mapping.organisation_attributes()))
    organisations = [(reading.organisation_facts(e, mapping)[0], e) for e in entries]
    if by_id:
        # Of an entry that holds several, none is its business ID, but it is the one the search found.
        meant = [(o, e) for o, e in organisations if given in reading.business_ids(e, mapping)]
    else:
        meant = [(o, e) for o, e in organisations if o.name and name_key(o.name) == name_key(given)]
    if len(meant) > 1 and not by_id:
        names = ", ".join(f"{o.name!r} ({o.business_id or 'no business ID'})" for o, _ in meant)
        raise InvalidInput("organisation", f"{given!r} is the name of {len(meant)} organisations: {names}; "
                           "give its business ID")
    return meant[0] if meant else None


async def _completed(store: LdapStore, snapshot: Snapshot, entries: dict[str, Entry]) -> Snapshot:
    """Searches 2 and 3 for the one user found: the organisation and their service groups, then the
    organisation's administrators; for several, each one's organisation by name."""
    mapping = store.mapping
    if len(snapshot.found) > 1:
        return await _candidate_organisations(store, snapshot)
    if len(snapshot.found) != 1:
        return snapshot
    user, how = snapshot.found[0]
    entry = entries.get(dn_key(user.id or ""))
    if entry is None:
        return snapshot
    problems = list(snapshot.problems)
    # Where the entry sits can't be told: its organisation is unknown, never "none".
    placeless = False
    if (chain := _chain(store, entry.dn)) is None:
        placeless = True
        problems.append(f"the user's DN {entry.dn!r} can't be read, so its organisation can't be told")
    above = chain or []
    if not placeless and not _within_base(store, [entry.dn]):
        # An alias the search dereferenced may lead there (ldap3 asks for aliases to be followed): the
        # user is theirs, but no search under the base reads the entries above them.
        placeless = True
        problems.append(f"the user's entry {entry.dn!r} is outside the base DN {store.root.base_dn!r}, so "
                        "its organisation can't be told")
    groups = reading.service_groups(entry, mapping)
    contexts = await _entries(store, problems, above if mapping.organisation_classes else [], groups)
    org_entry, unread = _nearest(contexts, above, mapping)
    if unread is not None and mapping.organisation_classes and not placeless:
        # Every DN above the user within the base is an entry: one the search did not send may be their
        # organisation, and the next one up (the directory's root, say) is not it (F31-1).
        placeless = True
        problems.append(f"the entry {unread!r} above the user can't be read, so the user's organisation "
                        "can't be told")
    org: OrganisationFacts | None = None
    services = {dn_key(dn): reading.service(contexts.get(dn_key(dn)), dn, mapping) for dn in groups}
    admins: tuple[UserFacts, ...] = ()
    if org_entry is not None:
        org, noted = reading.organisation_facts(org_entry, mapping)
        problems += noted
        admins, noted = await _administrators(store, org_entry)
        problems += noted
    is_admin = any(a.id is not None and dn_key(a.id) == dn_key(entry.dn) for a in admins)
    read = reading.user_facts(entry, mapping, org.id if org else None, is_admin, services)
    if not mapping.organisation_classes:
        read = replace(read, unknown=read.unknown | {"organisation"}, untold=read.untold | {"organisation"})
    elif placeless:
        read = replace(read, unknown=read.unknown | {"organisation"})
    users = tuple(read if u is user else u for u in snapshot.users)
    return replace(snapshot, users=users, found=((read, how),), organisations=(org,) if org else (),
                   admins=admins, problems=tuple(problems))


async def _entries(store: LdapStore, problems: list[str], *dns: Iterable[str]) -> dict[str, Entry]:
    """Entries by their DN, in one search (the organisation's candidates and the service groups); what
    could not be read of them is added to `problems`."""
    mapping = store.mapping
    wanted = list(dict.fromkeys(dn for group in dns for dn in group))
    if not wanted:
        return {}
    terms = "".join(f"({mapping.dn_attribute}={_escaped(dn)})" for dn in wanted)
    named = [mapping.services_name] if mapping.services_name else []
    attributes = [*mapping.organisation_attributes(), *named]
    found = await store.run(lambda: store.search(f"(|{terms})", list(dict.fromkeys(attributes)),
                                                 limit=len(wanted)))
    return _one_each(found, problems)


def _one_each(entries: list[Entry], problems: list[str], unread: str = "it is not read") -> dict[str, Entry]:
    """Entries by their DN as compared, each once: copies alike are one; copies that differ are no answer
    (which of them holds is the directory's to tell), left out and said (F31-3), as SCIM's are; `unread`,
    what of them is not read."""
    kept: dict[str, Entry] = {}
    differ: set[str] = set()
    for entry in entries:
        key = dn_key(entry.dn)
        if key in kept and kept[key].attributes != entry.attributes:
            differ.add(key)
        kept.setdefault(key, entry)
    for key in differ:
        problems.append(f"the directory sent the entry {kept.pop(key).dn!r} more than once, with different "
                        f"values, so {unread}")
    return kept


async def _administrators(store: LdapStore, org: Entry) -> tuple[tuple[UserFacts, ...], list[str]]:
    """The organisation's administrators, asked once per organisation in a run that shares them."""
    if store.shared is None:
        return await _administrators_of(store, org)
    key = dn_key(org.dn)
    task = store.shared.get(key)
    if task is None:
        task = store.shared[key] = asyncio.ensure_future(_administrators_of(store, org))
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        while len(store.shared) > SHARED_ANSWERS:
            store.shared.popitem(last=False)
    else:
        store.shared.move_to_end(key)
    try:
        found: tuple[tuple[UserFacts, ...], list[str]] = await asyncio.shield(task)
    except BaseException:
        if task.done() and store.shared.get(key) is task:
            del store.shared[key]  # a failure is not kept: the next look-up asks again
        raise
    return found[0], list(found[1])


async def _administrators_of(store: LdapStore, org: Entry) -> tuple[tuple[UserFacts, ...], list[str]]:
    """The organisation's administrators, each as a user of it: the members of its admins group, or the
    user (or the members of the group) its administrators' attribute names."""
    mapping = store.mapping
    problems: list[str] = []
    if mapping.admins_group:
        named = [f"{mapping.admins_group},{org.dn}"]
    elif mapping.admins_attribute:
        named = list(org.values(mapping.admins_attribute))
    else:
        return (), problems
    if not named:
        return (), problems
    terms = "".join(f"({mapping.dn_attribute}={_escaped(dn)})({MEMBER_OF}={_escaped(dn)})" for dn in named)
    query = f"(&{mapping.users}(|{terms}))"
    attributes = list(dict.fromkeys([*mapping.attributes(), MEMBER_OF]))
    # One more than is read: what tells that the answer was cut, as SCIM's totalResults does.
    entries = await store.run(lambda: store.search(query, attributes, limit=MAX_ENTRIES + 1))
    if len(entries) > MAX_ENTRIES:
        problems.append(f"the directory holds more than {MAX_ENTRIES} administrators of the organisation; "
                        f"the first {MAX_ENTRIES} are read")
        entries = entries[:MAX_ENTRIES]
    # Only an entry the search asked for administers it: named, or a member of a group named. A directory
    # (a proxy, a virtual directory) that ignores the filter sends others: another organisation's people
    # read out as the caller's administrators, or the caller made one (attack 30, F30-1).
    wanted = {dn_key(dn) for dn in named}
    asked = [e for e in entries
             if dn_key(e.dn) in wanted or any(dn_key(group) in wanted for group in e.values(MEMBER_OF))]
    if len(asked) < len(entries):
        problems.append(f"the directory sent {len(entries) - len(asked)} entries for the organisation's "
                        "administrators that are neither named by it nor members of the group it names; they "
                        "are left out")
    # One administrator sent twice is one (F31-3); sent with different values, whether they can act can't
    # be told: never left out, which could make "no administrator" of one.
    one = _one_each(asked, problems, "whether they can act is not read")
    differ: dict[str, Entry] = {}
    for entry in asked:
        if dn_key(entry.dn) not in one:
            differ.setdefault(dn_key(entry.dn), entry)  # the first copy's contacts: as the user look-up's
    admins = [reading.user_facts(e, mapping, org.dn, True) for e in {**one, **differ}.values()]
    admins = [replace(a, unknown=a.unknown | {"active", "locked"}) if dn_key(a.id or "") in differ else a
              for a in admins]
    return tuple(admins), problems


def _parent_key(dn: str) -> str | None:
    """The DN right above `dn`, as compared; None when `dn` can't be read as a DN or has none above."""
    try:
        above = reading.ancestors(dn)
    except ValueError:
        return None
    return dn_key(above[0]) if above else None


def _chain(store: LdapStore, dn: str) -> list[str] | None:
    """The DNs above `dn` within the base, nearest first; None when `dn` can't be read as a DN."""
    try:
        return _within_base(store, reading.ancestors(dn))
    except ValueError:
        return None


async def _candidate_organisations(store: LdapStore, snapshot: Snapshot) -> Snapshot:
    mapping = store.mapping
    shown = [user for user, _ in snapshot.found[:10]]
    chains = [_chain(store, user.id or "") or [] for user in shown]
    contexts = await _entries(store, [], *chains)
    named = []
    for chain in chains:
        org, _ = _nearest(contexts, chain, mapping)
        named.append((reading.organisation_facts(org, mapping)[0].name or org.dn,) if org else ())
    return replace(snapshot, candidate_organisations=tuple(named))


def _within_base(store: LdapStore, dns: list[str]) -> list[str]:
    """Those of `dns` at or under the base DN: no search under it finds one above."""
    base = dn_key(store.root.base_dn)
    return [dn for dn in dns if (key := dn_key(dn)) == base or key.endswith("," + base)]


def _nearest(contexts: dict[str, Entry], chain: list[str], mapping: LdapMapping) -> tuple[Entry | None,
                                                                                          str | None]:
    """The nearest of `chain` (the DNs above an entry) that is an organisation; or the nearest the search
    did not send before one (its DN), as whether that one is the organisation can't be told."""
    for dn in chain:
        entry = contexts.get(dn_key(dn))
        if entry is None:
            return None, dn
        if reading.is_organisation(entry, mapping):
            return entry, None
    return None, None


class LdapDirectory:
    """One LDAP directory as a source (sources.Directory), on one bound connection."""

    def __init__(self, store: LdapStore) -> None:
        self.store = store

    @property
    def requests(self) -> int:
        return self.store.searches

    @property
    def unrecorded(self) -> frozenset[str]:
        return self.store.unrecorded

    def secrets(self) -> list[str]:
        return self.store.secrets()

    async def probe(self) -> None:
        await self.store.run(self.store.bound)

    async def rights(self) -> tuple[str, ...]:
        """Whether the account sees users, and which of the state attributes it reads none of them has:
        an account without the right sees nothing, which is not "unknown" for everyone's facts."""
        store = self.store
        mapping = store.mapping
        entries = await store.run(lambda: store.search(mapping.users, mapping.attributes(), limit=SAMPLE))
        if not entries:
            raise ApiError("search", f"the service account sees no user under {store.root.base_dn} "
                           f"({mapping.users}): it may lack the right to read them, or the base DN or the "
                           "mapping is another")
        unseen = [f"{s.attribute} ({name})" for name, fact in mapping.facts.items() if name in STATE
                  for s in fact.sources if not any(e.values(s.attribute) for e in entries)]
        if not unseen:
            return ()
        return (f"of the {len(entries)} users read, none carries {', '.join(dict.fromkeys(unseen))}: "
                "none has it set, or the account may not read it (doctor checks each)",)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.store.close)

    async def __aenter__(self) -> LdapDirectory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def snapshot(self, identifier: str, asked: Asked | None = None) -> Snapshot:
        return await self._within(ROUND_TRIPS, fetch(self.store, identifier, asked))

    async def snapshot_by_name(self, name: str, organisation: str) -> Snapshot:
        return await self._within(ROUND_TRIPS + 2, fetch_by_name(self.store, name, organisation))

    async def organisation(self, business_id: str) -> Snapshot:
        return await self._within(ROUND_TRIPS, fetch_organisation(self.store, business_id))

    async def _within(self, rounds: int, looked_up: Awaitable[Snapshot]) -> Snapshot:
        # The whole look-up's deadline: each search has the request timeout, and the look-up as many.
        try:
            return await asyncio.wait_for(looked_up, rounds * self.store.timeout + self.store.timeout)
        except TimeoutError:
            raise UnreachableError(self.store.url, "timed out", timeout=self.store.timeout) from None

