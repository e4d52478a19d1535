"""A real OpenLDAP (Debian's slapd) for the LDAP source's tests: a private slapd.conf in a temporary
folder (the mdb backend; the ppolicy, memberof, refint and lastbind overlays; a default policy with
pwdMustChange and a lockout, and the service account's own policy without one), started on 127.0.0.1
on a free port and seeded over LDAP, with the account states made for real: a password reset by an
administrator (pwdReset), bad binds until the account locks, a permanent lock, a login (lastbind)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ldap3
import trustme
from ldap3.core.exceptions import LDAPException

from tests.servers import free_port

SLAPD = Path("/usr/sbin/slapd")
SUFFIX = "dc=example,dc=fi"
MANAGER = f"cn=manager,{SUFFIX}"
MANAGER_PASSWORD = "manager-secret-1234"
READER = f"cn=reader,ou=service,{SUFFIX}"
READER_PASSWORD = "reader-secret-5678"
# A service account whose password is not ASCII: a simple bind sends UTF-8 (RFC 4513 section 5.1.1).
READER_UTF8 = f"cn=reader-utf8,ou=service,{SUFFIX}"
READER_UTF8_PASSWORD = "Lukij\u00e4-salasana-2021"
USER_PASSWORD = "Kes\u00e4-salasana-2021"
PERMANENT = "000001010000Z"  # ppolicy: locked until an administrator unlocks it (deactivated)
ESIMERKKI = f"o=Esimerkki Oy,{SUFFIX}"
TRADING = f"o=Example Trading Ltd,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
moduleload memberof
moduleload refint
moduleload lastbind
TLSCertificateFile {folder}/server.pem
TLSCertificateKeyFile {folder}/server.key
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
database mdb
suffix "{suffix}"
rootdn "{manager}"
rootpw {password}
directory {folder}/db
maxsize 104857600
overlay memberof
memberof-refint TRUE
overlay refint
refint_attributes member
overlay ppolicy
ppolicy_default "cn=default,ou=policies,{suffix}"
ppolicy_use_lockout
overlay lastbind
lastbind-precision 0
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""


@dataclass
class Person:
    uid: str
    mail: str
    name: str
    organisation: str
    language: str = "fi"
    phone: str | None = None

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{self.organisation}"


# The seed: fictional, with the states each one shows (tests/ldapservers/README.md).
PEOPLE = {
    "aino": Person("ESIM0101", "aino.virtanen@example.fi", "Aino Virtanen", ESIMERKKI),  # reset (step 1)
    "matti": Person("ESIM0102", "matti.makinen@example.fi", "Matti M\u00e4kinen", ESIMERKKI,
                    phone="+358 40 000 0102"),  # Esimerkki's administrator, logged in
    "kaisa": Person("ESIM0105", "kaisa.laine@example.fi", "Kaisa Laine", ESIMERKKI),  # locked by bad binds
    "lauri": Person("EXT0201", "lauri.nieminen@example.com", "Lauri Nieminen", TRADING, "en"),  # deactivated
    # Trading's administrator, locked by bad binds.
    "sanna": Person("EXT0202", "Sanna.Koski@Example.com", "Sanna Koski", TRADING, "sv"),
    "olli": Person("EXT0203", "olli.ojala@example.com", "Olli Ojala", TRADING),  # can log in; no one to help
}


@dataclass
class OpenLdap:
    url: str
    folder: Path
    process: subprocess.Popen[bytes]
    ldaps_url: str = ""  # the same server over TLS, its certificate for 127.0.0.1 by ca_file's CA
    ca_file: Path | None = None

    @property
    def log(self) -> Path:
        return self.folder / "slapd.log"

    def operations(self, since: int = 0) -> list[str]:
        """The operations slapd logged after byte `since` of its log: "BIND", "SRCH", "MOD", ..."""
        text = self.log.read_bytes()[since:].decode(errors="replace")
        return [line.split(" op=", 1)[1].split()[1] for line in text.splitlines()
                if " op=" in line and len(line.split(" op=", 1)[1].split()) > 1]

    def connection(self, user: str = MANAGER, password: str = MANAGER_PASSWORD) -> ldap3.Connection:
        return ldap3.Connection(ldap3.Server(self.url), user, password, auto_bind=True, raise_exceptions=True)


def available() -> bool:
    return SLAPD.exists() and shutil.which("slaptest") is not None


@contextmanager
def running(folder: Path) -> Iterator[OpenLdap]:
    """slapd on a free loopback port, seeded; stopped at the end."""
    (folder / "db").mkdir(parents=True)
    config = folder / "slapd.conf"
    config.write_text(CONFIG.format(folder=folder, suffix=SUFFIX, manager=MANAGER, password=MANAGER_PASSWORD))
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    issued.cert_chain_pems[0].write_to_path(folder / "server.pem")
    issued.private_key_pem.write_to_path(folder / "server.key")
    ca.cert_pem.write_to_path(folder / "ca.pem")
    url, ldaps = f"ldap://127.0.0.1:{free_port()}", f"ldaps://127.0.0.1:{free_port()}"
    # -d stats: every operation in a line (conn=N op=M SRCH ...), what proves the source never writes.
    with (folder / "slapd.log").open("wb") as log:
        process = subprocess.Popen([str(SLAPD), "-f", str(config), "-h", f"{url}/ {ldaps}/", "-d", "stats"],
                                   stdout=subprocess.DEVNULL, stderr=log)
    server = OpenLdap(url, folder, process, ldaps, folder / "ca.pem")
    try:
        _wait(server)
        seed(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait(server: OpenLdap) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            error = server.log.read_text(errors="replace")
            raise RuntimeError(f"slapd exited with {server.process.returncode}: {error[-2000:]}")
        try:
            server.connection().unbind()
            return
        except LDAPException:
            time.sleep(0.05)
    raise RuntimeError("slapd did not answer within 10 s")


def seed(server: OpenLdap) -> None:
    with server.connection() as ldap:
        add = ldap.add
        add(SUFFIX, ["dcObject", "organization"], {"o": "Example", "dc": "example"})
        add(f"ou=policies,{SUFFIX}", ["organizationalUnit"], {"ou": "policies"})
        add(f"cn=default,ou=policies,{SUFFIX}", ["organizationalRole", "pwdPolicy"], {
            "pwdAttribute": "userPassword", "pwdMustChange": "TRUE", "pwdLockout": "TRUE",
            "pwdMaxFailure": "3", "pwdLockoutDuration": "0", "pwdFailureCountInterval": "0"})
        # The service account is never locked out by someone else's bad binds: a real one needs the same.
        add(f"cn=service,ou=policies,{SUFFIX}", ["organizationalRole", "pwdPolicy"], {
            "pwdAttribute": "userPassword", "pwdLockout": "FALSE"})
        add(f"ou=service,{SUFFIX}", ["organizationalUnit"], {"ou": "service"})
        add(READER, ["applicationProcess", "simpleSecurityObject", "pwdPolicy"],
            {"cn": "reader", "userPassword": READER_PASSWORD, "pwdAttribute": "userPassword",
             "pwdLockout": "FALSE"})
        add(READER_UTF8, ["applicationProcess", "simpleSecurityObject", "pwdPolicy"],
            {"cn": "reader-utf8", "userPassword": READER_UTF8_PASSWORD, "pwdAttribute": "userPassword",
             "pwdLockout": "FALSE"})
        add(ESIMERKKI, ["organization"], {"o": "Esimerkki Oy", "businessCategory": "2345678-0"})
        add(TRADING, ["organization"], {"o": "Example Trading Ltd"})  # no business ID recorded
        add(GROUPS, ["organizationalUnit"], {"ou": "groups"})
        for person in PEOPLE.values():
            attributes = {"uid": person.uid, "mail": person.mail, "cn": person.name,
                          "sn": person.name.split()[-1], "displayName": person.name,
                          "preferredLanguage": person.language, "userPassword": USER_PASSWORD}
            if person.phone:
                attributes["telephoneNumber"] = person.phone
            add(person.dn, ["inetOrgPerson"], attributes)
        add(f"cn=admins,{ESIMERKKI}", ["groupOfNames"], {"cn": "admins", "member": [PEOPLE["matti"].dn]})
        add(f"cn=admins,{TRADING}", ["groupOfNames"], {"cn": "admins", "member": [PEOPLE["sanna"].dn]})
        add(f"cn=svc-invoicing,{GROUPS}", ["groupOfNames"], {
            "cn": "svc-invoicing", "description": "Invoicing",
            "member": [PEOPLE["aino"].dn, PEOPLE["matti"].dn, PEOPLE["olli"].dn]})
        add(f"cn=svc-reporting,{GROUPS}", ["groupOfNames"], {
            "cn": "svc-reporting", "description": "Reporting", "member": [PEOPLE["matti"].dn]})
        # An administrator resets Aino's password: with pwdMustChange, ppolicy sets pwdReset.
        ldap.modify(PEOPLE["aino"].dn, {"userPassword": [(ldap3.MODIFY_REPLACE, ["Tilap\u00e4inen-2021"])]})
        # Lauri's account is closed for good: locked until an administrator opens it.
        ldap.modify(PEOPLE["lauri"].dn, {"pwdAccountLockedTime": [(ldap3.MODIFY_REPLACE, [PERMANENT])]})
    for person in ("matti", "olli"):  # their logins, kept by lastbind as authTimestamp
        server.connection(PEOPLE[person].dn, USER_PASSWORD).unbind()
    for account in ("kaisa", "sanna"):  # bad binds until ppolicy locks the account
        for _ in range(3):
            attempt = ldap3.Connection(ldap3.Server(server.url), PEOPLE[account].dn, "wrong-password-0000")
            attempt.bind()
            attempt.unbind()
