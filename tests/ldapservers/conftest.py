"""Real LDAP servers for the LDAP source's tests (tests/ldapservers/README.md): each is started once per
session (per xdist worker) on 127.0.0.1, seeded with the states made for real, and stopped at the end.
Without the Debian packages the tests are skipped locally; under CI (CI set) they fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ldapservers import openldap as openldap_server
from tests.ldapservers import samba as samba_server


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, and CI runs every test (.ci/run installs it)")
    pytest.skip(f"{what} is not installed (Debian: apt-get install slapd ldap-utils samba; .ci/run does it)")


@pytest.fixture(scope="session")
def openldap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[openldap_server.OpenLdap]:
    if not openldap_server.available():
        _missing("slapd")
    folder: Path = tmp_path_factory.mktemp("openldap")
    with openldap_server.running(folder / "slapd") as server:
        yield server


@pytest.fixture(scope="session")
def samba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[samba_server.Samba]:
    if not samba_server.available():
        _missing("samba (an AD domain controller)")
    folder: Path = tmp_path_factory.mktemp("samba")
    with samba_server.running(folder / "dc") as server:
        yield server
