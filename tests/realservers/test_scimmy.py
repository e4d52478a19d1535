"""SCIMMY (scimmy + scimmy-routers on express, default schemas plus EnterpriseUser), as it comes:
its handlers filter with SCIMMY's own Filter over the resources as SCIMMY presents them."""

from __future__ import annotations

import pytest

from tests.realservers.helpers import checks, postisupport, user_names
from tests.realservers.seed import ENTERPRISE, LEGACY

pytestmark = pytest.mark.slow


def test_eq_is_case_sensitive(scimmy_server):
    assert user_names(scimmy_server.users('userName eq "aino.virtanen@example.fi"')) == [
        "aino.virtanen@example.fi"
    ]
    assert user_names(scimmy_server.users('userName eq "AINO.VIRTANEN@EXAMPLE.FI"')) == []
    assert user_names(scimmy_server.users('userName eq "sanna.koski@example.com"')) == []  # stored mixed case
    assert user_names(scimmy_server.users('emails.value eq "aino.v@example.net"')) == [
        "aino.virtanen@example.fi"
    ]
    assert user_names(scimmy_server.users('emails.value eq "AINO.V@EXAMPLE.NET"')) == []


def test_an_unknown_attribute_matches_nothing_and_is_dropped_beside_a_known_one(scimmy_server):
    assert user_names(scimmy_server.users(f'{LEGACY} eq "ESIM0101"')) == []
    assert user_names(scimmy_server.users('bogus eq "x"')) == []
    assert user_names(scimmy_server.users(f'userName eq "aino.virtanen@example.fi" or {LEGACY} eq "x"')) == [
        "aino.virtanen@example.fi"
    ]


def test_the_enterprise_extension_is_presented_but_its_full_path_matches_nothing(scimmy_server):
    aino = scimmy_server.get(f"Users/{scimmy_server.ids['aino']}").json()
    assert aino[ENTERPRISE] == {"organization": "Esimerkki Oy", "employeeNumber": "ESIM0101"}
    assert user_names(scimmy_server.users(f'{ENTERPRISE}:employeeNumber eq "ESIM0101"')) == []


def test_a_filter_on_roles_is_answered_400(scimmy_server):
    for scim_filter in ('roles eq "admin"', 'roles.value eq "admin"'):
        response = scimmy_server.users(scim_filter)
        assert response.status_code == 400
        assert response.json()["scimType"] == "invalidValue"


def test_user_groups_is_filled_and_both_membership_filters_apply(scimmy_server):
    aino = scimmy_server.get(f"Users/{scimmy_server.ids['aino']}").json()
    assert [g["display"] for g in aino["groups"]] == ["Esimerkki Oy"]
    members = scimmy_server.users(f'groups.value eq "{scimmy_server.ids["esimerkki"]}"')
    assert user_names(members) == ["ESIM0105", "aino.virtanen@example.fi", "matti.makinen@example.fi"]
    groups = scimmy_server.get("Groups", filter=f'members.value eq "{scimmy_server.ids["aino"]}"').json()
    assert [g["displayName"] for g in groups["Resources"]] == ["Esimerkki Oy"]


def test_a_quote_escaped_in_a_filter_value_is_answered_400(scimmy_server):
    assert scimmy_server.users(r'userName eq "a\"b@example.com"').status_code == 400


def test_today_a_member_of_an_organisation_ends_in_exit_5_at_the_admins_filter(run, environ, scimmy_server):
    result = postisupport(run, environ, scimmy_server, "diagnose", "--json", "aino.virtanen@example.fi")
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "HTTP 400" in result.stderr


def test_today_a_user_in_no_group_is_told_no_organisation(run, environ, scimmy_server):
    result = postisupport(run, environ, scimmy_server, "diagnose", "--json", "olli.vapaa@example.net")
    assert result.exit_code == 0
    document = result.json()
    assert (document["matched_by"], document["rule"]) == ("userName", "login.no-organisation")


def test_today_doctor_exits_8_and_finds_the_case_sensitive_eq(run, environ, scimmy_server):
    result = postisupport(run, environ, scimmy_server, "doctor", "--json")
    assert result.exit_code == 8
    found = checks(result)
    assert found["case-insensitive"]["status"] == "warn"
    assert found["escaping"]["status"] == "fail"
    assert found["extensions"]["status"] == "warn"
    assert found["user-groups"]["status"] == "pass"


def test_doctor_fails_the_filters_check_with_its_consequence(run, environ, scimmy_server):
    found = checks(postisupport(run, environ, scimmy_server, "doctor", "--json"))
    assert found["filters"]["status"] == "fail"
    assert found["filters"]["consequence"]


def test_scim_core_doctor_positive_controls_fail_and_doctor_never_exits_0(run, environ, scimmy_server):
    result = postisupport(run, environ, scimmy_server, "--mapping", "scim-core", "doctor", "--json")
    assert result.exit_code == 8
    assert checks(result)["positive-controls"]["status"] == "fail"


def test_scim_core_a_user_in_no_organisation_with_the_unknowns(run, environ, scimmy_server):
    result = postisupport(
        run, environ, scimmy_server, "--mapping", "scim-core", "diagnose", "--json", "olli.vapaa@example.net"
    )
    assert result.exit_code == 0
    document = result.json()
    assert document["rule"] == "login.no-organisation"
    assert {"reset_requested", "last_login"} <= set(document["unknown"])
