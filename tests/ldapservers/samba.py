"""A real Samba Active Directory domain controller (Debian's samba) for the LDAP source's tests: provisioned
in a temporary folder (no DNS, only the ldap service), started on a loopback address of its own (AD's
ports are fixed: 389 and 636 on 127.0.0.N, the first N with both free), and seeded with the states
made for real: a password that must be changed at the next login (samba-tool), a disabled account,
bad binds until the domain's lockout policy locks an account, logins (lastLogonTimestamp)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ldap3
from ldap3.core.exceptions import LDAPException

REALM = "AD.EXAMPLE.COM"
DOMAIN = "EXAMPLE"
BASE = "DC=ad,DC=example,DC=com"
ADMIN_PASSWORD = "Admin-pass-2021!"
READER = f"CN=reader,CN=Users,{BASE}"
READER_PASSWORD = "Reader-pass-5678!"
USER_PASSWORD = "Kesa-salasana-2021!"
ESIMERKKI = f"OU=Esimerkki Oy,{BASE}"
TRADING = f"OU=Example Trading Ltd,{BASE}"
GROUPS = f"OU=Groups,{BASE}"
PORTS = (389, 636)


@dataclass
class Person:
    account: str  # sAMAccountName: the legacy user ID
    upn: str  # userPrincipalName: the login address
    given: str
    surname: str
    ou: str
    language: str = "fi"
    phone: str | None = None
    proxy: str | None = None  # another address (proxyAddresses smtp:)

    @property
    def name(self) -> str:
        return f"{self.given} {self.surname}"

    @property
    def dn(self) -> str:
        return f"CN={self.name},{self.ou}"


PEOPLE = {
    "aino": Person("ESIM0101", "aino.virtanen@example.fi", "Aino", "Virtanen", ESIMERKKI,
                   proxy="aino.v@example.net"),  # must change the password at the next login (step 1)
    "matti": Person("ESIM0102", "matti.makinen@example.fi", "Matti", "M\u00e4kinen", ESIMERKKI,
                    phone="+358 40 000 0102"),  # Esimerkki's administrator (its OU's managedBy), logged in
    "kaisa": Person("ESIM0105", "kaisa.laine@example.fi", "Kaisa", "Laine", ESIMERKKI),  # locked by bad binds
    "lauri": Person("EXT0201", "lauri.nieminen@example.com", "Lauri", "Nieminen", TRADING, "en"),  # disabled
    # Trading's administrator (a member of the group its OU's managedBy names), locked by bad binds.
    "sanna": Person("EXT0202", "Sanna.Koski@Example.com", "Sanna", "Koski", TRADING, "sv"),
    "olli": Person("EXT0203", "olli.ojala@example.com", "Olli", "Ojala", TRADING),  # logs in; no one to help
}


@dataclass
class Samba:
    host: str
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"ldap://{self.host}"

    def connection(self, user: str = f"Administrator@{REALM.lower()}",
                   password: str = ADMIN_PASSWORD) -> ldap3.Connection:
        return ldap3.Connection(ldap3.Server(self.host, get_info=ldap3.NONE), user, password, auto_bind=True,
                                raise_exceptions=True)


def available() -> bool:
    return all(shutil.which(tool) for tool in ("samba", "samba-tool"))


def free_address() -> str:
    """The first 127.0.0.N (N from 2) on which AD's LDAP ports are both free, each xdist worker from its
    own N on: two workers provisioning at once both found 127.0.0.2 free, and the second's tests ran on
    the first's domain controller."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    start = 8 * int(worker) if worker.isdigit() else 0
    for n in [2 + (start + k) % 58 for k in range(58)]:
        host = f"127.0.0.{n}"
        try:
            for port in PORTS:
                with socket.socket() as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((host, port))
        except OSError:
            continue
        return host
    raise RuntimeError(f"Samba AD needs the ports {PORTS} on a loopback address, and they are taken on "
                       "127.0.0.2 to 127.0.0.59: stop what holds them")


def _tool(folder: Path, *args: str) -> None:
    conf = folder / "etc" / "smb.conf"
    done = subprocess.run(["samba-tool", *args, "-s", str(conf), "-H", f"tdb://{folder}/private/sam.ldb"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"samba-tool {' '.join(args[:2])}: {done.stderr[-1500:]}")


def provision(folder: Path, host: str) -> None:
    done = subprocess.run([
        "samba-tool", "domain", "provision", f"--realm={REALM}", f"--domain={DOMAIN}",
        f"--adminpass={ADMIN_PASSWORD}", "--server-role=dc", "--dns-backend=NONE", "--host-name=dc1",
        f"--targetdir={folder}", f"--option=interfaces={host}/8", "--option=bind interfaces only=yes",
        "--option=server services = ldap"], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"samba-tool domain provision: {done.stderr[-2000:]}")
    conf = folder / "etc" / "smb.conf"
    (folder / "run").mkdir()
    text = conf.read_text().replace("[global]", "[global]\n"
                                    f"\tpid directory = {folder}/run\n"
                                    f"\tlog file = {folder}/samba.log\n"
                                    # A simple bind over plain LDAP: the tests' loopback server only.
                                    "\tldap server require strong auth = no\n", 1)
    conf.write_text(text.replace("log file = /var/log/samba/log.%m", f"log file = {folder}/samba.log"))
    _tool(folder, "domain", "passwordsettings", "set", "--account-lockout-threshold=3",
          "--account-lockout-duration=0", "--reset-account-lockout-after=30", "--complexity=off",
          "--min-pwd-age=0")
    for ou in (ESIMERKKI, TRADING, GROUPS):
        _tool(folder, "ou", "create", ou.split(f",{BASE}")[0])
    _tool(folder, "user", "create", "reader", READER_PASSWORD)
    for key, person in PEOPLE.items():
        extra = ["--must-change-at-next-login"] if key == "aino" else []
        _tool(folder, "user", "create", person.account, USER_PASSWORD, f"--given-name={person.given}",
              f"--surname={person.surname}", f"--userou={person.ou.split(f',{BASE}')[0]}",
              f"--mail-address={person.upn}", *extra)
    _tool(folder, "user", "disable", PEOPLE["lauri"].account)


@contextmanager
def running(folder: Path) -> Iterator[Samba]:
    host = free_address()
    provision(folder, host)
    process = subprocess.Popen(["samba", "-F", "-M", "single", "-s", str(folder / "etc" / "smb.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Samba(host, folder, process)
    try:
        _wait(server)
        seed(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            process.stderr.close()


def _wait(server: Samba) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = server.folder / "samba.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"samba exited with {server.process.returncode}: {tail}")
        try:
            server.connection().unbind()
            return
        except LDAPException:
            time.sleep(0.2)
    raise RuntimeError("samba did not answer LDAP within 60 s")


def seed(server: Samba) -> None:
    replace = ldap3.MODIFY_REPLACE
    with server.connection() as ldap:
        for person in PEOPLE.values():
            changes = {"userPrincipalName": [(replace, [person.upn])],
                       "displayName": [(replace, [person.name])],
                       "preferredLanguage": [(replace, [person.language])]}
            if person.phone:
                changes["telephoneNumber"] = [(replace, [person.phone])]
            if person.proxy:
                changes["proxyAddresses"] = [(replace, [f"SMTP:{person.upn}", f"smtp:{person.proxy}"])]
            ldap.modify(person.dn, changes)
        # Esimerkki's administrator is a user; Trading's, the members of a group.
        ldap.modify(ESIMERKKI, {"businessCategory": [(replace, ["2345678-0"])],
                                "managedBy": [(replace, [PEOPLE["matti"].dn])]})
        admins = f"CN=Trading admins,{GROUPS}"
        ldap.add(admins, ["top", "group"], {"sAMAccountName": "trading-admins",
                                            "member": [PEOPLE["sanna"].dn]})
        ldap.modify(TRADING, {"managedBy": [(replace, [admins])]})
        for ident, name, members in (("invoicing", "Invoicing", ("aino", "matti", "olli")),
                                     ("reporting", "Reporting", ("matti",))):
            ldap.add(f"CN=svc-{ident},{GROUPS}", ["top", "group"], {
                "sAMAccountName": f"svc-{ident}", "description": name,
                "member": [PEOPLE[p].dn for p in members]})
    upn = {key: person.upn for key, person in PEOPLE.items()}
    for key in ("matti", "olli"):  # their logins: lastLogonTimestamp
        server.connection(upn[key], USER_PASSWORD).unbind()
    for key in ("kaisa", "sanna"):  # bad binds until the domain's policy locks the account
        for _ in range(3):
            attempt = ldap3.Connection(ldap3.Server(server.host, get_info=ldap3.NONE), upn[key],
                                       "wrong-password-0000")
            attempt.bind()
            attempt.unbind()
