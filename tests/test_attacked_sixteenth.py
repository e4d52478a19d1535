"""Issues 12 and 14, the sixteenth attack pass (A16): what a store can't tell through a mapping is
unknown, never "none"; each finding's case, as it was found."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.idp.drafting import draft
from postisupport.idp.mapping import Fact, Source, parse, preset
from postisupport.idp.reading import user_facts
from postisupport.sandbox.app import application
from tests.conftest import MemoryKeyring
from tests.servers import serving

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WSO2 = "urn:scim:wso2:schema"
LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"
AINO = "aino.korhonen@esimerkki.example.fi"


class Rewriting:
    """The demo sandbox, each User (or, with `endpoint`, each Group) it sends first changed by `change`
    (a server that sends an attribute in a shape its schema does not give it)."""

    def __init__(self, change: Callable[[dict[str, Any]], None], endpoint: str = "/Users") -> None:
        self.change, self.app, self.endpoint = change, application(), endpoint

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.endpoint not in scope["path"]:
            return await self.app(scope, receive, send)
        sent: list[Any] = []

        async def keep(message: Any) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
        for user in body.get("Resources", [body]):
            self.change(user)
        start = next(m for m in sent if m["type"] == "http.response.start")
        await send({"type": "http.response.start", "status": start["status"],
                    "headers": [(b"content-type", b"application/scim+json")]})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def _organisation_object(user: dict[str, Any]) -> None:
    user[ENTERPRISE] = {"employeeNumber": "ESIM0042", "organization": {"name": "Esimerkki Oy"}}


def _user(**extra: object) -> dict[str, object]:
    return {"id": "u1", "userName": "aino.virtanen@example.fi", "active": True,
            ENTERPRISE: {"organization": "Esimerkki Oy", "employeeNumber": "ESIM0101"}, **extra}


def test_an_organisation_sent_as_an_object_is_unknown_with_a_data_problem_never_none() -> None:
    """A16-5: an organization object was "no organisation", with no data problem."""
    facts = user_facts(_user(**{ENTERPRISE: {"organization": {"name": "Esimerkki Oy"}}}), preset("scim-core"))
    assert (facts.group_ids, facts.problems) == ((), (
        f"{ENTERPRISE}:organization: {{'name': 'Esimerkki Oy'}} ignored (not an organisation's name)",))
    assert ("organisation" in facts.unknown, "organisation" in facts.untold) == (True, False)


def test_an_extension_sent_as_a_list_leaves_every_fact_it_holds_unreadable() -> None:
    facts = user_facts(_user(**{ENTERPRISE: [{"employeeNumber": "ESIM0101"}]}), preset("scim-core"))
    assert (facts.legacy_user_id, facts.group_ids, facts.problems) == (None, (), (
        f"{ENTERPRISE}: [{{'employeeNumber': 'ESIM0101'}}] ignored (not an object)",))
    assert {"organisation", "legacy_user_id"} <= facts.unknown
    assert not {"organisation", "legacy_user_id"} & facts.untold


@pytest.mark.parametrize(("state", "problem"), [
    (["LOCKED", "DISABLED"], "['LOCKED', 'DISABLED'] ignored (not a boolean (true or false))"),
    (5, "5 ignored (not a boolean (true or false))"),
])
def test_an_account_state_that_is_not_text_is_unreadable_never_unlocked(state: object, problem: str) -> None:
    """A16-5: accountState ["LOCKED"] was "not locked" (an equals on a non-string was False)."""
    facts = user_facts(_user(**{WSO2: {"accountState": state}}), preset("wso2"))
    assert {"locked", "active", "force_password_reset"} <= facts.unknown
    assert facts.problems == tuple(f"{name}: {problem}" for name in ("active", "forcePasswordReset",
                                                                       "accountLocked"))


def test_what_a_mapping_says_is_unknown_when_absent_is_untold_not_unreadable() -> None:
    facts = user_facts(_user(), preset("wso2"))
    assert {"last_login", "last_password_update"} <= facts.untold
    assert facts.problems == ()


def test_an_unreadable_organisation_is_escalated_as_unknown_on_the_screen_and_in_the_script(run) -> None:
    with serving(Rewriting(_organisation_object)) as url:
        result = run("--api", url, "--mapping", "scim-core", "diagnose", AINO, "--no-audit", "--json",
                     "--lang", "en")
        screen = run("--api", url, "--mapping", "scim-core", "diagnose", AINO, "--no-audit", "--lang", "en",
                     "--ui-lang", "en")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["outcome"], data["rule"], data["data_problems"]) == (
        "contact-customer-service", "login.organisation-unknown",
        [f"user u-1002: {ENTERPRISE}:organization: {{'name': 'Esimerkki Oy'}} ignored (not an organisation's "
         "name)"])
    assert [c for c in data["considered"] if "organisation" in c["rule"]] == [
        {"rule": "login.organisation-unknown", "service": None, "fired": True, "read": {"isAdmin": False},
         "unknown": []},
        {"rule": "login.no-organisation", "service": None, "fired": None, "read": {},
         "unknown": ["organisation"]}]
    assert [e for e in data["evidence"] if e["rule"] == "login.organisation-unknown"
            and e["fact"] in ("unknown", "organisation")] == [
        {"rule": "login.organisation-unknown", "fact": "unknown", "value": ["organisation"]}]
    assert "I can't see from here which organisation your account is linked to, so I can't tell who " \
           "could help you. I'll pass this on" in data["script"]["text"]
    assert "isn't linked to any organisation" not in data["script"]["text"]
    lines = screen.stdout.splitlines()
    assert lines[0] == "Step 3 — the organisation can't be told: ours to solve"
    assert "The directory sent the account's organisation in a form that can't be read (see data problems)" \
        in " ".join(screen.stdout.split())
    assert "no organisation" not in screen.stdout


def test_a_service_asked_of_an_unreadable_organisation_is_not_told_no_organisation(run) -> None:
    with serving(Rewriting(_organisation_object)) as url:
        result = run("--api", url, "--mapping", "scim-core", "diagnose", AINO, "--service", "Noutopiste",
                     "--no-audit", "--json", "--lang", "en")
    data = json.loads(result.stdout)
    assert data["rule"] == "service.organisation-unknown"
    assert "isn't linked to any organisation" not in data["script"]["text"]
    assert "which organisation your account is linked to" in data["script"]["text"]


def test_times_a_mapping_says_are_unknown_when_absent_are_not_pointed_to_data_problems(run) -> None:
    """A16-4: wso2's lastLoginTime, never written, showed as "can't be read (see data problems)"."""
    result = run("--sandbox", "--mapping", "wso2", "diagnose", AINO, "--no-audit", "--ui-lang", "en")
    rows = [row for row in result.stdout.splitlines() if row.startswith(("Password changed", "Last login"))]
    assert rows == ["Password changed                unknown: the directory doesn't say for this user",
                    "Last login                      unknown: the directory doesn't say for this user"]
    assert "see data problems" not in result.stdout


def _no_legacy(tmp_path: Path) -> Path:
    path = tmp_path / "nolegacy.toml"
    path.write_text('name = "nolegacy"\n[lookup]\nby = ["login_email", "emails"]\n[facts]\n'
                    'login_email = "userName"\nemails = "emails"\nactive = "active"\n', encoding="utf-8")
    return path


def test_an_old_user_id_asked_of_a_store_that_records_none_is_not_not_found(run, tmp_path: Path) -> None:
    """A16-3: "no user has these details", though no look-up by an old user ID was made."""
    mapping = str(_no_legacy(tmp_path))
    result = run("--sandbox", "--mapping", mapping, "diagnose", "ESIM0042", "--no-audit", "--json",
                 "--lang", "en")
    data = json.loads(result.stdout)
    assert (data["outcome"], data["rule"], data["step"], data["considered"][-2:], data["evidence"]) == (
        "not-searched", "lookup.unsearchable", None, [
            {"rule": "lookup.not-found", "service": None, "fired": None, "read": {"identifier": "esim0042"},
             "unknown": ["legacy_user_id"]},
            {"rule": "lookup.unsearchable", "service": None, "fired": True,
             "read": {"identifier": "esim0042"}, "unknown": []}],
        [{"rule": "lookup.unsearchable", "fact": "identifier", "value": "esim0042"},
         {"rule": "lookup.unsearchable", "fact": "unknown", "value": ["legacy_user_id"]}])
    assert data["script"]["text"].startswith(
        "I can't look people up by the old user ID here. Please tell me the e-mail address you log in with, "
        "or your name and your organisation. If I still can't find you,")
    assert "ESIM0042" not in data["script"]["text"]
    screen = run("--sandbox", "--mapping", mapping, "diagnose", "ESIM0042", "--no-audit", "--ui-lang", "en")
    assert screen.stdout.splitlines()[:3] == [
        "Old user IDs can't be looked up here — ask for the login address",
        "Do this: The directory records no old user IDs, so none was looked up: ask for",
        "the login address, or the caller's name (diagnose \"NAME\" --org ORGANISATION)."]


def test_an_e_mail_address_not_found_through_the_same_mapping_is_still_not_found(run, tmp_path: Path) -> None:
    result = run("--sandbox", "--mapping", str(_no_legacy(tmp_path)), "diagnose", "nobody@example.fi",
                 "--no-audit", "--json")
    assert json.loads(result.stdout)["considered"][-1]["fired"] is True


def test_a_draft_replaces_an_attribute_no_user_carries_by_one_they_do() -> None:
    """A16-3 (draft): employeeNumber, declared but on no user, was kept while the users carried
    another legacy ID attribute: every look-up by an old user ID then found no one."""
    schemas = [{"id": ENTERPRISE, "attributes": [{"name": "employeeNumber", "type": "string"}]},
               {"id": "urn:ietf:params:scim:schemas:core:2.0:User",
                "attributes": [{"name": "userName", "type": "string"}]}]
    users = [{"id": "u-1", "userName": "aino@example.fi", LOGIN: {"legacyUserId": "ESIM0101"}},
             {"id": "u-2", "userName": "olli@example.fi"}]
    made = draft(preset("scim-core"), schemas, users)
    assert parse(made.text, "draft").facts["legacy_user_id"] == Fact(
        "legacy_user_id", (Source(f"{LOGIN}:legacyUserId"),))
    assert f"# {ENTERPRISE}:employeeNumber is on none of the 2 users listed first\n" in made.text
    assert made.replaced[0] == ("legacy_user_id", f"{ENTERPRISE}:employeeNumber", f"{LOGIN}:legacyUserId")


class Locked(MemoryKeyring):
    """A keyring that stores but can't read (locked, a D-Bus fault)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("locked")


def test_a_login_into_a_keyring_that_cannot_be_read_keeps_the_entry_there_before(run, env) -> None:
    """A16-1: the previous entry, unreadable, was taken for none and deleted by the undo."""
    import keyring

    backend = Locked()
    backend.entries[("postisupport", "k:token")] = "the entry before"
    keyring.set_keyring(backend)
    result = run("auth", "login", "--profile", "k", "--api", "https://idp.example.com/scim/v2",
                 "--with-token", "--no-check", input="KrSecret-abcdefgh-123456\n")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", "postisupport: error: no usable keyring to store the secret in (RuntimeError): "
        "set the token in POSTISUPPORT_TOKEN instead, or install a keyring backend\n")
    assert (backend.entries, (env.config_dir / "config.toml").exists()) == (
        {("postisupport", "k:token"): "the entry before"}, False)


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\n[facts]\nlogin_email = "userName"\nactive = ' + "[" * 600 + "]" * 600 + "\n",
     "m.toml: not valid TOML (nested too deeply)"),
    ('name = "x"\n[facts]\nlogin_email = "userName"\n[facts.active]\npath = 5\n',
     "m.toml:4: facts.active: path must be a non-empty string"),
    ('name = "x"\nfacts = {login_email = "userName", active = 5}\n',
     "m.toml:2: facts.active: must be an attribute path, a table, or a list of tables"),
    ('name = "x"\n[facts]\nlogin_email = "userName"\nactive.path = 5\n',
     "m.toml:4: facts.active: path must be a non-empty string"),
    ('name = "x"\n[facts]\nlogin_email = "userName"\n[organisations]\nfrom = "attribute"\n',
     "m.toml:4: organisations.attribute: needs the user's attribute that names it"),
])
def test_a_mapping_file_that_cannot_be_used_is_refused_with_its_line(run, tmp_path: Path, text: str,
                                                                     message: str) -> None:
    """A16-2 (RecursionError was an internal error), A16-8 (no line)."""
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    result = run("--sandbox", "--mapping", str(tmp_path / "m.toml"), "mapping", "show")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: --mapping: {tmp_path}/{message}\n")


def test_a_mapping_file_with_a_bom_is_read_and_a_folder_is_refused_as_one(run, tmp_path: Path) -> None:
    (tmp_path / "bom.toml").write_bytes(b'\xef\xbb\xbfname = "bom"\n[facts]\nlogin_email = "userName"\n')
    (tmp_path / "adir.toml").mkdir()
    shown = run("--sandbox", "--mapping", str(tmp_path / "bom.toml"), "mapping", "show")
    assert (shown.exit_code, shown.stdout.splitlines()[0]) == (0, 'name = "bom"')
    folder = run("--sandbox", "--mapping", str(tmp_path / "adir.toml"), "mapping", "show")
    assert (folder.exit_code, folder.stderr) == (
        ExitStatus.USAGE, f"postisupport: error: --mapping: {tmp_path}/adir.toml: is a folder, not a mapping "
        "file\n")


def test_a_draft_is_not_written_to_a_file_named_dash(run, tmp_path: Path, monkeypatch) -> None:
    """A16-7: `--draft-mapping -` wrote a file "-"."""
    monkeypatch.chdir(tmp_path)
    result = run("--sandbox", "doctor", "--draft-mapping", "-")
    assert (result.exit_code, result.stdout, result.stderr, list(tmp_path.iterdir())) == (
        ExitStatus.USAGE, "", "postisupport: error: -: a draft is written to a file, not to standard output "
        "(the checks go there): name a new file\n", [])


def test_the_sandbox_neither_uses_nor_checks_a_token_left_in_the_environment(run, environ) -> None:
    """A16-9: a short POSTISUPPORT_TOKEN stopped every sandbox command."""
    environ["POSTISUPPORT_TOKEN"] = "abc"
    result = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--json")
    assert (result.exit_code, json.loads(result.stdout)["rule"]) == (0, "login.reset-pending")
    elsewhere = run("--api", "https://idp.example.com/scim/v2", "diagnose", "ESIM0042", "--no-audit")
    assert (elsewhere.exit_code, elsewhere.stderr) == (
        ExitStatus.USAGE, "postisupport: error: POSTISUPPORT_TOKEN: only 3 character(s); a real one has at "
        "least 8\n")


@pytest.mark.parametrize("suffix", ["csv", "ndjson"])
def test_an_output_is_resumed_only_through_the_mapping_it_was_written_through(run, tmp_path: Path,
                                                                              suffix: str) -> None:
    """A16-6: a resume through another mapping mixed two mappings' decisions in one output."""
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\nESIM0105\n", encoding="utf-8")
    out = tmp_path / f"out.{suffix}"
    first = run("--sandbox", "--mapping", "scim-core", "bulk", str(source), "-o", str(out), "-q",
                "--no-audit")
    assert first.exit_code == 0, first.stderr
    before = out.read_bytes()
    for mode in ("--resume", "--retry-failed"):
        again = run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit", mode)
        assert (again.exit_code, again.stderr, out.read_bytes()) == (
            ExitStatus.USAGE, f"postisupport: error: {out} was written through the mapping scim-core, and "
            "this run reads through postisupport (the default): its rows would be decided two ways; resume "
            "through the same mapping, or start a new output\n", before)
    same = run("--sandbox", "--mapping", "scim-core", "bulk", str(source), "-o", str(out), "-q", "--no-audit",
               "--resume")
    assert (same.exit_code, same.stderr) == (0, "")


@pytest.mark.parametrize("suffix", ["csv", "ndjson"])
def test_an_output_of_the_default_mapping_names_none_and_is_not_resumed_through_another(
        run, tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\nESIM0105\n", encoding="utf-8")
    out = tmp_path / f"out.{suffix}"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--no-audit").exit_code == 0
    text = out.read_text(encoding="utf-8")
    # As outputs always were: no mapping column, no mapping key.
    assert "mapping" not in text
    before = out.read_bytes()
    again = run("--sandbox", "--mapping", "wso2", "bulk", str(source), "-o", str(out), "-q", "--no-audit",
                "--resume")
    assert (again.exit_code, again.stderr, out.read_bytes()) == (
        ExitStatus.USAGE, f"postisupport: error: {out} was written through the mapping postisupport (the "
        "default), and this run reads through wso2: its rows would be decided two ways; resume through the "
        "same mapping, or start a new output\n", before)


def test_a_csv_output_read_through_a_mapping_says_so_in_a_column_before_the_inputs_own(run,
                                                                                      tmp_path: Path) -> None:
    import csv

    source = tmp_path / "in.csv"
    source.write_text("email,mapping\nESIM0042,mine\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run("--sandbox", "--mapping", "scim-core", "bulk", str(source), "-o", str(out), "-q", "--no-audit",
               "--no-excel").exit_code == 0
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert (rows[0][12:], rows[1][0], rows[1][12:]) == (["error", "mapping", "input_mapping"], "1",
                                                          ["", "scim-core", "mine"])
    resumed = run("--sandbox", "--mapping", "scim-core", "bulk", str(source), "-o", str(out), "-q",
                  "--no-audit", "--no-excel", "--resume")
    assert (resumed.exit_code, resumed.stderr) == (0, "")


def test_an_edited_mapping_file_is_another_mapping_to_a_resume(run, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('name = "mine"\n[facts]\nlogin_email = "userName"\nemails = "emails"\n', encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("aino.korhonen@esimerkki.example.fi\n", encoding="utf-8")
    out = tmp_path / "out.ndjson"
    assert run("--sandbox", "--mapping", str(mine), "bulk", str(source), "-o", str(out), "-q",
               "--no-audit").exit_code == 0
    import hashlib
    written = f"mine.toml sha256:{hashlib.sha256(mine.read_bytes()).hexdigest()[:12]}"
    assert json.loads(out.read_text(encoding="utf-8"))["mapping"] == written
    mine.write_text(mine.read_text(encoding="utf-8") + 'active = "active"\n', encoding="utf-8")
    edited = f"mine.toml sha256:{hashlib.sha256(mine.read_bytes()).hexdigest()[:12]}"
    again = run("--sandbox", "--mapping", str(mine), "bulk", str(source), "-o", str(out), "-q", "--no-audit",
                "--resume")
    assert (again.exit_code, again.stderr) == (
        ExitStatus.USAGE, f"postisupport: error: {out} was written through the mapping {written}, and this "
        f"run reads through {edited}: its rows would be decided two ways; resume through the same mapping, "
        "or start a new output\n")
