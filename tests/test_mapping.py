"""Issue 14, section 3: attribute mappings (TOML), the presets, and reading through them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from postisupport.idp import urns
from postisupport.idp.mapping import (
    PRESETS,
    Administrators,
    MappingError,
    Organisations,
    load,
    parse,
    preset,
    resolve,
)
from postisupport.idp.reading import contract_group, contract_user, is_contract, user_facts
from postisupport.sources.scim.filters import admins_filter, lookup_filter, members_filter

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WSO2 = "urn:scim:wso2:schema"
PRESET_DIR = Path(__file__).resolve().parents[1] / "postisupport" / "idp" / "presets"


def test_the_presets_say_what_each_leaves_unknown_for_everyone() -> None:
    assert {name: sorted(preset(name).unrecorded) for name in PRESETS} == {
        "postisupport": [],
        "scim-core": ["business_id", "force_password_reset", "last_failed_login", "last_login",
                      "last_password_update", "locked", "organisation_services", "reset_sent_at",
                      "reset_sent_to"],
        "wso2": ["business_id", "last_failed_login", "organisation_services", "reset_sent_at",
                 "reset_sent_to"],
    }
    assert preset("scim-core").organisations == Organisations(
        "attribute", attribute=f"{ENTERPRISE}:organization", absent="none")
    assert preset("scim-core").administrators == Administrators("roles.value", "admin")


def test_each_preset_is_the_file_shipped_and_a_copy_of_it_reads_alike(tmp_path: Path) -> None:
    for name in PRESETS:
        text = (PRESET_DIR / f"{name}.toml").read_text("utf-8")
        assert preset(name).text == text
        copy = tmp_path / f"{name}-copy.toml"
        copy.write_text(text, "utf-8")
        loaded = load(str(copy))
        assert (loaded.facts, loaded.lookup, loaded.organisations, loaded.administrators) == (
            preset(name).facts, preset(name).lookup, preset(name).organisations, preset(name).administrators)
    assert is_contract(load(str(tmp_path / "postisupport-copy.toml")))
    assert not is_contract(preset("scim-core"))


def test_the_look_up_filter_names_only_the_mapped_attributes() -> None:
    assert lookup_filter("ESIM0101", attributes=preset("scim-core").lookup_paths) == (
        f'userName eq "ESIM0101" or emails.value eq "ESIM0101" or {ENTERPRISE}:employeeNumber eq "ESIM0101"')
    assert lookup_filter("a@example.fi", attributes=preset("scim-core").lookup_paths) == (
        'userName eq "a@example.fi" or userName eq "A@EXAMPLE.FI" or emails.value eq "a@example.fi" or '
        f'emails.value eq "A@EXAMPLE.FI" or {ENTERPRISE}:employeeNumber eq "a@example.fi" or '
        f'{ENTERPRISE}:employeeNumber eq "A@EXAMPLE.FI"')
    mine = parse('[lookup]\nby = ["emails"]\n[facts]\nemails = "emails"\n', "mine.toml")
    assert lookup_filter("x@example.fi", upper=False, attributes=mine.lookup_paths) == (
        'emails.value eq "x@example.fi"')


def test_administrators_and_members_of_an_organisation_named_by_an_attribute() -> None:
    core = preset("scim-core")
    assert admins_filter(["Esimerkki Oy"], core) == (
        f'roles.value eq "admin" and ({ENTERPRISE}:organization eq "Esimerkki Oy")')
    assert members_filter("Esimerkki Oy", core) == f'{ENTERPRISE}:organization eq "Esimerkki Oy"'
    assert admins_filter(["g1", "g2"], preset("postisupport")) == (
        'roles.value eq "admin" and (groups.value eq "g1" or groups.value eq "g2")')
    assert members_filter("g1", preset("postisupport")) == 'groups.value eq "g1"'


def test_resolve_takes_a_urn_sub_attributes_and_any_case() -> None:
    user = {"userName": "a@example.fi", "Emails": [{"VALUE": "a@example.fi"}, {"value": "b@example.fi"}, "x"],
            ENTERPRISE.upper(): {"EmployeeNumber": "ESIM0101", "manager": {"value": "m1"}}}
    assert resolve(user, "USERNAME") == "a@example.fi"
    assert resolve(user, "emails.value") == ["a@example.fi", "b@example.fi"]
    assert resolve(user, f"{ENTERPRISE}:employeeNumber") == "ESIM0101"
    assert resolve(user, f"{ENTERPRISE}:manager.value") == "m1"
    assert resolve(user, f"{ENTERPRISE}:costCenter") is None
    assert resolve(user, f"{WSO2}:accountLocked") is None
    assert resolve(user, "name.givenName") is None


def _core_user(**extra: object) -> dict[str, object]:
    return {"id": "u1", "userName": "aino.virtanen@example.fi", "displayName": "Aino Virtanen",
            "emails": [{"value": "aino.virtanen@example.fi", "primary": True},
                       {"value": "aino.v@example.net"}],
            "active": True, "roles": [{"value": "Admin"}],
            ENTERPRISE: {"organization": "Esimerkki Oy", "employeeNumber": "ESIM0101"}, **extra}


def test_scim_core_reads_the_enterprise_extension_into_the_facts() -> None:
    facts = user_facts(_core_user(), preset("scim-core"))
    assert (facts.user_name, facts.emails, facts.legacy_user_id, facts.active, facts.is_admin,
            facts.group_ids) == ("aino.virtanen@example.fi",
                                 ("aino.virtanen@example.fi", "aino.v@example.net"),
                                 "ESIM0101", True, True, ("Esimerkki Oy",))
    assert sorted(facts.unknown) == ["force_password_reset", "last_failed_login", "last_login",
                                     "last_password_update", "locked", "reset_sent_at", "reset_sent_to"]
    assert (facts.force_password_reset, facts.locked, facts.last_login) == (False, False, None)
    assert facts.problems == ()


def test_scim_core_an_absent_organization_is_no_organisation_and_no_role_no_administrator() -> None:
    user = _core_user(roles=[{"value": "user"}])
    del user[ENTERPRISE]
    facts = user_facts(user, preset("scim-core"))
    assert (facts.group_ids, facts.is_admin, facts.legacy_user_id) == ((), False, None)
    assert "organisation" not in facts.unknown and "legacy_user_id" not in facts.unknown


def test_an_absent_attribute_mapped_as_unknown_is_unknown_for_that_user_only() -> None:
    mine = parse('[facts]\nlogin_email = "userName"\nlast_login = { path = "lastSeen", absent = "unknown" }\n'
                 '[organisations]\nfrom = "attribute"\nattribute = "company"\nabsent = "unknown"\n',
                 "mine.toml")
    without = user_facts({"id": "u1", "userName": "a@example.fi"}, mine)
    assert {"last_login", "organisation"} <= without.unknown
    seen = user_facts({"id": "u2", "userName": "b@example.fi", "lastSeen": "2021-03-01T08:00:00Z",
                       "company": "Esimerkki Oy"}, mine)
    assert "last_login" not in seen.unknown and "organisation" not in seen.unknown
    assert seen.last_login == datetime(2021, 3, 1, 8, tzinfo=UTC)
    assert seen.group_ids == ("Esimerkki Oy",)


def _wso2(**wso2: object) -> dict[str, object]:
    return _core_user(**{WSO2: wso2})


@pytest.mark.parametrize(("attributes", "forced", "locked", "active"), [
    ({"forcePasswordReset": True}, True, False, True),
    ({"accountState": "PENDING_FUPR"}, True, False, True),
    ({"accountState": "pending_ap"}, True, False, True),
    ({"accountState": "UNLOCKED", "accountLocked": "false"}, False, False, True),
    ({"accountLocked": True, "accountState": "LOCKED"}, False, True, True),
    ({"accountState": "LOCKED"}, False, True, True),
    ({"accountDisabled": True}, False, False, False),
    ({"accountDisabled": "true"}, False, False, False),
    ({"accountState": "DISABLED"}, False, False, False),
])
def test_wso2_account_state_and_flags(attributes: dict[str, object], forced: bool, locked: bool,
                                      active: bool) -> None:
    facts = user_facts(_wso2(**attributes), preset("wso2"))
    assert (facts.force_password_reset, facts.locked, facts.active) == (forced, locked, active)
    assert not {"force_password_reset", "locked", "active"} & facts.unknown
    assert facts.problems == ()


def test_wso2_reads_epoch_milliseconds_and_iso_date_times_alike() -> None:
    facts = user_facts(_wso2(lastLoginTime="1614585600000", lastPasswordUpdateTime="2019-05-14T12:00:00Z"),
                       preset("wso2"))
    assert (facts.last_login, facts.last_password_update) == (
        datetime(2021, 3, 1, 8, tzinfo=UTC), datetime(2019, 5, 14, 12, tzinfo=UTC))
    assert facts.unknown == frozenset({"reset_sent_at", "reset_sent_to", "last_failed_login"})


def test_wso2_an_absent_login_time_is_unknown_and_an_unreadable_flag_too() -> None:
    facts = user_facts(_wso2(forcePasswordReset="sometimes", lastLoginTime="99999999999999999999"),
                       preset("wso2"))
    assert {"force_password_reset", "last_login", "last_password_update"} <= facts.unknown
    assert facts.force_password_reset is False and facts.last_login is None
    assert facts.problems == (
        "forcePasswordReset: 'sometimes' ignored (not a boolean (true or false))",
        "lastLoginTime: '99999999999999999999' ignored (not a dateTime (YYYY-MM-DDThh:mm:ss))",
    )


def test_a_told_problem_outweighs_an_unreadable_attribute_beside_it() -> None:
    facts = user_facts(_wso2(accountLocked="maybe", accountState="LOCKED"), preset("wso2"))
    assert facts.locked is True and "locked" not in facts.unknown


def test_groups_read_through_a_mapping_of_their_own_extension() -> None:
    mine = parse('[facts]\nlogin_email = "userName"\n[organisations]\nfrom = "groups"\n'
                 'extension = "urn:example:Org"\nbusiness_id = "urn:example:Org:vat"\n', "mine.toml")
    group = {"id": "g1", "displayName": "Esimerkki Oy", "urn:example:Org": {"vat": "1234567-8"}}
    assert contract_group(group, mine) == {"id": "g1", "displayName": "Esimerkki Oy", "urn:example:Org": {
        "vat": "1234567-8"}, urns.ORGANISATION_EXTENSION: {"businessId": "1234567-8"}}
    assert urns.ORGANISATION_EXTENSION not in contract_group({"id": "g2", "displayName": "Team"}, mine)
    assert contract_user({"id": "u1", "userName": "a@example.fi"}, mine)[0] == {
        "id": "u1", "userName": "a@example.fi"}


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\n[facts]\nlast_logn = "x"\n',
     "mine.toml:3: facts.last_logn: not a fact of the vocabulary (one of login_email, legacy_user_id, "
     "reset_sent_to, language, emails, phone, services, reset_requested, locked, active, reset_sent_at, "
     "password_changed_at, last_login, last_failed_login)"),
    ('[facts]\nlogin_email = "user Name"\n',
     "mine.toml:2: facts.login_email: 'user Name' is not an attribute path (e.g. userName, emails.value, "
     "urn:...:User:employeeNumber)"),
    ('[facts]\n\nlast_login = { path = "x", absent = "never" }\n',
     "mine.toml:3: facts.last_login: absent is \"none\" or \"unknown\", not 'never'"),
    ('[facts]\nlogin_email = "userName"\n[lookup]\nby = ["legacy_user_id"]\n',
     "mine.toml:4: lookup.by: 'legacy_user_id' is not mapped in [facts]"),
    ('[facts]\nlogin_email = "userName"\n[organisations]\nfrom = "ldap"\n',
     "mine.toml:4: organisations.from: 'ldap' is neither \"groups\" nor "
     "\"attribute\""),
    ('[facts]\nlanguage = { path = "x", format = "epoch-ms" }\n',
     "mine.toml:2: facts.language: format is \"datetime\" or \"epoch-ms\", for reset_sent_at, "
     "password_changed_at, last_login, last_failed_login only"),
    ('[facts]\n', "mine.toml:1: facts.login_email: no fact to look a caller up by: map one of login_email, "
     "emails, legacy_user_id at least"),
    ('title = "x"\n',
     "mine.toml:1: title: not a key of a mapping (one of administrators, description, facts, "
     "lookup, name, organisations)"),
    ('[facts]\nlogin_email = "userName\n', "mine.toml:2: not valid TOML (Illegal character '\\n')"),
])
def test_a_bad_mapping_names_the_file_the_line_and_the_key(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse(text, "mine.toml")
    assert str(caught.value) == message


def test_a_bad_mapping_file_is_a_usage_error_of_one_line(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[facts]\nlocked = ["x"]\n', "utf-8")
    result = run("--sandbox", "--mapping", str(bad), "diagnose", "ESIM0042")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"postisupport: error: --mapping: {bad}:2: facts.locked: must be an attribute "
                             "path, a table, or a list of tables\n")
    result = run("--sandbox", "--mapping", str(tmp_path / "none.toml"), "diagnose", "ESIM0042")
    assert (result.exit_code, result.stderr) == (
        2, f"postisupport: error: --mapping: {tmp_path / 'none.toml'}: no such mapping file, nor a preset "
           "(postisupport, scim-core, wso2)\n")


def test_mapping_show_prints_the_mapping_in_force_by_flag_environment_or_profile(run, environ,
                                                                                 tmp_path) -> None:
    assert run("mapping", "show").stdout == preset("postisupport").text
    assert run("--mapping", "wso2", "mapping", "show").stdout == preset("wso2").text
    environ["POSTISUPPORT_MAPPING"] = "scim-core"
    assert run("mapping", "show").stdout == preset("scim-core").text
    assert run("mapping", "show", "--mapping", "wso2").stdout == preset("wso2").text  # the flag first
    del environ["POSTISUPPORT_MAPPING"]
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "desk"\n[profiles.desk]\nmapping = "scim-core"\n', "utf-8")
    environ["POSTISUPPORT_CONFIG"] = str(config)
    assert run("mapping", "show").stdout == preset("scim-core").text
    listed = run("mapping", "list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == [*PRESETS, "ad", "openldap"]
    assert listed[-1] == ("openldap       (LDAP) OpenLDAP with ppolicy, memberof and lastbind: the nearest "
                          "organization or OU is the organisation")
    assert run("--mapping", "ad", "mapping", "show").stdout.startswith(
        "# Active Directory and Samba AD (docs/identity-api.md")


def test_a_copy_of_the_default_mapping_diagnoses_as_the_default(run, tmp_path: Path) -> None:
    copy = tmp_path / "mine.toml"
    copy.write_text(run("mapping", "show").stdout, "utf-8")
    for identifier in ("ESIM0042", "aino.korhonen@esimerkki.example.fi", "ESIM0001"):
        default = run("--sandbox", "--no-audit", "diagnose", "--json", "--verified", identifier)
        mine = run("--sandbox", "--no-audit", "--mapping", str(copy), "diagnose", "--json", "--verified",
                   identifier)
        assert (mine.exit_code, mine.stdout) == (default.exit_code, default.stdout)


@pytest.mark.parametrize("sent", ["1614585600", "0", 1614585600])
def test_wso2_epoch_seconds_or_nought_are_no_login_time(sent: object) -> None:
    """F29-9: 1614585600 (seconds, 2021-03-01) read as milliseconds was 19.1.1970, and 0 was 1.1.1970: an
    administrator "not logged in since the renewal", the call escalated. Before 2000 is no moment."""
    facts = user_facts(_wso2(lastLoginTime=sent, lastPasswordUpdateTime="2019-05-14T12:00:00Z"),
                       preset("wso2"))
    assert (facts.last_login, "last_login" in facts.unknown, facts.problems) == (
        None, True, (f"lastLoginTime: {sent!r} ignored (not a dateTime (YYYY-MM-DDThh:mm:ss))",))
