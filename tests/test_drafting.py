"""doctor --draft-mapping (issue 14, section 4): the mapping in force made to fit a server, from what it
declares in /Schemas and what the users it lists first carry."""

from __future__ import annotations

from pathlib import Path

from postisupport.cli.main import ExitStatus
from postisupport.idp.drafting import draft
from postisupport.idp.mapping import Fact, Organisations, Source, parse, preset

WSO2 = "urn:scim:wso2:schema"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


def schema(urn: str, *attributes: tuple[str, str]) -> dict[str, object]:
    return {"id": urn, "attributes": [{"name": name, "type": kind} for name, kind in attributes]}


SCHEMAS = [
    schema(CORE, ("userName", "string"), ("emails", "complex"), ("active", "boolean"),
           ("roles", "complex")),
    schema(ENTERPRISE, ("employeeNumber", "string"), ("organization", "string")),
    schema(WSO2, ("lastLoginTime", "string"), ("accountLocked", "boolean"),
           ("forcePasswordReset", "boolean")),
]
USERS = [
    {"id": "u-1", "userName": "aino@example.fi", "emails": [{"value": "aino@example.fi"}], "active": True,
     "roles": [{"value": "admin"}],
     ENTERPRISE: {"employeeNumber": "ESIM0101", "organization": "Esimerkki Oy"},
     WSO2: {"lastLoginTime": "1611212400000", "accountLocked": False}},
    {"id": "u-2", "userName": "olli@example.fi", "active": True,
     ENTERPRISE: {"organization": "Esimerkki Oy"}},
]


def test_a_draft_keeps_what_the_server_has_and_replaces_what_it_lacks_by_the_names_stores_use() -> None:
    made = draft(preset("postisupport"), SCHEMAS, USERS)
    mapping = parse(made.text, "draft")
    assert {name: fact for name, fact in mapping.facts.items()} == {
        "login_email": Fact("login_email", (Source("userName"),)),
        "emails": Fact("emails", (Source("emails"),)),
        "legacy_user_id": Fact("legacy_user_id", (Source(f"{ENTERPRISE}:employeeNumber"),)),
        "active": Fact("active", (Source("active"),)),
        # Declared by no schema and on no user: left out, so unknown for everyone.
        "reset_requested": Fact("reset_requested", (Source(f"{WSO2}:forcePasswordReset"),), "unknown"),
        # Read as the wso2 preset reads it (A19-13): WSO2 writes it only when its listeners run.
        "last_login": Fact("last_login", (Source(f"{WSO2}:lastLoginTime", format="epoch-ms"),), "unknown"),
        "locked": Fact("locked", (Source(f"{WSO2}:accountLocked"),)),
    }
    assert (mapping.organisations, mapping.administrators is not None) == (
        Organisations("attribute", attribute=f"{ENTERPRISE}:organization"), True)
    assert made.replaced == (
        ("legacy_user_id", "urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId",
         f"{ENTERPRISE}:employeeNumber"),
        ("reset_requested", "urn:postisupport:scim:schemas:extension:login:1.0:User:forcePasswordReset",
         f"{WSO2}:forcePasswordReset"),
        ("last_login", "urn:postisupport:scim:schemas:extension:login:1.0:User:lastLoginTime",
         f"{WSO2}:lastLoginTime"),
        ("locked", "urn:postisupport:scim:schemas:extension:login:1.0:User:accountLocked",
         f"{WSO2}:accountLocked"))
    assert made.unmapped == ("language", "phone", "services", "reset_sent_at", "reset_sent_to",
                             "password_changed_at", "last_failed_login")
    assert "# on none of the 2 users listed first, so an absent one is unknown\n" \
           f'reset_requested = {{path = "{WSO2}:forcePasswordReset", absent = "unknown"}}' in made.text


def test_a_draft_reads_what_a_preset_reads_as_that_preset_does() -> None:
    """A19-13: a draft from a WSO2-shaped server took lastLoginTime with absent meaning never (an
    administrator WSO2 has no time for was "not logged in since the renewal"), and never proposed
    accountState, so a pending change (PENDING_FUPR) or a lock told by it was missed."""
    users = [{**USERS[0], WSO2: {**USERS[0][WSO2], "accountState": "PENDING_FUPR"}}, USERS[1]]
    made = draft(preset("postisupport"), SCHEMAS, users)
    mapping = parse(made.text, "draft")
    state = f"{WSO2}:accountState"
    assert [mapping.facts[name] for name in ("active", "reset_requested", "locked")] == [
        Fact("active", (Source("active"), Source(state, ("DISABLED",), invert=True))),
        Fact("reset_requested", (Source(f"{WSO2}:forcePasswordReset"),
                                 Source(state, ("PENDING_FUPR", "PENDING_AP")))),
        Fact("locked", (Source(f"{WSO2}:accountLocked"), Source(state, ("LOCKED",))))]
    assert f"# found {state} on the users, read as the preset wso2 reads it\n" in made.text
    assert f"# found {WSO2}:lastLoginTime (string), read as the preset wso2 reads it\n" in made.text


def test_without_schemas_a_draft_uses_what_the_users_carry() -> None:
    made = draft(preset("scim-core"), None, USERS)
    mapping = parse(made.text, "draft")
    # What no user carries is not proposed: nothing tells that the server keeps it.
    assert list(mapping.facts) == ["login_email", "emails", "legacy_user_id", "active", "locked",
                                   "last_login"]
    assert mapping.facts["last_login"] == Fact(
        "last_login", (Source(f"{WSO2}:lastLoginTime", format="epoch-ms"),), "unknown")


def test_doctor_writes_the_draft_and_says_what_it_changed(run, tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    result = run("--sandbox", "--mapping", "wso2", "doctor", "--draft-mapping", str(target))
    # Through wso2 no sandbox user has an organisation (they are in Groups): doctor fails it, and drafts.
    assert result.exit_code == ExitStatus.DOCTOR_FAILED, result.stderr
    login = "urn:postisupport:scim:schemas:extension:login:1.0:User"
    assert result.stderr == (
        f"postisupport: wrote a draft mapping to {target}; replaced legacy_user_id: "
        f"{ENTERPRISE}:employeeNumber -> {login}:legacyUserId; locked: {WSO2}:accountLocked -> "
        f"{login}:accountLocked; reset_requested: {WSO2}:forcePasswordReset -> {login}:forcePasswordReset; "
        f"last_login: {WSO2}:lastLoginTime -> {login}:lastLoginTime; password_changed_at: "
        f"{WSO2}:lastPasswordUpdateTime -> {login}:lastPasswordUpdateTime; added reset_sent_to: "
        f"{login}:passwordResetSentTo; reset_sent_at: {login}:passwordResetSentAt; last_failed_login: "
        f"{login}:lastFailedLoginTime. Check it, then run doctor again with --mapping {target}\n")
    again = run("--sandbox", "--mapping", str(target), "doctor", "--json")
    assert again.exit_code == 0, again.stderr


def test_doctor_writes_a_draft_only_to_a_new_file_and_refuses_before_asking_anything(
        run, tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("kept\n")
    trace = tmp_path / "trace.log"
    result = run("--sandbox", "--trace", str(trace), "doctor", "--draft-mapping", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "",
        f"postisupport: error: {target}: exists; a draft is written only to a new file: name another one\n")
    assert (target.read_text(), trace.exists()) == ("kept\n", False)
