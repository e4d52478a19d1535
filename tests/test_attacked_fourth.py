"""Issue 12, as a fourth attacker's pass found the tree: a capture of a server that sends attributes of
the wrong type, and a server that ignores the groups' id filter."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from postisupport.sandbox.app import application
from tests.servers import answer_of, send_answer, serving


class Altering:
    """The sandbox, with each answer to `endpoint` rewritten by `change` (its JSON body)."""

    def __init__(self, endpoint: str, change: Callable[[dict[str, Any], str], None]) -> None:
        self.app, self.endpoint, self.change = application(), endpoint, change

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/" + self.endpoint):
            return await self.app(scope, receive, send)
        start, content = await answer_of(self.app, scope, receive)
        body = json.loads(content)
        self.change(body, scope["query_string"].decode())
        await send_answer(send, start, json.dumps(body).encode())


def wrongly_typed(body: dict[str, Any], query: str) -> None:
    for user in body.get("Resources", []):
        if user.get("userName") == "aino.korhonen@esimerkki.example.fi":
            user["active"] = "maybe"
            user["displayName"] = {"text": "Aino"}


def test_a_capture_of_attributes_of_the_wrong_type_replays(run, tmp_path: Path) -> None:
    """The file kept the raw values, which the diagnosis left out and the sandbox refuses: replay,
    --sandbox-data and sandbox serve all refused the file that capture said it had made."""
    ticket = tmp_path / "ticket.json"
    with serving(Altering("Users", wrongly_typed)) as url:
        made = run("--api", url, "capture", "ESIM0042", "-o", str(ticket), "--no-audit")
    assert made.exit_code == 0, made.stderr
    kept = json.loads(ticket.read_text())
    aino = next(u for u in kept["Users"] if u["id"] == "u-1002")
    assert ("active" in aino, "displayName" in aino, aino["userName"]) == (
        False, False, "aino.korhonen@esimerkki.example.fi")
    problems = ["user u-1002: displayName: {'text': 'Aino'} ignored (not a string)",
                "user u-1002: active: 'maybe' ignored (not a boolean (true or false))"]
    # Which attributes were left out, in the shape a pseudonymised capture says it; the problems as said.
    assert (kept["capture"]["left_out"], kept["capture"]["data_problems"]) == (
        [{"resource": "Users", "id": "u-1002", "attributes": ["active", "displayName"]}], problems)
    replayed = run("replay", str(ticket), "--json")
    assert (replayed.exit_code, replayed.stderr, replayed.json()["data_problems"]) == (0, "", problems)
    served = run("--sandbox-data", str(ticket), "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (served.exit_code, served.json()["outcome"]) == (0, "change-password")


def test_a_capture_a_server_sends_well_typed_is_kept_as_sent(run, tmp_path: Path) -> None:
    ticket = tmp_path / "ticket.json"
    with serving(application()) as url:
        assert run("--api", url, "capture", "ESIM0042", "-o", str(ticket), "--no-audit").exit_code == 0
    kept = json.loads(ticket.read_text())
    assert ("left_out" in kept["capture"], "schemas" in kept["Users"][0]) == (False, True)


def every_group(body: dict[str, Any], query: str) -> None:
    """The answer to any filter on the groups: all of them, as a server that ignores the filter sends."""
    if "filter" in query:
        body["Resources"] = ALL_GROUPS
        body["totalResults"] = len(ALL_GROUPS)


ALL_GROUPS: list[dict[str, Any]] = []


@pytest.fixture
def all_groups() -> None:
    with serving(application()) as url:
        answer = httpx.get(f"{url}/Groups", params={"count": "200", "excludedAttributes": "members"})
        ALL_GROUPS[:] = answer.json()["Resources"]
    assert len(ALL_GROUPS) > 2


def test_groups_a_server_sends_though_not_asked_for_are_not_the_users(run, all_groups: None) -> None:
    """Olli is in Lukko Oy only; a server ignoring `id eq` sent every organisation, and the screen named
    the first of them as his, and decided on its administrators."""
    with serving(Altering("Groups", every_group)) as url:
        result = run("--api", url, "diagnose", "olli.ovinen@lukko.example.fi", "--json", "--no-audit",
                     "--verified")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert ([o["name"] for o in doc["organisations"]], doc["organisation_chosen"]) == (["Lukko Oy"], None)
    assert doc["data_problems"] == [  # the group of newsletter readers is no organisation
        "the API returned 3 organisation(s) not among the user's groups, left out: 'Esimerkki Oy', "
        "'Exempel Ab', 'Sample Trading Ltd'"]
