"""Real LDAP servers for the LDAP source's tests (tests/ldapservers/README.md): each is started once per
session (per xdist worker) on 127.0.0.1, seeded with the states made for real, and stopped at the end.
Without the Debian packages the tests are skipped locally; under CI (CI set) they fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ldapservers import openldap as openldap_server


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, and CI runs every test (.ci/run installs it)")
    pytest.skip(f"{what} is not installed (apt-get install slapd ldap-utils; .ci/run does it)")


@pytest.fixture(scope="session")
def openldap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[openldap_server.OpenLdap]:
    if not openldap_server.available():
        _missing("slapd")
    folder: Path = tmp_path_factory.mktemp("openldap")
    with openldap_server.running(folder / "slapd") as server:
        yield server
