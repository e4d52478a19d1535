"""Attack pass 26, second part: the served sandbox against hostile requests (F26-7)."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from postisupport.sandbox.app import application
from tests.servers import serving

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


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
    """What the Host check lets through: a name or an address with its port, as before."""
    with serving(application()) as url:
        named = httpx.get(f"{url}/Users?count=0", headers={"Host": "idp.example:8443"})
        literal = httpx.get(f"{url}/Users?count=0", headers={"Host": "[fe80::1%25eth0]:8080"})
    assert (named.status_code, named.headers["Location"]) == (200, "http://idp.example:8443/scim/v2/Users")
    assert (literal.status_code, literal.headers["Location"]) == (
        200, "http://[fe80::1%25eth0]:8080/scim/v2/Users")


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
