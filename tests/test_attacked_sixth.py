"""Issue 12, as a sixth attacker's pass found the tree: membership told from incomplete answers, resources
sent twice, secrets echoed JSON-escaped or compressed, and small faults of options and keyrings."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from postisupport.sandbox.app import application
from tests.servers import answer_of, send_answer, serving

Query = dict[str, list[str]]
# (path, query) -> the query to ask the sandbox instead (or None: as asked)
Ask = Callable[[str, Query], Query | None]
# (path, query, body) -> None: changes the sandbox's JSON answer in place
Change = Callable[[str, Query, Any], None]


class Mutating:
    """The demo sandbox, asked what `ask` makes of each query, its JSON answers changed by `change`."""

    def __init__(self, change: Change, ask: Ask = lambda path, query: None, app: Any = None) -> None:
        self.app, self.change, self.ask = app or application(), change, ask

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        query = parse_qs(scope["query_string"].decode(), keep_blank_values=True)
        asked = self.ask(scope["path"], query)
        if asked is not None:
            scope = {**scope, "query_string": urlencode(asked, doseq=True).encode()}
        start, content = await answer_of(self.app, scope, receive)
        body = json.loads(content)
        self.change(scope["path"], query, body)
        await send_answer(send, start, json.dumps(body).encode())


def resources(body: Any) -> list[dict[str, Any]]:
    return body.get("Resources", []) if isinstance(body, dict) else []


def ignoring_membership(path: str, query: Query) -> Query | None:
    """A server that ignores the membership filters: every group, and every administrator."""
    scim_filter = query.get("filter", [""])[0]
    if path.endswith("/Groups") and "members.value" in scim_filter:
        return {k: v for k, v in query.items() if k != "filter"}
    if path.endswith("/Users") and "groups.value" in scim_filter:
        return {**query, "filter": ['roles.value eq "admin"']}
    return None


def no_user_groups(path: str, query: Query, body: Any) -> None:
    for resource in resources(body):
        resource.pop("groups", None)


ORGANISATION = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"
LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
STRANGER = {"schemas": [GROUP], "displayName": "Vieras Yhtiö Oy", ORGANISATION: {
    "businessId": "1111112-8", "services": [{"value": "invoicing", "display": "E-invoicing"}]}}


def verified_json(run, url: str, identifier: str, *more: str) -> dict[str, Any]:
    result = run("--api", url, "diagnose", identifier, "--verified", "--json", "--no-audit", *more)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.json()  # type: ignore[no-any-return]


def organisations_and_admins(doc: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(o["name"], [a["email"] for a in o["admins"]]) for o in doc["organisations"]]


def test_an_organisation_sent_without_an_id_is_never_taken_for_the_callers(run) -> None:
    """H1: a server that ignores the groups' id filter, with an organisation that has no id: it became
    the caller's deciding organisation."""
    def change(path: str, query: Query, body: Any) -> None:
        if path.endswith("/Groups"):
            body["Resources"] = [STRANGER, *resources(body)]
            body["totalResults"] = len(body["Resources"])

    with serving(Mutating(change, lambda path, query: {k: v for k, v in query.items() if k != "filter"}
                          if path.endswith("/Groups") else None)) as url:
        doc = verified_json(run, url, "karin.holm@exempel.example.fi")
    assert (organisations_and_admins(doc), doc["data_problems"]) == ([("Exempel Ab", [])], [
        "group ?: id: missing",
        "the API returned 4 organisation(s) not among the user's groups, left out: 'Vieras Yhtiö Oy', "
        "'Esimerkki Oy', 'Lukko Oy', 'Sample Trading Ltd'"])


EMPTY = {"schemas": [GROUP], "id": "g-empty", "displayName": "Tyhjä Oy",
         ORGANISATION: {"businessId": "1111112-8", "services": []}}


def test_an_organisation_sent_without_members_has_none_and_no_administrator_of_anyone(run) -> None:
    """H2: no User.groups, membership filters ignored, and an organisation with no members (sent without
    the attribute, as RFC 7643 has it): it was taken for the caller's, with every administrator of the
    directory; Karin was read out another organisation's administrator."""
    def change(path: str, query: Query, body: Any) -> None:
        no_user_groups(path, query, body)
        if path.endswith("/Groups"):
            body["Resources"] = [EMPTY, *resources(body)]
            body["totalResults"] = len(body["Resources"])

    with serving(Mutating(change, ignoring_membership)) as url:
        karin = verified_json(run, url, "karin.holm@exempel.example.fi")
        by_id = verified_json(run, url, "1111112-8")
    assert (karin["outcome"], organisations_and_admins(karin)) == (
        "contact-customer-service", [("Exempel Ab", [])])
    assert karin["data_problems"] == [
        "the API returned 4 organisation(s) not among the user's groups, left out: 'Tyhjä Oy', "
        "'Esimerkki Oy', 'Lukko Oy', 'Sample Trading Ltd'"]
    assert organisations_and_admins(by_id) == [("Tyhjä Oy", [])]


def test_members_written_in_another_case_are_read(run) -> None:
    """H3: `{"Value": ...}` (attribute names are case-insensitive, RFC 7643 section 2.1) was never read:
    against a server that fills no User.groups, the caller had no organisation, and doctor passed."""
    def change(path: str, query: Query, body: Any) -> None:
        no_user_groups(path, query, body)
        for resource in resources(body):
            if "members" in resource:
                resource["members"] = [{"Value": m["value"]} for m in resource["members"]]

    with serving(Mutating(change)) as url:
        johanna = verified_json(run, url, "johanna.makinen@esimerkki.example.fi")
        by_name = verified_json(run, url, "Johanna Mäkinen", "--org", "2345678-0")
        by_id = verified_json(run, url, "2345678-0")
    esimerkki = [("Esimerkki Oy", ["maija.virtanen@esimerkki.example.fi",
                                   "ville.heikkinen@esimerkki.example.fi"])]
    assert (organisations_and_admins(johanna), johanna["data_problems"]) == (esimerkki, [])
    assert (by_name["user"]["id"], organisations_and_admins(by_name)) == ("u-1004", esimerkki)
    assert organisations_and_admins(by_id) == esimerkki


def twice(path: str, query: Query, body: Any) -> None:
    if isinstance(body, dict) and isinstance(body.get("Resources"), list):
        body["Resources"] = body["Resources"] * 2
        body["totalResults"] = len(body["Resources"])


def test_a_resource_sent_twice_on_a_page_is_one(run) -> None:
    """H4 and M3: one person was "several users match", one administrator two ("several administrators,
    any of whom can help: Maija Virtanen and Maija Virtanen"), one organisation chosen among itself."""
    with serving(Mutating(twice)) as url:
        aino = verified_json(run, url, "ESIM0042")
        johanna = verified_json(run, url, "johanna.makinen@esimerkki.example.fi")
    assert (aino["outcome"], aino["user"]["id"]) == ("change-password", "u-1002")
    assert aino["data_problems"] == ["the API sent 1 of the Users more than once; each is read once",
                                     "the API sent 1 of the Groups more than once; each is read once",
                                     "the API sent 2 of the Users more than once; each is read once"]
    assert (organisations_and_admins(johanna), johanna["organisation_chosen"]) == (
        [("Esimerkki Oy", ["maija.virtanen@esimerkki.example.fi", "ville.heikkinen@esimerkki.example.fi"])],
        None)


SLASHED_TOKEN = "tok/CANARY+abc=def/0123456789"
QUOTED_TOKEN = 'CANARY"quote\\back0123456789'


def echoing(token: str) -> dict[str, bytes]:
    slashed = token.replace("/", "\\/").encode()
    escaped = json.dumps(token)[1:-1].encode()
    return {
        "valid JSON, / escaped": b'{"detail": "token ' + slashed + b' is not valid"}',
        "cut JSON, / escaped": b'{"detail": "token ' + slashed + b' is not valid", "status": "4',
        "JSON and then text": b'{"detail": "token ' + slashed + b' is not valid"}\n<!-- proxy -->',
        "cut JSON, + as \\u002b": b'{"detail": "token ' + token.replace("+", "\\u002b").encode() + b" is n",
        "valid JSON, escaped": b'{"detail": "token ' + escaped + b' is not valid"}',
        "cut JSON, escaped": b'{"detail": "token ' + escaped + b' is not val',
    }


def in_trace(trace_text: str, token: str) -> list[str]:
    """Each form of `token` the trace holds, in its text or in a body as read back from it."""
    forms = {"as sent": token, "/ escaped": token.replace("/", "\\/"),
             "+ escaped": token.replace("+", "\\u002b"), "JSON-escaped": json.dumps(token)[1:-1]}
    bodies = [json.loads(line).get("response", {}).get("body") or "" for line in trace_text.splitlines()]
    return sorted({name for name, form in forms.items() for text in [trace_text, *bodies] if form in text})


@pytest.mark.parametrize("token", [SLASHED_TOKEN, QUOTED_TOKEN])
@pytest.mark.parametrize("case", list(echoing(SLASHED_TOKEN)))
def test_a_token_echoed_json_escaped_is_cut_from_the_trace(run, environ, tmp_path, token: str,
                                                           case: str) -> None:
    """H5 and M4: echoed inside JSON that does not parse, with / as \\/ (PHP) or a \\u escape, or holding
    " and \\ (which the dump of the parsed body escapes), the token went into the trace in clear."""
    from tests.servers import Hostile

    environ["POSTISUPPORT_TOKEN"] = token
    trace = tmp_path / "trace.jsonl"
    with serving(Hostile(400, echoing(token)[case], b"application/scim+json")) as url:
        result = run("--api", url, "--trace", str(trace), "diagnose", "ESIM0042", "--no-audit")
    assert result.exit_code == 5 and token not in result.stderr
    assert in_trace(trace.read_text(), token) == []


class Compressing:
    """The sandbox, each answer gzip-compressed, as most servers send it when asked (httpx asks)."""

    def __init__(self) -> None:
        self.app = application()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        import gzip

        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, content = await answer_of(self.app, scope, receive)
        await send_answer(send, start, gzip.compress(content), (b"content-encoding", b"gzip"))


def test_a_compressed_answer_is_traced_as_the_json_it_holds(run, tmp_path) -> None:
    """M1: the trace is taken below httpx's decoding: every body of a server that compresses was
    mojibake, useless for reproducing a ticket."""
    trace = tmp_path / "trace.jsonl"
    with serving(Compressing()) as url:
        result = run("--api", url, "--trace", str(trace), "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (result.exit_code, result.json()["outcome"]) == (0, "change-password")
    first = json.loads(trace.read_text().splitlines()[0])["response"]
    assert (first["encoding"], first["truncated"], json.loads(first["body"])["Resources"][0]["id"]) == (
        "gzip", False, "u-1002")


def test_a_redirect_is_traced_with_the_location_the_server_sent(run, tmp_path) -> None:
    """L4: the trace showed the client's own x-postisupport-location, not the server's Location."""
    from tests.servers import Hostile

    class Redirecting(Hostile):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                await send({"type": "http.response.start", "status": 302,
                            "headers": [(b"location", b"https://elsewhere.example.net/scim/v2/Users")]})
                await send({"type": "http.response.body", "body": b""})

    trace = tmp_path / "trace.jsonl"
    with serving(Redirecting(302, b"", b"text/plain")) as url:
        result = run("--api", url, "--trace", str(trace), "diagnose", "ESIM0042", "--no-audit")
    assert result.exit_code == 5
    headers = json.loads(trace.read_text().splitlines()[0])["response"]["headers"]
    assert {k: v for k, v in headers.items() if "location" in k.lower()} == {
        "location": "https://elsewhere.example.net/scim/v2/Users"}


@pytest.mark.parametrize("variable", ["POSTISUPPORT_TOKEN", "POSTISUPPORT_SANDBOX_TOKEN"])
def test_a_secret_under_eight_characters_is_refused_from_anywhere(run, environ, variable: str) -> None:
    """M5: `auth login` refused it, the environment did not, and a short secret is never redacted."""
    environ[variable] = "Zq7xK2p"
    result = run("--api", "http://127.0.0.1:9/scim/v2", "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stdout) == (2, "")
    said = f"postisupport: error: {variable}: only 7 character(s); a real one has at least 8"
    assert result.stderr.startswith(said) and "Zq7xK2p" not in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_timeout_of_zero_is_refused_before_or_after_the_command(run, where: str) -> None:
    """L1: after the command, 0 was taken for "not given" (0.0 == False) and the default used."""
    args = ["--sandbox", "--timeout", "0", "diagnose", "ESIM0042"] if where == "before" else \
        ["--sandbox", "diagnose", "ESIM0042", "--timeout", "0"]
    result = run(*args, "--no-audit")
    assert (result.exit_code, result.stderr) == (
        2, "postisupport: error: --timeout: '0.0' is under the shortest timeout, 0.1 s\n")


def test_a_rate_of_infinity_is_refused(run, tmp_path) -> None:
    """M2: --rate inf passed the range check and the run waited for ever, its "to finish" command too."""
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\n")
    result = run("--sandbox", "bulk", str(source), "--rate", "inf", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "postisupport: error: Invalid value for '--rate': inf is not a finite number of requests per "
        "second (see 'postisupport bulk --help')\n")


def test_a_keyring_backend_that_hands_back_no_text_holds_no_secret(run, environ, loopback_sandbox,
                                                                   tmp_path) -> None:
    """L3: a backend returning a dict made every command an internal error (exit 1), and logout said it
    removed what was never there."""
    import keyring
    from keyring.backend import KeyringBackend

    class Odd(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> Any:
            return {"secret": "not text"}

        def set_password(self, service: str, username: str, password: str) -> None:
            pass

        def delete_password(self, service: str, username: str) -> None:
            pass

    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.p]\napi_url = "{loopback_sandbox}"\n', encoding="utf-8")
    environ["POSTISUPPORT_CONFIG"] = str(config)
    previous = keyring.get_keyring()
    keyring.set_keyring(Odd())
    try:
        status = run("auth", "status", "--profile", "p")
        logout = run("auth", "logout", "--profile", "p")
        environ["POSTISUPPORT_TOKEN"] = "sandbox-token-0123"
        diagnosed = run("--profile", "p", "diagnose", "ESIM0042", "--json", "--no-audit")
    finally:
        keyring.set_keyring(previous)
    codes = (status.exit_code, logout.exit_code, diagnosed.exit_code)
    assert codes == (0, 0, 0), (status.stderr, logout.stderr)
    assert "removed" not in logout.stderr + logout.stdout


def test_doctor_takes_a_404_everywhere_for_no_refusal_of_anything(run) -> None:
    """L6: every check said the server could not answer, but refusals said it refused attributes= and
    roles pr."""
    from tests.servers import Hostile

    with serving(Hostile(404, b"", b"text/plain")) as url:
        result = run("--api", url, "doctor", "--json")
    assert result.exit_code == 8
    refusals = next(c for c in json.loads(result.stdout) if c["id"] == "refusals")
    assert refusals == {"id": "refusals", "status": "warn", "detail": "the server could not answer: the "
                        "identity API answered HTTP 404 to GET /Users", "consequence": None}


def test_input_columns_named_as_output_columns_are_named_apart(run, tmp_path) -> None:
    """L2: an input with columns "row", "outcome" and "error" gave an output with two of each."""
    import csv

    source = tmp_path / "in.csv"
    source.write_text("email,row,outcome,Error,input_error\nESIM0042,7,done,none,x\n")
    out = tmp_path / "out.csv"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit", "--no-excel")
    assert (result.exit_code, result.stderr) == (0, "")
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][13:] == ["input_row", "input_outcome", "input_Error", "input_input_error"]
    assert (rows[1][0], rows[1][3], rows[1][13:]) == ("1", "change-password", ["7", "done", "none", "x"])
    resumed = run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit", "--no-excel",
                  "--resume")
    assert (resumed.exit_code, resumed.stderr) == (0, "")


def test_a_look_up_by_name_is_captured_and_replays(run, loopback_sandbox, tmp_path) -> None:
    """L7: capture had no --org, so the look-up the runbook's verification uses could not go into a ticket."""
    ticket = tmp_path / "ticket.json"
    made = run("--api", loopback_sandbox, "capture", "Aino Korhonen", "--org", "2345678-0", "-o", str(ticket),
               "--no-audit")
    assert (made.exit_code, made.stderr) == (
        0, f"captured change-password (login.reset-pending) in {ticket}\n")
    kept = json.loads(ticket.read_text())
    assert kept["capture"]["arguments"] == {"identifier": "Aino Korhonen", "services": [], "lang": None,
                                            "organisation": "2345678-0"}
    replayed = run("replay", str(ticket))
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    refused = run("--api", loopback_sandbox, "capture", "Aino Korhonen", "--org", "2345678-0", "-o",
                  str(tmp_path / "other.json"), "--pseudonymise", "--no-audit")
    assert (refused.exit_code, refused.stderr, (tmp_path / "other.json").exists()) == (
        2, "postisupport: error: --pseudonymise can't keep a look-up by name: its stand-ins would find no "
        "one; capture it without it, or by the caller's address or legacy ID\n", False)


@pytest.mark.parametrize("sent", ["20210118", "2021", 20210118, 1.5e9, "1611000000"])
def test_a_date_time_sent_as_digits_is_no_moment_and_said_so(sent: object) -> None:
    """Attack pass 7, F7: read as seconds since 1970, "20210118" made a changed password one never changed,
    and the caller was told to change it, with no data problem."""
    from postisupport.idp.reading import user_facts

    user = user_facts({"id": "u-1", "userName": "aino@example.fi", LOGIN: {
        "passwordResetSentAt": "2021-01-17T06:00:00Z", "lastPasswordUpdateTime": sent}})
    assert (user.last_password_update, user.reset_sent_at.isoformat() if user.reset_sent_at else None,
            user.problems) == (None, "2021-01-17T06:00:00+00:00", (
                f"lastPasswordUpdateTime: {sent!r} ignored (not a dateTime (YYYY-MM-DDThh:mm:ss))",))


class WaitFirst:
    """The sandbox, but its first answer to /Users is a 429 asking to wait `seconds`."""

    def __init__(self, seconds: int) -> None:
        self.app, self.seconds, self.asked = application(), seconds, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/Users"):
            self.asked += 1
            if self.asked == 1:
                headers = [(b"retry-after", str(self.seconds).encode()),
                           (b"content-type", b"application/scim+json")]
                await send({"type": "http.response.start", "status": 429, "headers": headers})
                await send({"type": "http.response.body", "body": b'{"detail": "slow down"}'})
                return
        await self.app(scope, receive, send)


def test_a_wait_longer_than_the_budget_fails_that_look_up_and_the_next_one_goes_ahead(tmp_path) -> None:
    """Attack pass 7, F1 and F2: the gate the 429 shut was never opened again, so the shell's next look-up
    (and every later bulk row) waited for ever; and the server, which answered at once, was said to have
    "not answered within 3 s"."""
    from tests.test_shell import shell

    with serving(WaitFirst(5)) as url:
        done = shell("ESIM0042", "ESIM0042", args=("--api", url, "--timeout", "1", "shell", "--no-audit"))
    assert done.returncode == 0
    assert done.stderr.count("postisupport: error:") == 1
    assert ("postisupport: error: the identity API answered HTTP 429 to GET /Users and asked to wait 5 s "
            "(Retry-After), longer than this diagnosis may take: try again later") in done.stderr
    assert done.stdout.count("Do this: Send the caller to posti.fi/changepassword") == 1  # the second one


def test_a_bulk_run_goes_on_past_a_row_whose_wait_is_longer_than_its_budget(run, tmp_path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\nESIM0105\naino.korhonen@esimerkki.example.fi\n")
    out = tmp_path / "out.ndjson"
    with serving(WaitFirst(120)) as url:
        result = run("--api", url, "--timeout", "1", "bulk", str(source), "-o", str(out), "-q", "--no-audit",
                     "--concurrency", "1")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    found = [(r["row"], (r["error"] or {}).get("kind"), r.get("outcome")) for r in rows]
    assert (result.exit_code, found) == (
        6, [(1, "api-error", None), (2, None, "use-login-email"), (3, None, "change-password")])



def test_an_administrator_in_no_organisation_is_never_the_callers(run, tmp_path) -> None:
    """Attack pass 7, F3: a server that fills User.groups but ignores the administrators' groups clause,
    and an administrator in no group: he was named to Aino as her organisation's administrator."""
    from postisupport.sandbox.datafile import demo_data

    data = demo_data()
    data["Users"].append({"id": "u-9001", "userName": "stranger.admin@example.net",
                          "displayName": "Stranger Admin", "active": True, "roles": [{"value": "admin"}],
                          "emails": [{"value": "stranger.admin@example.net", "primary": True}],
                          LOGIN: {"lastLoginTime": "2021-03-01T08:00:00Z"}})
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    def any_admin(path: str, query: Query) -> Query | None:
        if path.endswith("/Users") and 'roles.value eq "admin"' in query.get("filter", [""])[0]:
            return {**query, "filter": ['roles.value eq "admin"']}
        return None

    with serving(Mutating(lambda path, query, body: None, any_admin, application(path))) as url:
        aino = verified_json(run, url, "ESIM0042")
        doctor = run("--api", url, "doctor", "--json")
    assert organisations_and_admins(aino) == [
        ("Esimerkki Oy", ["maija.virtanen@esimerkki.example.fi", "ville.heikkinen@esimerkki.example.fi"])]
    checks = {c["id"]: c["status"] for c in json.loads(doctor.stdout)}
    assert (doctor.exit_code, checks["membership-filters"]) == (8, "fail")


@pytest.mark.parametrize("echoed", [
    lambda t: base64.b64encode(b"Bearer " + t.encode()).decode(),
    lambda t: base64.b64encode(b'{"authorization": "Bearer ' + t.encode() + b'"}').decode(),
    lambda t: base64.urlsafe_b64encode(b"x" + t.encode() + b"\n").decode(),
    lambda t: t.replace("~", "%7E").replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
    lambda t: t.replace("+", "%2b").replace("/", "%2f"),
])
def test_a_secret_echoed_inside_base64_or_percent_encoded_by_another_encoder_is_cut(echoed: Any) -> None:
    """Attack pass 7, F5 and F6: base64 of "Bearer TOKEN" (the token 7 bytes in), Java's URLEncoder (~ as
    %7E), and a partial encoding all left the token in stderr and the trace."""
    from postisupport.core.text import redacted

    token = "AbC~def.ghi_jkl-mno+pq/rs=0123"
    shown = redacted(f"auth context {echoed(token)} rejected", [token])
    assert shown.startswith("auth context ") and shown.endswith(" rejected")
    middle = shown.removeprefix("auth context ").removesuffix(" rejected")
    assert "[redacted]" in middle
    for part in middle.split("[redacted]"):  # what is left around the cut holds no 6 characters of it
        for decoded in (part, *_decodings(part)):
            assert not any(token[i:i + 6] in decoded for i in range(len(token) - 5)), (part, decoded)


def _decodings(text: str) -> list[str]:
    from urllib.parse import unquote

    found = [unquote(text)]
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        with contextlib.suppress(ValueError):
            found.append(decode(text + "=" * (-len(text) % 4)).decode("utf-8", "replace"))
    return found


class LowerCase:
    """The sandbox, every attribute name in its answers written in lower case (RFC 7643 section 2.1
    makes them case-insensitive); `spc` replaces the ServiceProviderConfig."""

    def __init__(self, spc: dict[str, Any] | None = None) -> None:
        self.app, self.spc = application(), spc

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, content = await answer_of(self.app, scope, receive)
        body = json.loads(content)

        def lower(node: Any) -> Any:
            if isinstance(node, dict):
                return {str(k).lower(): lower(v) for k, v in node.items()}
            return [lower(v) for v in node] if isinstance(node, list) else node

        replaced = self.spc is not None and scope["path"].endswith("/ServiceProviderConfig")
        body = self.spc if replaced else lower(body)
        await send_answer(send, start, json.dumps(body).encode())


def test_doctor_reads_attribute_names_in_any_case(run) -> None:
    """Attack pass 7, F9: five untrue warnings against a server that writes names in lower case, which
    diagnoses read well."""
    with serving(LowerCase()) as url:
        result = run("--api", url, "doctor", "--json")
    not_passed = [c["id"] for c in json.loads(result.stdout) if c["status"] != "pass"]
    assert (result.exit_code, not_passed) == (0, [])


def test_doctor_takes_only_true_for_a_claim_of_support(run) -> None:
    """Attack pass 7, F10: "supported": "false" (a string) was read as yes."""
    spc = {"filter": {"supported": "false"}, "patch": {"supported": True}, "bulk": {"supported": 1},
           "etag": {}, "sort": {"supported": False}}
    with serving(LowerCase(spc)) as url:
        result = run("--api", url, "doctor", "--json")
    first = json.loads(result.stdout)[0]
    assert first == {"id": "service-provider-config", "status": "warn", "detail": (
        "says it does not support filters (filter no, patch yes, bulk no, etag no, sort no)"),
        "consequence": None}


@pytest.mark.parametrize(("sent", "kept"), [
    ("Eva-Lindgren", None), ("Bo-Lindqvist", None), ("Bo-Lind", "bo"), ("sv-FI", "sv-FI"), ("fi_FI", "fi-FI"),
    ("fi", "fi"), ("sr-Latn-RS", "sr"), ("sme", None)])
def test_a_pseudonymised_language_keeps_only_the_language_and_its_region(sent: str,
                                                                          kept: str | None) -> None:
    """Attack pass 7, F8: "Eva-Lindgren" passes for a language tag (a language and a variant), and a
    pseudonymised capture kept the name in clear."""
    from postisupport.sources.scim.pseudonym import Pseudonyms

    user = Pseudonyms(b"k" * 32).user({"id": "u-1", "userName": "eva@example.fi", "preferredLanguage": sent})
    assert user.get("preferredLanguage") == kept


def test_json_nested_too_deeply_is_said_so_not_called_not_json(run) -> None:
    """Attack pass 8, A8-02: valid JSON 100,000 levels deep was "something that is not JSON"."""
    from tests.servers import Hostile

    body = b'{"a": ' * 100_000 + b"1" + b"}" * 100_000
    with serving(Hostile(200, body, b"application/scim+json")) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (
        5, "postisupport: error: the identity API answered GET /Users with JSON nested too deeply to read; "
        "refused\n")


def test_a_negative_total_is_noted_and_read_as_the_number_sent(run) -> None:
    """Attack pass 8, A8-03: totalResults -5 was taken silently."""
    def negative(path: str, query: Query, body: Any) -> None:
        looked_up = query.get("filter", [""])[0].startswith("userName")
        if isinstance(body, dict) and "totalResults" in body and looked_up:
            body["totalResults"] = -5

    with serving(Mutating(negative)) as url:
        doc = verified_json(run, url, "ESIM0042")
    assert (doc["outcome"], doc["data_problems"]) == (
        "change-password", ["the API said totalResults -5 for Users: read as the number sent"])


@pytest.mark.parametrize(("identifier", "breaks", "facts", "unreadable"), [
    ("ESIM0042", lambda user: user.update({LOGIN: [user[LOGIN]]}), ["legacy_user_id"], [
        "user u-1002: login: [{'legacyUserId': 'ESIM0042', 'forcePasswordReset': True,... ignored (not an "
        "object)"]),
    ("ESIM0042", lambda user: user[LOGIN].update({"legacyUserId": ["ESIM0042"]}), ["legacy_user_id"], [
        "user u-1002: legacyUserId: ['ESIM0042'] ignored (not a string)"]),
    ("aino.korhonen@esimerkki.example.fi",
     lambda user: user.update({"userName": 42, "emails": "aino.korhonen@esimerkki.example.fi"}),
     ["emails", "user_name"], [
         "user u-1002: userName: 42 ignored (not a string)",
         "user u-1002: emails: 'aino.korhonen@esimerkki.example.fi' ignored (not a list)"]),
])
def test_an_account_sent_with_unreadable_login_data_is_not_called_missing(
        run, identifier: str, breaks: Callable[[dict[str, Any]], None], facts: list[str],
        unreadable: list[str]) -> None:
    """Attack pass 8, A8-01: the API's answer for a legacy ID, its login extension a list, was "Step 3 — no
    user has these details": the caller would be told they are not registered."""
    def broken(path: str, query: Query, body: Any) -> None:
        if path.endswith("/Users") and query.get("filter", [""])[0].startswith("userName"):
            breaks(body["Resources"][0])

    with serving(Mutating(broken)) as url:
        doc = verified_json(run, url, identifier)
        screen = run("--api", url, "diagnose", identifier, "--no-audit")
    assert (doc["outcome"], doc["rule"], doc["step"], doc["user"]) == (
        "contact-customer-service", "lookup.unreadable", None, None)
    assert doc["evidence"] == [
        {"rule": "lookup.unreadable", "fact": "users", "value": ["u-1002"]},
        {"rule": "lookup.unreadable", "fact": "unreadable", "value": facts}]
    assert doc["data_problems"] == unreadable
    assert doc["script"] == {"lang": "fi", "text": (
        "Näen tunnuksen, joka voi olla sinun, mutta sen kirjautumistietoja ei juuri nyt pysty lukemaan "
        "järjestelmästämme, joten en voi itse tarkistaa asiaa pidemmälle. Teen asiasta tukipyynnön "
        "sähköisten palveluiden tukeen, ja sieltä ollaan sinuun yhteydessä.")}
    assert screen.stdout.splitlines()[0] == (
        "An account was found, but its login data can't be read: ours to solve")


@pytest.mark.parametrize(("lang", "unreadable"), [("en", "can't be read (see data problems)"),
                                                  ("fi", "ei luettavissa (ks. tieto-ongelmat)"),
                                                  ("sv", "går inte att läsa (se dataproblem)")])
def test_a_moment_sent_unreadable_is_shown_as_such_never_as_never(run, environ, lang: str,
                                                                   unreadable: str) -> None:
    """Native review 7, N7-14: a lastLoginTime the API sent but that can't be read was shown "never": an
    agent could tell the caller they have never logged in. One at the calendar's edge is as unknown."""
    def broken(path: str, query: Query, body: Any) -> None:
        for resource in resources(body):
            if resource.get("userName") == "aino.korhonen@esimerkki.example.fi":
                resource[LOGIN].update({"lastLoginTime": "yesterday-ish",
                                        "lastFailedLoginTime": "0001-01-01T00:00:00Z"})

    environ["NO_COLOR"] = "1"
    with serving(Mutating(broken)) as url:
        shown = run("--api", url, "diagnose", "aino.korhonen@esimerkki.example.fi", "--no-audit",
                    "--verified", "--ui-lang", lang)
        doc = verified_json(run, url, "aino.korhonen@esimerkki.example.fi")
    from postisupport.output.messages import ui_catalog

    words = ui_catalog(lang)
    lines = [" ".join(line.split()) for line in shown.stdout.splitlines()]
    logins = (words["event.last-login"], words["event.last-failed-login"])
    assert [line for line in lines if line.startswith(logins)] == [f"{name} {unreadable}" for name in logins]
    # Unknown is no reason to send the caller elsewhere: the step is the one the rest of the data gives.
    assert (doc["rule"], doc["user"]["lastLoginTime"], doc["user"]["lastFailedLoginTime"]) == (
        "login.reset-pending", None, None)
