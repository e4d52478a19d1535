"""From API resources to facts: reading, matching, pending resets, who the administrators are."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from postisupport.core.facts import (
    Contact,
    Facts,
    Membership,
    OrganisationFacts,
    Service,
    Snapshot,
    UserFacts,
    build,
    matched_by,
    matches,
)
from postisupport.idp import urns
from postisupport.idp.reading import group_facts, user_facts


def user(id: str, login: str, **extra: Any) -> UserFacts:
    return user_facts({"id": id, "userName": login, "emails": [{"value": login}], **extra})


# An administrator who can act logs in: since the renewal, with no failed login after it.
LOGS_IN = {urns.LOGIN_EXTENSION: {"lastLoginTime": "2021-03-01T08:00:00Z"}}
ORG = {"id": "g-1", "displayName": "Esimerkki Oy",
       urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", "services": []}}


def organisation(resource: dict[str, Any] = ORG) -> OrganisationFacts:
    found, problems = group_facts(resource)
    assert found is not None and problems == []
    return found


def snapshot(identifier: str, users: list[UserFacts], **rest: Any) -> Snapshot:
    return Snapshot(identifier, tuple(users), matches(users, identifier), **rest)


def test_match_prefers_the_login_address() -> None:
    u = user("1", "Aino@Example.fi", emails=[{"value": "aino@example.fi"}],
             **{urns.LOGIN_EXTENSION: {"legacyUserId": "aino@example.fi"}})
    assert matched_by(u, "aino@example.fi") == "userName"


def test_match_by_other_address_and_legacy_id_ignoring_case() -> None:
    u = user("1", "aino@example.fi", emails=[{"value": "aino@example.fi"}, {"value": "A@Home.example.net"}],
             **{urns.LOGIN_EXTENSION: {"legacyUserId": "ESIM0042"}})
    assert matched_by(u, "a@home.example.net") == "email"
    assert matched_by(u, "esim0042") == "legacyUserId"
    assert matched_by(u, "someone@example.fi") is None


def test_users_the_server_returned_that_do_not_match_are_noted_not_used() -> None:
    built = build(snapshot("aino@example.fi", [user("1", "aino@example.fi"), user("2", "other@example.fi")]))
    assert built.user is not None and built.user.id == "1"
    assert built.problems == ("the API returned 1 user(s) that do not answer to the identifier",)


def test_admins_are_active_admin_members_other_than_the_user() -> None:
    me = user("1", "me@example.fi", groups=[{"value": "g-1"}])
    admin = user("2", "boss@example.fi", roles=[{"value": "Admin"}], **LOGS_IN, groups=[{"value": "g-1"}],
                 displayName="Boss",
                 emails=[{"value": "x@example.fi"}, {"value": "b@example.fi", "primary": True}])
    retired = user("3", "old@example.fi", roles=[{"value": "admin"}], **LOGS_IN, groups=[{"value": "g-1"}],
                   active=False)
    elsewhere = user("4", "x@example.fi", roles=[{"value": "admin"}], **LOGS_IN, groups=[{"value": "g-2"}])
    plain = user("5", "y@example.fi", groups=[{"value": "g-1"}])
    built = build(snapshot("me@example.fi", [me], organisations=(organisation(),),
                           admins=(me, admin, retired, elsewhere, plain)))
    assert [(a.id, a.display_name, a.email) for a in built.admins] == [("2", "Boss", "b@example.fi")]
    assert built.unable_admins == (Contact("3", None, "old@example.fi", active=False),)
    assert built.inactive_admins == 1


def test_an_admin_without_groups_counts_when_asked_by_membership() -> None:
    me = user("1", "me@example.fi")
    admin = user("2", "boss@example.fi", roles=[{"value": "admin"}], **LOGS_IN)
    built = build(snapshot("me@example.fi", [me], organisations=(organisation(),), admins=(admin,)))
    assert [a.email for a in built.admins] == ["boss@example.fi"]


def test_groups_without_the_extension_are_not_organisations() -> None:
    assert group_facts({"id": "g-9", "displayName": "Readers"}) == (None, [])


def test_several_organisations_are_each_kept_and_the_choice_named() -> None:
    second = organisation({**ORG, "id": "g-2", "displayName": "Toinen Oy"})
    built = build(snapshot("me@example.fi", [user("1", "me@example.fi")],
                           organisations=(organisation(), second)))
    assert built.organisation is not None and built.organisation.id == "g-1"
    assert (built.chosen, built.problems) == ("first", ())
    assert built.memberships == (Membership(organisation()), Membership(second))


def test_with_several_organisations_the_first_whose_administrator_can_act_decides() -> None:
    second = organisation({**ORG, "id": "g-2", "displayName": "Toinen Oy"})
    me = user("1", "me@example.fi", groups=[{"value": "g-1"}, {"value": "g-2"}])
    gone = user("2", "gone@example.fi", roles=[{"value": "admin"}], **LOGS_IN, groups=[{"value": "g-1"}],
                active=False)
    boss = user("3", "boss@example.fi", roles=[{"value": "admin"}], **LOGS_IN, groups=[{"value": "g-2"}])
    built = build(snapshot("me@example.fi", [me], organisations=(organisation(), second),
                           admins=(gone, boss)))
    assert (built.organisation, built.chosen) == (second, "first-with-admin")
    assert built.admins == (Contact("3", None, "boss@example.fi"),)
    gone_contact = Contact("2", None, "gone@example.fi", active=False)
    assert built.memberships == (Membership(organisation(), (gone_contact,)),
                                 Membership(second, (Contact("3", None, "boss@example.fi"),)))


def test_problems_keep_their_order_snapshot_stray_user_groups() -> None:
    me = user("1", "me@example.fi", active="sometimes")
    built = build(Snapshot("me@example.fi", (me, user("2", "x@example.fi")), matches([me], "me@example.fi"),
                           problems=("page problem",), group_problems=("group g-1: bad",)))
    assert built.problems == (
        "page problem",
        "the API returned 1 user(s) that do not answer to the identifier",
        "user 1: active: 'sometimes' ignored (not a boolean (true or false))",
        "group g-1: bad",
    )


def test_ambiguous_keeps_every_candidate_and_no_organisation() -> None:
    one, two = user("1", "a@example.fi"), user("2", "b@example.fi", emails=[{"value": "a@example.fi"}])
    built = build(snapshot("a@example.fi", [one, two], organisations=(organisation(),)))
    assert (built.user, built.candidates, built.organisation, built.matched_by) == (
        None, (one, two), None, None)


def test_display_name_falls_back_to_the_name() -> None:
    me = user("1", "me@example.fi", name={"givenName": "Aino", "familyName": "Korhonen"})
    assert me.display_name == "Aino Korhonen"
    assert user("1", "me@example.fi", name={"formatted": "Dr Aino K"}).display_name == "Dr Aino K"


def test_group_problems_name_the_group() -> None:
    found, problems = group_facts({"id": "g-1", "displayName": "Org",
                                   urns.ORGANISATION_EXTENSION: {"services": "all"}})
    assert found is not None and found.services == ()
    assert problems == ["group g-1: services: 'all' ignored (not a list)"]


def test_nobody_found_is_the_identifier_and_the_strays_only() -> None:
    boss = user("3", "boss@example.fi", roles=[{"value": "admin"}], **LOGS_IN)
    built = build(snapshot("aino@example.fi", [user("2", "other@example.fi")],
                           organisations=(organisation(),), admins=(boss,), users_reported=1))
    assert built == Facts(
        identifier="aino@example.fi", matched_by=None, user=None, candidates=(), organisation=None,
        admins=(),
        problems=("the API returned 1 user(s) that do not answer to the identifier",),
        candidates_reported=0)


def test_ambiguous_facts_are_exactly_the_candidates_and_how_many_the_api_reported() -> None:
    """The API may report more users than one page carried: two read, 25 in all."""
    one, two = user("1", "a@example.fi"), user("2", "b@example.fi", emails=[{"value": "a@example.fi"}])
    retired = user("3", "old@example.fi", roles=[{"value": "admin"}], **LOGS_IN, active=False)
    built = build(snapshot("a@example.fi", [one, two], organisations=(organisation(),), admins=(retired,),
                           users_reported=25))
    assert (built, built.candidates_total) == (Facts(
        identifier="a@example.fi", matched_by=None, user=None, candidates=(one, two), organisation=None,
        admins=(),  problems=(), candidates_reported=25), 25)


def test_one_user_in_one_organisation_is_exactly_that() -> None:
    me = user("1", "me@example.fi", emails=[{"value": "me@example.fi"}, {"value": "me@home.example.net"}])
    boss = user("2", "boss@example.fi", roles=[{"value": "admin"}], **LOGS_IN, displayName="Boss")
    built = build(snapshot("me@home.example.net", [me], organisations=(organisation(),), admins=(boss,)))
    assert built == Facts(
        identifier="me@home.example.net", matched_by="email", user=me, candidates=(),
        organisation=organisation(), admins=(Contact("2", "Boss", "boss@example.fi"),),
        problems=(), memberships=(Membership(organisation(), (Contact("2", "Boss", "boss@example.fi"),)),))


def test_problems_of_a_user_without_an_id_name_it_with_a_question_mark() -> None:
    me = replace(user("1", "me@example.fi"), id=None, problems=("active: 'x' ignored",))
    built = build(snapshot("me@example.fi", [me]))
    assert built.problems == ("user ?: active: 'x' ignored",)


def test_organisations_without_a_name_are_kept_first_as_listed() -> None:
    unnamed = OrganisationFacts("g-2", None, None, ())
    anonymous = OrganisationFacts(None, None, None, ())
    built = build(snapshot("me@example.fi", [user("1", "me@example.fi")],
                           organisations=(unnamed, anonymous, organisation())))
    assert (built.organisation, built.chosen, built.problems) == (unnamed, "first", ())


def test_a_contact_is_the_primary_address_else_the_login_with_the_phone() -> None:
    with_primary = user("1", "me@example.fi", displayName="Me",
                        emails=[{"value": "x@example.fi"}, {"value": "p@example.fi", "primary": True}],
                        phoneNumbers=[{"value": "+358 1"}, {"value": "+358 2", "primary": True}], **LOGS_IN)
    assert with_primary.contact() == Contact("1", "Me", "p@example.fi", "+358 2")
    plain = user("2", "you@example.fi", emails=[], **LOGS_IN)
    assert plain.contact() == Contact("2", None, "you@example.fi", None)


REPORTING, INVOICING = Service("reports", "Reporting"), Service("invoicing", "E-invoicing")


def facts_with(entitlements: tuple[Service, ...], services: tuple[Service, ...] | None) -> Facts:
    me = replace(user("1", "me@example.fi"), entitlements=entitlements)
    org = OrganisationFacts("g-1", "Org", None, services) if services is not None else None
    return Facts("me@example.fi", "userName", me, (), org, (), 0, ())


def test_known_services_are_the_users_then_the_organisations() -> None:
    assert facts_with((REPORTING,), (INVOICING,)).known_services() == (REPORTING, INVOICING)
    assert facts_with((REPORTING,), None).known_services() == (REPORTING,)
    no_user = replace(facts_with((), (INVOICING,)), user=None)
    assert no_user.known_services() == (INVOICING,)


@pytest.mark.parametrize(("asked", "meant"), [
    ("reprots", "reports"), ("Reportign", "Reporting"), ("invoicng", "invoicing"),
    ("E-invocing", "E-invoicing"),
    ("reports", None), ("E-INVOICING", None), ("parcel lockers", None), ("xyz", None),
    ("repo", None), ("report card", None),  # similar, but not a slip
])
def test_a_slip_of_the_keyboard_is_recognised(asked: str, meant: str | None) -> None:
    assert facts_with((REPORTING,), (INVOICING,)).suggestion_for(asked) == meant


def test_no_known_service_means_no_suggestion() -> None:
    assert facts_with((), None).suggestion_for("reprots") is None


def test_an_administrator_without_a_usable_id_is_still_named_and_noted() -> None:
    org = organisation()
    boss = user_facts({"id": {"x": 1}, "userName": "boss@example.fi", "roles": [{"value": "admin"}],
                       "groups": [{"value": "g-1"}], **LOGS_IN})
    aino = user("1", "aino@example.fi", groups=[{"value": "g-1"}])
    built = build(snapshot("aino@example.fi", [aino], organisations=(org,), admins=(boss,)))
    assert (built.admins, built.problems) == ((Contact(None, None, "boss@example.fi"),), (
        "administrator boss@example.fi: id: {'x': 1} ignored (not a string)",))


def test_an_administrator_without_an_id_or_a_login_is_noted_with_a_question_mark() -> None:
    org = organisation()
    boss = user_facts({"id": {"x": 1}, "emails": [{"value": "boss@example.fi", "primary": True}],
                       "roles": [{"value": "admin"}], "groups": [{"value": "g-1"}], **LOGS_IN})
    aino = user("1", "aino@example.fi", groups=[{"value": "g-1"}])
    built = build(snapshot("aino@example.fi", [aino], organisations=(org,), admins=(boss,)))
    assert (built.admins, built.problems) == ((Contact(None, None, "boss@example.fi"),), (
        "administrator ?: id: {'x': 1} ignored (not a string)",
        "administrator ?: userName: missing, so the login e-mail address is unknown"))


@pytest.mark.parametrize(("login", "state"), [
    ({"forcePasswordReset": True, "lastLoginTime": "2021-03-01T08:00:00Z"}, "reset-pending"),
    ({"passwordResetSentAt": "2021-01-17T06:00:00Z"}, "reset-pending"),  # asked first: said first
    ({}, "not-logged-in"),  # never
    ({"lastLoginTime": "2020-11-01T08:00:00Z"}, "not-logged-in"),  # before the renewal
    ({"lastLoginTime": "2021-03-01T08:00:00Z", "lastFailedLoginTime": "2024-05-02T08:00:00Z"},
     "failed-login"),
    ({"lastLoginTime": "2021-03-01T08:00:00Z", "lastFailedLoginTime": "2021-02-01T08:00:00Z"}, None),
])
def test_an_administrator_is_held_to_the_login_rules_a_user_is(login: dict[str, Any],
                                                               state: str | None) -> None:
    boss = user("2", "boss@example.fi", roles=[{"value": "admin"}], **{urns.LOGIN_EXTENSION: login})
    assert (boss.contact().state, boss.contact().can_act) == (state, state is None)
    assert (boss.logs_in and not boss.reset_pending) is (state is None)


def test_a_contact_carries_whether_the_administrator_can_log_in() -> None:
    boss = replace(user("2", "boss@example.fi", **LOGS_IN), active=False, locked=True)
    assert boss.contact() == Contact("2", None, "boss@example.fi", None, False, True)


@pytest.mark.parametrize(("address", "has"), [
    ("AINO@example.fi", True),  # the login address, whatever its case
    ("a.k@example.fi", True),  # another address on the account
    ("boss@example.fi", False),
    (None, False),
])
def test_an_address_is_the_users_when_it_is_the_login_or_any_e_mail(address: str | None, has: bool) -> None:
    assert user("1", "aino@example.fi", emails=[{"value": "a.k@example.fi"}]).has_address(address) is has


def test_ambiguous_facts_keep_each_candidates_organisations() -> None:
    one, two = user("1", "aino@example.fi"), user("2", "aino@example.fi")
    names = (("Esimerkki Oy",), ("Esimerkki Oy", "Toinen Oy"))
    built = build(snapshot("aino@example.fi", [one, two], users_reported=2, candidate_organisations=names))
    assert (built.candidates, built.candidates_reported, built.candidate_organisations) == (
        (one, two), 2, names)


def test_a_member_without_a_usable_id_who_is_no_administrator_is_not_noted() -> None:
    org = organisation()
    member = user_facts({"id": {"x": 1}, "userName": "member@example.fi", "groups": [{"value": "g-1"}]})
    aino = user("1", "aino@example.fi", groups=[{"value": "g-1"}])
    built = build(snapshot("aino@example.fi", [aino], organisations=(org,), admins=(member,)))
    assert (built.admins, built.problems) == ((), ())


def test_users_sent_for_the_identifier_whose_login_data_cant_be_read_are_unconfirmed() -> None:
    """Attack pass 8, A8-01: not "no user has these details"; the user's data problems said."""
    broken = user_facts({"id": "u-9", "userName": "b@example.fi", urns.LOGIN_EXTENSION: [{"x": 1}]})
    idless = replace(broken, id=None)
    stranger = user("7", "x@example.fi")
    built = build(snapshot("esim0042", [broken, idless, stranger]))
    assert (built.unconfirmed, built.candidates, built.problems) == ((broken, idless), (), (
        "the API returned 1 user(s) that do not answer to the identifier",
        *(f"user {who}: login: [{{'x': 1}}] ignored (not an object)" for who in ("u-9", "?"))))
    # One who answers: the others are only stray answers, whatever could not be read of them.
    me = user("1", "esim0042@example.fi")
    found = build(snapshot("esim0042@example.fi", [me, broken]))
    assert (found.user, found.unconfirmed, found.problems[:1]) == (
        me, (), ("the API returned 1 user(s) that do not answer to the identifier",))


def test_another_person_sent_under_the_callers_id_stays_an_administrator_whose_state_is_unknown() -> None:
    """Attack 33, F33-1: an administrator sent under the caller's id (ids are unique, RFC 7643) was taken
    for the caller and left out without a word: the organisation's one administrator gone, "no
    administrator who could help". They stay, whether they can act unknown, and it is said."""
    me = user("1", "me@example.fi", groups=[{"value": "g-1"}])
    boss = user("1", "boss@example.fi", roles=[{"value": "admin"}], **LOGS_IN, groups=[{"value": "g-1"}])
    built = build(snapshot("me@example.fi", [me], organisations=(organisation(),), admins=(me, boss)))
    assert ([(a.id, a.email, a.state) for a in built.admins + built.unable_admins], built.admins_unknown,
            built.problems) == (
        [("1", "boss@example.fi", "unknown")], True,
        ("the API sent the user me@example.fi and the administrator boss@example.fi under one id, '1'; "
         "whether "
         "the administrator can act is not read",))
    # The caller sent among the administrators under their own id is the caller, as before.
    alone = build(snapshot("me@example.fi", [me], organisations=(organisation(),), admins=(me,)))
    assert (alone.admins, alone.unable_admins, alone.problems) == ((), (), ())
