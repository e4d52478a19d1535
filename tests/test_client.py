"""The SCIM client against mocked HTTP answers: what it sends, and every way an answer can fail."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
import respx
import trustme

from postisupport.errors import ApiError, AuthError, SecretSource, UnreachableError
from postisupport.scim.client import MAX_URL_BYTES, Page, ScimClient
from postisupport.sources.scim.directory import fetch
from postisupport.sources.scim.queries import ScimStore

BASE = "https://idp.example.com/scim/v2"


def store(*args: Any, **kwargs: Any) -> ScimStore:
    """A client, with the contract's questions asked through it (sources/scim/queries.py)."""
    return ScimStore(ScimClient(*args, **kwargs))


def listing(*resources: Any, total: int | None = None) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(resources) if total is None else total,
            "Resources": list(resources)}


def find(client_kwargs: dict[str, Any] | None = None) -> Any:
    async def go() -> Any:
        async with store(BASE, **(client_kwargs or {})) as client:
            return await client.find_users("aino@example.fi")
    return asyncio.run(go())


@respx.mock
def test_lookup_request_carries_the_escaped_filter_and_the_token() -> None:
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))
    find({"token": "s3cret-token"})
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer s3cret-token"
    assert request.url.params["filter"] == LOOKUP


LEGACY = "urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId"


@respx.mock
@pytest.mark.parametrize(("identifier", "forms"), [
    ("ä" * 240 + "@example.fi", ["ä" * 240 + "@example.fi"]),
    ("a" * 240 + "@example.fi", ["a" * 240 + "@example.fi", "A" * 240 + "@EXAMPLE.FI"])])
def test_a_lookup_too_long_for_both_cases_in_one_url_asks_for_the_identifier_as_given(
    identifier: str, forms: list[str]
) -> None:
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))

    async def go() -> None:
        async with store(BASE) as client:
            await client.find_users(identifier)

    asyncio.run(go())
    request = route.calls.last.request
    expected = " or ".join(f'{attribute} eq "{form}"' for attribute in ("userName", "emails.value", LEGACY)
                           for form in forms)
    assert (request.url.params["filter"], len(str(request.url)) <= 8000) == (expected, True)


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
    ({"Retry-After": "-4"}, []),  # a moment already past: no wait at all
    ({}, [0.5]),  # no advice: back off from half a second
    ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, []),  # an HTTP date already past
    ({"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}, [5.0]),  # an HTTP date far ahead: capped
    ({"Retry-After": "soon"}, [0.5]),  # neither a delay nor a date: back off
])
@respx.mock
def test_429_is_retried_after_the_wait_the_server_asks_for(
        headers: dict[str, str], waits: list[float]) -> None:
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
    org = {"id": "g-1", "displayName": "Org", "members": [{"value": "u-1"}],
           "urn:postisupport:scim:schemas:extension:organisation:1.0:Group": {"businessId": "1"}}
    users = respx.get(f"{BASE}/Users").mock(side_effect=[
        httpx.Response(200, json=listing(me)), httpx.Response(200, json=listing())])
    groups = respx.get(f"{BASE}/Groups").mock(return_value=httpx.Response(200, json=listing(org)))

    async def go() -> Any:
        async with store(BASE) as client:
            return await fetch(client, "aino@example.fi")

    snapshot = asyncio.run(go())
    assert groups.calls.last.request.url.params["filter"] == 'members.value eq "u-1"'
    # Asked with their members: only they tell the user's groups from every group a server sends
    # when it ignores the filter.
    assert "excludedAttributes" not in groups.calls.last.request.url.params
    assert users.calls.last.request.url.params["filter"] == (
        'roles.value eq "admin" and (groups.value eq "g-1")')
    assert [g.id for g in snapshot.organisations] == ["g-1"]


@pytest.mark.parametrize(("client_kwargs", "limit"), [({"max_concurrency": 3}, 3), ({}, 8)])
@respx.mock
def test_concurrency_is_bounded_by_one_shared_limit(client_kwargs: dict[str, Any], limit: int) -> None:
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
        async with store(BASE, **client_kwargs) as client:
            await asyncio.gather(*(client.find_users(f"u{i}@example.fi") for i in range(20)))

    asyncio.run(go())
    assert peak == limit


@respx.mock
def test_deeply_nested_json_is_an_api_error_not_a_crash() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, content=b"[" * 200_000))
    with pytest.raises(ApiError, match=r"^the identity API answered GET /Users with JSON nested too deeply "
                                       r"to read; refused$"):
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


# Lower and upper case both: a case-sensitive server still finds a value stored either way.
LOOKUP = ('userName eq "aino@example.fi" or userName eq "AINO@EXAMPLE.FI" or '
          'emails.value eq "aino@example.fi" or emails.value eq "AINO@EXAMPLE.FI" or '
          'urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId eq "aino@example.fi" or '
          'urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId eq "AINO@EXAMPLE.FI"')


def against(call: Callable[[ScimClient], Awaitable[Any]]) -> Any:
    """`call` made on a client of BASE, opened and closed around it."""

    async def go() -> Any:
        async with ScimClient(BASE) as client:
            return await call(client)

    return asyncio.run(go())


def failure(error: Exception) -> tuple[Any, ...]:
    """An error as the command line sees it: its kind, its words and every field it carries."""
    fields = ("endpoint", "status", "detail", "base_url", "reason", "timeout")
    return (type(error).__name__, str(error), *(getattr(error, f, "-") for f in fields))


def failure_of(response: httpx.Response) -> tuple[Any, ...]:
    respx.get(f"{BASE}/Users").mock(return_value=response)
    with pytest.raises((ApiError, AuthError, UnreachableError)) as caught:
        find()
    return failure(caught.value)


@respx.mock
def test_a_lookup_asks_for_exactly_the_filter_and_a_short_page() -> None:
    """No excludedAttributes on Users, 20 at most, the SCIM media type first, the default timeout."""
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))
    find()
    request = route.calls.last.request
    assert dict(request.url.params) == {"filter": LOOKUP, "count": "20"}
    assert (request.headers["Accept"], "Authorization" in request.headers) == (
        "application/scim+json, application/json", False)
    assert request.extensions["timeout"] == {"connect": 10.0, "read": 10.0, "write": 10.0, "pool": 10.0}


@respx.mock
def test_groups_by_id_asks_for_those_groups_without_their_members() -> None:
    org = {"id": "g-1", "displayName": "Esimerkki Oy"}
    route = respx.get(f"{BASE}/Groups").mock(return_value=httpx.Response(200, json=listing(org)))

    async def go() -> Page:
        async with store(BASE) as client:
            return await client.groups_by_id(["g-1", "g-2"])

    assert asyncio.run(go()) == Page(resources=[org], total=1, problems=[])
    assert dict(route.calls.last.request.url.params) == {
        "filter": 'id eq "g-1" or id eq "g-2"', "count": "200", "excludedAttributes": "members"}


@respx.mock
def test_a_trailing_slash_on_the_base_url_is_dropped() -> None:
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))

    async def go() -> str:
        async with store(BASE + "/") as client:
            await client.find_users("aino@example.fi")
            return client.client.base_url

    assert (asyncio.run(go()), route.call_count) == (BASE, 1)


@respx.mock
def test_the_timeout_given_bounds_every_request_and_is_named_when_it_runs_out() -> None:
    route = respx.get(f"{BASE}/Users").mock(side_effect=[httpx.Response(200, json=listing()),
                                                          httpx.ReadTimeout("slow")])
    find({"timeout": 2})
    with pytest.raises(UnreachableError) as caught:
        find({"timeout": 2})
    assert route.calls[0].request.extensions["timeout"] == {"connect": 2, "read": 2, "write": 2, "pool": 2}
    assert failure(caught.value) == (
        "UnreachableError", f"the identity API at {BASE} did not answer within 2 s",
        "-", "-", "-", BASE, "slow", 2)


@pytest.mark.parametrize(("raised", "reason"), [
    (httpx.ConnectError("connection refused"), "connection refused"),
    (httpx.ConnectError(""), "ConnectError"),  # no words from httpx: at least the kind of failure
])
@respx.mock
def test_an_unreachable_api_is_named_with_the_reason(raised: Exception, reason: str) -> None:
    respx.get(f"{BASE}/Users").mock(side_effect=raised)
    with pytest.raises(UnreachableError) as caught:
        find()
    assert failure(caught.value) == (
        "UnreachableError", f"cannot reach the identity API at {BASE}: {reason}",
        "-", "-", "-", BASE, reason, None)


class Chunks(httpx.AsyncByteStream):
    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def test_the_transport_given_is_used_and_an_answer_in_chunks_is_read_whole() -> None:
    body = json.dumps(listing({"id": "u-1"})).encode()
    transport = httpx.MockTransport(lambda request: httpx.Response(
        200, stream=Chunks(body[:10], body[10:20], body[20:])))

    async def go() -> Page:
        async with store(BASE, transport=transport, timeout=1) as client:
            return await client.find_users("aino@example.fi")

    assert asyncio.run(go()) == Page(resources=[{"id": "u-1"}], total=1, problems=[])


@respx.mock
def test_an_answer_of_exactly_the_size_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps(listing()).encode()
    monkeypatch.setattr("postisupport.scim.client.MAX_ANSWER_BYTES", len(body))
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, content=body))
    assert find() == Page(resources=[], total=0, problems=[])


@respx.mock
def test_an_oversized_answer_is_refused_in_megabytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("postisupport.scim.client.MAX_ANSWER_BYTES", 2**20)
    reason = "the identity API's answer to GET /Users is larger than 1 MB; refused"
    assert failure_of(httpx.Response(200, content=b" " * (2**20 + 1))) == (
        "ApiError", reason, "GET /Users", None, "", "-", reason, "-")


SCIM_ERROR = ["urn:ietf:params:scim:api:messages:2.0:Error"]


@pytest.mark.parametrize(("response", "expected"), [
    (httpx.Response(401, json={"schemas": SCIM_ERROR, "detail": "token expired"}),
     ("AuthError", "the identity API rejected the credentials (HTTP 401): token expired",
      "GET /Users", 401, "token expired", "-", "-", "-")),
    (httpx.Response(403, text="forbidden"),
     ("AuthError", "the identity API refused access (HTTP 403)", "GET /Users", 403, "", "-", "-", "-")),
    (httpx.Response(500, text="Internal Server Error"),
     ("ApiError", "the identity API answered HTTP 500 to GET /Users", "GET /Users", 500, "",
      "-", "the identity API answered HTTP 500 to GET /Users", "-")),
    (httpx.Response(500, json={"detail": 42}),
     ("ApiError", "the identity API answered HTTP 500 to GET /Users", "GET /Users", 500, "",
      "-", "the identity API answered HTTP 500 to GET /Users", "-")),
    (httpx.Response(500, json={"status": "500"}),
     ("ApiError", "the identity API answered HTTP 500 to GET /Users", "GET /Users", 500, "",
      "-", "the identity API answered HTTP 500 to GET /Users", "-")),
    (httpx.Response(500, json={"detail": " \n "}),
     ("ApiError", "the identity API answered HTTP 500 to GET /Users", "GET /Users", 500, "",
      "-", "the identity API answered HTTP 500 to GET /Users", "-")),
    (httpx.Response(200, json={"schemas": SCIM_ERROR, "detail": "invalid  filter"}),
     ("ApiError", "the identity API answered GET /Users with an error: invalid filter", "GET /Users", None,
      "invalid filter", "-", "the identity API answered GET /Users with an error", "-")),
], ids=["401-detail", "403-text", "500-text", "500-detail-not-text", "500-no-detail", "500-blank-detail",
        "200-scim-error"])
def test_http_and_scim_errors_carry_exactly_what_the_answer_said(
        response: httpx.Response, expected: tuple[Any, ...]) -> None:
    with respx.mock:
        assert failure_of(response) == expected


@pytest.mark.parametrize(("response", "reason"), [
    (httpx.Response(200, content=b"<html>login</html>", headers={"Content-Type": "text/html"}),
     "the identity API answered GET /Users with something that is not JSON (text/html)"),
    (httpx.Response(200, content=b"<html>login</html>"),
     "the identity API answered GET /Users with something that is not JSON (no content type)"),
    (httpx.Response(200, json=[1, 2]),
     "the identity API answered GET /Users with JSON that is not a list response"),
    (httpx.Response(200, json={"Resources": "x", "totalResults": 1}),
     "the identity API answered GET /Users with a malformed list response "
     "(needs totalResults and a Resources list)"),
], ids=["html", "no-content-type", "not-an-object", "malformed"])
def test_unusable_answers_say_exactly_what_was_wrong(response: httpx.Response, reason: str) -> None:
    with respx.mock:
        assert failure_of(response) == ("ApiError", reason, "GET /Users", None, "", "-", reason, "-")


@respx.mock
def test_a_list_response_without_resources_is_an_empty_page() -> None:
    """RFC 7644 lets a server leave out Resources when there are none."""
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json={"totalResults": 0}))
    assert find() == Page(resources=[], total=0, problems=[])



@pytest.mark.parametrize(("status", "location", "target"), [
    (302, "https://login.example.net/sso?token=s3cret", "login.example.net"),
    (300, "https://mirror.example.com/scim/v2/Users", "mirror.example.com"),
    (399, "https://ev\x1bil.example.net/", "ev\ufffdil.example.net"),
    (307, None, "an unnamed place"),
    (301, "/elsewhere", "an unnamed place"),
])
@respx.mock
def test_a_redirect_is_an_error_naming_only_the_host(status: int, location: str | None, target: str) -> None:
    """Never followed (the token would go along), and the rest of the URL may itself carry a secret."""
    headers = {"Location": location} if location is not None else {}
    reason = (f"the identity API answered HTTP {status} to GET /Users, a redirect to {target}; "
              "redirects are not followed")
    assert failure_of(httpx.Response(status, headers=headers)) == (
        "ApiError", reason, "GET /Users", status, "", "-", reason, "-")


@respx.mock
def test_http_400_is_an_error_not_a_redirect() -> None:
    reason = "the identity API answered HTTP 400 to GET /Users"
    assert failure_of(httpx.Response(400, headers={"Location": "https://login.example.net/"})) == (
        "ApiError", reason, "GET /Users", 400, "", "-", reason, "-")


@respx.mock
def test_an_untrusted_certificate_is_named_with_the_remedy() -> None:
    error = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"
    respx.get(f"{BASE}/Users").mock(side_effect=httpx.ConnectError(error))
    with pytest.raises(UnreachableError) as caught:
        find()
    reason = f"its TLS certificate is not trusted ({error}); a private CA can be added as a CA bundle"
    assert failure(caught.value) == ("UnreachableError", f"cannot reach the identity API at {BASE}: {reason}",
                                     "-", "-", "-", BASE, reason, None)


@respx.mock
def test_the_timeout_is_a_deadline_for_the_whole_request() -> None:
    """A server that never times out one read can still not hold an agent's call for longer."""
    async def stalling(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=listing())

    respx.get(f"{BASE}/Users").mock(side_effect=stalling)
    with pytest.raises(UnreachableError) as caught:
        find({"timeout": 0.05})
    assert failure(caught.value) == (
        "UnreachableError", f"the identity API at {BASE} did not answer within 0.05 s",
        "-", "-", "-", BASE, "TimeoutError", 0.05)


@respx.mock
def test_auth_given_signs_every_request() -> None:
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))
    find({"auth": httpx.BasicAuth("support", "example-password")})
    assert route.calls.last.request.headers["Authorization"] == "Basic c3VwcG9ydDpleGFtcGxlLXBhc3N3b3Jk"


@respx.mock
def test_admins_of_asks_users_by_role_and_group_in_full() -> None:
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))

    async def go() -> Page:
        async with store(BASE) as client:
            return await client.admins_of(["g-1"])

    assert asyncio.run(go()) == Page(resources=[], total=0, problems=[])
    assert dict(route.calls.last.request.url.params) == {
        "filter": 'roles.value eq "admin" and (groups.value eq "g-1")', "count": "200"}


def groups_in_batches(ids: list[str]) -> tuple[list[httpx.Request], Page]:
    """groups_by_id(ids) against a server that answers each batch with its first id, a non-resource,
    and a total of 2 (so no batch pages): the requests made and the page returned."""
    def answer(request: httpx.Request) -> httpx.Response:
        first = request.url.params["filter"].split('"')[1]
        return httpx.Response(200, json=listing({"id": first}, "junk", total=2))

    async def go() -> Page:
        async with store(BASE) as client:
            return await client.groups_by_id(ids)

    with respx.mock:
        route = respx.get(f"{BASE}/Groups").mock(side_effect=answer)
        page = asyncio.run(go())
    return [call.request for call in route.calls], page


@pytest.mark.parametrize(("ids", "batches"), [
    # A 31-character base URL leaves 7769 bytes for the filter; each of these ids costs 50 URL-encoded.
    ([f"group-{i:04d}-esimerkki-oy-example-fi" for i in range(500)], [155, 155, 155, 35]),
    # Short ids fit the URL by the thousand, but a batch is at most one page of groups.
    ([f"g-{i:04d}" for i in range(450)], [200, 200, 50]),
], ids=["url-limit", "page-limit"])
def test_many_groups_are_asked_in_batches_each_under_both_limits(ids: list[str], batches: list[int]) -> None:
    requests, _ = groups_in_batches(ids)
    asked = [found.split('"')[1] for r in requests for found in r.url.params["filter"].split(" or ")]
    assert [r.url.params["filter"].count(" or ") + 1 for r in requests] == batches
    assert (asked, max(len(str(r.url)) for r in requests) <= MAX_URL_BYTES) == (ids, True)


def test_the_pages_of_a_batched_search_are_merged_in_order() -> None:
    _, page = groups_in_batches([f"g-{i:04d}" for i in range(450)])
    assert page == Page(resources=[{"id": "g-0000"}, {"id": "g-0200"}, {"id": "g-0400"}], total=6,
                        problems=["Groups result 2 is not a resource; ignored"] * 3)


def admins_paged(
    total: int, holds: int | None = None, repeat: bool = True
) -> tuple[list[str | None], list[str]]:
    """admins_of(["g-1"]) against a server that says it has `total` admins, sends 2 a page and holds
    `holds` (default `total`); past what it holds it sends the first page again, as some servers
    do (or, without `repeat`, an empty page). Returns the startIndexes asked for and the ids read."""
    admins = [{"id": f"u-{i}"} for i in range(total if holds is None else holds)]

    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("startIndex", "1"))
        chunk = admins[start - 1:start + 1] or (admins[:2] if repeat else [])
        return httpx.Response(200, json=listing(*chunk, total=total))

    async def go() -> Page:
        async with store(BASE) as client:
            return await client.admins_of(["g-1"])

    with respx.mock:
        route = respx.get(f"{BASE}/Users").mock(side_effect=answer)
        page = asyncio.run(go())
    asked = [call.request.url.params.get("startIndex") for call in route.calls]
    return asked, [str(r["id"]) for r in page.resources]


def test_a_search_reads_every_page_until_total_results() -> None:
    assert admins_paged(5) == ([None, "3", "5"], ["u-0", "u-1", "u-2", "u-3", "u-4"])


def test_paging_stops_on_a_page_of_ids_already_read() -> None:
    assert admins_paged(9, holds=5) == ([None, "3", "5", "6"], ["u-0", "u-1", "u-2", "u-3", "u-4"])


def test_paging_stops_on_an_empty_page() -> None:
    assert admins_paged(9, holds=3, repeat=False) == ([None, "3", "4"], ["u-0", "u-1", "u-2"])
    assert admins_paged(9, holds=0) == ([None], [])


def test_paging_stops_at_the_page_limit() -> None:
    from postisupport.scim.client import MAX_PAGES

    asked, read = admins_paged(2 * MAX_PAGES + 10)
    assert (len(asked), len(read)) == (MAX_PAGES, 2 * MAX_PAGES)


def test_a_look_up_reads_one_page_only() -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/Users").mock(
            return_value=httpx.Response(200, json=listing({"id": "u-1"}, total=40)))
        page = find()
    assert (route.call_count, page.total, page.truncated) == (1, 40, True)


@respx.mock
def test_probe_asks_for_no_users_and_accepts_a_list_response() -> None:
    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing(total=42)))

    async def go() -> None:
        async with ScimClient(BASE) as client:
            await client.probe()

    asyncio.run(go())
    assert str(route.calls.last.request.url) == f"{BASE}/Users?count=0"


@respx.mock
def test_probe_refuses_an_answer_that_is_not_a_list_response() -> None:
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json={"id": "u-1"}))

    async def go() -> None:
        async with ScimClient(BASE) as client:
            await client.probe()

    with pytest.raises(ApiError) as caught:
        asyncio.run(go())
    reason = ("the identity API answered GET /Users with a malformed list response "
              "(needs totalResults and a Resources list)")
    assert failure(caught.value) == ("ApiError", reason, "GET /Users", None, "", "-", reason, "-")


async def tls_server(context: ssl.SSLContext) -> asyncio.Server:
    """A loopback HTTPS server that answers every request with an empty list response."""
    body = json.dumps(listing()).encode()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass  # the client refused our certificate
        finally:
            writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)


def find_over_tls(trust_the_ca: bool) -> Any:
    """find() against a loopback HTTPS server whose certificate a private CA issued: the page or the error."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)

    async def go() -> Any:
        server = await tls_server(server_context)
        port = server.sockets[0].getsockname()[1]
        client_kwargs: dict[str, Any] = {"timeout": 5}
        if trust_the_ca:
            client_kwargs["verify"] = ssl.create_default_context()
            ca.configure_trust(client_kwargs["verify"])
        try:
            async with store(f"https://127.0.0.1:{port}/scim/v2", **client_kwargs) as client:
                return await client.find_users("aino@example.fi")
        except UnreachableError as error:
            return error
        finally:
            server.close()

    return asyncio.run(go())


def test_a_server_certificate_from_an_unknown_ca_is_refused_by_default() -> None:
    error = find_over_tls(trust_the_ca=False)
    assert isinstance(error, UnreachableError)
    # The words after the prefix are OpenSSL's and vary by version.
    assert error.reason.startswith("its TLS certificate is not trusted ([SSL: CERTIFICATE_VERIFY_FAILED]")


def test_a_private_ca_given_as_verify_is_trusted() -> None:
    assert find_over_tls(trust_the_ca=True) == Page(resources=[], total=0, problems=[])


class EchoedAuth(httpx.Auth):
    """An auth flow holding secrets of its own, as the OAuth2 flow does."""

    def secrets(self) -> list[str]:
        return ["flow-S3CRET"]

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = "Bearer flow-S3CRET"
        yield request


@pytest.mark.parametrize(("response", "expected"), [
    (httpx.Response(401, json={"detail": "tok-S3CRET and flow-S3CRET are revoked"}),
     ("AuthError",
      "the identity API rejected the credentials (HTTP 401): [redacted] and [redacted] are revoked",
      "GET /Users", 401, "[redacted] and [redacted] are revoked", "-", "-", "-")),
    (httpx.Response(500, json={"detail": "bad tok-S3CRET"}),
     ("ApiError", "the identity API answered HTTP 500 to GET /Users: bad [redacted]", "GET /Users", 500,
      "bad [redacted]", "-", "the identity API answered HTTP 500 to GET /Users", "-")),
    (httpx.Response(200, text="<x>", headers={"Content-Type": "text/html; echo=tok-S3CRET"}),
     ("ApiError", "the identity API answered GET /Users with something that is not JSON (text/html; "
      "echo=[redacted])", "GET /Users", None, "", "-", "the identity API answered GET /Users with something "
      "that is not JSON (text/html; echo=[redacted])", "-")),
])
@respx.mock
def test_credentials_a_server_echoes_are_redacted(
    response: httpx.Response, expected: tuple[Any, ...]
) -> None:
    respx.get(f"{BASE}/Users").mock(return_value=response)
    with pytest.raises((ApiError, AuthError)) as caught:
        find({"token": "tok-S3CRET", "auth": EchoedAuth()})
    assert failure(caught.value) == expected


@respx.mock
def test_a_long_redirect_target_and_content_type_are_cut_to_100_characters() -> None:
    host = "a" * 150 + ".example.com"
    redirect = failure_of(httpx.Response(302, headers={"Location": f"https://{host}/"}))
    assert redirect[1] == ("the identity API answered HTTP 302 to GET /Users, a redirect to "
                           f"{'a' * 97}...; redirects are not followed")
    kind = failure_of(httpx.Response(200, text="<x>", headers={"Content-Type": "text/" + "b" * 200}))
    assert kind[1] == (
        f"the identity API answered GET /Users with something that is not JSON (text/{'b' * 92}...)")


# -- retry policies, the shared pause and the request count (bulk runs lean on them) --------------------


def find_with(policy: Any, responses: list[Any], **kwargs: Any) -> tuple[Any, list[float], int]:
    """find() under a retry policy with a recording sleep: the result or error, the waits, the requests."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    respx.get(f"{BASE}/Users").mock(side_effect=responses)

    async def go() -> Any:
        async with store(BASE, retry=policy, sleep=sleep, **kwargs) as client:
            try:
                result: Any = await client.find_users("aino@example.fi")
            except (ApiError, UnreachableError) as error:
                result = error
            return result, client.client.requests

    result, requests = asyncio.run(go())
    return result, waits, requests


@respx.mock
def test_the_patient_policy_retries_gateway_errors_and_lost_connections_with_jitter(monkeypatch) -> None:
    from postisupport.scim.client import PATIENT

    monkeypatch.setattr("postisupport.scim.client.random.uniform", lambda low, high: high / 2)
    result, waits, requests = find_with(PATIENT, [
        httpx.Response(502), httpx.ConnectError("refused"), httpx.Response(504),
        httpx.ReadTimeout("slow"), httpx.Response(200, json=listing())])
    assert (result.total, waits, requests) == (0, [0.75, 1.25, 2.25, 4.25], 5)


@respx.mock
def test_the_patient_policy_gives_up_with_the_last_reason() -> None:
    from postisupport.scim.client import PATIENT, RetryPolicy

    policy = RetryPolicy(PATIENT.statuses, attempts=2, transport=True, max_wait=30.0, jitter=0.0)
    result, waits, requests = find_with(policy, [httpx.ConnectError("refused")] * 2)
    assert (failure(result), waits, requests) == (
        ("UnreachableError", f"cannot reach the identity API at {BASE}: refused", "-", "-", "-", BASE,
         "refused", None), [0.5], 2)


@respx.mock
def test_the_quick_policy_does_not_retry_a_lost_connection() -> None:
    from postisupport.scim.client import QUICK

    result, waits, requests = find_with(QUICK, [httpx.ConnectError("refused")])
    assert (type(result).__name__, waits, requests) == ("UnreachableError", [], 1)


@respx.mock
def test_a_retry_after_given_as_a_date_without_a_zone_is_read_as_utc() -> None:
    from postisupport.scim.client import QUICK

    later = {"Retry-After": "Wed, 21 Oct 2099 07:28:00"}
    result, waits, _ = find_with(QUICK, [httpx.Response(429, headers=later),
                                         httpx.Response(200, json=listing())])
    assert (result.total, waits) == (0, [5.0])


@respx.mock
def test_while_the_server_asks_to_wait_no_other_request_is_sent() -> None:
    release = asyncio.Event()
    sent: list[str] = []

    async def sleep(seconds: float) -> None:
        await release.wait()  # the told request waits until the test lets it go

    def answer(request: httpx.Request) -> httpx.Response:
        who = request.url.params["filter"].split('"')[1]
        sent.append(who)
        if len(sent) == 1:
            return httpx.Response(429, headers={"Retry-After": "5"})
        return httpx.Response(200, json=listing())

    respx.get(f"{BASE}/Users").mock(side_effect=answer)

    async def go() -> list[list[str]]:
        async with store(BASE, sleep=sleep) as client:
            told = asyncio.ensure_future(client.find_users("a@example.fi"))
            while not sent:
                await asyncio.sleep(0)
            other = asyncio.ensure_future(client.find_users("b@example.fi"))
            for _ in range(20):
                await asyncio.sleep(0)
            during = list(sent)
            release.set()
            await asyncio.gather(told, other)
            return [during, list(sent)]

    assert asyncio.run(go()) == [["a@example.fi"], ["a@example.fi", "a@example.fi", "b@example.fi"]]


@respx.mock
def test_a_request_queued_for_a_slot_when_the_server_asks_to_wait_waits_too() -> None:
    """It passed the open gate, then waited for the one slot the told request held: it must not go
    while the server's wait shuts the gate."""
    release = asyncio.Event()
    sent: list[str] = []

    async def sleep(seconds: float) -> None:
        await release.wait()

    async def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.params["filter"].split('"')[1])
        if len(sent) == 1:
            await asyncio.sleep(0.01)  # the slot held while b queues for it
            return httpx.Response(429, headers={"Retry-After": "5"})
        return httpx.Response(200, json=listing())

    respx.get(f"{BASE}/Users").mock(side_effect=answer)

    async def go() -> list[list[str]]:
        async with store(BASE, sleep=sleep, max_concurrency=1) as client:
            both = asyncio.gather(client.find_users("a@example.fi"), client.find_users("b@example.fi"))
            await asyncio.sleep(0.05)
            during = list(sent)
            release.set()
            await both
            return [during, list(sent)]

    assert asyncio.run(go()) == [["a@example.fi"], ["a@example.fi", "a@example.fi", "b@example.fi"]]


@respx.mock
def test_every_request_is_counted_and_passes_the_shared_throttle() -> None:
    from postisupport.scim.client import QUICK

    class Throttle:
        def __init__(self) -> None:
            self.entered = 0

        async def __aenter__(self) -> None:
            self.entered += 1

        async def __aexit__(self, *exc: object) -> None:
            return None

    throttle = Throttle()
    result, waits, requests = find_with(QUICK, [httpx.Response(503), httpx.Response(200, json=listing())],
                                        throttle=throttle)
    assert (result.total, waits, requests, throttle.entered) == (0, [0.5], 2, 2)


def paged(pages: dict[int, list[Any]], total: int) -> tuple[list[str | None], Page]:
    """admins_of(["g-1"]) against a server that answers startIndex N with `pages[N]` (or an empty
    page) and says it holds `total`: the startIndexes asked for, and the page read."""

    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("startIndex", "1"))
        return httpx.Response(200, json=listing(*pages.get(start, []), total=total))

    async def go() -> Page:
        async with store(BASE) as client:
            return await client.admins_of(["g-1"])

    with respx.mock:
        route = respx.get(f"{BASE}/Users").mock(side_effect=answer)
        page = asyncio.run(go())
    return [call.request.url.params.get("startIndex") for call in route.calls], page


def test_paging_remembers_every_page_and_stops_when_page_three_repeats_page_two() -> None:
    one, two = [{"id": "u-0"}, {"id": "u-1"}], [{"id": "u-2"}, {"id": "u-3"}]
    asked, page = paged({1: one, 3: two, 5: two}, total=9)
    assert (asked, page) == ([None, "3", "5"], Page(one + two, 9))


def test_paging_keeps_the_problems_of_every_page() -> None:
    asked, page = paged({1: [{"id": "u-0"}, "junk"], 3: [7, {"id": "u-1"}]}, total=4)
    assert (asked, page) == ([None, "3"], Page([{"id": "u-0"}, {"id": "u-1"}], 4, problems=[
        "Users result 2 is not a resource; ignored", "Users result 1 is not a resource; ignored"]))


@pytest.mark.parametrize("wrong", [["u-0"], {"id": "u-0"}, [], {}, [[1]], 3, 1.5, True, None])
def test_paging_over_ids_of_the_wrong_type_neither_crashes_nor_loops(wrong: Any) -> None:
    # A page of unhashable ids, then the same page again: paging still sees the repeat and stops.
    first = [{"id": wrong, "userName": "x@example.fi"}, {"id": "u-1"}]
    asked, page = paged({1: first, 3: first}, total=6)
    assert (asked, page) == ([None, "3"], Page(first, 6))


def test_paging_tells_a_wrong_type_id_from_the_same_text_as_a_string() -> None:
    first, second = [{"id": ["u-0"]}, {"id": "u-1"}], [{"id": '["u-0"]'}, {"id": "u-0"}]
    asked, page = paged({1: first, 3: second}, total=4)
    assert (asked, page) == ([None, "3"], Page(first + second, 4))


# What doctor and capture use: any read as JSON, one page for any query, and every page read.

@respx.mock
def test_get_json_returns_any_answer_as_it_came_for_the_path_and_query_given() -> None:
    route = respx.get(f"{BASE}/Schemas").mock(return_value=httpx.Response(200, json=[{"id": "x"}, 1]))

    answer = against(lambda client: client.get_json("Schemas", {"count": "1"}))
    assert (answer, str(route.calls.last.request.url)) == ([{"id": "x"}, 1], f"{BASE}/Schemas?count=1")


@respx.mock
def test_get_json_raises_what_any_read_raises() -> None:
    respx.get(f"{BASE}/Schemas").mock(return_value=httpx.Response(404, json={"detail": "no such thing"}))

    with pytest.raises(ApiError) as raised:
        against(lambda client: client.get_json("Schemas", {}))
    assert failure(raised.value) == failure(ApiError(
        "GET /Schemas", "the identity API answered HTTP 404 to GET /Schemas", 404, "no such thing"))


@respx.mock
def test_service_provider_config_is_one_plain_get() -> None:
    config = {"patch": {"supported": False}, "filter": {"supported": True, "maxResults": 200}}
    route = respx.get(f"{BASE}/ServiceProviderConfig").mock(return_value=httpx.Response(200, json=config))

    answer = against(lambda client: client.service_provider_config())
    assert (answer, str(route.calls.last.request.url), route.call_count) == (
        config, f"{BASE}/ServiceProviderConfig", 1)


@respx.mock
def test_get_page_reads_one_list_response_for_exactly_the_query_given() -> None:
    route = respx.get(f"{BASE}/Groups").mock(
        return_value=httpx.Response(200, json=listing({"id": "g-1"}, "junk", total=7)))

    page = against(lambda client: client.get_page("Groups", {"startIndex": "3", "count": "2"}))
    assert (page, page.received, route.call_count, str(route.calls.last.request.url)) == (
        Page([{"id": "g-1"}], 7, ["Groups result 2 is not a resource; ignored"]), 2, 1,
        f"{BASE}/Groups?startIndex=3&count=2")


@respx.mock
def test_get_page_refuses_an_answer_that_is_not_a_list_response() -> None:
    respx.get(f"{BASE}/Groups").mock(return_value=httpx.Response(200, json={"id": "g-1"}))

    with pytest.raises(ApiError) as raised:
        against(lambda client: client.get_page("Groups", {}))
    assert failure(raised.value) == failure(ApiError(
        "GET /Groups", "the identity API answered GET /Groups with a malformed list response "
        "(needs totalResults and a Resources list)"))


def test_on_page_sees_each_search_once_with_all_its_pages() -> None:
    seen: list[tuple[str, Page]] = []
    users = [{"id": "u-0"}, {"id": "u-1"}, {"id": "u-2"}]

    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("startIndex", "1"))
        return httpx.Response(200, json=listing(*users[start - 1:start + 1], total=3))

    async def go() -> None:
        async with store(BASE, on_page=lambda endpoint, page: seen.append((endpoint, page))) as client:
            await client.admins_of(["g-1"])
            await client.find_users("aino@example.fi")
            await client.client.get_page("Users", {})  # a single page asked for directly is not a search

    with respx.mock:
        respx.get(f"{BASE}/Users").mock(side_effect=answer)
        asyncio.run(go())
    assert seen == [("Users", Page(users, 3)), ("Users", Page(users[:2], 3))]


# -- what mutation testing found unpinned (issue 12): each test fails on a mutant that survived ----------


@respx.mock
def test_every_request_names_postisupport_and_its_version_as_the_user_agent() -> None:
    from postisupport import __version__

    route = respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(200, json=listing()))
    find()
    assert route.calls.last.request.headers["User-Agent"] == f"postisupport/{__version__}"


@respx.mock
def test_only_trailing_slashes_are_dropped_from_the_base_url() -> None:
    base = "https://idp.example.com/scimX"
    route = respx.get(f"{base}/Users").mock(return_value=httpx.Response(200, json=listing()))

    async def go() -> str:
        async with store(base + "//") as client:
            await client.find_users("aino@example.fi")
            return client.client.base_url

    assert (asyncio.run(go()), route.call_count) == (base, 1)


@pytest.mark.parametrize(("spare", "expected"), [
    (0, LOOKUP),  # the filter's URL-encoded length is exactly the budget: both cases still fit
    (-1, 'userName eq "aino@example.fi" or emails.value eq "aino@example.fi" or '
         'urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId eq "aino@example.fi"'),
])
def test_a_lookup_asks_for_both_cases_while_they_fit_the_url_budget(spare: int, expected: str) -> None:
    # The budget is MAX_URL_BYTES less the base URL and 200 bytes of overhead: the base URL's length sets it.
    host = "https://idp.example.com/"
    base = host + "s" * (MAX_URL_BYTES - 200 - len(quote_plus(LOOKUP)) - len(host) - spare)

    async def go() -> None:
        async with store(base) as client:
            await client.find_users("aino@example.fi")

    with respx.mock:
        route = respx.get(f"{base}/Users").mock(return_value=httpx.Response(200, json=listing()))
        asyncio.run(go())
    assert route.calls.last.request.url.params["filter"] == expected


class RaisingAuth(httpx.Auth):
    """An auth flow that fails before any request, as the OAuth2 flow does when its token endpoint refuses."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def auth_flow(self, request: httpx.Request) -> Any:
        raise self.error
        yield request


@respx.mock
def test_an_auth_error_names_where_the_refused_secret_came_from_unless_it_says_so_itself() -> None:
    ours, theirs = SecretSource("keyring", "token", "work"), SecretSource("login", "client_secret", "work")
    respx.get(f"{BASE}/Users").mock(return_value=httpx.Response(401, json={"detail": "expired"}))
    with pytest.raises(AuthError) as refused:
        find({"token": "s3cret-token-1", "secret_source": ours})
    flow_error = AuthError(401, "POST /token", "invalid_client", token_endpoint=True)
    flow_error.source = theirs
    with pytest.raises(AuthError) as flow_refused:
        find({"auth": RaisingAuth(flow_error), "secret_source": ours})
    assert (refused.value.source, flow_refused.value is flow_error, flow_refused.value.source) == (
        ours, True, theirs)


class StalledAuth(httpx.Auth):
    """An auth flow whose token endpoint was what kept the request waiting, as the OAuth2 flow notes."""

    def __init__(self, stalled: UnreachableError | None) -> None:
        self.stalled = stalled

    def auth_flow(self, request: httpx.Request) -> Any:
        yield request


@respx.mock
def test_a_timeout_caused_by_the_token_endpoint_names_the_token_endpoint() -> None:
    stalled = UnreachableError("https://login.example.com/token", "timed out", timeout=10.0,
                               token_endpoint=True)
    respx.get(f"{BASE}/Users").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(UnreachableError) as caught:
        find({"auth": StalledAuth(stalled)})
    with pytest.raises(UnreachableError) as plain:
        find({"auth": StalledAuth(None)})
    assert (caught.value is stalled, failure(plain.value)) == (True, (
        "UnreachableError", f"the identity API at {BASE} did not answer within 10 s",
        "-", "-", "-", BASE, "slow", 10.0))


def test_paging_tells_wrong_type_ids_apart_by_their_value() -> None:
    first, second = [{"id": ["u-0"]}, {"id": "u-1"}], [{"id": ["u-2"]}]
    asked, page = paged({1: first, 3: second}, total=3)
    assert (asked, page) == ([None, "3"], Page(first + second, 3))


def test_paging_sees_an_object_id_repeated_in_another_key_order() -> None:
    first, again = [{"id": {"a": 1, "b": 2}}, {"id": "u-1"}], [{"id": {"b": 2, "a": 1}}]
    asked, page = paged({1: first, 3: again, 4: [{"id": "u-9"}]}, total=4)
    assert (asked, page) == ([None, "3"], Page(first, 4))
