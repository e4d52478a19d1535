"""Tolerant parsing: a broken attribute is noted, never a crash, and never sinks the resource."""

from __future__ import annotations

from datetime import UTC, datetime

from postisupport.idp import urns
from postisupport.idp.models import Group, User


def test_a_well_formed_user_reads_fully() -> None:
    user = User.parse({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", urns.LOGIN_EXTENSION],
        "id": "u-1", "userName": "aino@example.fi", "displayName": "Aino K",
        "active": True, "preferredLanguage": "sv-FI",
        "emails": [{"value": "aino@example.fi", "primary": True}],
        "roles": [{"value": "admin"}], "entitlements": [{"value": "reports", "display": "R"}],
        "groups": [{"value": "g-1", "display": "Org"}],
        urns.LOGIN_EXTENSION: {"legacyUserId": "ESIM1", "forcePasswordReset": True,
                               "passwordResetSentAt": "2021-01-17T06:00:00Z"},
    })
    assert user.problems == []
    assert user.login is not None and user.login.legacy_user_id == "ESIM1"
    assert user.login.password_reset_sent_at == datetime(2021, 1, 17, 6, tzinfo=UTC)
    assert [g.value for g in user.groups] == ["g-1"]


def test_malformed_attributes_become_noted_problems() -> None:
    user = User.parse({
        "id": "u-1", "userName": "aino@example.fi",
        "active": "perhaps",
        "emails": [{"value": "not-an-address"}, "garbage", {"value": 5}],
        "roles": "admin",
        urns.LOGIN_EXTENSION: {"passwordResetSentAt": "yesterday", "forcePasswordReset": True},
    })
    assert user.active is None
    assert user.roles == []
    assert [e.value for e in user.emails] == ["not-an-address", None]
    assert user.login is not None and user.login.force_password_reset is True
    assert user.login.password_reset_sent_at is None
    joined = " | ".join(user.problems)
    for expected in ("active: 'perhaps'", "roles: 'admin' ignored (not a list)",
                     "emails: 'garbage'", "passwordResetSentAt: 'yesterday'",
                     "'not-an-address' is not an e-mail address"):
        assert expected in joined


def test_attribute_names_are_case_insensitive() -> None:
    user = User.parse({"ID": "u-1", "USERNAME": "a@example.fi", "Emails": [{"VALUE": "a@example.fi"}],
                       urns.LOGIN_EXTENSION.upper(): {"LEGACYUSERID": "X1"}})
    assert (user.id, user.user_name, user.emails[0].value) == ("u-1", "a@example.fi", "a@example.fi")
    assert user.login is not None and user.login.legacy_user_id == "X1"


def test_missing_id_and_user_name_are_noted() -> None:
    user = User.parse({"displayName": "Nobody"})
    assert user.problems[0] == "id: missing"
    assert any("userName: missing" in p for p in user.problems)


def test_a_dateTime_without_zone_is_read_as_utc() -> None:
    user = User.parse({"id": "1", "userName": "a@example.fi",
                       urns.LOGIN_EXTENSION: {"lastLoginTime": "2021-01-17T08:00:00"}})
    assert user.login is not None
    assert user.login.last_login_time == datetime(2021, 1, 17, 8, tzinfo=UTC)


def test_the_login_extension_itself_may_be_malformed() -> None:
    user = User.parse({"id": "1", "userName": "a@example.fi", urns.LOGIN_EXTENSION: "oops"})
    assert user.login is None
    assert any(p.startswith("login:") for p in user.problems)


def test_long_values_are_shortened_in_problem_notes() -> None:
    user = User.parse({"id": "1", "userName": "a@example.fi", "active": "x" * 500})
    quoted = "'" + "x" * 56 + "..."
    assert user.problems == [
        f"active: {quoted} ignored (not a boolean (true or false))"]


def test_organisation_group() -> None:
    group = Group.parse({"id": "g", "displayName": "Org", urns.ORGANISATION_EXTENSION: {
        "businessId": "2345678-0", "services": [{"value": "reports"}, 42]}})
    assert group.organisation is not None
    assert [s.value for s in group.organisation.services] == ["reports"]
    assert group.problems
    assert Group.parse({"id": "g", "displayName": "Readers"}).organisation is None


def test_an_id_of_the_wrong_type_is_noted_once_and_read_as_none() -> None:
    user = User.parse({"id": ["u-1"], "userName": "a@example.fi"})
    assert (user.id, user.problems) == (None, ["id: ['u-1'] ignored (not a string)"])


def test_a_bad_attribute_inside_a_list_item_is_named_with_its_list() -> None:
    user = User.parse({"id": "1", "userName": "a@example.fi",
                       "groups": [{"value": {"id": "g"}}, {"value": "g-2"}, 7]})
    assert ([g.value for g in user.groups], user.problems) == ([None, "g-2"], [
        "groups.value: {'id': 'g'} ignored (not a string)",
        "groups: 7 ignored (not an object)",
    ])
