"""Regression tests for what an attacker's pass over capture and replay found (issue 12).

The directories come from the demo sandbox served on loopback, rewritten on the way out by
`Rewriting`: a server that names attributes in another case, sends the wrong types, or sends
everything SCIM allows a user to have.
"""

from __future__ import annotations

import copy
import json
import os
import re
import resource
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.idp import models, urns
from postisupport.sandbox.app import application
from postisupport.sandbox.datafile import MAX_FILE_BYTES, NotJson, demo_data, read_json
from postisupport.sources.scim.pseudonym import GROUP, USER, Pseudonyms, read_paths
from tests.servers import serving
from tests.test_cli import assert_error

Change = Callable[[dict[str, Any]], dict[str, Any]]
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
JOHANNA = "johanna.makinen@esimerkki.example.fi"  # reads her organisation and its administrators


class Rewriting:
    """The wrapped SCIM app, with every resource it answers passed through `change` first.

    `requests` counts what it was asked."""

    def __init__(self, app: Any, change: Change = lambda r: r) -> None:
        self.app, self.change, self.requests = app, change, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.requests += 1
        sent: list[Any] = []

        async def keep(message: Any) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        if not re.search(r"/(Users|Groups)(/|$)", scope["path"]):
            for message in sent:
                await send(message)
            return
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
        if isinstance(body.get("Resources"), list):
            body["Resources"] = [self._changed(r) for r in body["Resources"]]
        elif "id" in body:
            body = self._changed(body)
        data = json.dumps(body).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    def _changed(self, item: Any) -> Any:
        return self.change(copy.deepcopy(item)) if isinstance(item, dict) else item


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[tuple[str, Rewriting]]:
    """The demo sandbox on loopback, its answers changed by the test's `param` (a Change)."""
    rewriting = Rewriting(application(), getattr(request, "param", lambda r: r))
    with serving(rewriting) as url:
        yield url, rewriting


def capture(run, url: str, identifier: str, output: Path, *flags: str):
    return run("--api", url, "--allow-insecure-http", "capture", identifier, "-o", str(output), *flags)


def demo_originals() -> set[str]:
    """Every personal value of the demo directory, and every id."""
    login, organisation = urns.LOGIN_EXTENSION, urns.ORGANISATION_EXTENSION
    found: set[str] = set()
    for user in demo_data()["Users"]:
        found |= {user["id"], user["userName"], user.get("displayName", ""), *user.get("name", {}).values(),
                  *(e["value"] for e in user.get("emails", [])),
                  *(p["value"] for p in user.get("phoneNumbers", [])),
                  user.get(login, {}).get("legacyUserId", ""),
                  user.get(login, {}).get("passwordResetSentTo", "")}
    for group in demo_data()["Groups"]:
        found |= {group["id"], group["displayName"], group.get(organisation, {}).get("businessId", "")}
    found.discard("")
    return found


def in_clear(text: str, originals: set[str]) -> list[str]:
    folded = text.casefold()
    return sorted(o for o in originals if o.casefold() in folded)


def replays_the_same(run, ticket: Path) -> None:
    captured = json.loads(ticket.read_text())["capture"]["diagnosis"]
    replayed = run("replay", str(ticket), "--json")
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    assert [replayed.json()[k] for k in ("outcome", "step", "problem", "rule", "evidence")] == [
        captured[k] for k in ("outcome", "step", "problem", "rule", "evidence")]


# -- 1. --pseudonymise fails closed, and reads names in any case ------------------------------------


def not_boolean(user: dict[str, Any]) -> dict[str, Any]:
    for key in ("emails", "phoneNumbers"):
        for item in user.get(key, []):
            item["primary"] = "often"
    return user


@pytest.mark.parametrize("api", [not_boolean], indirect=True)
def test_a_pseudonymised_capture_of_non_boolean_primaries_is_written_without_a_real_value(
    run, api, tmp_path: Path
) -> None:
    url, _ = api
    ticket = tmp_path / "ticket.json"
    made = capture(run, url, JOHANNA, ticket, "--pseudonymise")
    assert (made.exit_code, made.stdout) == (0, "")
    assert in_clear(ticket.read_text(), demo_originals()) == []
    assert json.loads(ticket.read_text())["capture"]["pseudonymised"] is True
    replays_the_same(run, ticket)


def other_case(user: dict[str, Any]) -> dict[str, Any]:
    def upper(name: str) -> str:
        return name.upper() if name.startswith("urn:") else name[0].upper() + name[1:]

    def renamed(node: Any) -> Any:
        if isinstance(node, dict):
            return {k if k in ("id", "schemas", "meta") else upper(k): renamed(v) for k, v in node.items()}
        if isinstance(node, list):
            return [renamed(item) for item in node]
        return node

    return renamed(user)  # type: ignore[no-any-return]


@pytest.mark.parametrize("api", [other_case], indirect=True)
@pytest.mark.parametrize("identifier", [JOHANNA, "ESIM0042", "toimisto@salo.example.fi"])
def test_attribute_names_in_another_case_are_pseudonymised_too(run, api, tmp_path: Path,
                                                                identifier: str) -> None:
    url, _ = api
    ticket = tmp_path / "ticket.json"
    assert capture(run, url, identifier, ticket, "--pseudonymise").exit_code == 0
    text = ticket.read_text()
    assert in_clear(text, demo_originals()) == []
    assert re.findall(r'"(UserName|Emails|DisplayName|Name|GivenName)"', text) == []
    replays_the_same(run, ticket)


def without_an_admins_user_name(user: dict[str, Any]) -> dict[str, Any]:
    if user.get("id") == "u-1001":
        del user["userName"]
    return user


@pytest.mark.parametrize("api", [without_an_admins_user_name], indirect=True)
def test_a_pseudonymised_capture_of_an_administrator_without_a_user_name_replays(run, api,
                                                                                tmp_path: Path) -> None:
    """A server may leave out a userName SCIM requires: the diagnosis reads the account, so the capture
    keeps it (attack pass 5, N2)."""
    url, _ = api
    ticket = tmp_path / "ticket.json"
    made = capture(run, url, JOHANNA, ticket, "--pseudonymise")
    assert (made.exit_code, made.stdout) == (0, "")
    assert in_clear(ticket.read_text(), demo_originals()) == []
    replays_the_same(run, ticket)


def test_a_pseudonymised_directory_that_cant_be_read_back_leaves_nothing(run, api, tmp_path: Path,
                                                                          monkeypatch) -> None:
    """Whatever makes the stand-ins' directory unreadable (the sandbox refusing it is simulated here,
    as no server answer reaches it any more), nothing is written, and a file there stays as it was."""
    from postisupport.errors import DataFileError
    from postisupport.ops import capture as module

    def refused(*args: Any) -> Any:
        raise DataFileError("sandbox data: Users[0] (id 'id-0'): userName is missing")

    monkeypatch.setattr(module, "_decide", refused)
    url, _ = api
    folder = tmp_path / "out"
    folder.mkdir()
    ticket = folder / "ticket.json"
    assert_error(capture(run, url, JOHANNA, ticket, "--pseudonymise"), ExitStatus.USAGE,
                 r"^postisupport: error: the pseudonymised directory can't be read back \(Users\[0\] "
                 r"\(id 'id-0'\): userName is missing\); nothing was written$")
    assert os.listdir(folder) == []
    ticket.write_text("the previous capture\n")
    assert capture(run, url, JOHANNA, ticket, "--pseudonymise", "--force").exit_code == ExitStatus.USAGE
    assert (os.listdir(folder), ticket.read_text()) == (["ticket.json"], "the previous capture\n")


# -- 2. --pseudonymise keeps only what the diagnosis reads ------------------------------------------


def everything_scim_allows(user: dict[str, Any]) -> dict[str, Any]:
    """Every attribute a server may add, each holding a value with "canary" in it."""
    if "userName" not in user:  # a group
        return {**user, "externalId": f"canary-group-{user['id']}"}
    tag = f"canary-{user['id']}"
    for key in ("emails", "phoneNumbers"):
        for item in user.get(key, []):
            item["display"] = f"{tag} {key} display"
    return {
        **user,
        "externalId": f"{tag}-external", "nickName": f"{tag} nick", "title": f"{tag} title",
        "profileUrl": f"https://{tag}.example.com/profile", "userType": f"{tag} type",
        "timezone": f"Europe/{tag}", "locale": f"{tag}-locale",
        "addresses": [{"streetAddress": f"{tag} street 1", "locality": f"{tag} town", "type": "work"}],
        "ims": [{"value": f"{tag}@im.example.com", "type": "xmpp"}],
        "photos": [{"value": f"https://{tag}.example.com/photo.jpg", "type": "photo"}],
        "x509Certificates": [{"value": f"{tag}-certificate"}],
        "schemas": [*user.get("schemas", []), ENTERPRISE],
        ENTERPRISE: {"employeeNumber": f"{tag}-employee", "costCenter": f"{tag}-cost",
                     "manager": {"value": f"{tag}-manager-id", "displayName": f"{tag} Manager"}},
    }


@pytest.fixture
def email_ids(tmp_path: Path) -> Path:
    """The demo directory with every id an e-mail address of its own."""
    text = json.dumps(demo_data())
    for resource_id in sorted({r["id"] for kind in ("Users", "Groups") for r in demo_data()[kind]},
                              key=len, reverse=True):
        text = text.replace(f'"{resource_id}"', f'"{resource_id}.canary@ids.example.com"')
    path = tmp_path / "email-ids.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize("identifier", [JOHANNA, "ESIM0042", "toimisto@salo.example.fi", "ESIM0105"])
def test_a_pseudonymised_capture_holds_none_of_the_attributes_it_does_not_read(
    run, tmp_path: Path, email_ids: Path, identifier: str
) -> None:
    ticket = tmp_path / "ticket.json"
    with serving(Rewriting(application(email_ids), everything_scim_allows)) as url:
        plain = capture(run, url, identifier, tmp_path / "plain.json")
        made = capture(run, url, identifier, ticket, "--pseudonymise")
    assert (plain.exit_code, made.exit_code) == (0, 0)
    assert "canary" in (tmp_path / "plain.json").read_text()  # the server did send them
    text = ticket.read_text()
    assert re.findall(r"canary", text, re.IGNORECASE) == []
    assert in_clear(text, demo_originals()) == []
    replays_the_same(run, ticket)


def test_ids_get_the_same_stand_in_everywhere(run, loopback_sandbox: str, tmp_path: Path) -> None:
    plain, ticket = tmp_path / "plain.json", tmp_path / "ticket.json"
    assert capture(run, loopback_sandbox, JOHANNA, plain).exit_code == 0
    assert capture(run, loopback_sandbox, JOHANNA, ticket, "--pseudonymise").exit_code == 0
    before, after = json.loads(plain.read_text()), json.loads(ticket.read_text())
    stand_in = {b["id"]: a["id"] for kind in ("Users", "Groups") for b, a in zip(before[kind], after[kind],
                                                                                strict=True)}
    assert len(set(stand_in.values())) == len(stand_in) == 5
    assert [k for k, v in stand_in.items() if k == v or not re.fullmatch("id-[0-9a-f]{16}", v)] == []
    assert [[m["value"] for m in g["members"]] for g in after["Groups"]] == [
        [stand_in[m["value"]] for m in g["members"]] for g in before["Groups"]]
    assert [[g["value"] for g in u.get("groups", [])] for u in after["Users"]] == [
        [stand_in[g["value"]] for g in u.get("groups", [])] for u in before["Users"]]


def test_the_pseudonymiser_knows_every_attribute_the_models_read() -> None:
    assert (read_paths(models.User) ^ set(USER), read_paths(models.Group) ^ set(GROUP)) == (set(), set())


def test_a_user_keeps_exactly_the_attributes_the_diagnosis_reads() -> None:
    user = everything_scim_allows({**demo_data()["Users"][0], "groups": [{"value": "g-esimerkki",
                                                                          "display": "Esimerkki Oy"}]})
    out = Pseudonyms(b"fixed key").user(user)
    assert {k: sorted(v) if isinstance(v, dict) else [sorted(i) for i in v] if isinstance(v, list) else None
            for k, v in out.items()} == {
        "id": None, "userName": None, "displayName": None, "name": ["familyName", "givenName"],
        "active": None, "preferredLanguage": None,
        "emails": [["primary", "value"]], "phoneNumbers": [["primary", "value"]], "roles": [["value"]],
        "entitlements": [["display", "value"]] * 3, "groups": [["value"]],
        urns.LOGIN_EXTENSION: ["lastLoginTime", "lastPasswordUpdateTime", "legacyUserId",
                               "passwordResetSentAt", "passwordResetSentTo", "unknownFacts",
                               "unreadableFacts"],
    }
    assert (out["active"], out["preferredLanguage"], out["roles"]) == (True, "fi", [{"value": "admin"}])
    assert out["groups"] == [{"value": Pseudonyms(b"fixed key").resource_id("g-esimerkki")}]


# -- 20, 21, 24. what replay and capture are given -------------------------------------------------


BASE: dict[str, Any] = {
    "Users": [], "Groups": [],
    "capture": {
        "arguments": {"identifier": "nobody@example.com", "services": [], "lang": None},
        "diagnosis": {"outcome": "not-found", "step": 3, "problem": "login", "rule": "lookup.not-found",
                      "evidence": [{"rule": "lookup.not-found", "fact": "identifier",
                                    "value": "nobody@example.com"}]},
    },
}


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


def changed(where: str, value: Any) -> dict[str, Any]:
    """BASE with the value at a dotted path set (or removed, for REMOVED)."""
    data = copy.deepcopy(BASE)
    *path, last = where.split(".")
    node = data
    for key in path:
        node = node[key]
    if value is REMOVED:
        del node[last]
    else:
        node[last] = value
    return data


REMOVED = object()
A_USER = {"id": "u1", "userName": "a@example.com"}
# Each is a record of the wrong shape, or (second) a directory the sandbox can't load.
WRONG_SHAPES: list[tuple[str, Any]] = [
    ("a list for the file", []),
    ("a string for the file", "capture"),
    ("a list for the record", changed("capture", [])),
    ("no record", {"Users": [], "Groups": []}),
    ("no arguments", changed("capture.arguments", REMOVED)),
    ("a list for the arguments", changed("capture.arguments", ["nobody@example.com"])),
    ("no identifier", changed("capture.arguments.identifier", REMOVED)),
    ("a number for the identifier", changed("capture.arguments.identifier", 42)),
    ("a string for the services", changed("capture.arguments.services", "abc")),
    ("numbers for the services", changed("capture.arguments.services", [1, 2])),
    ("a number for the language", changed("capture.arguments.lang", 5)),
    ("no such language", changed("capture.arguments.lang", "tlh")),
    ("an empty identifier", changed("capture.arguments.identifier", " ")),
    ("an identifier no one can have", changed("capture.arguments.identifier", "a b")),
    ("an empty service", changed("capture.arguments.services", [""])),
    ("a list for the diagnosis", changed("capture.diagnosis", [])),
    ("no rule", changed("capture.diagnosis.rule", REMOVED)),
    ("a string for the step", changed("capture.diagnosis.step", "3")),
    ("an object for the evidence", changed("capture.diagnosis.evidence", {"rule": "lookup.not-found"})),
    ("lists in the evidence", changed("capture.diagnosis.evidence", [[1]])),
    ("a deep outcome", changed("capture.diagnosis.outcome", deep(900))),
    ("deep evidence", changed("capture.diagnosis.evidence",
                              [{"rule": "r", "fact": "f", "value": deep(900)}])),
    ("an object for the users", changed("Users", {})),
    ("a list for a user", changed("Users", [[]])),
    ("a number for an id", changed("Users", [{**A_USER, "id": 5}])),
    ("a deep name", changed("Users", [{**A_USER, "name": deep(900)}])),
    ("a deep e-mail address", changed("Users", [{**A_USER, "emails": [{"value": deep(900)}]}])),
    ("a deep unknown attribute", changed("Users", [{**A_USER, "nickName": deep(900)}])),
    ("a string for the members", changed("Groups", [{"id": "g1", "displayName": "G", "members": "u1"}])),
    ("a key no directory has", changed("People", [])),
]


def test_the_handcrafted_capture_the_wrong_shapes_start_from_replays(run, tmp_path: Path) -> None:
    ticket = tmp_path / "ticket.json"
    ticket.write_text(json.dumps(BASE))
    result = run("replay", str(ticket), "--json")
    assert (result.exit_code, result.stderr, result.json()["rule"]) == (0, "", "lookup.not-found")


@pytest.mark.parametrize("data", [d for _, d in WRONG_SHAPES], ids=[name for name, _ in WRONG_SHAPES])
def test_a_capture_of_the_wrong_shape_is_one_line_and_exit_2(run, tmp_path: Path, data: Any) -> None:
    ticket = tmp_path / "ticket.json"
    ticket.write_text(json.dumps(data))
    refused = "is not a capture file \\(made by `capture`\\)"
    unloadable = "cannot be replayed: the sandbox can't load its directory"
    assert_error(run("replay", str(ticket)), ExitStatus.USAGE,
                 rf"^postisupport: error: {re.escape(str(ticket))} ({refused}|{unloadable}): \S")


@pytest.mark.parametrize(("content", "reason"), [
    (b"{", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"capture": "\xff"}', "not UTF-8 text"),
])
def test_a_file_that_is_no_json_is_no_capture(run, tmp_path: Path, content: bytes, reason: str) -> None:
    ticket = tmp_path / "ticket.json"
    ticket.write_bytes(content)
    result = run("replay", str(ticket))
    assert (result.exit_code, result.stdout, result.stderr) == (ExitStatus.USAGE, "", (
        f"postisupport: error: {ticket} is not a capture file (made by `capture`): {reason}\n"))


def test_replaying_a_missing_file_says_so(run, tmp_path: Path) -> None:
    result = run("replay", str(tmp_path / "nope.json"))
    assert (result.exit_code, result.stderr) == (
        ExitStatus.USAGE, f"postisupport: error: {tmp_path / 'nope.json'}: no such file or folder\n")


def test_a_file_larger_than_64_mb_is_refused_unread(run, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk spent
    replayed = run("replay", str(big))
    served = run("--sandbox-data", str(big), "diagnose", "ESIM0042")
    assert (replayed.exit_code, replayed.stderr) == (ExitStatus.USAGE, (
        f"postisupport: error: {big} is not a capture file (made by `capture`): larger than 64 MB\n"))
    assert (served.exit_code, served.stderr) == (
        ExitStatus.USAGE, f"postisupport: error: sandbox data {big} is larger than 64 MB\n")


def test_at_most_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text('["0123456"]')  # 11 bytes
    assert read_json(path, limit=11) == ["0123456"]
    with pytest.raises(NotJson, match=r"^larger than"):
        read_json(path, limit=10)


def _limited_memory() -> None:
    # Without the cap, reading /dev/zero ends in MemoryError here, not in the machine's swap.
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize(("args", "line"), [
    (["replay", "/dev/zero"], "/dev/zero is not a capture file (made by `capture`): larger than 64 MB"),
    (["--sandbox-data", "/dev/zero", "diagnose", "ESIM0042"], "sandbox data /dev/zero is larger than 64 MB"),
])
def test_dev_zero_is_read_no_further_than_64_mb(args: list[str], line: str) -> None:
    done = subprocess.run([sys.executable, "-m", "postisupport", *args], capture_output=True, text=True,
                          timeout=120, preexec_fn=_limited_memory)
    assert (done.returncode, done.stdout, done.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: {line}\n")


def test_capture_to_a_missing_folder_is_refused_before_the_api_is_asked(run, api, tmp_path: Path) -> None:
    url, server = api
    ticket = tmp_path / "missing" / "ticket.json"
    result = capture(run, url, "ESIM0042", ticket)
    assert (result.exit_code, result.stdout, result.stderr) == (ExitStatus.USAGE, "", (
        f"postisupport: error: {ticket}: its folder {tmp_path / 'missing'} does not exist\n"))
    assert server.requests == 0


def test_capture_to_a_folder_is_refused_before_the_api_is_asked(run, api, tmp_path: Path) -> None:
    url, server = api
    result = capture(run, url, "ESIM0042", tmp_path, "--force")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: {tmp_path}: is a folder, not a file\n")
    assert server.requests == 0


def test_capture_overwrites_a_file_only_with_force(run, api, tmp_path: Path) -> None:
    url, server = api
    folder = tmp_path / "out"
    folder.mkdir()
    ticket = folder / "ticket.json"
    ticket.write_text("an earlier capture\n")
    ticket.chmod(0o644)
    refused = capture(run, url, "ESIM0042", ticket)
    assert (refused.exit_code, refused.stdout, refused.stderr) == (ExitStatus.USAGE, "", (
        f"postisupport: error: the output {ticket} exists already: add --force to overwrite it\n"))
    assert (ticket.read_text(), server.requests) == ("an earlier capture\n", 0)
    forced = capture(run, url, "ESIM0042", ticket, "--force")
    assert (forced.exit_code, forced.stderr) == (
        0, f"captured change-password (login.reset-pending) in {ticket}\n")
    assert json.loads(ticket.read_text())["capture"]["arguments"]["identifier"] == "ESIM0042"
    assert (stat.S_IMODE(ticket.stat().st_mode), os.listdir(folder)) == (0o600, ["ticket.json"])


def test_a_symbolic_link_is_neither_followed_nor_replaced_even_when_forced(run, api, tmp_path: Path) -> None:
    """A13B-4: --force renamed over the link: -o /dev/stdout, as root, put a file of personal data in place
    of the system's link."""
    url, _ = api
    target, link = tmp_path / "target.txt", tmp_path / "ticket.json"
    target.write_text("someone else's file\n")
    link.symlink_to(target)
    for forced in ((), ("--force",)):
        result = capture(run, url, "ESIM0042", link, *forced)
        assert (result.exit_code, result.stderr) == (ExitStatus.USAGE, (
            f"postisupport: error: {link}: is a symbolic link; capture writes only to a file of its own "
            "(-o - writes to stdout)\n"))
    assert (target.read_text(), link.is_symlink()) == ("someone else's file\n", True)


# -- docs/engineers.md ----------------------------------------------------------------------------


def test_the_capture_and_replay_examples_run_as_printed(run, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    text = (Path(__file__).parent.parent / "docs" / "engineers.md").read_text(encoding="utf-8")
    section = text.split("## Capture and replay", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"^    postisupport (.*)$", section, re.MULTILINE)
    monkeypatch.chdir(tmp_path)
    ran = []
    for example in examples:
        args = shlex.split(example)
        if args[:2] == ["sandbox", "serve"]:
            application(Path(args[args.index("--data") + 1]))  # what it would serve loads
            continue
        result = run(*args)
        ran.append((example, result.exit_code))
    assert ran and [r for r in ran if r[1] != 0] == []


def names_in_unknown_facts(user: dict[str, Any]) -> dict[str, Any]:
    if user.get("id") == "u-1002":
        login = user.setdefault(urns.LOGIN_EXTENSION, {})
        login["unknownFacts"] = ["Aino Korhonen", "last_failed_login"]
        login["unreadableFacts"] = ["aino@koti.example.net"]
    return user


@pytest.mark.parametrize("api", [names_in_unknown_facts], indirect=True)
def test_a_pseudonymised_capture_keeps_only_the_vocabularys_names_of_the_unknown_facts(
    run, api, tmp_path: Path
) -> None:
    """Attack 25, F9: unknownFacts was kept whole, "names of the vocabulary": a server put a person's
    name there, and it was in the file twice (the user's, and the data problem quoting it)."""
    url, _ = api
    ticket = tmp_path / "ticket.json"
    made = capture(run, url, "ESIM0042", ticket, "--pseudonymise")
    assert (made.exit_code, made.stdout) == (0, "")
    text = ticket.read_text()
    assert [v for v in ("Aino Korhonen", "aino@koti.example.net") if v in text] == []
    users = json.loads(text)["Users"]
    told = [u[urns.LOGIN_EXTENSION]["unknownFacts"] for u in users
            if u.get(urns.LOGIN_EXTENSION, {}).get("unknownFacts")]
    assert told == [["last_failed_login"]]
