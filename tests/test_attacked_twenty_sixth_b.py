"""Attack pass 26, second part: the served sandbox against hostile requests (F26-7), and malformed HTTP
answers, which are the API's answer, not an API out of reach (F26-8)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.servers import raw_serving, serving

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = b'{"totalResults": 0, "Resources": []}'


def answered(head: bytes, body: bytes = LIST) -> bytes:
    """An HTTP/1.1 answer: the status line and headers in `head`, then its length and `body`."""
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


# -- F26-7: the sandbox answers every request, with no control character in a header ---------------------

@pytest.mark.parametrize(("path", "endpoint", "location"), [
    ("%00", "\x00", "%00"), ("%0a", "\n", "%0A"), ("%0d", "\r", "%0D"), ("Users%00", "Users\x00", "Users%00"),
    ("%0D%0ASet-Cookie:%20x", "\r\nSet-Cookie: x", "%0D%0ASet-Cookie:%20x"),
])
def test_a_path_with_a_control_character_is_a_scim_404_with_its_url_encoded(
    path: str, endpoint: str, location: str,
) -> None:
    """F26-7: the decoded path went into Location as it was: h11 refused to send the header, the client
    got no answer at all."""
    with serving(application()) as url:
        response = httpx.get(f"{url}/{path}")
    assert (response.status_code, response.headers["Location"], response.json()) == (
        404, f"{url}/{location}", {"schemas": [ERROR], "status": "404",
                                   "detail": f"No resource type found at {endpoint!r}"})


def test_the_url_of_an_answer_holds_its_path_percent_encoded_once() -> None:
    with serving(application()) as url:
        response = httpx.get(f"{url}/Users/%C3%A4%25%20x")
    assert (response.status_code, response.headers["Location"]) == (404, f"{url}/Users/%C3%A4%25%20x")


@pytest.mark.parametrize(("headers", "detail"), [
    ({"Host": "a b"}, "the request's Host header names no host"),
    ({"Host": b"h\xff"}, "the request's Host header names no host"),
    ({"Host": "idp\x01.example"}, "the request's Host header names no host"),
    ({"X-Note": b"caf\xe9"}, "the request's headers or query are not UTF-8 text"),
])
def test_a_host_or_header_the_sandbox_cant_use_is_a_scim_400(
    headers: dict[str, str | bytes], detail: str,
) -> None:
    """F26-7's other half: the Host header goes into every URL the sandbox answers with, headers too
    ("a b" was sent in Location as it was), and a header that is not UTF-8 was a 500 and a traceback."""
    with serving(application()) as url:
        response = httpx.get(f"{url}/ServiceProviderConfig", headers=headers)
    assert (response.status_code, "location" in response.headers, response.json()) == (
        400, False, {"schemas": [ERROR], "status": "400", "detail": detail})


def test_a_host_with_a_port_or_an_ipv6_address_is_the_url_answered_with() -> None:
    """What the Host check lets through: an address with its port, localhost, and a name when a token
    is asked for."""
    with serving(application()) as url:
        literal = httpx.get(f"{url}/Users?count=0", headers={"Host": "[fe80::1%25eth0]:8080"})
        local = httpx.get(f"{url}/Users?count=0", headers={"Host": "localhost:8080"})
    token = "sandbox-token-0123456789"
    with serving(application(None, token)) as url:
        named = httpx.get(f"{url}/Users?count=0", headers={"Host": "idp.example:8443",
                                                            "Authorization": f"Bearer {token}"})
    assert (named.status_code, named.headers["Location"]) == (200, "http://idp.example:8443/scim/v2/Users")
    assert (literal.status_code, literal.headers["Location"]) == (
        200, "http://[fe80::1%25eth0]:8080/scim/v2/Users")
    assert (local.status_code, local.headers["Location"]) == (200, "http://localhost:8080/scim/v2/Users")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:18501", "127.0.0.1.nip.example"])
def test_a_sandbox_asking_no_token_answers_no_other_name_than_localhost(host: str) -> None:
    """F27-14: any name was served: a web page whose name was rebound to 127.0.0.1 could read whatever
    `sandbox serve --data` served (a capture may be real people's), with no token asked for."""
    with serving(application()) as url:
        refused = httpx.get(f"{url}/Users?count=0", headers={"Host": host})
    assert (refused.status_code, refused.json()["detail"]) == (
        400, "the request's Host header is a name other than localhost: served with no token, the sandbox "
             "answers to its address or localhost only")


def test_sandbox_serve_answers_control_characters_in_a_path_with_no_traceback() -> None:
    """F26-7 as found: `sandbox serve` printed "Exception in ASGI application" and h11's traceback."""
    process = subprocess.Popen([sys.executable, "-m", "postisupport", "sandbox", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        statuses = [httpx.get(f"{url}/{path}").status_code for path in ("%00", "%0a", "%0d", "Users%00")]
        statuses.append(httpx.get(f"{url}/Users", headers={"Host": b"h\xff"}).status_code)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
    assert process.stderr is not None
    assert (statuses, process.returncode, process.stderr.read()) == ([404, 404, 404, 404, 400], 0, (
        f"serving the SCIM sandbox at {url}; Ctrl-C stops it\nsandbox stopped\n"))


# -- F26-8: a malformed HTTP answer is the API's answer (exit 5), said for people ----------------------------

MALFORMED = "postisupport: error: the identity API answered GET /Users with a malformed HTTP response"
# 5,000 headers, 280 KB: httpcore reads 64 KB at a time, so h11 holds them unfinished past its 100 KB limit.
MANY_HEADERS = b"".join(b"X-Header-%04d: %s\r\n" % (i, b"v" * 40) for i in range(5000))


@pytest.mark.parametrize(("answer", "said"), [
    (answered(b"HTTP/1.1 200 OK\r\nX-Bad: \x00\x01\r\n"),
     f"{MALFORMED} (a header holding control characters)"),
    (answered(b"HTTP/1.1 200 OK\r\n" + MANY_HEADERS),
     f"{MALFORMED} (headers too large to read)"),
    (answered(b"HTTP/1.1 200 OK\r\nX Bad: a\r\n"),
     f"{MALFORMED} (a header line that is not a name and a value)"),
    (answered(b"HTTP/1.1 abc OK\r\n"),
     f"{MALFORMED} (a status line that is not HTTP's)"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{}",
     f"{MALFORMED} (a Content-Length that is not a length)"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
     f"{MALFORMED} (a chunked body that is malformed)"),
    (answered(b"HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Encoding: br\r\n",
              b"\x1b\xff\xfe\x00garbage"),
     "postisupport: error: the identity API answered GET /Users with a body that can't be decompressed (br)"),
    (b"HTTP/1.1 304 Not Modified\r\n\r\n",
     "postisupport: error: the identity API answered HTTP 304 (not modified) to GET /Users, which was not a "
     "conditional request"),
])
def test_a_malformed_http_answer_is_the_apis_unusable_answer_in_words(
    run, answer: bytes, said: str,
) -> None:
    """F26-8: "cannot reach the identity API at ...: illegal header line: bytearray(b'X-Bad: \\x00\\x01')",
    exit 4, though the API had answered; br was read as text, a 304 called a redirect."""
    with raw_serving(answer) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (ExitStatus.API_ERROR, "", f"{said}\n")


@pytest.mark.parametrize("answer", [b"", LIST])
def test_a_connection_closed_before_any_http_answer_is_out_of_reach_in_words(run, answer: bytes) -> None:
    """F26-8's ambiguous case: httpcore says "Server disconnected without sending a response." alike for a
    connection closed with nothing sent (a dropped connection, the usual case: bulk tries it again and
    stops on a streak of them) and for a body with no status line (HTTP/0.9): it stays exit 4."""
    with raw_serving(answer) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.UNREACHABLE, "", f"postisupport: error: cannot reach the identity API at {url}: it closed "
        "the connection before any HTTP answer came\n")


def test_bulk_rows_a_malformed_answer_failed_are_api_errors_not_an_outage(run, tmp_path: Path) -> None:
    """F26-8 in bulk: unreachable rows stopped the run as an outage, to be resumed, though the API answered
    every request (and would answer them so again)."""
    source = tmp_path / "rows.csv"
    source.write_text("email\nESIM0042\nESIM0105\n", encoding="utf-8")
    with raw_serving(answered(b"HTTP/1.1 200 OK\r\nX-Bad: \x00\x01\r\n")) as url:
        done = run("--api", url, "--no-audit", "bulk", str(source), "-o", "-", "-q")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    said = ("the identity API answered GET /Users with a malformed HTTP response (a header holding control "
            "characters)")
    assert (done.exit_code, [(r["row"], r["error"]) for r in rows]) == (ExitStatus.ROWS_FAILED, [
        (number, {"kind": "api-error", "exit_code": 5, "message": said}) for number in (1, 2)])


def test_a_malformed_answer_of_the_token_endpoint_is_its_unusable_answer_in_words(run, env) -> None:
    """F26-8 at the OAuth2 token endpoint: the same h11 text and repr, "cannot reach", exit 4."""
    from postisupport.config import secrets

    api = "https://idp.example.com/scim/v2"
    with raw_serving(answered(b"HTTP/1.1 200 OK\r\nX-Bad: \x00\x01\r\n")) as token_url:
        config = env.config_dir / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'default_profile = "sso"\n[profiles.sso]\napi_url = "{api}"\nauth = "oauth2"\n'
                          f'token_url = "{token_url}"\nclient_id = "support-desk"\n', encoding="utf-8")
        secrets.put("sso", "client_secret", "example-client-secret-0123456789", api, token_url)
        result = run("diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.API_ERROR, "", "postisupport: error: the OAuth2 token endpoint answered the token request "
        "with a malformed HTTP response (a header holding control characters)\n")
