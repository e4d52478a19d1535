"""From parsed resources to facts: matching, pending resets, who the administrators are."""

from __future__ import annotations

from typing import Any

from postisupport import facts, urns
from postisupport.models import Group, Snapshot, User


def user(id: str, login: str, **extra: Any) -> User:
    return User.parse({"id": id, "userName": login, "emails": [{"value": login}], **extra})


ORG = {"id": "g-1", "displayName": "Esimerkki Oy",
       urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", "services": []}}


def test_match_prefers_the_login_address() -> None:
    u = user("1", "Aino@Example.fi", emails=[{"value": "aino@example.fi"}],
             **{urns.LOGIN_EXTENSION: {"legacyUserId": "aino@example.fi"}})
    assert facts.matched_by(u, "aino@example.fi") == "userName"


def test_match_by_other_address_and_legacy_id_ignoring_case() -> None:
    u = user("1", "aino@example.fi", emails=[{"value": "aino@example.fi"}, {"value": "A@Home.example.net"}],
             **{urns.LOGIN_EXTENSION: {"legacyUserId": "ESIM0042"}})
    assert facts.matched_by(u, "a@home.example.net") == "email"
    assert facts.matched_by(u, "esim0042") == "legacyUserId"
    assert facts.matched_by(u, "someone@example.fi") is None


def test_users_the_server_returned_that_do_not_match_are_noted_not_used() -> None:
    snap = Snapshot("aino@example.fi", [user("1", "aino@example.fi"), user("2", "other@example.fi")])
    built = facts.build(snap)
    assert built.user is not None and built.user.id == "1"
    assert any("do not answer" in p for p in built.problems)


def test_admins_are_active_admin_members_other_than_the_user() -> None:
    me = user("1", "me@example.fi", groups=[{"value": "g-1"}])
    admin = user("2", "boss@example.fi", roles=[{"value": "Admin"}], groups=[{"value": "g-1"}],
                 displayName="Boss")
    retired = user("3", "old@example.fi", roles=[{"value": "admin"}], groups=[{"value": "g-1"}],
                   active=False)
    elsewhere = user("4", "x@example.fi", roles=[{"value": "admin"}], groups=[{"value": "g-2"}])
    snap = Snapshot("me@example.fi", [me], [Group.parse(ORG)], [me, admin, retired, elsewhere])
    built = facts.build(snap)
    assert [(a.id, a.display_name, a.email) for a in built.admins] == [("2", "Boss", "boss@example.fi")]
    assert built.inactive_admins == 1


def test_groups_without_the_extension_are_not_organisations() -> None:
    me = user("1", "me@example.fi")
    snap = Snapshot("me@example.fi", [me], [Group.parse({"id": "g-9", "displayName": "Readers"})])
    assert facts.build(snap).organisation is None


def test_several_organisations_are_noted() -> None:
    me = user("1", "me@example.fi")
    second = {**ORG, "id": "g-2", "displayName": "Toinen Oy"}
    built = facts.build(Snapshot("me@example.fi", [me], [Group.parse(ORG), Group.parse(second)]))
    assert built.organisation is not None and built.organisation.id == "g-1"
    assert any("2 organisations" in p for p in built.problems)


def test_resource_problems_reach_the_facts() -> None:
    me = user("1", "me@example.fi", active="sometimes")
    built = facts.build(Snapshot("me@example.fi", [me]))
    assert any(p.startswith("user 1: active") for p in built.problems)


def test_display_name_falls_back_to_the_name() -> None:
    me = user("1", "me@example.fi", name={"givenName": "Aino", "familyName": "Korhonen"})
    assert facts.user_facts(me).display_name == "Aino Korhonen"
