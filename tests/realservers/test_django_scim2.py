"""django-scim2 with its default adapters and default filter map (userName, name.givenName,
name.familyName, active), as it comes."""

from __future__ import annotations

import pytest

from tests.realservers.helpers import checks, postisupport, user_names
from tests.realservers.seed import ENTERPRISE, LEGACY

pytestmark = pytest.mark.slow


def test_userName_eq_is_case_insensitive(django_server):
    assert user_names(django_server.users('userName eq "AINO.VIRTANEN@EXAMPLE.FI"')) == [
        "aino.virtanen@example.fi"
    ]
    assert user_names(django_server.users('userName eq "sanna.koski@example.com"')) == [
        "Sanna.Koski@Example.com"
    ]


def test_filters_outside_the_default_map_are_silently_dropped(django_server):
    # Alone, a filter on an unmapped attribute matches nobody: emails.value is not in the default map.
    assert user_names(django_server.users('emails.value eq "aino.virtanen@example.fi"')) == []
    assert user_names(django_server.users(f'{LEGACY} eq "ESIM0101"')) == []
    assert user_names(django_server.users('bogus eq "x"')) == []
    # Beside a mapped one it is dropped, so the filter says something else than was asked.
    assert user_names(django_server.users('userName eq "aino.virtanen@example.fi" or bogus eq "x"')) == [
        "aino.virtanen@example.fi"
    ]
    assert user_names(
        django_server.users('userName eq "aino.virtanen@example.fi" and emails.value eq "nobody@example.com"')
    ) == ["aino.virtanen@example.fi"]


def test_the_enterprise_extension_and_roles_are_not_kept_and_one_e_mail_is(django_server):
    aino = django_server.get(f"Users/{django_server.ids['aino']}").json()
    assert ENTERPRISE not in aino and "roles" not in aino
    assert [e["value"] for e in aino["emails"]] == ["aino.virtanen@example.fi"]  # aino.v@example.net is gone
    assert [g["display"] for g in aino["groups"]] == ["Esimerkki Oy"]


def test_membership_filters_match_nothing(django_server):
    groups = django_server.get("Groups", filter=f'members.value eq "{django_server.ids["aino"]}"').json()
    assert groups["totalResults"] == 0
    assert user_names(django_server.users(f'groups.value eq "{django_server.ids["esimerkki"]}"')) == []


def test_today_every_user_found_is_told_no_organisation(run, environ, django_server):
    for identifier in ("aino.virtanen@example.fi", "lauri.nieminen@example.com"):
        result = postisupport(run, environ, django_server, "diagnose", "--json", identifier)
        assert result.exit_code == 0
        assert result.json()["matched_by"] == "userName"
        assert result.json()["rule"] == "login.no-organisation"


def test_today_a_legacy_id_or_an_other_e_mail_is_not_found(run, environ, django_server):
    for identifier in ("ESIM0101", "aino.v@example.net"):
        result = postisupport(run, environ, django_server, "diagnose", "--json", identifier)
        assert result.exit_code == 0
        assert result.json()["outcome"] == "not-found"


def test_today_doctor_exits_8(run, environ, django_server):
    result = postisupport(run, environ, django_server, "doctor", "--json")
    assert result.exit_code == 8
    found = checks(result)
    assert found["service-provider-config"]["status"] == "warn"  # it says filter: not supported
    assert found["escaping"]["status"] == "fail"
    assert found["attributes"]["status"] == "warn"


def test_doctor_fails_the_filters_check_with_its_consequence(run, environ, django_server):
    found = checks(postisupport(run, environ, django_server, "doctor", "--json"))
    assert found["filters"]["status"] == "fail"
    assert found["filters"]["consequence"]


def test_doctor_does_not_pass_the_membership_filters(run, environ, django_server):
    found = checks(postisupport(run, environ, django_server, "doctor", "--json"))
    assert found["membership-filters"]["status"] != "pass"


def test_scim_core_doctor_positive_controls_fail(run, environ, django_server):
    result = postisupport(run, environ, django_server, "--mapping", "scim-core", "doctor", "--json")
    assert result.exit_code == 8
    found = checks(result)
    assert found["positive-controls"]["status"] == "fail"
    assert found["coverage"]["status"] != "pass"  # no user carries an employeeNumber or organization


def test_scim_core_a_deactivated_user_with_the_unknowns(run, environ, django_server):
    result = postisupport(
        run,
        environ,
        django_server,
        "--mapping",
        "scim-core",
        "diagnose",
        "--json",
        "lauri.nieminen@example.com",
    )
    assert result.exit_code == 0
    document = result.json()
    assert document["user"]["active"] is False
    assert {"reset_requested", "last_login", "locked"} <= set(document["unknown"])
    assert document["user"]["lastLoginTime"] is None
