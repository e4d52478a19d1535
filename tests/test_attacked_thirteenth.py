"""Attack pass 13: capture, trace, doctor, auth and audit against hostile servers (A13B-*)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.servers import OAuthServer, answer_of, send_answer, serving
from tests.test_secrets_login import Listening

SECRET = "c4nary-client-S3CRET"


def test_watching_the_requests_never_sends_the_client_secret_to_the_apis_proxy(
        run, monkeypatch: Any, tmp_path: Path) -> None:
    """A13B-8: with -v or --trace the token endpoint on this machine was asked through the proxy the
    API needs, in plain http: the client secret went to another machine."""
    proxy = Listening()
    desk = OAuthServer(application(), "support-desk", SECRET)
    with serving(proxy) as proxy_url, serving(desk) as desk_url:
        api = "http://idp.example.com/scim/v2"
        assert run("auth", "login", "--api", api, "--allow-insecure-http", "--token-url",
                   desk_url.replace("/scim/v2", "/token"), "--client-id", "support-desk",
                   "--with-client-secret", "--no-check", input=SECRET).exit_code == 0
        monkeypatch.setenv("HTTP_PROXY", proxy_url.removesuffix("/scim/v2"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        codes = [run("--allow-insecure-http", *watch, "diagnose", "ESIM0042").exit_code
                 for watch in ([], ["-v"], ["--trace", str(tmp_path / "t.jsonl")])]
    assert codes == [ExitStatus.AUTH] * 3
    # The token endpoint was asked directly each time (twice: a refused token is fetched anew once);
    # the proxy saw only the API's requests.
    assert (len(desk.token_requests), proxy.authorizations) == (
        6, [f"Bearer access-token-{n}" for n in range(1, 7)])


TOKEN = "SeCrEt-Tok3n-ABCDEFGH"


class EchoingInNames:
    """The demo sandbox, protected by TOKEN, that writes the bearer token it was given into every user's
    displayName and every group's displayName (URL-quoted in the groups, as some servers do)."""

    def __init__(self) -> None:
        self.app = application(token=TOKEN)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"authorization", b"").decode().removeprefix("Bearer ")
        start, content = await answer_of(self.app, scope, receive)
        body = json.loads(content)
        for resource in body.get("Resources", []) if isinstance(body, dict) else []:
            group = "members" in resource or "Group" in json.dumps(resource.get("schemas", []))
            resource["displayName"] = f"Echo {quote(given) if group else given}"
        await send_answer(send, start, json.dumps(body).encode())


def test_a_token_the_server_writes_into_names_is_cut_from_the_screen_json_and_bulk_rows(
        run, environ: dict[str, str], tmp_path: Path) -> None:
    """A13B-1: the trace and capture cut it; the screen, --json and bulk rows showed it in clear."""
    environ.update({"POSTISUPPORT_TOKEN": TOKEN, "NO_COLOR": "1"})
    source = tmp_path / "in.csv"
    source.write_text("identifier\nESIM0042\n")
    with serving(EchoingInNames()) as url:
        shown = run("--api", url, "diagnose", "ESIM0042", "--verified", "--no-audit")
        doc = run("--api", url, "diagnose", "ESIM0042", "--verified", "--no-audit", "--json")
        bulk = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "out.csv"), "-q", "--no-audit")
    written = (tmp_path / "out.csv").read_text()
    assert (shown.exit_code, doc.exit_code, bulk.exit_code) == (0, 0, 0)
    for said in (shown.stdout, shown.stderr, doc.stdout, written):
        assert TOKEN not in said and quote(TOKEN) not in said
    assert doc.json()["user"]["displayName"] == "Echo [redacted]"
    assert [o["name"] for o in doc.json()["organisations"]] == ["Echo [redacted]"]
    assert "Echo [redacted]" in written


def piped_shell(data: bytes, **environ: str) -> subprocess.CompletedProcess[bytes]:
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTISUPPORT_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "80", **environ})
    return subprocess.run([sys.executable, "-m", "postisupport", "--sandbox", "shell", "--no-audit"],
                          input=data, capture_output=True, env=env, timeout=60)


def test_a_piped_shell_refuses_a_line_that_is_no_utf_8_in_any_locale_and_goes_on() -> None:
    """A13A-2: in a UTF-8 locale other than C.UTF-8 (stdin strict), one such byte ended the session with
    an internal error, and the lines read with it were never looked up."""
    done = piped_shell(b"ESIM0042\n\xff\xfe bad\nESIM0105\nquit\n", PYTHONIOENCODING="utf-8")
    steps = [line for line in done.stdout.decode().splitlines() if line.startswith("Step ")]
    assert (done.returncode, list(dict.fromkeys(steps))) == (
        0, ["Step 1 — the password must be changed", "Step 2 — log in with the e-mail address"])
    assert done.stderr.decode().count("postisupport: error: the identifier is not valid text (its bytes are "
                                      "not UTF-8)\n") == 1


def test_a_piped_shell_takes_lines_ended_by_cr_alone() -> None:
    """A13A-11: CR-only line ends were one line, refused for its control characters."""
    done = piped_shell(b"ESIM0042\rverified\rquit\r")
    assert (done.returncode, b"error" in done.stderr) == (0, False)
    assert done.stderr.decode() == ("postisupport [sandbox]> postisupport [sandbox] not verified> "
                                    "postisupport [sandbox] verified> ")


def test_the_command_that_goes_on_is_never_wrapped_and_names_a_file_as_it_is(tmp_path: Path) -> None:
    """A13A-9, A13A-10: on a terminal the "to finish" command was wrapped with real newlines, even inside
    a quoted file name; a tab in a name was printed as U+FFFD. Pasted, it ran on another file."""
    from postisupport.cli.main import run as run_cli
    from tests.servers import free_port
    from tests.test_wrapping import Terminal, environment

    source = tmp_path / "in\tput.csv"
    source.write_text("identifier\nuser1@example.com\n")
    out = tmp_path / "out put.ndjson"
    nowhere = f"http://127.0.0.1:{free_port()}/scim/v2"
    env = environment(tmp_path, "40", Terminal)
    status = run_cli(["--api", nowhere, "--timeout", "0.5", "bulk", str(source), "-o", str(out), "-q",
                      "--no-audit"], env)
    lines = env.stderr.getvalue().splitlines()
    assert (status, lines[:2]) == (ExitStatus.UNREACHABLE, ["postisupport: stopped; to finish:", (
        f"postisupport --api {nowhere} --timeout 0.5 --no-audit bulk $'{tmp_path}/in\\x09put.csv' "
        f"-o '{out}' --concurrency 8 --quiet --resume")])
    # Read back by a shell, the command names the files as they are.
    done = subprocess.run(["bash", "-c", f"printf '%s\\n' {lines[1]}"], capture_output=True, text=True)
    assert done.stdout.splitlines()[6:10] == ["bulk", str(source), "-o", str(out)]


class Hanging:
    """The demo sandbox, with every request whose query names `naming` answered only after `seconds`."""

    def __init__(self, naming: str, seconds: float) -> None:
        self.app, self.naming, self.seconds = application(), naming, seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        import asyncio
        from urllib.parse import unquote_plus

        if scope["type"] == "http" and self.naming in unquote_plus(scope.get("query_string", b"").decode()):
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def test_a_first_row_the_api_never_answers_is_that_rows_error_when_the_others_got_through(
        run, tmp_path: Path) -> None:
    """A13A-6: the row at the head of the input hung; every other row was answered, yet the run stopped
    as "API unreachable" with nothing written, and the printed resume stopped the same way."""
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\nESIM0105\nESIM0077\nnobody@example.com\n")
    out = tmp_path / "out.ndjson"
    with serving(Hanging("ESIM0042", 3)) as url:
        result = run("--api", url, "--timeout", "0.5", "bulk", str(source), "-o", str(out), "-q",
                     "--no-audit")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert (result.exit_code, [r.get("outcome") or r["error"]["kind"] for r in rows]) == (
        ExitStatus.ROWS_FAILED, ["unreachable", "use-login-email", "use-login-email", "not-found"])


def integer_ids(path: str, query: Any, body: Any) -> None:
    for resource in body.get("Resources", []) if isinstance(body, dict) else []:
        if isinstance(resource.get("id"), str):
            resource["id"] = 1000 + sum(map(ord, resource["id"]))
        for ref in (resource.get("groups") or []) + (resource.get("members") or []):
            ref["value"] = 1000 + sum(map(ord, str(ref["value"])))


def test_a_capture_that_would_not_decide_as_the_real_directory_is_not_written(run, tmp_path: Path) -> None:
    """A13B-3: ids that are no strings: the file held no users and no groups, said "captured" (exit 0), and
    replay of it disagreed (exit 7)."""
    from tests.test_attacked_sixth import Mutating

    out = tmp_path / "ticket.json"
    with serving(Mutating(integer_ids)) as url:
        result = run("--api", url, "capture", "ESIM0042", "-o", str(out), "--no-audit")
    assert (result.exit_code, result.stderr, out.exists(), list(tmp_path.iterdir())) == (
        ExitStatus.USAGE, "postisupport: error: the directory as read decides differently from the real "
        "one; nothing was written\n", False, [])


def test_a_csv_output_is_not_resumed_from_an_input_with_other_columns(run, tmp_path: Path) -> None:
    """A13A-1: rows wider than the header were appended; the tool then refused its own output for good."""
    first, wider = tmp_path / "in.csv", tmp_path / "in2.csv"
    first.write_text("email,note\nESIM0042,a\nESIM0105,b\n")
    wider.write_text("email,note,extra\nESIM0042,a,x\nESIM0105,b,y\nESIM0077,c,z\n")
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(first), "-o", str(out), "-q", "--no-audit").exit_code == 0
    before = out.read_bytes()
    for mode in ("--resume", "--retry-failed"):
        result = run("--sandbox", "bulk", str(wider), "-o", str(out), mode, "-q", "--no-audit")
        assert (result.exit_code, result.stderr) == (ExitStatus.USAGE, (
            f"postisupport: error: the input's other columns (note, extra) are not those of {out} "
             "(note): the "
            "output is from another input, or the input has changed since\n"))
    assert out.read_bytes() == before
    third = tmp_path / "in3.csv"
    third.write_text("email,note\nESIM0042,a\nESIM0105,b\nESIM0077,c\n")
    assert run("--sandbox", "bulk", str(third), "-o", str(out), "--resume", "-q", "--no-audit").exit_code == 0
    assert [line.split(",")[0] for line in out.read_text().splitlines()] == ["row", "1", "2", "3"]


def test_a_csv_output_with_a_cell_longer_than_csvs_default_limit_resumes_and_retries(
        run, tmp_path: Path) -> None:
    """A13A-4: the input reader allows 1 MiB cells, the read-back of the output only 131,072 characters."""
    source = tmp_path / "in.csv"
    source.write_text("email,note\nESIM0042," + "n" * 200_000 + "\nnobody@@example.com,short\n")
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit").exit_code == \
        ExitStatus.ROWS_FAILED
    import csv

    default = csv.field_size_limit()
    try:
        for mode in ("--resume", "--retry-failed"):
            # A fresh process: the output is read back before the input reader ever raised the limit.
            csv.field_size_limit(131_072)
            result = run("--sandbox", "bulk", str(source), "-o", str(out), mode, "-q", "--no-audit")
            assert (result.exit_code, result.stderr) == (ExitStatus.ROWS_FAILED, ""), mode
    finally:
        csv.field_size_limit(default)
    assert len(out.read_text().splitlines()) == 3


def test_an_ndjson_identifier_with_a_lone_surrogate_escape_does_not_block_the_csvs_resume(
        run, tmp_path: Path) -> None:
    """A13A-5: the CSV holds U+FFFD where the input's JSON escape gave a lone surrogate; the resume compared
    the raw text and called the output another input's."""
    source = tmp_path / "in.ndjson"
    source.write_text('{"email": "ESIM0042"}\n{"email": "a\\udc80@example.com"}\n')
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit").exit_code == \
        ExitStatus.ROWS_FAILED
    for mode in ("--resume", "--retry-failed"):
        result = run("--sandbox", "bulk", str(source), "-o", str(out), mode, "-q", "--no-audit")
        assert (result.exit_code, result.stderr) == (ExitStatus.ROWS_FAILED, ""), mode


def test_the_column_option_names_a_one_column_lists_header_and_an_ndjson_key(run, tmp_path: Path) -> None:
    """A13A-3: --column was ignored for a plain list (its header looked up as a user) and for NDJSON."""
    listed = tmp_path / "list.txt"
    listed.write_text("mail\nESIM0042\n")
    out = tmp_path / "out.ndjson"
    assert run("--sandbox", "bulk", str(listed), "--column", "Mail", "-o", str(out), "-q",
               "--no-audit").exit_code == 0
    assert [json.loads(line)["identifier"] for line in out.read_text().splitlines()] == ["ESIM0042"]
    wrong = run("--sandbox", "bulk", str(listed), "--column", "nosuch", "-q", "--no-audit")
    assert (wrong.exit_code, wrong.stderr) == (ExitStatus.USAGE, (
        "postisupport: error: the input has no column 'nosuch': it is a list of identifiers, one per line, "
        "whose first line is 'mail'\n"))
    objects = tmp_path / "in.ndjson"
    objects.write_text('{"mail": "ESIM0042", "email": "nobody@example.com"}\n{"email": "ESIM0105"}\n')
    keyed = tmp_path / "keyed.ndjson"
    result = run("--sandbox", "bulk", str(objects), "--column", "mail", "-o", str(keyed), "-q", "--no-audit")
    rows = [json.loads(line) for line in keyed.read_text().splitlines()]
    assert (result.exit_code, rows[0]["identifier"], rows[1]["error"]["message"]) == (
        ExitStatus.ROWS_FAILED, "ESIM0042", "no identifier (a string under the key 'mail')")


def test_doctor_asks_for_no_null_e_mail_in_another_case(run) -> None:
    """A13B-6: a sample user whose first e-mail value is null: doctor asked for "nONE" and warned that the
    (case-insensitive) server compares e-mail addresses case-sensitively."""
    from tests.test_attacked_sixth import Mutating

    def null_first_email(path: str, query: Any, body: Any) -> None:
        if path.endswith("/Users") and "filter" not in query:
            for resource in body.get("Resources", [])[:1]:
                resource["emails"] = [{"value": None, "primary": True}, {"value": resource["userName"]}]

    with serving(Mutating(null_first_email)) as url:
        result = run("--api", url, "doctor", "--json")
    [case] = [c for c in result.json() if c["id"] == "case-insensitive"]
    assert (case["status"], case["detail"]) == (
        "pass", "userName and emails.value are compared case-insensitively")


def test_a_named_pipe_as_capture_or_data_file_is_read_never_waited_on(run, tmp_path: Path) -> None:
    """A13B-7: replay FIFO and --sandbox-data FIFO waited for ever for a writer. A14B-10: refusing every
    pipe refused `cat t.json | replay /dev/stdin` too. A pipe with no writer is at its end at once; one
    with a writer is read whole."""
    import os
    import sys

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    replayed = run("replay", str(fifo))
    served = run("--sandbox-data", str(fifo), "diagnose", "ESIM0042", "--no-audit")
    assert [(r.exit_code, r.stderr) for r in (replayed, served)] == [
        (ExitStatus.USAGE, f"postisupport: error: {fifo} is not a capture file (made by `capture`): not "
                            "valid "
         "JSON: Expecting value: line 1 column 1 (char 0)\n"),
        (ExitStatus.USAGE, f"postisupport: error: sandbox data {fifo} is not valid JSON: Expecting "
                            "value: line "
         "1 column 1 (char 0)\n")]
    captured = tmp_path / "t.json"
    assert run("--sandbox", "capture", "ESIM0042", "-o", str(captured), "--no-audit").exit_code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTISUPPORT_")}
    piped = subprocess.run([sys.executable, "-m", "postisupport", "replay", "/dev/stdin"],
                           input=captured.read_bytes(), capture_output=True, env=env, timeout=60)
    assert (piped.returncode, piped.stdout.decode().splitlines()[0]) == (
        0, "Step 1 — the password must be changed")


def test_the_shells_refusal_of_an_empty_org_names_the_flag() -> None:
    """A13A-12: "postisupport: error: needs the organisation's name or business ID, not an empty value"."""
    done = piped_shell(b"ESIM0042 -o\nquit\n")
    assert done.stderr.decode().splitlines()[0].split("> ")[-1] == (
        "postisupport: error: --org needs the organisation's name or business ID, not an empty value")


def test_a_resume_of_an_output_cut_inside_its_bom_keeps_to_excel(run, tmp_path: Path) -> None:
    """A13A-8: an output holding only the BOM's first byte was started again as plain CSV, --excel aside."""
    source = tmp_path / "in.csv"
    source.write_text("email\nESIM0042\n")
    out = tmp_path / "out.csv"
    out.write_bytes(b"\xef")
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "--excel", "-q",
               "--no-audit").exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfrow;identifier;")


def test_auth_login_whose_check_cannot_reach_the_api_says_nothing_was_stored(run, env) -> None:
    """A13B-9: only the reason was said, not that the secret was not stored, nor --no-check."""
    from tests.servers import free_port

    nowhere = f"http://127.0.0.1:{free_port()}/scim/v2"
    result = run("auth", "login", "--api", nowhere, "--with-token", input="not-reached-T0KEN")
    assert (result.exit_code, result.stderr) == (ExitStatus.UNREACHABLE, (
        f"postisupport: error: cannot reach the identity API at {nowhere}: All connection attempts "
         "failed; the "
        "token given to auth login was not stored (--no-check stores it without trying it)\n"))
    assert not (env.config_dir / "config.toml").exists()


def test_a_refusal_with_no_secret_configured_says_none_was_sent(run, environ: dict[str, str]) -> None:
    """A13B-10: "rejected the credentials … check POSTISUPPORT_TOKEN", with no token set anywhere."""
    from tests.servers import Hostile

    environ.pop("POSTISUPPORT_TOKEN", None)
    with serving(Hostile(401, b"", b"application/scim+json")) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (ExitStatus.AUTH, (
        "postisupport: error: the identity API rejected the credentials (HTTP 401); no token was sent: "
        "put one "
        "in POSTISUPPORT_TOKEN, or store one with auth login\n"))


def test_a_token_echoed_with_invisible_characters_between_its_letters_is_cut_on_stderr(
        run, environ: dict[str, str]) -> None:
    """A14B-1: the error's detail was made terminal-safe (each U+200B a U+FFFD) before it was scrubbed."""
    from tests.servers import Hostile

    environ["POSTISUPPORT_TOKEN"] = TOKEN
    body = json.dumps({"status": "400", "detail": "bad token " + "\u200b".join(TOKEN)}).encode()
    with serving(Hostile(400, body, b"application/scim+json")) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (ExitStatus.API_ERROR, (
        "postisupport: error: the identity API answered HTTP 400 to GET /Users: bad token [redacted]\n"))


def test_a_look_up_answered_with_others_while_more_were_found_is_no_not_found(run) -> None:
    """A14B-6 (High): a server that ignores the filter sent 20 of 30 users, none the caller: "Step 3 — no
    user has these details" told a registered caller they are not."""
    from tests.test_attacked_sixth import Mutating

    def others_only(path: str, query: Any, body: Any) -> None:
        if path.endswith("/Users") and query.get("filter", [""])[0].startswith("userName"):
            body["Resources"] = [{"id": "u-9", "userName": "someone.else@example.com"}]
            body["totalResults"] = 30

    with serving(Mutating(others_only)) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit", "--json")
    assert (result.exit_code, result.stdout, result.stderr) == (ExitStatus.API_ERROR, "", (
        "postisupport: error: the identity API found 30 Users for the look-up but sent only 1, none of which "
        "answers to the identifier: it seems not to apply the look-up's filter or its paging (postisupport "
        "doctor checks it)\n"))


def test_an_answer_that_is_not_utf_8_is_said_so_not_a_number_too_long(run, environ: dict[str, str]) -> None:
    """A14B-14: a Latin-1 "ä" was reported as "JSON holding a number of more than 4300 digits"."""
    from tests.servers import Hostile

    environ["POSTISUPPORT_TOKEN"] = TOKEN
    body = '{"totalResults": 0, "Resources": [], "x": "ä"}'.encode("latin-1")
    with serving(Hostile(200, body, b"application/json; charset=iso-8859-1")) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (ExitStatus.API_ERROR, (
        "postisupport: error: the identity API answered GET /Users with text that is not UTF-8, as JSON must "
        "be (application/json; charset=iso-8859-1)\n"))


def test_a_resume_never_wipes_a_file_that_is_no_output_of_ours(run, tmp_path: Path) -> None:
    """A14A-13 (High): a ';' file with quoted header cells, or any one-line file without a final newline,
    was taken for a header cut by a kill and wiped by --resume or --retry-failed (exit 0)."""
    source = tmp_path / "in.csv"
    source.write_text("identifier\nESIM0042\n")
    files = {"crm.csv": '"Name";"Phone"\n"Matti Meikäläinen";"0401234567"\n',
             "todo.csv": "TODO: call Matti about the invoices",
             "one.jsonl": '{"customer": "Matti", "phone": "0401234567"}'}
    for name, text in files.items():
        out = tmp_path / name
        out.write_text(text)
        for mode in ("--resume", "--retry-failed"):
            result = run("--sandbox", "bulk", str(source), "-o", str(out), mode, "-q", "--no-audit")
            assert (result.exit_code, result.stderr) == (ExitStatus.USAGE, (
                f"postisupport: error: line 1 of {out} is not a result of a bulk run; is it the right file, "
                "and the right format?\n")), (name, mode)
        assert out.read_text() == text
    # A header cut by a kill is started afresh, as before; and a ';' output saved with quotes is read.
    cut = tmp_path / "cut.csv"
    cut.write_text("row,identifier,serv")
    resumed = run("--sandbox", "bulk", str(source), "-o", str(cut), "--resume", "-q", "--no-audit")
    assert resumed.exit_code == 0
    assert cut.read_text().splitlines()[0].startswith("row,identifier,service,")


def test_a_lone_surrogate_in_the_servers_data_is_captured_not_a_crash(run, tmp_path: Path) -> None:
    """A14B-13: capture, plain and pseudonymised, ended in "internal error: UnicodeEncodeError"."""
    from tests.test_attacked_sixth import Mutating

    def cut_emoji(path: str, query: Any, body: Any) -> None:
        for resource in body.get("Resources", []) if isinstance(body, dict) else []:
            if resource.get("userName") == "aino.korhonen@esimerkki.example.fi":
                resource["displayName"] = "Aino \ud800 Korhonen"

    with serving(Mutating(cut_emoji)) as url:
        plain = run("--api", url, "capture", "ESIM0042", "-o", str(tmp_path / "c.json"), "--no-audit")
        stand_ins = run("--api", url, "capture", "ESIM0042", "-o", str(tmp_path / "p.json"), "--pseudonymise",
                        "--no-audit")
    assert [(r.exit_code, r.stderr.startswith("captured change-password")) for r in (plain, stand_ins)] == [
        (0, True), (0, True)]
    kept = json.loads((tmp_path / "c.json").read_text())
    names = [u["displayName"] for u in kept["Users"] if u["userName"].startswith("aino")]
    assert names == ["Aino \ud800 Korhonen"]
    assert run("replay", str(tmp_path / "c.json")).exit_code == 0


@pytest.mark.parametrize(("variable", "value", "reason"), [
    ("ALL_PROXY", "socks5://127.0.0.1:1", "Using SOCKS proxy, but the 'socksio' package is not installed."),
    ("HTTPS_PROXY", "ftp://127.0.0.1:1", "Unknown scheme for proxy URL URL('ftp://127.0.0.1:1')"),
])
@pytest.mark.parametrize("watched", [(), ("-v",)])
def test_a_proxy_httpx_cannot_use_is_a_setting_to_mend_not_a_bug(
        run, monkeypatch: Any, environ: dict[str, str], variable: str, value: str, reason: str,
        watched: tuple[str, ...]) -> None:
    """A14B-7: ALL_PROXY=socks5://… (a common desktop setting) was "internal error" (exit 1)."""
    for name in ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "all_proxy", "https_proxy", "http_proxy",
                 "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, value)
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    result = run(*watched, "--api", "https://idp.example.com/scim/v2", "diagnose", "ESIM0042", "--no-audit")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.startswith("postisupport: error: the proxy the environment names (HTTPS_PROXY, "
                                    f"HTTP_PROXY or ALL_PROXY) can't be used: {reason}")


@pytest.mark.parametrize("args", [("bulk", "-", "-q"), ("shell",), ("diagnose", "-")])
def test_a_closed_stdin_is_read_as_empty_not_an_internal_error(args: tuple[str, ...]) -> None:
    """A14A-16: started with stdin closed (`<&-`), bulk -, shell and diagnose - were "internal error"."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTISUPPORT_")}
    done = subprocess.run([sys.executable, "-m", "postisupport", "--sandbox", *args, "--no-audit"],
                          capture_output=True, text=True, env=env, timeout=60, preexec_fn=lambda: os.close(0))
    assert (done.returncode, "internal error" in done.stderr, done.stdout) == (0, False, "")


def test_a_verification_given_ahead_of_a_refused_name_is_carried_to_no_one() -> None:
    """A14A-4: `verified`, then "Aino Korhonen" (refused: a name needs --org), then `aino`: the legacy ID
    "aino" (another person) was shown verified."""
    from postisupport.ops.session import Session, parse, refused, step

    session, _ = step(Session(), parse("verified"))
    after = refused(session, "Aino Korhonen")
    assert (after.verified, after.verified_for) == (False, None)
    kept = refused(step(Session(), parse("verified"))[0], "ESIM 0042 -s")
    assert (kept.verified, kept.verified_for) == (True, "esim0042")


def test_a_stopped_run_into_a_device_says_to_start_again_not_to_resume(run, tmp_path: Path) -> None:
    """A14A-1: -o /dev/null (or a FIFO), stopped: "to finish … --resume", which is always refused."""
    import os

    from tests.servers import free_port

    if not os.path.exists("/dev/null"):
        pytest.skip("needs /dev/null")
    source = tmp_path / "in.txt"
    source.write_text("user1@example.com\n")
    nowhere = f"http://127.0.0.1:{free_port()}/scim/v2"
    result = run("--api", nowhere, "--timeout", "0.5", "bulk", str(source), "-o", "/dev/null", "-q",
                 "--no-audit")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (ExitStatus.UNREACHABLE, (
        f"postisupport: stopped; to start again: postisupport --api {nowhere} --timeout 0.5 --no-audit bulk "
        f"{source} -o /dev/null --concurrency 8 --quiet"))


def test_csv_rows_on_a_terminal_carry_no_escape_sequence_from_the_api(tmp_path: Path) -> None:
    """A14A-3: bulk --format csv to a terminal wrote the directory's ESC and OSC sequences raw."""
    from postisupport.cli.main import run as run_cli
    from tests.test_attacked_sixth import Mutating
    from tests.test_wrapping import Terminal, environment

    def escaping(path: str, query: Any, body: Any) -> None:
        for resource in body.get("Resources", []) if isinstance(body, dict) else []:
            if resource.get("displayName") == "Esimerkki Oy":
                resource["displayName"] = "\x1b[31mRED\x1b]0;pwned\x07 Oy"

    source = tmp_path / "one.txt"
    source.write_text("ESIM0042\n")
    env = environment(tmp_path, "200", Terminal)
    env.environ["POSTISUPPORT_TOKEN"] = TOKEN
    with serving(Mutating(escaping)) as url:
        status = run_cli(["--api", url, "bulk", str(source), "--format", "csv", "-q", "--no-audit"], env)
    shown = env.stdout.getvalue()
    assert (status, "\x1b" in shown, "\x07" in shown, "\ufffd[31mRED\ufffd]0;pwned\ufffd Oy" in shown) == (
        0, False, False, True)


def test_an_output_saved_by_excel_with_a_bom_and_commas_goes_on_with_commas(run, tmp_path: Path) -> None:
    """A14A-5: rows with ';' were appended to a ','-separated output with a BOM: mixed delimiters."""
    source = tmp_path / "in.csv"
    source.write_text("identifier\nESIM0042\nESIM0105\n")
    out = tmp_path / "out.csv"
    def bulk(*more: str) -> int:
        return int(run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit", *more).exit_code)

    assert bulk("--no-excel") == 0
    lines = out.read_text().splitlines()
    out.write_text("\ufeff" + "\n".join(lines[:2]) + "\n", encoding="utf-8")  # saved again, one row kept
    assert bulk("--resume") == 0
    again = out.read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in again] == ["row", "1", "2"]
    assert bulk("--resume") == 0


def test_a_config_that_is_a_pipe_is_neither_waited_on_nor_replaced(tmp_path: Path) -> None:
    """A14B-8: auth login renamed a file over a config that was a device (as root, /dev/null itself); a
    config that is a named pipe held every command for ever."""
    import os
    import stat

    from postisupport.config.private import replacing
    from postisupport.config.profiles import load
    from postisupport.errors import FileProblem, InvalidSetting

    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(InvalidSetting) as refused:
        load(fifo)
    assert refused.value.reason == f"{fifo}: a named pipe, not a file"
    with pytest.raises(FileProblem) as problem, replacing(fifo) as out:
        out.write("x")
    assert str(problem.value) == f"{fifo}: is not a regular file; it is written only as a file of its own"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_results_on_stdout_appended_to_the_audit_trail_are_refused(tmp_path: Path) -> None:
    """A14A-8: `bulk users.csv >> audit.jsonl` appended the results, in clear, to the trail."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTISUPPORT_")}
    env.update({"XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path),
                "XDG_CONFIG_HOME": str(tmp_path / "config")})
    command = [sys.executable, "-m", "postisupport", "--sandbox"]
    assert subprocess.run([*command, "diagnose", "ESIM0042"], capture_output=True, env=env,
                          timeout=60).returncode == 0
    trail = tmp_path / "state" / "postisupport" / "audit.jsonl"
    before = trail.read_bytes()
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\n")
    with trail.open("a") as appended:
        done = subprocess.run([*command, "bulk", str(source), "-q"], stdout=appended, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=60)
    assert (done.returncode, done.stderr) == (ExitStatus.USAGE, (
        "postisupport: error: stdout: is one of postisupport's own files (the audit trail or its key, the "
        "config file, or the data this run reads): send the results elsewhere\n"))
    assert trail.read_bytes() == before


def test_a_workbook_to_a_device_is_refused_not_written_as_csv(run) -> None:
    """A14A-10: --format xlsx -o /dev/stdout wrote header-less CSV rows, exit 0."""
    import os

    if not os.path.exists("/dev/null"):
        pytest.skip("needs /dev/null")
    result = run("--sandbox", "bulk", "-", "--format", "xlsx", "-o", "/dev/null", "-q", "--no-audit",
                 input="ESIM0042\n")
    assert (result.exit_code, result.stderr) == (ExitStatus.USAGE, (
        "postisupport: error: /dev/null is not a regular file: a workbook (xlsx) needs an output file\n"))


def test_a_csv_output_whose_columns_were_edited_is_not_resumed(run, tmp_path: Path) -> None:
    """A14A-18: a column deleted or moved in a spreadsheet: rows appended in the tool's order."""
    from postisupport.output.table import CSV_COLUMNS

    source = tmp_path / "in.csv"
    source.write_text("identifier\nESIM0042\nESIM0105\n")
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit").exit_code == 0
    lines = out.read_text().splitlines()
    edited = [",".join(line.split(",")[:11] + line.split(",")[12:]) for line in lines[:2]]  # no "admins"
    out.write_text("\n".join(edited) + "\n")
    for mode in ("--resume", "--retry-failed"):
        result = run("--sandbox", "bulk", str(source), "-o", str(out), mode, "-q", "--no-audit")
        assert (result.exit_code, result.stderr) == (ExitStatus.USAGE, (
            f"postisupport: error: the columns of {out} are not those bulk writes ({', '.join(CSV_COLUMNS)}, "
            "then the input's own): was it edited? Resume the file as bulk wrote it, or start a new "
            "output\n"))
    assert out.read_text().splitlines() == edited


def test_an_account_whose_matching_login_data_cannot_be_read_says_what_to_attach(run, tmp_path: Path) -> None:
    """A14B-4: the "ours to solve" case could never be captured, and the refusal read like a bug."""
    from tests.test_attacked_sixth import LOGIN, Mutating

    def legacy_number(path: str, query: Any, body: Any) -> None:
        for resource in body.get("Resources", []) if isinstance(body, dict) else []:
            if resource.get("userName") == "aino.korhonen@esimerkki.example.fi":
                resource[LOGIN]["legacyUserId"] = 42

    with serving(Mutating(legacy_number)) as url:
        for more in ((), ("--pseudonymise",)):
            result = run("--api", url, "capture", "ESIM0042", "-o", str(tmp_path / "c.json"), "--no-audit",
                         *more)
            assert (result.exit_code, result.stderr) == (ExitStatus.USAGE, (
                "postisupport: error: the account found has login data that can't be read, which is what "
                "matched the caller: no capture without it decides the same; nothing was written; run the "
                "look-up with --trace FILE and attach that instead\n"))
    assert list(tmp_path.iterdir()) == []


def test_verbose_says_no_answer_not_none(run, environ: dict[str, str]) -> None:
    """A14B-2: `-v` printed Python's None as the status of a request that got no answer."""
    import re

    from tests.servers import free_port

    environ["POSTISUPPORT_TOKEN"] = TOKEN
    nowhere = f"http://127.0.0.1:{free_port()}/scim/v2"
    result = run("-v", "--timeout", "0.5", "--api", nowhere, "diagnose", "ESIM0042", "--no-audit")
    first = result.stderr.splitlines()[0]
    assert (result.exit_code, re.sub(r"[0-9.]+ ms$", "N ms", first)) == (
        ExitStatus.UNREACHABLE, "GET /scim/v2/Users no answer N ms")


def test_a_bulk_rows_mistyped_service_names_no_flag_bulk_does_not_have(run, tmp_path: Path) -> None:
    """A14A-12: a row's error said "--service 'invoicng' …": the service came from the input's column."""
    source = tmp_path / "in.csv"
    source.write_text("identifier,service\nESIM0105,invoicng\n")
    out = tmp_path / "out.ndjson"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit").exit_code == \
        ExitStatus.ROWS_FAILED
    [row] = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["error"]["message"] == ("'invoicng' is no service of this user or organisation; did you mean "
                                       "'invoicing'?")


def test_a_header_only_output_is_not_resumed_from_an_input_with_other_columns(run, tmp_path: Path) -> None:
    """A14A-6: the A13A-1 check looked only when the output held rows."""
    first, wider = tmp_path / "in.csv", tmp_path / "in2.csv"
    first.write_text("email,note\n")
    wider.write_text("email,note,extra\nESIM0042,a,x\n")
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(first), "-o", str(out), "-q", "--no-audit").exit_code == 0
    header = out.read_text()
    result = run("--sandbox", "bulk", str(wider), "-o", str(out), "--resume", "-q", "--no-audit")
    assert (result.exit_code, out.read_text()) == (ExitStatus.USAGE, header)
