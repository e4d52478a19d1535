"""The engineer's HTTP trace: every exchange as a JSON line, and never a secret in it."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from postisupport.sandbox.app import application
from postisupport.scim.trace import BODY_BYTES, _body, safe_url
from tests.servers import OAuthServer, answer_of, send_answer, serving

TOKEN = "c4nary-bearer-T0KEN"
SECRET = "c4nary-client-S3CRET"


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_exchange_is_one_json_line_with_the_documented_keys(run, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    result = run("--sandbox", "--trace", str(trace), "diagnose", "johanna.makinen@esimerkki.example.fi")
    assert result.exit_code == 0
    lines = records(trace)
    assert [(r["method"], r["url"].split("?")[0], r["status"]) for r in lines] == [
        ("GET", "http://sandbox.invalid/scim/v2/Users", 200),
        ("GET", "http://sandbox.invalid/scim/v2/Groups", 200),
        ("GET", "http://sandbox.invalid/scim/v2/Users", 200)]
    keys = ["time", "method", "url", "status", "elapsed_ms", "request", "response"]
    assert all(list(r) == keys for r in lines)
    assert json.loads(lines[0]["response"]["body"])["Resources"][0]["id"] == "u-1004"
    assert (lines[0]["response"]["truncated"], lines[0]["request"]["body"]) == (False, None)
    assert stat.S_IMODE(trace.stat().st_mode) == 0o600  # it holds personal data
    run("--sandbox", "--trace", str(trace), "diagnose", "ESIM0042")
    assert len(records(trace)) == 6  # appended, not overwritten


def test_verbose_prints_one_short_line_per_request(run) -> None:
    result = run("--sandbox", "-v", "diagnose", "ESIM0042", "--json")
    lines = result.stderr.splitlines()
    assert [line.rsplit(" ", 2)[0] for line in lines] == [
        "GET /scim/v2/Users 200", "GET /scim/v2/Groups 200", "GET /scim/v2/Users 200"]
    assert all(line.endswith(" ms") for line in lines)
    assert json.loads(result.stdout)["outcome"] == "change-password"


def test_the_trace_never_holds_a_token_or_a_client_secret(run, environ, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    server = OAuthServer(application(), "support-desk", SECRET)
    with serving(server) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "support-desk", "--with-client-secret", input=SECRET)
        assert run("--trace", str(trace), "diagnose", "ESIM0042").exit_code == 0
        issued = list(server.issued)
        environ["POSTISUPPORT_TOKEN"] = TOKEN
        run("--trace", str(trace), "diagnose", "ESIM0042")
    text = trace.read_text()
    for secret in (SECRET, TOKEN, *issued, "c3VwcG9ydC1kZXNr"):  # the last: base64 of the Basic header
        assert secret not in text, secret
    token_call = next(r for r in records(trace) if r["url"].endswith("/token"))
    assert (token_call["request"]["headers"]["authorization"], json.loads(token_call["response"]["body"])[
        "access_token"]) == ("[redacted]", "[redacted]")


@pytest.mark.parametrize(("url", "safe"), [
    ("https://idp.example.com/scim/v2/Users?access_token=abc&count=1",
     "https://idp.example.com/scim/v2/Users?access_token=%5Bredacted%5D&count=1"),
    ("https://idp.example.com/cb?code=xyz&state=1", "https://idp.example.com/cb?code=%5Bredacted%5D&state=1"),
    ("https://idp.example.com/scim/v2/Users?filter=a", "https://idp.example.com/scim/v2/Users?filter=a"),
])
def test_secret_query_parameters_are_redacted(url: str, safe: str) -> None:
    assert safe_url(url) == safe


def test_bodies_keep_scim_data_and_lose_credentials() -> None:
    form = _body(b"grant_type=client_credentials&client_secret=s3&scope=x", [], True)
    assert form["body"] == "grant_type=client_credentials&client_secret=%5Bredacted%5D&scope=x"
    scim = json.dumps({"passwordResetSentAt": "2021-01-17", "refresh_token": "r",
                       "nested": [{"token": "t"}]})
    assert json.loads(_body(scim.encode(), [], True)["body"]) == {
        "passwordResetSentAt": "2021-01-17", "refresh_token": "[redacted]",
        "nested": [{"token": "[redacted]"}]}
    big = _body(b"x" * (BODY_BYTES + 10), [], True)
    assert (big["size"], big["truncated"], len(big["body"])) == (BODY_BYTES + 10, True, BODY_BYTES)


# -- token responses: big ones, echoes, and credentials that are not strings --------------------


ACCESS = "c4nary-access-T0KEN"
REFRESH = "c4nary-refresh-T0KEN"


class TokenEndpoint:
    """A token endpoint that answers with `answer` (plus the access token ACCESS) in front of the
    sandbox, which takes ACCESS only."""

    def __init__(self, answer: dict[str, Any], encoding: str = "utf-8") -> None:
        self.answer, self.app, self.encoding = answer, application(token=ACCESS), encoding

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/token":
            body = json.dumps({"access_token": ACCESS, "token_type": "Bearer", **self.answer}).encode(
                self.encoding)
            kind = f"application/json; charset={self.encoding}".encode()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", kind)]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def traced_token_call(run, tmp_path: Path, answer: dict[str, Any],
                      encoding: str = "utf-8") -> tuple[str, dict[str, Any]]:
    """A diagnosis through the token endpoint, traced: the whole trace, and the token call's record."""
    trace = tmp_path / "trace.jsonl"
    with serving(TokenEndpoint(answer, encoding)) as url:
        login = run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
                    "--client-id", "support-desk", "--with-client-secret", input=SECRET)
        assert login.exit_code == 0, login.stderr
        assert run("--trace", str(trace), "diagnose", "ESIM0042").exit_code == 0
    return trace.read_text(), next(r for r in records(trace) if r["url"].endswith("/token"))


def test_a_token_response_over_64_kb_is_scrubbed_before_it_is_cut(run, tmp_path: Path) -> None:
    text, call = traced_token_call(run, tmp_path, {"padding": "x" * (BODY_BYTES + 1000)})
    assert ACCESS not in text
    body = call["response"]["body"]
    assert (call["response"]["truncated"], len(body)) == (True, BODY_BYTES)
    assert body.startswith('{"access_token": "[redacted]", "token_type": "Bearer", "padding": "xxx')


def test_a_token_response_saying_its_token_again_is_redacted_there_too(run, tmp_path: Path) -> None:
    text, call = traced_token_call(run, tmp_path, {"note": f"issued {ACCESS} to support-desk"})
    assert ACCESS not in text
    assert json.loads(call["response"]["body"]) == {
        "access_token": "[redacted]", "token_type": "Bearer", "note": "issued [redacted] to support-desk"}


def test_credentials_under_any_credential_name_are_redacted(run, tmp_path: Path) -> None:
    """Attack pass 8's lead: a secret under `jwt` or `bearer` was traced in clear."""
    named = ("jwt", "bearer", "id_jwt", "clientPassword", "apiKey", "x-api-key", "private_key", "credentials")
    text, call = traced_token_call(run, tmp_path, {name: f"{REFRESH}-{n}" for n, name in enumerate(named)}
                                   | {"passwordResetSentAt": "2021-01-17", "keys": "kept"})
    assert REFRESH not in text
    assert json.loads(call["response"]["body"]) == {
        "access_token": "[redacted]", "token_type": "Bearer", **dict.fromkeys(named, "[redacted]"),
        "passwordResetSentAt": "2021-01-17", "keys": "kept"}


def test_credentials_that_are_not_strings_are_redacted_whole(run, tmp_path: Path) -> None:
    text, call = traced_token_call(run, tmp_path, {"refresh_token": {"value": REFRESH, "expires": 60},
                                                   "client_secret": [REFRESH], "id_token": 12345678})
    assert REFRESH not in text and "12345678" not in text
    assert json.loads(call["response"]["body"]) == {
        "access_token": "[redacted]", "token_type": "Bearer", "refresh_token": "[redacted]",
        "client_secret": "[redacted]", "id_token": "[redacted]"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32-be"])
def test_a_token_response_in_utf_16_or_32_keeps_no_token_in_the_trace(run, tmp_path: Path,
                                                                      encoding: str) -> None:
    """The client reads such a body (json.loads detects it); read as UTF-8, the trace kept the token with
    a NUL between each character."""
    text, call = traced_token_call(run, tmp_path, {"note": f"issued {ACCESS}"}, encoding)
    assert (ACCESS in text, ACCESS in text.replace("\\u0000", "")) == (False, False)
    assert json.loads(call["response"]["body"]) == {
        "access_token": "[redacted]", "token_type": "Bearer", "note": "issued [redacted]"}


def test_cut_json_loses_a_credential_that_is_a_list_or_an_object_to_its_end() -> None:
    """A body cut at the client's limit does not parse: the value of a credential's name is cut to its
    closing bracket, or to the end of what was kept."""
    cut = (b'{"access_token": ["Acc\\"Tok_9f8e", "]x"], "id_token": {"a": {"b": "IdTok_ABCDEFGH"}}, '
           b'"expires_in": 60, "refresh_token": [{"v": "RefTok_123')
    shown = _body(cut, [], False)
    assert shown == {"body": '{"access_token": "[redacted]", "id_token": "[redacted]", "expires_in": 60, '
                             '"refresh_token": "[redacted]"', "size": len(cut), "truncated": True}


def test_json_that_does_not_parse_loses_its_credentials_by_name() -> None:
    broken = b'{"token_type": "Bearer", "access_token": "abc\\"def", "expires_in": 60, "refresh_token": "xy'
    assert _body(broken, [], True)["body"] == (
        '{"token_type": "Bearer", "access_token": "[redacted]", "expires_in": 60, '
        '"refresh_token": "[redacted]"')
    nested = json.dumps({"refresh_token": {"value": "r"}, "keys": [{"client_secret": ["s"]}]}).encode()
    assert json.loads(_body(nested, [], True)["body"]) == {
        "refresh_token": "[redacted]", "keys": [{"client_secret": "[redacted]"}]}


class EchoingHeaders:
    """The sandbox, its answers carrying the bearer token in a header's name, a session's id in the body,
    and a credential of the server's own in X-Auth-Token."""

    def __init__(self) -> None:
        self.app = application(token=TOKEN)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, body = await answer_of(self.app, scope, receive)
        answer = json.loads(body)
        if isinstance(answer, dict):
            answer["sessionId"] = "c4nary-session-1234"
        await send_answer(send, start, json.dumps(answer).encode(), (f"x-echo-{TOKEN}".encode(), b"1"),
                          (TOKEN.encode(), b"bare"), (b"x-auth-token", b"c4nary-server-credential"))


def test_a_token_in_a_header_name_and_credentials_in_headers_are_redacted(run, tmp_path: Path,
                                                                          environ: dict[str, str]) -> None:
    """Attack pass 9, A9B-02 and A9B-03: a token echoed in a response header's name was traced in clear
    (httpx lower-cases it), and so were X-Auth-Token and a sessionId."""
    trace = tmp_path / "trace.jsonl"
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    with serving(EchoingHeaders()) as url:
        assert run("--api", url, "--trace", str(trace), "diagnose", "ESIM0042").exit_code == 0
    text = trace.read_text().lower()
    assert [secret for secret in (TOKEN.lower(), "c4nary-session", "c4nary-server") if secret in text] == []
    headers = records(trace)[0]["response"]["headers"]
    assert {name: headers[name] for name in ("x-echo-[redacted]", "[redacted]", "x-auth-token")} == {
        "x-echo-[redacted]": "1", "[redacted]": "bare", "x-auth-token": "[redacted]"}
    assert json.loads(records(trace)[0]["response"]["body"])["sessionId"] == "[redacted]"


def test_an_access_token_too_short_to_be_cut_out_of_echoes_is_refused(run, tmp_path: Path) -> None:
    """Attack pass 9, A9B-05: a 5-character access token was used, and shown in clear when echoed."""
    with serving(TokenEndpoint({"access_token": "ab12x"})) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "support-desk", "--with-client-secret", "--no-check", input=SECRET)
        result = run("diagnose", "ESIM0042")
    assert (result.exit_code, result.stderr) == (
        5, "postisupport: error: the token endpoint issued an access token of only 5 character(s); one that "
        "short is refused (at least 8)\n")


def test_a_request_no_answer_came_to_is_traced_with_why(run, tmp_path: Path, environ: dict[str, str]) -> None:
    """Attack pass 9, A9B-18: the request that timed out, the one a "did not answer" ticket is about, was
    not in the trace at all."""
    from tests.servers import Hostile

    trace = tmp_path / "trace.jsonl"
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    with serving(Hostile(200, b"{}", b"application/scim+json", delay=5)) as url:
        result = run("--api", url, "--timeout", "1", "--trace", str(trace), "diagnose", "ESIM0042")
    [record] = records(trace)
    assert (result.exit_code, record["status"], record["error"], record["url"].split("?")[0]) == (
        4, None, "cancelled: its deadline passed, or the run was stopped", f"{url}/Users")
    assert record["request"]["headers"]["authorization"] == "[redacted]"


def test_credentials_in_urls_anywhere_in_an_exchange_are_redacted() -> None:
    """Attack pass 10, A10B-17/18: a Location or a link in a body kept access_token, code and sig in
    clear; SAMLResponse, otp and signature were no credential names."""
    body = json.dumps({"next": "https://idp.example.com/cb?code=c4nary-code-1&state=1",
                       "saml": {"SAMLResponse": "c4nary-saml-1"}, "link": "/x?sig=c4nary-sig-1&count=2"})
    shown = json.loads(_body(body.encode(), [], True)["body"])
    assert shown == {"next": "https://idp.example.com/cb?code=%5Bredacted%5D&state=1",
                     "saml": {"SAMLResponse": "[redacted]"}, "link": "/x?sig=%5Bredacted%5D&count=2"}
