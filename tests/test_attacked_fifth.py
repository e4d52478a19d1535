"""Issue 12, as a fifth attacker's pass found the tree: captures of what a server may leave out, a server
that ignores the members' filter, the rate limit and the deadline, and a pseudonymised business ID."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.servers import serving
from tests.test_attacked_fourth import Altering


GONE = object()


def altered(attribute: str, value: Any) -> Any:
    def change(body: dict[str, Any], query: str) -> None:
        for resource in body.get("Resources", [body]):
            if value is GONE:
                resource.pop(attribute, None)
            else:
                resource[attribute] = value
    return change


@pytest.mark.parametrize(("endpoint", "attribute", "value"), [
    ("Users", "userName", GONE), ("Groups", "displayName", GONE), ("Users", "userName", 42),
    ("Groups", "displayName", ["Esimerkki Oy"])])
def test_a_capture_of_a_server_that_leaves_out_a_name_replays(run, tmp_path: Path, endpoint: str,
                                                              attribute: str, value: Any) -> None:
    """SCIM requires them, yet a server may leave them out; the diagnosis reads such an account, and the
    capture refused it: the ticket could not be kept at all."""
    ticket = tmp_path / "ticket.json"
    with serving(Altering(endpoint, altered(attribute, value))) as url:
        made = run("--api", url, "capture", "ESIM0042", "-o", str(ticket), "--no-audit")
        direct = run("--api", url, "diagnose", "ESIM0042", "--json", "--no-audit")
    outcome = direct.json()["outcome"]
    assert (made.exit_code, made.stderr) == (0, f"captured {outcome} ({direct.json()['rule']}) in {ticket}\n")
    kept = json.loads(ticket.read_text())
    assert [attribute in r for r in kept[endpoint]] == [False] * len(kept[endpoint])
    assert kept["capture"]["diagnosis"]["outcome"] == direct.json()["outcome"]
    replayed = run("replay", str(ticket))
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    served = run("--sandbox-data", str(ticket), "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (served.exit_code, served.json()["outcome"]) == (0, direct.json()["outcome"])


def test_a_data_file_written_by_hand_must_still_name_its_users(run, tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"Users": [{"id": "u-1"}]}))
    result = run("--sandbox-data", str(data), "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (
        2, "postisupport: error: sandbox data: Users[0] (id 'u-1'): userName is missing\n")
