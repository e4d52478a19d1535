"""Attack pass 27: our credentials echoed in forms the folded search missed, each as the behaviour
it broke."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from postisupport.core.text import redacted
from postisupport.sandbox.app import application
from tests.servers import answer_of, send_answer, serving

TOKEN = "tok12345678abcdef"


class Echoing:
    """The sandbox, with Aino's name as the bearer token it was sent (`shown` makes it over), and the
    answer encoded as `encoding` (JSON may be UTF-8, -16 or -32: RFC 8259 section 8.1 before it)."""

    def __init__(self, encoding: str = "utf-8", shown: Any = str) -> None:
        self.app, self.encoding, self.shown = application(), encoding, shown

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/Users"):
            return await self.app(scope, receive, send)
        token = dict(scope["headers"]).get(b"authorization", b"").decode().removeprefix("Bearer ")
        start, content = await answer_of(self.app, scope, receive)
        body = json.loads(content)
        for user in body.get("Resources", []):
            user["displayName"] = f"Aino {self.shown(token)}"
        await send_answer(send, start, json.dumps(body).encode(self.encoding))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32-le"])
def test_a_utf16_answer_echoing_the_token_is_cut_as_a_utf8_one_is(run, environ: dict[str, str],
                                                                   encoding: str) -> None:
    """F27-1: the check whether an answer holds our token read it as UTF-8, a NUL between each character
    of a UTF-16 one, while the body was read as UTF-16: the token was in --json and on the screen."""
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    with serving(Echoing(encoding)) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (result.exit_code, result.json()["user"]["displayName"], TOKEN in result.stdout) == (
        0, "Aino [redacted]", False)


def test_a_token_the_api_writes_with_json_escapes_is_cut_from_what_is_shown(
        run, environ: dict[str, str]) -> None:
    """F27-2: "\\/" on some of its slashes, "\\t" between its characters: in the raw answer no form matched,
    so the strings read from it were not scrubbed, and --json showed the token."""
    token = "abc/def/ghi/jkl/mno/pqr"
    environ["POSTISUPPORT_TOKEN"] = token
    with serving(Echoing(shown=lambda t: "\t".join(t[i:i + 4] for i in range(0, len(t), 4)))) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (result.exit_code, result.json()["user"]["displayName"]) == (0, "Aino [redacted]")
    assert redacted('{"n": "abc\\/def/ghi\\/jkl/mno\\/pqr"}', [token]) == '{"n": "[redacted]"}'


SECRET = "abcdefghijklmnopqrstuvwx"


@pytest.mark.parametrize("between", ["  ", "\r\n ", "\n    ", "\u00a0", "\u2028", "\u2029", "\r", "\x00",
                                     "\u034f", "\u2061", "\u180e", "\ufe0f", "\u3000", "\\r", "\\t"])
def test_a_secret_broken_by_any_run_of_breaks_or_invisible_characters_is_cut(between: str) -> None:
    """F27-3: two breaks in a row (a header folded as CRLF and a blank, a wrapped line indented, two
    blanks), a no-break space, a line separator, a lone CR, NUL, or an invisible character left it whole."""
    broken = between.join(SECRET[i:i + 4] for i in range(0, len(SECRET), 4))
    assert redacted(f"said <{broken}> twice", [SECRET]) == "said <[redacted]> twice"


def test_a_secret_written_with_html_entities_is_cut() -> None:
    """F27-4: a gateway's HTML error page writes & as &amp;: only numeric character references were read."""
    token = "a&b&c&d&e&f&g&h&i&j"
    page = f"<p>upstream refused Authorization: Bearer {html.escape(token)}</p>"
    assert redacted(page, [token]) == "<p>upstream refused Authorization: Bearer [redacted]</p>"
    assert redacted("x &#x61&#98cdefgh y", ["abcdefgh"]) == "x [redacted] y"  # HTML allows the ; left out


def test_what_is_left_of_an_encoded_secret_echoed_cut_short_is_cut() -> None:
    """F27-5: more than half of the token, percent-encoded, broken by blanks or in hex, then cut: only a
    run in clear was looked for."""
    token = "a+b/c=d+e/f=g+h/i=j+k/l=m+n/o=p"
    quoted = quote(token, safe="")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abcdefghijklmnopqrstuvwx"
    assert [redacted(text, [secret]) for text, secret in (
        (f"token {quoted[:int(len(quoted) * .6)]} is invalid", token),
        (" ".join(jwt[i:i + 4] for i in range(0, 40, 4)), jwt),
        (f"hex {jwt.encode().hex()[:75]} end", jwt),
    )] == ["token [redacted] is invalid", "[redacted]", "hex [redacted] end"]


def test_a_text_echoing_a_secret_many_times_is_cut_at_each() -> None:
    """F27-6: each cut rebuilt the whole text: 180,000 echoes in a 3 MB answer took 9 minutes."""
    token = "Zq7xK2mP9wR4tY6u"
    assert redacted(f"{token} " * 50_000, [token]) == "[redacted] " * 50_000


@pytest.mark.parametrize("written", [
    "a%u0062cdefghijklmnop", "a\\x62c\\x64efghijklmnop", "a\\u{62}cdefghijklmnop",
    "a\\U00000062cdefghijklmnop", "a%25252562cdefghijklmnop"])
def test_a_character_encoded_as_other_languages_and_servers_write_it_is_read(written: str) -> None:
    """F27-7: IIS's %uXXXX, \\xHH among plain characters, \\u{H}, \\UHHHHHHHH and %XX percent-encoded three
    times left the secret in clear."""
    assert redacted(f"x {written} y", ["abcdefghijklmnop"]) == "x [redacted] y"


def test_text_that_merely_looks_encoded_is_left_as_it_is() -> None:
    """What the fold reads is for finding the secret only: text around it, and text without it, stay."""
    text = "C:\\new\\table %41 &amp; &#65; \\u0041 \u00a0 " + base64.b64encode(b"other").decode()
    assert redacted(text, [SECRET]) == text


def test_a_trace_of_a_malformed_answer_keeps_no_token_its_bytes_hold(run, environ: dict[str, str],
                                                                     tmp_path: Path) -> None:
    """F27-8: the trace's error is h11's, with the header's bytes as a Python repr: a token broken by NUL
    (\\x00 in the repr) was readable there."""
    from tests.servers import raw_serving
    from tests.test_attacked_twenty_sixth_b import answered

    environ["POSTISUPPORT_TOKEN"] = SECRET
    broken = b"\x00".join(SECRET[i:i + 4].encode() for i in range(0, len(SECRET), 4))
    trace = tmp_path / "trace.jsonl"
    with raw_serving(answered(b"HTTP/1.1 200 OK\r\nX-Echo: " + broken + b"\r\n")) as url:
        result = run("--api", url, "--trace", str(trace), "diagnose", "ESIM0042", "--no-audit")
    errors = [json.loads(line).get("error") for line in trace.read_text().splitlines()]
    assert (result.exit_code, errors) == (5, ["RemoteProtocolError: illegal header line: "
                                              "bytearray(b'X-Echo: [redacted]')"])


def test_an_all_digit_token_echoed_as_a_number_is_cut(run, environ: dict[str, str]) -> None:
    """F27-9: only strings were scrubbed: a token of digits sent back as a JSON number was quoted by the
    data problem about it, on the screen and in --json."""
    token = "123456789012345678"
    environ["POSTISUPPORT_TOKEN"] = token

    class Numbering(Echoing):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http" or not scope["path"].endswith("/Users"):
                return await self.app(scope, receive, send)
            start, content = await answer_of(self.app, scope, receive)
            body = json.loads(content)
            for user in body.get("Resources", []):
                user["active"] = int(token)
            await send_answer(send, start, json.dumps(body).encode())

    with serving(Numbering()) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (result.exit_code, token in result.stdout, result.json()["data_problems"]) == (
        0, False, ["user u-1002: active: '[redacted]' ignored (not a boolean (true or false))",
                   "administrator maija.virtanen@esimerkki.example.fi: active: '[redacted]' ignored (not a "
                   "boolean (true or false))"])


def test_a_replay_of_a_pseudonymised_capture_says_what_could_not_be_read(run, tmp_path: Path) -> None:
    """F27-10: "can't be read (see data problems)", and no data problem: the file says which attributes
    were left out (capture.left_out), without their values, and the replay now says so."""
    from tests.test_attacked_fourth import Altering
    from tests.test_capture_data_problems import broken

    ticket = tmp_path / "ticket.json"
    with serving(Altering("Users", broken)) as url:
        made = run("--api", url, "capture", "ESIM0042", "-o", str(ticket), "--no-audit", "--pseudonymise")
    assert made.exit_code == 0, made.stderr
    left = json.loads(ticket.read_text())["capture"]["left_out"]
    replayed = run("replay", str(ticket), "--json")
    assert (replayed.exit_code, replayed.stderr, replayed.json()["data_problems"]) == (0, "", [
        f"user {left[0]['id']}: active, displayName, emails, preferredLanguage, roles could not be read as "
        "sent, and are not in this capture"])


def test_replay_reads_no_profile_nor_timeout_from_the_environment(run, environ: dict[str, str], env,
                                                                  tmp_path: Path) -> None:
    """F27-12: a shell's POSTISUPPORT_PROFILE (a profile the config file has) refused every replay: "no
    profile named 'work'"; so did a POSTISUPPORT_TIMEOUT replay has no use for."""
    ticket = tmp_path / "ticket.json"
    assert run("--sandbox", "capture", "ESIM0042", "-o", str(ticket), "--no-audit").exit_code == 0
    config = env.config_dir / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('default_profile = "work"\n[profiles.work]\napi_url = "https://idp.example.com/scim/v2"\n',
                      encoding="utf-8")
    environ.update(POSTISUPPORT_PROFILE="work", POSTISUPPORT_TIMEOUT="abc")
    replayed = run("replay", str(ticket))
    assert (replayed.exit_code, replayed.stderr) == (0, "")


def test_a_replay_difference_is_one_line_of_bounded_length(run, tmp_path: Path) -> None:
    """F27-15: a record edited to hold 200,000 data problems gave a 20 MB line on stderr."""
    ticket = tmp_path / "ticket.json"
    assert run("--sandbox", "capture", "ESIM0042", "-o", str(ticket), "--no-audit").exit_code == 0
    document = json.loads(ticket.read_text())
    document["capture"]["diagnosis"]["data_problems"] = ["x" * 100] * 20_000
    ticket.write_text(json.dumps(document))
    replayed = run("replay", str(ticket))
    lines = replayed.stderr.splitlines()
    start = 'postisupport: replay differs in data_problems: captured ["xxx'
    assert (replayed.exit_code, len(lines), lines[0][:len(start)]) == (7, 1, start)
    assert len(lines[0]) == len("postisupport: replay differs in data_problems: captured , now []") + 2000
