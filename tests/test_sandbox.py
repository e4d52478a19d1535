"""The embedded sandbox: a real scim2-server with our extensions, fast look-ups and synced groups."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from scim2_server.memory import InMemoryStorage

from postisupport.errors import DataFileError
from postisupport.idp import urns
from postisupport.sandbox.app import IN_PROCESS_URL, SandboxApplication, application
from postisupport.sandbox.datafile import build_storage, demo_data
from postisupport.sources.scim.filters import lookup_filter
from tests.servers import generated_directory


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url=IN_PROCESS_URL) as client:
            return await client.request(method, path, **kwargs)
    return asyncio.run(go())


def test_extensions_are_served_under_schemas() -> None:
    app = application()
    ids = {s["id"] for s in call(app, "GET", "/Schemas").json()["Resources"]}
    assert {urns.LOGIN_EXTENSION, urns.ORGANISATION_EXTENSION} <= ids
    types = {t["id"]: t for t in call(app, "GET", "/ResourceTypes").json()["Resources"]}
    assert urns.LOGIN_EXTENSION in [e["schema"] for e in types["User"]["schemaExtensions"]]
    assert urns.ORGANISATION_EXTENSION in [e["schema"] for e in types["Group"]["schemaExtensions"]]


def test_ids_in_the_file_are_kept_and_groups_filled() -> None:
    app = application()
    user = call(app, "GET", "/Users/u-1004").json()
    assert user["id"] == "u-1004"
    assert {g["value"] for g in user["groups"]} == {"g-esimerkki", "g-newsletter"}
    assert user["groups"][0]["$ref"].endswith("/scim/v2/Groups/g-esimerkki")


def test_outside_the_mount_is_a_scim_404() -> None:
    response = call(application(), "GET", "http://sandbox.invalid/Users")
    assert response.status_code == 404
    assert "/scim/v2" in response.json()["detail"]


def test_group_membership_changes_show_on_users() -> None:
    app = application(writable=True)
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "add", "path": "members", "value": [{"value": "u-4001"}]}]}
    assert call(app, "PATCH", "/Groups/g-exempel", json=patch).status_code in (200, 204)
    groups = call(app, "GET", "/Users/u-4001").json()["groups"]
    assert [(g["value"], g["display"]) for g in groups] == [("g-exempel", "Exempel Ab")]

    found = call(app, "GET", "/Users", params={"filter": 'groups.value eq "g-exempel"'}).json()
    assert {u["id"] for u in found["Resources"]} == {"u-2001", "u-4001", "u-6001"}

    assert call(app, "DELETE", "/Groups/g-exempel").status_code == 204
    assert "groups" not in call(app, "GET", "/Users/u-4001").json()
    gone = call(app, "GET", "/Users", params={"filter": 'groups.value eq "g-exempel"'}).json()
    assert gone["totalResults"] == 0


def test_renaming_a_group_renames_it_on_its_members() -> None:
    app = application(writable=True)
    group = call(app, "GET", "/Groups/g-sample").json()
    group["displayName"] = "Sample Group Ltd"
    del group["meta"]
    assert call(app, "PUT", "/Groups/g-sample", json=group).status_code == 200
    groups = call(app, "GET", "/Users/u-3001").json()["groups"]
    assert groups[0]["display"] == "Sample Group Ltd"


def test_searches_answer_what_the_directory_holds_after_each_write() -> None:
    # A search keeps the published form of what it answers (SandboxService): every write drops it,
    # a membership mirrored onto a user included.
    app = application(writable=True)

    def found() -> list[tuple[str, str, list[str]]]:
        page = call(app, "GET", "/Users", params={"filter": 'id eq "u-4001"'}).json()
        return [(u["id"], u["displayName"], [g["value"] for g in u.get("groups", [])])
                for u in page["Resources"]]

    assert found() == [("u-4001", "Timo Lahtinen", [])]
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "add", "path": "members", "value": [{"value": "u-4001"}]}]}
    assert call(app, "PATCH", "/Groups/g-exempel", json=patch).status_code in (200, 204)
    assert found() == [("u-4001", "Timo Lahtinen", ["g-exempel"])]
    user = call(app, "GET", "/Users/u-4001").json()
    user["displayName"] = "Timo Lahtinen-Virtanen"
    del user["meta"], user["groups"]
    assert call(app, "PUT", "/Users/u-4001", json=user).status_code == 200
    assert found() == [("u-4001", "Timo Lahtinen-Virtanen", ["g-exempel"])]
    assert call(app, "DELETE", "/Groups/g-exempel").status_code == 204
    assert found() == [("u-4001", "Timo Lahtinen-Virtanen", [])]


FILTERS = [
    lookup_filter("user7@example.com"),
    lookup_filter("ALIAS7@EXAMPLE.NET"),
    lookup_filter("leg000007"),
    lookup_filter("nobody@example.com"),
    'roles.value eq "admin" and (groups.value eq "g0" or groups.value eq "g5")',
    'members.value eq "u13"',
    'userName co "user1"',
    'userName eq "user3@example.com" and not (roles.value eq "admin")',
]


@pytest.mark.parametrize("scim_filter", FILTERS)
def test_indexed_search_answers_as_the_stock_storage(scim_filter: str) -> None:
    data = generated_directory(120)
    ours = build_storage(data)
    stock = InMemoryStorage()
    stock.resources = ours.resources
    app = SandboxApplication(ours)
    reference = SandboxApplication(ours)
    reference.storage.storage = stock
    endpoint = "/Groups" if scim_filter.startswith("members") else "/Users"
    params = {"filter": scim_filter, "count": "1000"}
    got = call(app, "GET", endpoint, params=params).json()
    want = call(reference, "GET", endpoint, params=params).json()
    assert got["totalResults"] == want["totalResults"]
    assert sorted(r["id"] for r in got.get("Resources", [])) == sorted(
        r["id"] for r in want.get("Resources", []))


def test_lookups_walk_only_the_matching_users() -> None:
    storage = build_storage(generated_directory(2000))
    walked: list[int] = []
    original = storage._candidates

    def spy(names: Any, scim_filter: Any) -> Any:
        found = original(names, scim_filter)
        walked.append(len(found))
        return found

    storage._candidates = spy  # type: ignore[method-assign]
    app = SandboxApplication(storage)
    response = call(app, "GET", "/Users", params={"filter": lookup_filter("alias1234@example.net")})
    assert [u["id"] for u in response.json()["Resources"]] == ["u1234"]
    admins = 'roles.value eq "admin" and (groups.value eq "g0")'
    response = call(app, "GET", "/Users", params={"filter": admins, "count": "1000"})
    assert response.json()["totalResults"] == 40
    assert walked == [1, 40]


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "directory.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


USER = {"id": "u1", "userName": "a@example.fi"}


@pytest.mark.parametrize(("data", "message"), [
    ("{not json", "is not valid JSON"),
    ([], "must be a JSON object"),
    ({"People": []}, "unknown key(s) People"),
    ({"Users": {}}, "Users must be a list"),
    ({"Users": [{"userName": "a@example.fi"}]}, "Users[0]: id is missing"),
    ({"Users": [{"id": 5, "userName": "a@example.fi"}]}, "Users[0]: id is a number, not a string"),
    ({"Users": [USER], "Groups": [{"id": ["g"], "displayName": "G"}]},
     "Groups[0]: id is a list, not a string"),
    ({"Users": [USER, USER]}, "Users[1] (id 'u1'): id is used twice"),
    ({"Users": [{"id": "u1"}]}, "Users[0] (id 'u1'): userName is missing"),
    ({"Users": [USER, {"id": "u2", "userName": "A@example.fi"}]},
     "Users[1] (id 'u2'): userName is also used by user 'u1'"),
    ({"Users": [{**USER, "active": "perhaps"}]}, "Users[0] (id 'u1'): active:"),
    ({"Users": [{**USER, "emails": [{"value": 42}]}]}, "Users[0] (id 'u1'): emails.0.value:"),
    ({"Users": [{**USER, urns.LOGIN_EXTENSION: {"forcePasswordReset": "often"}}]},
     "Users[0] (id 'u1'): " + urns.LOGIN_EXTENSION),
    ({"Users": [USER], "Groups": [{"id": "g1", "displayName": "G", "members": [{"value": "u9"}]}]},
     "group 'g1': members.value 'u9' is no user or group in the file"),
])
def test_a_bad_file_names_the_resource_and_attribute(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(DataFileError) as caught:
        application(write(tmp_path, data))
    assert message in str(caught.value)


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read sandbox data"):
        application(tmp_path / "nope.json")


def test_token_protected_sandbox_refuses_without_it() -> None:
    app = SandboxApplication(build_storage(demo_data()), token="t0ken")
    assert call(app, "GET", "/Users").status_code == 401
    ok = call(app, "GET", "/Users", headers={"Authorization": "Bearer t0ken"})
    assert ok.status_code == 200


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/Users"), ("PUT", "/Users/u-1002"), ("PATCH", "/Groups/g-esimerkki"),
    ("DELETE", "/Users/u-1002"),
])
def test_the_sandbox_is_read_only_unless_writable(method: str, path: str) -> None:
    app = application()
    response = call(app, method, path, json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]})
    assert (response.status_code, response.json()["detail"]) == (403, "the sandbox is served read-only")
    assert call(app, "GET", "/Users/u-1002").json()["userName"] == "aino.korhonen@esimerkki.example.fi"
    search = call(app, "POST", "/Users/.search", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": 'userName eq "x"'})
    assert search.status_code == 200


def test_a_file_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataFileError, match="is nested too deeply to be a directory"):
        application(path)

