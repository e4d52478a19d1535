"""A hostile LDAP server on loopback: what a real directory would never send, to test our faults.

It speaks just enough of RFC 4511 (BER through ldap3's own ASN.1 definitions) to bind and search:
  - "echo": binds, answers the rootDSE, then puts the password it was sent into what it answers
    (a user's displayName, or an error's diagnostic message);
  - "trickle": binds, answers the rootDSE, then answers the user's search with a message that never
    ends, one byte every `interval` seconds;
  - "idle-close": answers as a directory would, and closes a connection left idle for `interval`
    seconds (AD's MaxConnIdleTime, OpenLDAP's idletimeout), without a word;
  - "unreadable-boolean": answers the user's search, the search by DN and the administrators' as a
    directory would (USERS), the user's ppolicy pwdReset neither TRUE nor FALSE;
  - "outside", "unreadable-dn": so, the user's entry outside the base DN searched under, or its DN no
    DN at all;
  - "many-admins": so, the user's organisation with ADMINS administrators, each deactivated, all sent
    for a search that asked for fewer (as a server ignoring the size limit does);
  - "partitions-refused": so, its rootDSE naming an AD configuration context whose partitions (the
    down-level domain name) the account may not read: insufficientAccessRights, which is tolerated;
  - "admins-unasked": so, the administrators' search answered with its one administrator (a member of
    cn=admins), the caller herself and someone of another organisation, none of them members (a
    directory that ignores the filter);
  - "name-outside": so, the members' search one level under the organisation answered with a namesake
    of another organisation (a directory that ignores the base or the scope);
  - "two-business-ids": so, the organisation's o and businessCategory multi-valued: two names, a kind
    of business and two business IDs;
  - "ignores-filters" (or any other name): binds, answers the rootDSE, and every search with Eva;
  - "many-others": so, every search with 25 users, none of them Eva;
  - "org-hidden": so, the organisation's entry not sent (an account that may not read it), the root
    above it an organization;
  - "org-twice", "admin-twice": so, the organisation's entry, or its administrator, sent twice with
    different values; "admin-spaced": so, the administrator's memberOf written with blanks and escapes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ldap3.protocol.rfc4511 import (
    LDAPDN,
    AttributeDescription,
    BindResponse,
    LDAPMessage,
    LDAPString,
    MessageID,
    PartialAttribute,
    PartialAttributeList,
    ProtocolOp,
    ResultCode,
    SearchResultDone,
    SearchResultEntry,
    Vals,
)
from pyasn1.codec.ber import encoder

BASE = "dc=example,dc=fi"
EVA = {"objectClass": ["inetOrgPerson"], "uid": ["eva"], "cn": ["Eva Esim"], "displayName": ["Eva Esim"],
       "mail": ["eva.esim@example.fi"]}
ORGANISATION = f"o=Esimerkki Oy,{BASE}"
ADMINS = 6000  # more than the source reads of an organisation's (MAX_ENTRIES)
ORGANISATION_ENTRY = {"objectClass": ["organization"], "o": ["Esimerkki Oy"],
                      "businessCategory": ["2345678-0"]}
# The modes that answer each search by what it asks: the user (their DN, their entry), the entries above
# them that the search by DN finds, how many administrators their organisation has.
USERS: dict[str, tuple[str, dict[str, list[str]], list[tuple[str, dict[str, list[str]]]], int]] = {
    "unreadable-boolean": (f"uid=eva,ou=people,{BASE}", {**EVA, "pwdReset": ["MAYBE"]}, [], 0),
    "outside": ("uid=ESIM0001,o=Other Org,dc=evil,dc=net", EVA, [], 0),
    "unreadable-dn": (f"uid=eva,=,{BASE}", EVA, [], 0),
    "partitions-refused": (f"uid=eva,ou=people,{BASE}", EVA, [], 0),
    "many-admins": (f"uid=eva,{ORGANISATION}", EVA, [(ORGANISATION, ORGANISATION_ENTRY)], ADMINS),
    "admins-unasked": (f"uid=eva,{ORGANISATION}", EVA, [(ORGANISATION, ORGANISATION_ENTRY)], 0),
    "name-outside": (f"uid=eva,o=Other Oy,{BASE}", EVA, [(ORGANISATION, ORGANISATION_ENTRY)], 0),
    "org-hidden": (f"uid=eva,{ORGANISATION}", EVA,
                   [(BASE, {"objectClass": ["organization"], "o": ["Example"]})], 0),
    "org-twice": (f"uid=eva,{ORGANISATION}", EVA, [(ORGANISATION, ORGANISATION_ENTRY), (ORGANISATION, {
        **ORGANISATION_ENTRY, "o": ["Evil Oy"], "businessCategory": ["1234567-1"]})], 0),
    "admin-twice": (f"uid=eva,{ORGANISATION}", EVA, [(ORGANISATION, ORGANISATION_ENTRY)], 0),
    "admin-spaced": (f"uid=eva,{ORGANISATION}", EVA, [(ORGANISATION, ORGANISATION_ENTRY)], 0),
    "two-business-ids": (f"uid=eva,{ORGANISATION}", EVA, [(ORGANISATION, {
        **ORGANISATION_ENTRY, "o": ["Evil Corp", "Esimerkki Oy"],
        "businessCategory": ["Logistics", "2345678-0", "1234567-1"]})], 0),
}
# Their administrators' search answered so, after the ADMINS: by mode, each entry's DN and attributes.
MAIJA = {"objectClass": ["inetOrgPerson"], "uid": ["maija"], "cn": ["Maija Virtanen"],
         "mail": ["maija@example.fi"], "memberOf": [f"cn=admins,{ORGANISATION}"],
         "authTimestamp": ["20210301080000Z"]}
# The entries above the user a mode's search by DN leaves out, as an account that may not read them.
HIDDEN = {"org-hidden": {ORGANISATION.lower()}}
UNASKED: dict[str, list[tuple[str, dict[str, list[str]]]]] = {
    "admin-twice": [(f"uid=maija,{ORGANISATION}", MAIJA),
                    (f"uid=maija,{ORGANISATION}", {**MAIJA, "telephoneNumber": ["+358 40 666 6666"]})],
    # Its memberOf written with blanks after the commas and an escaped blank: the same DN.
    "admin-spaced": [(f"uid=maija,{ORGANISATION}", {
        **MAIJA, "memberOf": ["CN=admins, O=Esimerkki\\20Oy, DC=example, DC=fi"]})],
    "admins-unasked": [
    (f"uid=maija,{ORGANISATION}", {
        "objectClass": ["inetOrgPerson"], "uid": ["maija"], "cn": ["Maija Virtanen"],
        "mail": ["maija@example.fi"], "memberOf": [f"cn=admins,{ORGANISATION}"]}),
    (f"uid=eva,{ORGANISATION}", EVA),
    (f"uid=olli,o=Other Oy,{BASE}", {
        "objectClass": ["inetOrgPerson"], "uid": ["olli"], "cn": ["Olli Outsider"],
        "mail": ["olli@other.example.net"], "telephoneNumber": ["+358 50 999 0000"]}),
]}


def _above(dn: str) -> list[str]:
    """The DNs above `dn` within BASE (the modes' DNs hold no escaped comma)."""
    parts = dn.split(",")
    return [at for at in (",".join(parts[n:]) for n in range(1, len(parts))) if at.lower().endswith(BASE)]


def _message(number: int, name: str, operation: Any) -> bytes:
    message = LDAPMessage()
    message["messageID"] = MessageID(number)
    choice = ProtocolOp()
    choice.setComponentByName(name, operation)
    message["protocolOp"] = choice
    return bytes(encoder.encode(message))


def _result(kind: Any, code: int, said: str = "") -> Any:
    result = kind()
    result["resultCode"] = ResultCode(code)
    result["matchedDN"] = LDAPDN("")
    result["diagnosticMessage"] = LDAPString(said)
    return result


def _entry(number: int, dn: str, attributes: dict[str, list[str]]) -> bytes:
    entry = SearchResultEntry()
    entry["object"] = LDAPDN(dn)
    listed = PartialAttributeList()
    for at, (name, values) in enumerate(attributes.items()):
        attribute = PartialAttribute()
        attribute["type"] = AttributeDescription(name)
        vals = Vals()
        for position, value in enumerate(values):
            vals.setComponentByPosition(position, value.encode())
        attribute["vals"] = vals
        listed.setComponentByPosition(at, attribute)
    entry["attributes"] = listed
    return _message(number, "searchResEntry", entry)


def _administrators(number: int, count: int) -> bytes:
    """`count` administrators of ORGANISATION, each closed for good: one entry encoded, then numbered
    (pyasn1 takes seconds for thousands)."""
    one = _entry(number, f"uid=admin#####,{ORGANISATION}", {
        "objectClass": ["inetOrgPerson"], "uid": ["admin#####"], "cn": ["Admin #####"],
        "mail": ["admin#####@example.fi"], "pwdAccountLockedTime": ["000001010000Z"],
        "memberOf": [f"cn=admins,{ORGANISATION}"]})
    return b"".join(one.replace(b"#####", b"%05d" % n) for n in range(count))


def _tlv(data: bytes, at: int) -> tuple[int, bytes, int]:
    """The BER element at `at`: its tag, its value, where the next begins."""
    tag, first = data[at], data[at + 1]
    head = 2 + (first & 0x7F if first & 0x80 else 0)
    length = int.from_bytes(data[at + 2: at + head], "big") if first & 0x80 else first
    return tag, data[at + head: at + head + length], at + head + length


def _request(raw: bytes) -> tuple[int, int, bytes]:
    """A request's message ID, its operation's tag and the operation's value."""
    _, message, _ = _tlv(raw, 0)
    _, number, after = _tlv(message, 0)
    tag, operation, _ = _tlv(message, after)
    return int.from_bytes(number, "big"), tag, operation


def _filter(operation: bytes) -> bytes:
    """A search request's filter, as sent: after its base, scope, aliases, size and time limits and
    typesOnly."""
    at = 0
    for _ in range(6):
        _, _, at = _tlv(operation, at)
    return operation[at:_tlv(operation, at)[2]]


def _read_message(conn: socket.socket) -> bytes | None:
    """One whole BER message from the client, or None when it hung up."""
    data = b""
    while True:
        if len(data) >= 2:
            first = data[1]
            head = 2 + (first & 0x7F if first & 0x80 else 0)
            if len(data) >= head:
                length = int.from_bytes(data[2:head], "big") if first & 0x80 else first
                if len(data) >= head + length:
                    return data[: head + length]
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk


class HostileLdap:
    """`mode` one of the module's; `root` the naming context its rootDSE names; `passwords` what binds
    sent."""

    def __init__(self, mode: str, interval: float = 0.3, root: str = BASE) -> None:
        self.mode, self.interval, self.root = mode, interval, root
        self.passwords: list[str] = []
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client cut the connection: what a trickle is for
            self._converse(conn)

    def _converse(self, conn: socket.socket) -> None:
        if self.mode == "idle-close":
            conn.settimeout(self.interval)
        while (raw := _read_message(conn)) is not None:
            number, tag, operation = _request(raw)
            if tag == 0x60:  # bindRequest: version, name, then the simple password ([0])
                _, _, after = _tlv(operation, 0)
                _, _, after = _tlv(operation, after)
                self.passwords.append(_tlv(operation, after)[1].decode())
                conn.sendall(_message(number, "bindResponse", _result(BindResponse, 0)))
            elif tag == 0x63:  # searchRequest: its base DN first
                base = _tlv(operation, 0)[1].decode()
                if self.mode == "trickle" and base:
                    # The start of a message four gigabytes long, then one byte at a time.
                    conn.sendall(bytes.fromhex("3084ffffff00"))
                    while not self.stopped.is_set():
                        conn.sendall(b"\x00")
                        time.sleep(self.interval)
                    return
                conn.sendall(self._searched(number, base, _filter(operation)))
            else:  # unbind, abandon
                return

    def _searched(self, number: int, base: str, asked: bytes) -> bytes:
        said = self.passwords[-1] if self.passwords else ""
        done = _message(number, "searchResDone", _result(SearchResultDone, 0))
        if base == "":
            configuration = {"configurationNamingContext": [f"CN=Configuration,{self.root}"]} \
                if self.mode == "partitions-refused" else {}
            return _entry(number, "", {"namingContexts": [self.root], **configuration}) + done
        if base.startswith("CN=Partitions,"):
            return _message(number, "searchResDone", _result(SearchResultDone, 50, "no access"))
        if self.mode in USERS:
            dn, user, above, admins = USERS[self.mode]
            # (|(entryDN=...)...): the entries above the user, by their DN; an organisation by business ID
            if asked[0] == 0xA1 or b"businessCategory" in asked:
                # The entries above the user, each there as in a directory: those the mode gives, the
                # others no organisation (a container, the domain).
                named = {at.lower() for at, _ in above} | HIDDEN.get(self.mode, set())
                plain = [(at, {"objectClass": ["top", "domain" if at == BASE else "nsContainer"]})
                         for at in _above(dn) if at.lower() not in named] if asked[0] == 0xA1 else []
                return b"".join(_entry(number, at, entry) for at, entry in [*above, *plain]) + done
            if b"memberOf" in asked:  # the administrators'
                unasked = b"".join(_entry(number, at, entry) for at, entry in UNASKED.get(self.mode, []))
                return _administrators(number, admins) + unasked + done
            return _entry(number, dn, user) + done
        if self.mode == "many-others":
            return b"".join(_entry(number, f"uid=other{n},ou=people,{BASE}", {
                "objectClass": ["inetOrgPerson"], "uid": [f"other{n}"], "cn": [f"Other {n}"],
                "mail": [f"other{n}@example.fi"]}) for n in range(25)) + done
        if self.mode == "echo-error":
            return _message(number, "searchResDone",
                            _result(SearchResultDone, 80, f"internal error for password {said} end"))
        shown = f"Eva {said}" if self.mode.startswith("echo") else "Eva Esim"
        user = {"objectClass": ["inetOrgPerson"], "uid": ["eva"], "cn": ["Eva Esim"],
                "displayName": [shown], "mail": ["eva.esim@example.fi"]}
        return _entry(number, f"uid=eva,ou=people,{BASE}", user) + _message(
            number, "searchResDone", _result(SearchResultDone, 0))


@contextmanager
def hostile_ldap(mode: str, interval: float = 0.3, root: str = BASE) -> Iterator[HostileLdap]:
    server = HostileLdap(mode, interval, root)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopped.set()
        thread.join(5)
        server.listener.close()
