"""Secrets a server says back in another form (percent-encoded, base64) are cut out of every output."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.core.text import MIN_SECRET, redacted
from tests.servers import serving

# Characters that change under every encoding: "/" and "+" (quoting, and base64 alphabets), " " and "?".
TOKEN = "c4nary/bearer+T0KEN?x y>>~"


def encoded_forms(secret: str) -> list[str]:
    raw = secret.encode()
    std, url = base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()
    return [quote(secret), quote(secret, safe=""), quote_plus(secret), quote(secret, safe="").replace(
        "%2F", "%2f"), std, std.rstrip("="), url, url.rstrip("=")]


def test_the_forms_are_all_different() -> None:
    forms = encoded_forms(TOKEN)
    assert len(set(forms)) == len(forms) == 8
    assert all(TOKEN not in form for form in forms)


def test_redacted_cuts_every_encoded_form() -> None:
    text = " | ".join(["as is " + TOKEN, *encoded_forms(TOKEN)])
    assert redacted(text, [TOKEN]) == " | ".join(["as is [redacted]"] + ["[redacted]"] * 8)


def test_a_secret_cut_short_at_the_end_of_shortened_text_is_cut_out_too() -> None:
    from postisupport.core.text import shortened

    assert redacted(shortened("bad: " + TOKEN, 12), [TOKEN]) == "bad: [redacted]..."
    assert redacted(shortened("bad: " + quote_plus(TOKEN), 15), [TOKEN]) == "bad: [redacted]..."
    assert redacted(shortened("bad: " + TOKEN, 8), [TOKEN]) == "bad: ..."  # "c4n": too little to tell
    assert redacted("so it goes...", [TOKEN]) == "so it goes..."


def test_a_secret_under_min_secret_characters_is_not_cut_out_of_text() -> None:
    assert MIN_SECRET == 8
    assert redacted("the token t: test text", ["t"]) == "the token t: test text"
    assert redacted("short 1234567, long 12345678", ["1234567", "12345678"]) == (
        "short 1234567, long [redacted]")


class EncodedEcho:
    """An identity API that says back the bearer token it was sent, in every encoding but the plain one:
    in a 500's SCIM detail and in a response header."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        token = dict(scope["headers"]).get(b"authorization", b"").decode().removeprefix("Bearer ")
        forms = encoded_forms(token)
        # Under the 200 characters a detail is cut to, but for the one that is all of them.
        every = "all" in scope["query_string"].decode()
        detail = "not for any of " + " ".join(forms) if every else "not for " + " ".join(
            forms[i] for i in (2, 3, 4, 7))
        body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "500",
                           "detail": detail})
        await send({"type": "http.response.start", "status": 500,
                    "headers": [(b"content-type", b"application/scim+json"),
                                (b"x-echo", " ".join(forms).encode())]})
        await send({"type": "http.response.body", "body": body.encode()})


@pytest.fixture
def echo(environ: dict[str, str]) -> Any:
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    with serving(EncodedEcho()) as url:
        yield url


def assert_clean(text: str) -> None:
    for form in [TOKEN, *encoded_forms(TOKEN)]:
        assert form not in text, form


def test_an_encoded_echo_is_redacted_on_stderr_and_in_the_trace(run, echo: str, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    result = run("--api", echo, "--trace", str(trace), "diagnose", "ESIM0042")
    assert (result.exit_code, result.stdout) == (ExitStatus.API_ERROR, "")
    assert result.stderr == ("postisupport: error: the identity API answered HTTP 500 to GET /Users: not for "
                             "[redacted] [redacted] [redacted] [redacted]\n")
    text = trace.read_text()
    assert_clean(text)
    record = json.loads(text.splitlines()[0])
    assert record["response"]["headers"]["x-echo"] == " ".join(["[redacted]"] * 8)


def test_an_encoded_echo_is_redacted_in_bulk_rows(run, echo: str, tmp_path: Path) -> None:
    source = tmp_path / "who.txt"
    source.write_text("ESIM0042\nESIM0043\n")
    result = run("--api", echo, "bulk", str(source), "-q", "--no-audit")
    assert result.exit_code == ExitStatus.ROWS_FAILED
    errors = [json.loads(line)["error"] for line in result.stdout.splitlines()]
    assert errors == [{"kind": "api-error", "exit_code": 5, "message": (
        "the identity API answered HTTP 500 to GET /Users: not for [redacted] [redacted] [redacted] "
        "[redacted]")}] * 2
    assert_clean(result.stdout + result.stderr)


def test_an_echo_cut_short_in_a_message_leaves_no_part_of_the_token(run, echo: str) -> None:
    result = run("--api", echo, "diagnose", "all.forms@example.com")
    # The fifth form is cut short at 200 characters: what is left of it goes too.
    assert result.stderr == ("postisupport: error: the identity API answered HTTP 500 to GET /Users: not for "
                             "any of " + " ".join(["[redacted]"] * 4) + " [redacted]...\n")
    assert_clean(result.stderr)
