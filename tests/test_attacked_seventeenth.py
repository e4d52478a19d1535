"""Issues 12 and 14, the seventeenth attack pass (A17): each finding's case, as it was found, answered
truthfully with one line and a documented exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from keyring.errors import KeyringLocked, PasswordDeleteError

from postisupport.cli.main import ExitStatus
from postisupport.idp.drafting import draft
from postisupport.idp.mapping import parse, preset
from tests.conftest import MemoryKeyring

CONTRACT = ('name = "mine"\n[lookup]\nby = BY\n[facts]\nlogin_email = "userName"\nemails = "emails"\n'
            'legacy_user_id = "urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId"\n')

# An attribute sent twice with different values, in one case or in two (names are case-insensitive).
TWICE = "sent 2 times with different values (names are case-insensitive), so none is read"


@pytest.mark.parametrize(("by", "left"), [('["login_email", "legacy_user_id"]', "emails"),
                                          ('["login_email", "emails"]', "legacy_user_id")])
def test_a_mapping_that_looks_up_by_less_than_it_maps_is_refused(run, tmp_path: Path, by: str,
                                                                 left: str) -> None:
    """A17-2: a caller's other address, mapped but not looked up by, was "no user has these details"."""
    mine = tmp_path / "mine.toml"
    mine.write_text(CONTRACT.replace("BY", by), encoding="utf-8")
    result = run("--sandbox", "--mapping", str(mine), "diagnose", "erik@lindqvist.example.net", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: --mapping: {mine}:3: lookup.by: leaves out {left}, "
        "which [facts] maps: a caller who gives one would be told no user has it, unasked; list it, or "
        "leave the fact out (then it is unknown for everyone)\n")


def test_a_draft_leaves_out_what_no_mapping_can_name_and_still_reads_back() -> None:
    """A17-5: an extension URN with "/" or a control character was an internal error, and the checks
    doctor had run were lost."""
    users = [{"id": "u-1", "userName": "a@example.fi", "urn:acme:ext/v1": {"legacyUserId": "ESIM0101"},
              "urn:evil\r:ext": {"legacyUserId": "X"}}]
    made = draft(preset("scim-core"), None, users)
    parse(made.text, "the draft")
    assert [line for line in made.text.splitlines() if "Left out" in line] == [
        "# Left out, as no mapping can name them: urn:acme:ext/v1:legacyUserId, "
        "urn:evil\\r:ext:legacyUserId."]


def test_doctor_fails_a_mapping_whose_facts_read_as_none_for_everyone(run) -> None:
    """A17-6: doctor said every legacy-ID caller is told "not found" and every user "no organisation",
    and exited 0."""
    result = run("--sandbox", "--mapping", "scim-core", "doctor", "--json")
    checks = {c["id"]: c for c in json.loads(result.stdout)}
    assert (result.exit_code, checks["coverage"]["status"], checks["coverage"]["consequence"]) == (
        ExitStatus.DOCTOR_FAILED, "fail", "a caller who gives their legacy user ID is told no user has these "
        "details; every user will be told they have no organisation")
    assert checks["coverage"]["detail"].endswith(
        "carried by no one, so unknown (or none) for everyone: legacy_user_id, organisation (doctor "
        "--draft-mapping FILE proposes what this server has for them)")


class Locked(MemoryKeyring):
    """A keyring that holds entries but can't be read (a locked collection, no D-Bus session), and can't
    delete either (it says there is nothing to delete)."""

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("locked")
        return super().get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("cannot delete")

    locked = True


def _profile(env, loopback_sandbox: str) -> None:
    config = env.config_dir / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[profiles.p]\napi_url = "{loopback_sandbox}"\n', encoding="utf-8")


def test_a_keyring_that_cannot_be_read_is_said_so_never_taken_for_no_secret(run, env,
                                                                           loopback_sandbox: str) -> None:
    """A17-7: "token none", "no token was sent ... store one with auth login" while one was stored."""
    import keyring

    backend = Locked()
    backend.entries[("postisupport", "p:token")] = json.dumps(
        {"secret": "sandbox-token-0123", "api_url": loopback_sandbox, "token_url": None})
    keyring.set_keyring(backend)
    _profile(env, loopback_sandbox)
    said = ("postisupport: error: profile p: the keyring could not be read (KeyringLocked), so its token "
            "can't be used: unlock the keyring and run this again\n")
    diagnosed = run("--profile", "p", "diagnose", "ESIM0042", "--no-audit")
    status = run("--profile", "p", "auth", "status")
    assert [(r.exit_code, r.stdout, r.stderr) for r in (diagnosed, status)] == [
        (ExitStatus.USAGE, "", said), (ExitStatus.USAGE, "", said)]
    shown = json.loads(run("--profile", "p", "config", "show", "--json").stdout)["settings"]["token"]
    assert shown == {"value": "not set", "origin": "keyring", "from": None, "refused": said.removeprefix(
        "postisupport: error: ").rstrip("\n")}


def test_a_logout_the_keyring_refuses_is_no_removal(run, env, loopback_sandbox: str) -> None:
    """A17-8: a PasswordDeleteError for an entry that is there was "no secret was stored", exit 0."""
    import keyring

    backend = Locked()
    backend.locked = False
    backend.entries[("postisupport", "p:token")] = "stored"
    keyring.set_keyring(backend)
    result = run("auth", "logout", "--profile", "p")
    assert (result.exit_code, result.stderr, backend.entries) == (
        ExitStatus.USAGE, "postisupport: error: no usable keyring to remove the secret from "
        "(PasswordDeleteError): nothing was removed; a secret stored there stays until the keyring works "
        "again\n", {("postisupport", "p:token"): "stored"})


def test_a_relative_mapping_in_the_config_file_is_the_one_beside_it(run, env, tmp_path: Path,
                                                                   monkeypatch) -> None:
    """A17-9: the same profile read another mapping file (or none) in each folder it was run from."""
    folder = env.config_dir
    folder.mkdir(parents=True, exist_ok=True)
    mapping = '[facts]\nlogin_email = "userName"\n'
    (folder / "mine.toml").write_text(f'name = "beside"\n{mapping}', encoding="utf-8")
    (folder / "config.toml").write_text('default_profile = "w"\n[profiles.w]\nmapping = "mine.toml"\n',
                                        encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.toml").write_text(f'name = "here"\n{mapping}', encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    shown = run("--sandbox", "mapping", "show")
    assert (shown.exit_code, shown.stdout.splitlines()[0]) == (0, 'name = "beside"')
    preset_named = run("--sandbox", "--mapping", "wso2", "mapping", "show")
    assert 'name = "wso2"' in preset_named.stdout.splitlines()


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _user(**extra: object) -> dict[str, object]:
    return {"id": "u1", "userName": "maija@example.fi", "active": True, "roles": [{"value": "admin"}],
            ENTERPRISE: {"organization": "Esimerkki Oy"}, **extra}


@pytest.mark.parametrize(("roles", "sent"), [("admin", "'admin'"), (["admin"], "['admin']"),
                                           ([{"value": ["admin"]}], "['admin']"), ([{"value": 5}], "5")])
def test_roles_in_the_wrong_shape_through_a_mapping_are_unknown_never_not_an_administrator(
        roles: object, sent: str) -> None:
    """A17-10: through scim-core, an administrator whose roles came in another shape was "not one"."""
    from postisupport.idp.reading import user_facts

    facts = user_facts(_user(roles=roles), preset("scim-core"))
    assert (facts.is_admin, "administrators" in facts.unknown, "administrators" in facts.untold,
            facts.problems) == (False, True, False, (f"roles.value: {sent} ignored (not a list of values)",))


@pytest.mark.parametrize(("organization", "problems"), [
    ("", ()), ([], ()), ([""], ()),
    ("  ", (f"{ENTERPRISE}:organization: '  ' ignored (a blank name)",)),
])
def test_an_organisation_sent_empty_is_absent_and_what_the_mapping_says_absent_means(
        organization: object, problems: tuple[str, ...]) -> None:
    """A17-11: with absent = "unknown", an empty or blank name was "no organisation" (or one named "  ")."""
    from importlib import resources

    from postisupport.idp.reading import user_facts

    text = resources.files("postisupport.idp.presets").joinpath("scim-core.toml").read_text("utf-8")
    unknown_when_absent = parse(text.replace('absent = "none"', 'absent = "unknown"'), "mine")
    facts = user_facts(_user(**{ENTERPRISE: {"organization": organization}}), unknown_when_absent)
    assert (facts.group_ids, "organisation" in facts.untold, facts.problems) == ((), True, problems)
    none = user_facts(_user(**{ENTERPRISE: {"organization": organization}}), preset("scim-core"))
    assert (none.group_ids, "organisation" in none.unknown) == ((), False)


def test_what_a_directory_does_not_record_of_an_organisation_is_not_shown_as_none(run) -> None:
    """A17-12: "The organisation has no services." and "(no business ID)" under scim-core, which records
    neither."""
    from tests.test_attacked_sixteenth import Rewriting

    def named(user: dict) -> None:
        user[ENTERPRISE] = {"organization": "Esimerkki Oy"}

    from tests.servers import serving

    with serving(Rewriting(named)) as url:
        result = run("--api", url, "--mapping", "scim-core", "diagnose", "aino.korhonen@esimerkki.example.fi",
                     "-s", "invoicing", "--no-audit", "--verified", "--ui-lang", "en")
    text = " ".join(result.stdout.split())
    assert "Organisation Esimerkki Oy (business ID not recorded)" in text
    assert "This directory does not record the organisation's services." in text
    assert "no services" not in text and "no business ID" not in text


def _erik(change):
    """Erik (found by his other address, erik@lindqvist.example.net) with his userName changed."""
    def changed(user: dict) -> None:
        if user.get("userName") == "erik.lindqvist@esimerkki.example.fi":
            change(user)
    return changed


@pytest.mark.parametrize("change", [lambda u: u.pop("userName"), lambda u: u.update(userName=5)],
                         ids=["missing", "unreadable"])
def test_a_login_address_that_cannot_be_read_is_never_said_to_be_another(run, change) -> None:
    """A17-22: with userName missing or unreadable, a caller who gave their other address was told only
    the login address works, as if theirs were not it, and the screen called the request's address "NOT
    THE LOGIN ADDRESS"."""
    from tests.servers import serving
    from tests.test_attacked_sixteenth import Rewriting

    with serving(Rewriting(_erik(change))) as url:
        result = run("--api", url, "diagnose", "erik@lindqvist.example.net", "--no-audit", "--verified",
                     "--ui-lang", "en", "--lang", "en", "--json")
    decision = json.loads(result.stdout)
    check = next(c for c in decision["considered"] if c["rule"] == "login.not-login-email")
    assert (result.exit_code, decision["rule"], check["fired"], check["unknown"]) == (
        0, "login.contact-admin", None, ["login_email"])
    # N13-3: the seed page's own test for the login address, which the directory can't name.
    assert decision["script"]["text"].startswith(
        "Only one e-mail address works for logging in to Posti's business services, and I can't see here "
        "whether the one you gave is it. The address you log in with is the one we sent the password-change "
        "request to on 17 January 2021: please try logging in with that one first. ")
    with serving(Rewriting(_erik(change))) as url:
        screen = run("--api", url, "diagnose", "erik@lindqvist.example.net", "--no-audit", "--verified",
                     "--ui-lang", "en")
    text = " ".join(screen.stdout.split())
    assert "Erik Lindqvist <login address unknown>" in text
    assert "to erik.lindqvist@esimerkki.example.fi Password changed" in text
    assert "NOT THE LOGIN ADDRESS" not in text


def test_an_old_user_id_is_still_not_the_login_when_the_login_address_cannot_be_read(run) -> None:
    """A17-22: the old user ID never works, whatever the login address; which address does is said to be
    unknown here, never left out silently."""
    from tests.servers import serving
    from tests.test_attacked_sixteenth import Rewriting

    with serving(Rewriting(_erik(lambda u: u.update(userName=5)))) as url:
        result = run("--api", url, "diagnose", "ESIM0077", "--no-audit", "--verified", "--lang", "en",
                     "--json")
    decision = json.loads(result.stdout)
    assert (decision["rule"], decision["script"]["text"]) == (
        "login.not-login-email", "You now log in to Posti's business services with your e-mail address: the "
        "old user ID no longer works. I can't see here which e-mail address you log in with. The address you "
        "log in with is the one we sent the password-change request to on 17 January 2021. Please log in "
        "with that address and your current password.")


LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"


@pytest.mark.parametrize("mapping", ["postisupport", "scim-core"])
@pytest.mark.parametrize(("extra", "unknown", "problem"), [
    ({"USERNAME": "b@example.fi"}, {"user_name"}, "userName"),
    ({"Active": False}, {"active"}, "active"),
    ({"EMAILS": [{"value": "c@example.fi"}]}, {"emails"}, "emails"),
])
def test_an_attribute_sent_twice_in_different_case_with_different_values_is_unknown(
        mapping: str, extra: dict, unknown: set[str], problem: str) -> None:
    """A17-13: names are case-insensitive; of two values for one attribute one was read silently."""
    from postisupport.idp.reading import user_facts

    user = {"id": "u1", "userName": "a@example.fi", "active": True, "emails": [{"value": "a@example.fi"}],
            **extra}
    facts = user_facts(user, preset(mapping))
    assert (facts.unknown - facts.untold, facts.problems) == (
        unknown, (f"{problem}: {TWICE}",))
    assert (facts.user_name, facts.active, facts.emails) == (
        None if "user_name" in unknown else "a@example.fi", None if "active" in unknown else True,
        () if "emails" in unknown else ("a@example.fi",))


def test_an_attribute_sent_twice_with_one_value_is_read_and_a_twice_sent_extension_attribute_is_not() -> None:
    from postisupport.idp.reading import user_facts

    same = user_facts({"id": "u1", "userName": "a@example.fi", "USERNAME": "a@example.fi"})
    assert (same.user_name, same.unknown, same.problems) == ("a@example.fi", frozenset(), ())
    locked = user_facts({"id": "u1", "userName": "a@example.fi",
                         LOGIN: {"accountLocked": True, "ACCOUNTLOCKED": False}})
    assert (locked.locked, locked.unknown, locked.problems) == (False, {"locked"}, (
        f"{LOGIN}:accountLocked: {TWICE}",))


@pytest.mark.parametrize("pseudonymise", [[], ["--pseudonymise"]])
@pytest.mark.parametrize("identifier", ["ESIM0101", "matti.makinen@esimerkki.example.fi"])
def test_a_capture_through_a_mapping_that_names_organisations_by_attribute_replays_them(
        run, tmp_path: Path, identifier: str, pseudonymise: list[str]) -> None:
    """A17-14: through scim-core, the organisation became a Group with an empty extension, which a
    sandbox leaves out: the capture was refused ("decides differently"), its replay had no organisation
    and no administrators."""

    sample = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"
    ticket = tmp_path / "ticket.json"
    made = run("--sandbox-data", str(sample), "--mapping", "scim-core", "capture", identifier, "-o",
               str(ticket), *pseudonymise)
    decided = "use-login-email (login.not-login-email)" if identifier == "ESIM0101" else \
        "contact-customer-service (login.user-is-admin)"
    assert (made.exit_code, made.stderr.split(" in ")[0]) == (0, f"captured {decided}")
    data = json.loads(ticket.read_text())
    assert [g["urn:postisupport:scim:schemas:extension:organisation:1.0:Group"]["unknownFacts"]
            for g in data["Groups"]] == [["business_id", "organisation_services"]]
    replayed = run("replay", str(ticket), "--json")
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    captured, now = data["capture"]["diagnosis"], replayed.json()
    assert [now[k] for k in ("outcome", "rule", "evidence", "unknown", "organisation", "admins")] == [
        captured[k] for k in ("outcome", "rule", "evidence", "unknown", "organisation", "admins")]
    assert (len(now["admins"]), now["organisation"]["businessId"]) == (
        0 if identifier.startswith("matti") else 1, None)  # Matti is the one administrator


class NoStartsWith:
    """The demo sandbox (or `data`'s), answering every `sw` filter with no one, or with 400."""

    def __init__(self, status: int = 200, data: Path | None = None) -> None:
        from postisupport.sandbox.app import application

        self.status, self.app = status, application(data)

    async def __call__(self, scope: dict, receive, send) -> None:
        from urllib.parse import parse_qs

        asked = parse_qs(scope.get("query_string", b"").decode()).get("filter", [""])[0]
        if scope["type"] != "http" or " sw " not in asked:
            return await self.app(scope, receive, send)
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0,
                "Resources": []} if self.status == 200 else {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
            "scimType": "invalidFilter", "detail": "sw is not supported"}
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"application/scim+json")]})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@pytest.mark.parametrize(("status", "detail", "consequence"), [
    (200, "a filter for Groups' displayName starting with 'Esimer' misses the organisation the server lists "
          "by that name: the server does not apply `sw`",
     "a look-up by an organisation's name finds no organisation"),
    (400, "the server could not answer: the identity API answered HTTP 400 to GET /Groups: sw is not "
          "supported", "a look-up by an organisation's name stops with an error"),
])
def test_doctor_tests_the_starts_with_filter_a_look_up_by_name_sends(run, status: int, detail: str,
                                                                    consequence: str) -> None:
    """A17-15: doctor passed a server that ignores or refuses `sw`, which every look-up by an
    organisation's name sends."""
    from tests.servers import serving

    with serving(NoStartsWith(status)) as url:
        result = run("--api", url, "doctor", "--json")
    checks = {c["id"]: c for c in json.loads(result.stdout)}
    assert (result.exit_code, checks["name-lookups"]) == (ExitStatus.DOCTOR_FAILED, {
        "id": "name-lookups", "status": "fail", "detail": detail, "consequence": consequence})
    passed = run("--sandbox", "doctor", "--json")
    assert {c["id"]: c for c in json.loads(passed.stdout)}["name-lookups"]["detail"] == (
        "`sw` (starts with) on Groups' displayName is applied: an organisation's first letters find it")


def test_doctor_tests_the_starts_with_filter_on_an_organisation_attribute(run) -> None:
    from tests.servers import serving

    sample = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"
    attribute = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization"
    result = run("--sandbox-data", str(sample), "--mapping", "scim-core", "doctor", "--json")
    assert {c["id"]: c for c in json.loads(result.stdout)}["name-lookups"] == {
        "id": "name-lookups", "status": "pass", "consequence": None,
        "detail": f"`sw` (starts with) on {attribute} is applied: an organisation's first letters find it"}
    with serving(NoStartsWith(200, sample)) as url:
        ignored = run("--api", url, "--mapping", "scim-core", "doctor", "--json")
    assert {c["id"]: c for c in json.loads(ignored.stdout)}["name-lookups"] == {
        "id": "name-lookups", "status": "fail", "consequence": "a look-up by an organisation's name finds no "
        "organisation", "detail": f"a filter for {attribute} starting with 'Esimer' misses the organisation "
        "the server lists by that name: the server does not apply `sw`"}


def test_mask_hides_an_organisation_named_by_an_attribute_in_its_id_too(run) -> None:
    """A17-18: under scim-core an organisation's id is its name, which --mask showed in --json and in
    --explain's ids line."""
    sample = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"
    args = ("--sandbox-data", str(sample), "--mapping", "scim-core", "diagnose", "ESIM0101", "--mask",
            "--no-audit", "--ui-lang", "en")
    document = run(*args, "--json").json()
    assert (document["organisation"]["id"], document["organisations"][0]["id"]) == ("E. O.", "E. O.")
    explained = run(*args, "--explain").stdout
    assert ("ids: user u-101, organisation E. O." in explained, "Esimerkki" in explained) == (True, False)
    assert "Esimerkki" not in json.dumps(document)


def test_a_trace_onto_the_mapping_file_or_the_draft_mapping_is_refused(run, tmp_path: Path) -> None:
    """A17-21: the exchanges were appended to the mapping in force (which no longer parsed) and to
    the draft doctor was about to write."""
    mine = tmp_path / "mine.toml"
    kept = preset_text("scim-core")
    mine.write_text(kept, encoding="utf-8")
    traced = run("--sandbox", "--mapping", str(mine), "--trace", str(mine), "diagnose", "ESIM0042",
                 "--no-audit")
    assert (traced.exit_code, traced.stdout, traced.stderr, mine.read_text(encoding="utf-8")) == (
        ExitStatus.USAGE, "", f"postisupport: error: {mine}: is this command's mapping file (--mapping) too: "
        "name another file for the trace\n", kept)
    draft_file = tmp_path / "draft.toml"
    drafted = run("--sandbox", "--trace", str(draft_file), "doctor", "--draft-mapping", str(draft_file))
    assert (drafted.exit_code, drafted.stderr, draft_file.exists()) == (
        ExitStatus.USAGE, f"postisupport: error: {draft_file}: is this command's draft mapping too: name "
        "another file for the trace\n", False)
    captured = run("--sandbox", "--mapping", str(mine), "capture", "ESIM0042", "-o", str(mine), "--force")
    assert (captured.exit_code, mine.read_text(encoding="utf-8")) == (ExitStatus.USAGE, kept)


def preset_text(name: str) -> str:
    from importlib import resources

    return resources.files("postisupport.idp.presets").joinpath(f"{name}.toml").read_text("utf-8")


def test_an_empty_mapping_or_one_that_is_no_regular_file_is_said_so(run, tmp_path: Path) -> None:
    """A17-17: `--mapping ""` said "`.` is a folder"; a device "no such mapping file"."""
    empty = run("--sandbox", "--mapping", "", "diagnose", "ESIM0042", "--no-audit")
    device = run("--sandbox", "--mapping", "/dev/null", "diagnose", "ESIM0042", "--no-audit")
    assert [(r.exit_code, r.stderr) for r in (empty, device)] == [
        (ExitStatus.USAGE, "postisupport: error: --mapping: '': is empty: name a preset (postisupport, "
         "scim-core, wso2) or a mapping file\n"),
        (ExitStatus.USAGE, "postisupport: error: --mapping: /dev/null: is not a regular file (a device, a "
         "pipe): no mapping file\n")]


def test_the_login_test_is_never_said_of_a_request_sent_to_an_address_no_longer_on_the_account(run) -> None:
    """N14-2: with the login address unreadable, "the address we sent the request to on 17 January 2021"
    was said of a request that went to an address no longer on the account."""
    from tests.servers import serving
    from tests.test_attacked_sixteenth import Rewriting

    def gone(user: dict) -> None:
        user["userName"] = 5
        user[LOGIN]["passwordResetSentTo"] = "vanha@lindqvist.example.net"

    with serving(Rewriting(_erik(gone))) as url:
        result = run("--api", url, "diagnose", "erik@lindqvist.example.net", "--no-audit", "--verified",
                     "--lang", "en", "--json")
    text = result.json()["script"]["text"]
    assert "we sent the password-change request to" not in text
    assert text.startswith("Only one e-mail address works for logging in to Posti's business services, and I "
                           "can't see here whether the one you gave is it. ")


def test_an_old_user_id_with_nothing_to_tell_the_login_address_goes_to_the_administrator(run) -> None:
    """N14-3: the old ID given, the login address unknown and no request date: "log in with your login
    e-mail address", which neither the caller nor the agent knows; the runbook's step 3 is who can."""
    from tests.servers import serving
    from tests.test_attacked_sixteenth import Rewriting

    def unknown(user: dict) -> None:
        user["userName"] = 5
        for sent in ("passwordResetSentAt", "passwordResetSentTo"):
            user[LOGIN].pop(sent)

    with serving(Rewriting(_erik(unknown))) as url:
        document = run("--api", url, "diagnose", "ESIM0077", "--no-audit", "--verified", "--lang", "en",
                       "--json").json()
    check = next(c for c in document["considered"] if c["rule"] == "login.not-login-email")
    assert (document["rule"], check["fired"], check["unknown"]) == (
        "login.contact-admin", None, ["login_email"])
    assert document["script"]["text"].startswith(
        "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
        "works. I can't see here which e-mail address you log in with, and I can't fix")


@pytest.mark.parametrize("mapping", ["postisupport", "scim-core"])
def test_an_items_sub_attribute_sent_twice_in_different_case_is_unknown(mapping: str) -> None:
    """A19-1: roles [{"value": "user", "VALUE": "admin"}] was read silently (the mappings even picked
    different keys): an administrator dropped, or a user made one."""
    from postisupport.idp.reading import user_facts

    user = {"id": "u1", "userName": "a@example.fi", "roles": [{"value": "user", "VALUE": "admin"}],
            "emails": [{"value": "a@example.fi", "Value": "b@example.fi"}]}
    facts = user_facts(user, preset(mapping))
    assert (facts.is_admin, facts.emails, facts.unknown - facts.untold, facts.problems) == (
        False, (), {"administrators", "emails"},
        (f"roles.value: {TWICE}",
         f"emails.value: {TWICE}"))
