"""The SCIM client against mocked HTTP answers: what it sends, and every way an answer can fail."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import respx

from postisupport.errors import ApiError, AuthError, UnreachableError
from postisupport.ops.fetch import fetch
from postisupport.scim.client import ScimClient

BASE = "https://idp.example.com/scim/v2"


def listing(*resources: Any, total: int | None = None) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(resources) if total is None else total,
            "Resources": list(resources)}


def find(client_kwargs: dict[str, Any] | None = None) -> Any:
    async def go() -> Any:
        async with ScimClient(BASE, **(client_kwargs or {})) as client:
            return await client.find_users("aino@example.fi")
    return asyncio.run(go())


@respx.mock
def test_lookup_request_carries_the_escaped_filter_and_the_token() -> None:
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))
    find({"token": "s3cret-token"})
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer s3cret-token"
    assert request.url.params["filter"] == (
        'userName eq "aino@example.fi" or emails.value eq "aino@example.fi" or '
        'urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId eq "aino@example.fi"')


@pytest.mark.parametrize(("status", "error", "text"), [
    (401, AuthError, "rejected the credentials (HTTP 401): token expired"),
    (403, AuthError, "refused access (HTTP 403): token expired"),
    (404, ApiError, "HTTP 404 to GET /Users: token expired"),
    (500, ApiError, "HTTP 500 to GET /Users: token expired"),
])
@respx.mock
def test_http_errors_carry_the_scim_detail(status: int, error: type, text: str) -> None:
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status),
            "detail": "token\nexpired"}
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(status, json=body))
    with pytest.raises(error) as caught:
        find()
    assert text in str(caught.value)


@respx.mock
def test_the_token_never_appears_in_an_error() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(401, text="no"))
    with pytest.raises(AuthError) as caught:
        find({"token": "s3cret-token"})
    assert "s3cret-token" not in str(caught.value)


def find_waiting(responses: list[httpx.Response]) -> tuple[Any, list[float], int]:
    """find() with a recording sleep: the result (or the error), the waits asked for, the calls made."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    route = respx.get(f"{BASE}/Users").mock(side_effect=responses)
    try:
        result: Any = find({"sleep": sleep})
    except ApiError as error:
        result = error
    return result, waits, route.call_count


@pytest.mark.parametrize(("headers", "waits"), [
    ({"Retry-After": "3"}, [3.0]),
    ({"Retry-After": "0.25"}, [0.25]),
    ({"Retry-After": "60"}, [5.0]),  # capped: an agent on a call cannot wait a minute
    ({"Retry-After": "-4"}, [0.0]),
    ({}, [0.5]),  # no advice: back off from half a second
    ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, [0.5]),
])
@respx.mock
def test_429_is_retried_after_the_wait_the_server_asks_for(headers: dict[str, str], waits: list[float]) -> None:
    result, waited, calls = find_waiting([httpx.Response(429, headers=headers),
                                          httpx.Response(200, json=listing())])
    assert (result.total, waited, calls) == (0, waits, 2)


@respx.mock
def test_503_is_retried_with_backoff_then_an_api_error() -> None:
    result, waited, calls = find_waiting([httpx.Response(503, json={"detail": "busy"})] * 3)
    assert (str(result), waited, calls) == ("the identity API answered HTTP 503 to GET /Users: busy",
                                            [0.5, 1.0], 3)


@respx.mock
def test_429_that_persists_is_an_api_error() -> None:
    result, waited, calls = find_waiting(
        [httpx.Response(429, headers={"Retry-After": "1"}, json={"detail": "slow down"})] * 3)
    assert (str(result), result.status, waited, calls) == (
        "the identity API answered HTTP 429 to GET /Users: slow down", 429, [1.0, 1.0], 3)


@pytest.mark.parametrize("status", [400, 404, 500, 502])
@respx.mock
def test_other_errors_are_not_retried(status: int) -> None:
    result, waited, calls = find_waiting([httpx.Response(status)] * 3)
    assert (result.status, waited, calls) == (status, [], 1)


@respx.mock
def test_timeout_is_unreachable() -> None:
    respx.get(f"{BASE}/Users").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(UnreachableError, match="did not answer within 2 s"):
        find({"timeout": 2})


@respx.mock
def test_connection_refused_is_unreachable() -> None:
    respx.get(f"{BASE}/Users").mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(UnreachableError, match=r"cannot reach .*connection refused"):
        find()


@respx.mock
def test_non_json_is_an_api_error() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(
        200, text="<html>login</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(ApiError, match="not JSON \\(text/html\\)"):
        find()


@pytest.mark.parametrize("body", [[1, 2], {"Resources": "x", "totalResults": 1},
                                  {"Resources": []}, {"totalResults": True}, "text"])
@respx.mock
def test_wrong_shape_is_an_api_error(body: Any) -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, content=json.dumps(body)))
    with pytest.raises(ApiError, match="list response"):
        find()


@respx.mock
def test_scim_error_body_with_200_is_an_api_error() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "invalid filter"}))
    with pytest.raises(ApiError, match="with an error: invalid filter"):
        find()


@respx.mock
def test_non_resource_entries_are_noted() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing({"id": "1"}, 7)))
    page = find()
    assert len(page.resources) == 1
    assert page.problems == ["Users result 2 is not a resource; ignored"]


@respx.mock
def test_a_diagnosis_falls_back_to_asking_groups_by_member() -> None:
    me = {"id": "u-1", "userName": "aino@example.fi", "emails": [{"value": "aino@example.fi"}]}
    org = {"id": "g-1", "displayName": "Org",
           "urn:postisupport:scim:schemas:extension:organisation:1.0:Group": {"businessId": "1"}}
    users = respx.get(f"{BASE}/Users").mock(side_effect=[
        httpx.Response(200, json=listing(me)), httpx.Response(200, json=listing())])
    groups = respx.get(f"{BASE}/Groups").mock(return_value=httpx.Response(200, json=listing(org)))

    async def go() -> Any:
        async with ScimClient(BASE) as client:
            return await fetch(client, "aino@example.fi")

    snapshot = asyncio.run(go())
    assert groups.calls.last.request.url.params["filter"] == 'members.value eq "u-1"'
    assert groups.calls.last.request.url.params["excludedAttributes"] == "members"
    assert users.calls.last.request.url.params["filter"] == (
        'roles.value eq "admin" and (groups.value eq "g-1")')
    assert [g.id for g in snapshot.organisations] == ["g-1"]


@respx.mock
def test_concurrency_is_bounded_by_one_shared_limit() -> None:
    active = peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1
        return httpx.Response(200, json=listing())

    respx.get(f"{BASE}/Users").mock(side_effect=slow)

    async def go() -> None:
        async with ScimClient(BASE, max_concurrency=3) as client:
            await asyncio.gather(*(client.find_users(f"u{i}@example.fi") for i in range(20)))

    asyncio.run(go())
    assert peak == 3


@respx.mock
def test_deeply_nested_json_is_an_api_error_not_a_crash() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, content=b"[" * 200_000))
    with pytest.raises(ApiError, match="not JSON"):
        find()


@respx.mock
def test_an_oversized_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("postisupport.scim.client.MAX_ANSWER_BYTES", 1000)
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, content=b" " * 5000))
    with pytest.raises(ApiError, match="larger than"):
        find()


@respx.mock
def test_control_characters_in_error_details_are_neutralised() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(
        500, json={"detail": "bad\x1b[2Jthing"}))
    with pytest.raises(ApiError) as caught:
        find()
    assert "\x1b" not in str(caught.value) and "bad\ufffd[2Jthing" in str(caught.value)


@respx.mock
def test_long_error_details_are_cut_to_one_short_line() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(500, json={"detail": "x\n" * 500}))
    with pytest.raises(ApiError) as caught:
        find()
    detail = str(caught.value).split(": ", 1)[1]
    assert len(detail) == 200 and detail.endswith("...") and "\n" not in detail
