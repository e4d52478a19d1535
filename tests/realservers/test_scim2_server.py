"""Stock scim2-server (its own CLI, the standard schemas only), as it comes."""

from __future__ import annotations

import pytest

from tests.realservers.helpers import checks, postisupport, user_names
from tests.realservers.seed import ENTERPRISE, LEGACY

pytestmark = pytest.mark.slow


def test_userName_and_emails_value_eq_are_case_insensitive(scim2_server):
    assert user_names(scim2_server.users('userName eq "AINO.VIRTANEN@EXAMPLE.FI"')) == [
        "aino.virtanen@example.fi"
    ]
    assert user_names(scim2_server.users('userName eq "sanna.koski@example.com"')) == [
        "Sanna.Koski@Example.com"
    ]
    assert user_names(scim2_server.users('emails.value eq "AINO.V@EXAMPLE.NET"')) == [
        "aino.virtanen@example.fi"
    ]


def test_the_enterprise_extension_is_filtered_by_its_full_path(scim2_server):
    response = scim2_server.users(f'{ENTERPRISE}:employeeNumber eq "ESIM0101"')
    assert user_names(response) == ["aino.virtanen@example.fi"]
    assert user_names(scim2_server.users('roles.value eq "admin"')) == [
        "Sanna.Koski@Example.com",
        "matti.makinen@example.fi",
    ]


def test_an_unknown_attribute_in_a_filter_is_refused_even_beside_a_known_one(scim2_server):
    for scim_filter in (
        f'{LEGACY} eq "ESIM0101"',
        f'userName eq "aino.virtanen@example.fi" or {LEGACY} eq "x"',
    ):
        response = scim2_server.users(scim_filter)
        assert response.status_code == 400
        assert response.json()["scimType"] == "invalidFilter"
        assert response.json()["detail"] == "Field not found: legacyUserId"


def test_it_does_not_fill_user_groups_but_applies_members_value(scim2_server):
    aino = scim2_server.get(f"Users/{scim2_server.ids['aino']}").json()
    assert not aino.get("groups")
    groups = scim2_server.get("Groups", filter=f'members.value eq "{scim2_server.ids["aino"]}"').json()
    assert [g["displayName"] for g in groups["Resources"]] == ["Esimerkki Oy"]


@pytest.mark.parametrize("identifier", ["aino.virtanen@example.fi", "ESIM0101", "olli.vapaa@example.net"])
def test_today_every_diagnosis_ends_in_exit_5_naming_the_refused_field(
    run, environ, scim2_server, identifier
):
    result = postisupport(run, environ, scim2_server, "diagnose", "--json", identifier)
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "HTTP 400" in result.stderr and "Field not found: legacyUserId" in result.stderr


def test_today_doctor_fails_the_filters_check_and_warns_of_the_missing_extensions(run, environ, scim2_server):
    result = postisupport(run, environ, scim2_server, "doctor", "--json")
    assert result.exit_code == 8
    found = checks(result)
    assert found["filters"]["status"] == "fail"
    assert "Field not found: legacyUserId" in found["filters"]["detail"]
    assert found["extensions"]["status"] == "warn"
    assert found["case-insensitive"]["status"] == "pass"
    assert found["user-groups"]["status"] == "warn"


# With the scim-core mapping (issue 14, section 3): today there is no --mapping, so each is a usage error.


def test_scim_core_doctor_passes_with_positive_controls_and_coverage(run, environ, scim2_server):
    result = postisupport(run, environ, scim2_server, "--mapping", "scim-core", "doctor", "--json")
    found = checks(result)
    assert result.exit_code == 0, found["coverage"]
    assert found["positive-controls"]["status"] in ("pass", "warn")
    assert found["coverage"]["status"] in ("pass", "warn")
    assert all({"id", "status", "detail", "consequence"} <= set(check) for check in found.values())


@pytest.mark.parametrize(
    ("identifier", "matched_by"),
    [
        ("aino.virtanen@example.fi", "userName"),
        ("AINO.VIRTANEN@example.fi", "userName"),
        ("aino.v@example.net", "email"),
        ("ESIM0101", "legacyUserId"),
    ],
)
def test_scim_core_finds_aino_in_her_organisation(run, environ, scim2_server, identifier, matched_by):
    result = postisupport(
        run, environ, scim2_server, "--mapping", "scim-core", "diagnose", "--json", identifier
    )
    assert result.exit_code == 0
    document = result.json()
    assert document["matched_by"] == matched_by
    assert document["user"]["userName"] == "aino.virtanen@example.fi"
    assert document["organisation"]["name"] == "Esimerkki Oy"
    assert document["organisation"]["businessId"] is None  # unknown in scim-core
    assert "Matti Mäkinen" in [a["displayName"] for a in document["admins"] + document["unable_admins"]]
    assert document["rule"] != "login.no-organisation"


def test_scim_core_states_the_unknowns_never_never(run, environ, scim2_server):
    result = postisupport(
        run, environ, scim2_server, "--mapping", "scim-core", "diagnose", "--json", "aino.virtanen@example.fi"
    )
    assert result.exit_code == 0
    document = result.json()
    assert {"reset_requested", "last_login", "locked", "organisation_services", "business_id"} <= set(
        document["unknown"]
    )
    assert document["user"]["lastLoginTime"] is None
    assert document["rule"] != "login.reset-pending"  # a reset nobody records is never said to be pending
    screen = postisupport(
        run, environ, scim2_server, "--mapping", "scim-core", "diagnose", "aino.virtanen@example.fi"
    ).stdout
    assert "never" not in screen.lower()


def test_scim_core_a_user_in_no_organisation(run, environ, scim2_server):
    result = postisupport(
        run, environ, scim2_server, "--mapping", "scim-core", "diagnose", "--json", "olli.vapaa@example.net"
    )
    assert result.exit_code == 0
    assert (result.json()["outcome"], result.json()["rule"]) == (
        "contact-customer-service",
        "login.no-organisation",
    )


@pytest.mark.parametrize(
    ("identifier", "user_name", "active"),
    [("lauri.nieminen@example.com", "lauri.nieminen@example.com", False), ("ESIM0105", "ESIM0105", True)],
)
def test_scim_core_deactivated_and_legacy_user_name(
    run, environ, scim2_server, identifier, user_name, active
):
    result = postisupport(
        run, environ, scim2_server, "--mapping", "scim-core", "diagnose", "--json", identifier
    )
    assert result.exit_code == 0
    document = result.json()
    assert document["user"]["userName"] == user_name
    assert document["user"]["active"] is active
    assert document["rule"] != "login.reset-pending"



def test_a_draft_mapping_from_the_default_one_fits_the_stock_server(run, environ, scim2_server, tmp_path):
    """Issue 14, section 4: doctor --draft-mapping replaces what the server lacks (here it comes out as
    scim-core), and doctor run with the draft passes, saying what is still unknown."""
    from dataclasses import replace

    from postisupport.idp.mapping import load, preset

    draft = tmp_path / "mine.toml"
    made = postisupport(run, environ, scim2_server, "doctor", "--draft-mapping", str(draft))
    assert made.exit_code == 8  # the default mapping's look-up is refused here
    assert made.stderr == (
        f"postisupport: wrote a draft mapping to {draft}; replaced legacy_user_id: "
        "urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId -> "
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber; unknown for everyone: "
        "reset_requested, reset_sent_at, reset_sent_to, password_changed_at, last_login, last_failed_login, "
        f"locked. Check it, then run doctor again with --mapping {draft}\n")
    drafted, core = load(str(draft)), preset("scim-core")
    # What none of its users carries is read as unknown when absent, not as none.
    unknown = {name: replace(core.facts[name], absent="unknown")
               for name in ("language", "phone", "services")}
    assert (drafted.facts, drafted.lookup, drafted.organisations, drafted.administrators) == (
        {**core.facts, **unknown}, core.lookup, core.organisations, core.administrators)
    again = postisupport(run, environ, scim2_server, "--mapping", str(draft), "doctor", "--json")
    assert again.exit_code == 0
    found = checks(again)
    assert [c for c, check in found.items() if check["status"] != "pass"] == ["coverage"]
    assert found["coverage"]["consequence"] == "language, phone, services unknown in every diagnosis"


def test_doctor_fails_a_mapping_that_reads_states_from_an_extension_the_server_does_not_have(
        run, environ, scim2_server, tmp_path):
    """Attack 25, F4: a mapping that reads the last login, the lock and the pending change from an
    extension the server neither declares nor puts on any user read them as "none" for everyone (never
    logged in, so no administrator could act), and doctor passed. It fails (exit 8)."""
    shown = run("--mapping", "scim-core", "mapping", "show")
    nowhere = "urn:example:nonexistent:2.0:User"
    text = shown.stdout.replace("[facts]\n", f'[facts]\nlast_login = "{nowhere}:lastLogin"\n'
                                f'locked = "{nowhere}:locked"\nreset_requested = "{nowhere}:mustChange"\n')
    mapping = tmp_path / "m1.toml"
    mapping.write_text(text)
    result = postisupport(run, environ, scim2_server, "--mapping", str(mapping), "doctor", "--json")
    coverage = checks(result)["coverage"]
    assert (result.exit_code, coverage["status"]) == (8, "fail"), coverage
    assert coverage["consequence"].endswith(
        "last_login, locked, reset_requested read as none for everyone (never logged in, not locked, no "
        "change asked), from an extension this server does not have: every diagnosis, and whether any "
        "administrator can act, would be wrong")
    # The preset it was made from, whose states are unknown, still passes.
    plain = postisupport(run, environ, scim2_server, "--mapping", "scim-core", "doctor", "--json")
    assert plain.exit_code == 0
