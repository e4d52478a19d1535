"""Every catalog has every key in every language, with the same plural forms and placeholders; every
rule has its words; and lists read right for one and for many."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from string import Formatter
from typing import Any

import pytest

from postisupport.core.facts import Contact, Facts, OrganisationFacts, Service, UserFacts
from postisupport.core.language import LANGUAGES, language_for
from postisupport.core.rules import RULES, Decision, ScriptPart, decide
from postisupport.output.messages import catalog, ui_catalog
from postisupport.output.script import script_text

CATALOGS = [catalog, ui_catalog]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def shape(entry: Any) -> Any:
    """What must be the same in every language: the kind, the counted parameter, the forms and the
    placeholders of each form."""
    if isinstance(entry, dict):  # a form may be plural forms itself, by another parameter
        return ("plural", entry["count"], {form: shape(text) if isinstance(text, dict) else placeholders(text)
                                           for form, text in entry.items() if form != "count"})
    if isinstance(entry, list):
        return ("list", len(entry))
    return ("text", placeholders(entry))


DATE_FIELDS = {"day", "month", "month_name", "year"}


@pytest.mark.parametrize("load", CATALOGS)
def test_every_language_has_the_same_keys_forms_and_placeholders(load: Any) -> None:
    # A date is written each language's own way, from the same fields.
    def shapes(lang: str) -> dict[str, Any]:
        return {key: key if key in ("date", "moment") else shape(entry) for key, entry in load(lang).items()}

    reference = shapes("en")
    for lang in LANGUAGES:
        assert shapes(lang) == reference, lang
        if "date" in load(lang):
            assert placeholders(load(lang)["date"]) <= DATE_FIELDS
        if "moment" in load(lang):
            assert placeholders(load(lang)["moment"]) <= DATE_FIELDS | {"hour", "hour2", "minute"}


@pytest.mark.parametrize("load", CATALOGS)
def test_plural_entries_have_one_and_other(load: Any) -> None:
    def forms(key: str, entry: dict[str, Any]) -> None:
        assert {"one", "other"} <= set(entry) <= {"count", "none", "none.besides", "one", "other"}, key
        # "none.besides" is a "none" said after services were named: never without its "none".
        assert "none.besides" not in entry or "none" in entry, key
        for form in entry.values():
            if isinstance(form, dict):
                forms(key, form)

    for key, entry in load("en").items():
        if isinstance(entry, dict):
            forms(key, entry)


def test_every_rule_has_its_script_and_the_agents_words() -> None:
    for lang in LANGUAGES:
        for rule in RULES:
            assert rule in catalog(lang), (lang, rule)
            assert f"headline.{rule}" in ui_catalog(lang), (lang, rule)
            assert f"do.{rule}" in ui_catalog(lang), (lang, rule)


def test_texts_are_not_copies_of_each_other() -> None:
    for key in catalog("en"):
        if key in ("months", "date", "detail.contact.named"):  # a name and how to reach them: no words
            continue
        assert len({str(catalog(lang)[key]) for lang in LANGUAGES}) == len(LANGUAGES), key


ONE = Contact("u-1", "Maija Virtanen", "maija@example.fi")
USER = UserFacts("u-9", "x@example.fi", "X", True, False, (), None, None, False, None, None, None,
                 datetime(2021, 1, 20, tzinfo=UTC), None, False, ())
FACTS = Facts("x@example.fi", "userName", None, (), OrganisationFacts("g", "Oy", None, ()), (), ())
TWO = Contact("u-2", "Ville Heikkinen", "ville@example.fi", "+358 50 765 4321")


def said(lang: str, *parts: ScriptPart) -> str:
    return script_text(Decision("login.contact-admin", "login", (), parts), lang)


@pytest.mark.parametrize(("lang", "one", "two"), [
    ("en", "The administrator is Maija Virtanen. Contact details: e-mail address maija@example.fi.",
     "The administrators are "
     "Maija Virtanen and Ville Heikkinen. I'll read you their contact details one at a time. Maija "
     "Virtanen: e-mail address maija@example.fi. Ville Heikkinen: e-mail address ville@example.fi and "
     "phone number +358 50 765 4321."),
    ("fi", "Pääkäyttäjä on Maija Virtanen. Yhteystiedot: sähköpostiosoite maija@example.fi.",
     "Pääkäyttäjät ovat Maija "
     "Virtanen ja Ville Heikkinen. Luen heidän yhteystietonsa yksi kerrallaan. Maija Virtanen: "
     "sähköpostiosoite maija@example.fi. Ville Heikkinen: sähköpostiosoite ville@example.fi ja puhelinnumero "
     "+358 50 765 4321."),
    ("sv", "Administratören är Maija Virtanen. Kontaktuppgifter: e-postadress maija@example.fi.",
     "Administratörerna är "
     "Maija Virtanen och Ville Heikkinen. Jag läser upp deras kontaktuppgifter en i taget. Maija "
     "Virtanen: e-postadress maija@example.fi. Ville Heikkinen: e-postadress ville@example.fi och "
     "telefonnummer +358 50 765 4321."),
])
def test_administrators_are_one_or_several_with_contacts_read_as_sentences(
    lang: str, one: str, two: str
) -> None:
    """No parentheses, the register of the rest of the script (sinä/du), and several offered one at a time."""
    for admins, expected in (((ONE,), one), ((ONE, TWO), two)):
        decision = decide(replace(FACTS, user=USER, admins=admins))
        assert said(lang, *decision.script[1:]) == expected


@pytest.mark.parametrize(("lang", "none", "one", "two"), [
    ("en", "You don't have access to the service you asked about yet.",
     "You don't have access to Reporting yet.",
     "You don't have access to Reporting or E-invoicing yet."),
    ("fi", "Sinulla ei ole vielä käyttöoikeutta kysymääsi palveluun.",
     "Sinulla ei ole vielä käyttöoikeutta palveluun Raportointi.",
     "Sinulla ei ole vielä käyttöoikeutta palveluihin Raportointi ja E-laskutus."),
    ("sv", "Du har ännu inte rätt att använda tjänsten som du frågade om.",
     "Du har ännu inte rätt att använda tjänsten Rapportering.",
     "Du har ännu inte rätt att använda tjänsterna Rapportering och E-fakturering."),
])
def test_every_service_key_reads_right_for_none_one_and_many_in_the_callers_language(
    lang: str, none: str, one: str, two: str
) -> None:
    """What the user lacks is listed as one lists what one could ask for: English says "A or B"."""
    reports, invoicing = Service("reports", "Reporting"), Service("invoicing", "E-invoicing")
    for services, start in (([], none), ([reports], one), ([reports, invoicing], two)):
        text = said(lang, ScriptPart("service.missing-right", {"missing": services, "n": 1}))
        assert text.startswith(start), (lang, services, text)
    name = str(catalog(lang)["service-name.reports"])
    # Those counted by the other administrators first ("others") list what is missing beneath.
    keys = {param: [k for k, v in catalog(lang).items() if k.startswith("service.") and isinstance(v, dict)
                    and v["count"] in {"services": ("services",), "missing": ("missing", "others")}[param]]
            for param in ("services", "missing")}
    assert (len(keys["services"]), len(keys["missing"])) == (10, 15)
    for param, named in keys.items():
        for key in named:
            for services in ([], [reports], [reports, invoicing]):
                for n in (1, 3):
                    text = said(lang, ScriptPart(key, {param: services, "n": n, "orgs": n, "others": n,
                                                       "organisation": "Kolmas Oy"}))
                    assert "{" not in text and (name in text) == bool(services), (lang, key, text)


@pytest.mark.parametrize(("lang", "one", "three"), [
    ("en", "You don't have access to the service you asked about either; that is sorted out the same way.",
     "You don't have access to the services you asked about either; that is sorted out the same way."),
    ("fi", "Sinulla ei myöskään ole käyttöoikeutta palveluun, jota kysyit; se hoituu samalla tavalla.",
     "Sinulla ei myöskään ole käyttöoikeutta palveluihin, joita kysyit; ne hoituvat samalla tavalla."),
    ("sv", "Du har inte heller rätt att använda tjänsten som du frågade om; det ordnas på samma sätt.",
     "Du har inte heller rätt att använda tjänsterna som du frågade om; det ordnas på samma sätt."),
])
def test_services_the_directory_cannot_name_agree_with_how_many_were_asked(
        lang: str, one: str, three: str) -> None:
    """Never "that service" after three were asked, when none of them can be named."""
    assert said(lang, ScriptPart("service.same-reason", {"services": [], "n": 1})) == one
    assert said(lang, ScriptPart("service.same-reason", {"services": [], "n": 3})) == three


def test_a_service_the_catalog_does_not_name_is_said_as_the_directory_names_it() -> None:
    text = said("fi", ScriptPart("service.granted", {"services": [Service("lockers", "Pakettiautomaatit")]}))
    assert text == "Sinulla on käyttöoikeus palveluun Pakettiautomaatit."


@pytest.mark.parametrize(("lang", "date"), [("en", "17 January 2021"), ("fi", "17.1.2021"),
                                            ("sv", "17.1.2021")])
def test_the_reset_request_date_is_said_in_the_callers_way(lang: str, date: str) -> None:
    sent = datetime(2021, 1, 17, 6, tzinfo=UTC)
    text = said(lang, ScriptPart("login.reset-pending.sent", {"change_url": "U", "sent_at": sent}))
    assert date in text


@pytest.mark.parametrize(("override", "preferred", "fallback", "expected"), [
    (None, "sv", None, "sv"),
    (None, "sv-FI", None, "sv"),
    (None, "en_GB", None, "en"),
    (None, "de", None, "fi"),
    (None, None, None, "fi"),
    ("en", "sv", None, "en"),
    (None, None, "sv", "sv"),
    (None, "en", "sv", "en"),
])
def test_language_choice(override: str | None, preferred: str | None, fallback: str | None,
                         expected: str) -> None:
    assert language_for(preferred, override, fallback) == expected


def test_masked_initials_that_end_a_sentence_get_no_second_full_stop() -> None:
    masked = Contact("u-1", "M. V.", "m***n@e***.fi")
    assert said("en", ScriptPart("detail.admins", {"admins": (masked,)})) == (
        "Your organisation's administrator for Posti's services is M. V.")


def test_every_headline_fits_an_80_column_line_in_every_language() -> None:
    """The headline is what the agent reads first, and what a tall screen repeats on its last line: a
    word wrapped onto a line of its own ("det") is a second headline."""
    too_wide = {(lang, key): len(str(text)) for lang in ("fi", "sv", "en")
                for key, text in ui_catalog(lang).items()
                if key.startswith("headline.") and len(str(text)) > 80}
    assert too_wide == {}


SINGULAR = {"en": "the service you asked about", "fi": "kysymääsi palveluun",
            "sv": "tjänsten som du frågade om"}
PLURAL = {"en": "the services you asked about", "fi": "kysymiisi palveluihin",
          "sv": "tjänsterna som du frågade om"}


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_every_service_sentence_agrees_with_how_many_unnamed_services_were_asked(lang: str) -> None:
    """N12-5: "that service" (fi "tähän palveluun") when the directory named none of three asked."""
    keys = [k for k, v in catalog(lang).items() if k.startswith("service.") and isinstance(v, dict)
            and v["count"] in ("services", "missing")]
    for key in keys:
        texts = []
        for n, unwanted in ((1, PLURAL), (3, SINGULAR)):
            text = said(lang, ScriptPart(key, {"services": [], "missing": [], "n": n, "orgs": 1, "others": 1,
                                               "organisation": "Kolmas Oy"}))
            assert unwanted[lang] not in text, (key, n, text)
            texts.append(text)
        assert texts[0] != texts[1], (key, texts)  # one form for one service, another for several


@pytest.mark.parametrize(("lang", "one", "two"), [
    ("en", "whether your organisation has", "whether any of your organisations has"),
    ("fi", "onko organisaatiollasi", "onko yhdelläkään organisaatiollasi"),
    ("sv", "om din organisation har", "om någon av dina organisationer har"),
])
def test_an_unknown_administrator_for_a_service_is_said_of_each_organisation(lang: str, one: str,
                                                                             two: str) -> None:
    """N12-7: service.no-admin.unknown said "your organisation" to a caller in several."""
    for orgs, expected in ((1, one), (2, two)):
        text = said(lang, ScriptPart("service.no-admin.unknown", {"missing": [], "n": 1, "orgs": orgs}))
        assert expected in text, text


@pytest.mark.slow
@pytest.mark.parametrize("matched_by", ["userName", "email", "legacyUserId", "name"])
def test_every_script_the_rules_make_has_its_words_in_every_language(matched_by: str) -> None:
    """The rules rename a part's key by what else is said (".then", ".asked", ".rights", ".address"): a
    rename to a key no catalog has made the script fail with a KeyError (service.granted.retry.some after
    step 1's question). Every account state, change, administrator and service question, in each language,
    verified and not, has its words."""
    import itertools

    from tests.test_rules import ADMIN, a_user, facts

    sent, changed = datetime(2021, 1, 17, 6, tzinfo=UTC), datetime(2021, 3, 1, tzinfo=UTC)
    two = (ADMIN, replace(ADMIN, id="u-b", display_name="Bo", email="bo@example.fi"))
    failed: list[str] = []
    said = 0
    for unknown, at, to, last, admins, is_admin, locked, active, services in itertools.product(
            [frozenset(), frozenset({"force_password_reset"}), frozenset({"last_password_update"}),
             frozenset({"locked"}), frozenset({"user_name"})],
            [None, sent], ["aino@example.fi", "old@example.fi"], [None, changed], [(ADMIN,), two, ()],
            [False, True], [False, True], [True, False],
            [(), ("reports",), ("reports", "invoicing"), ("tracking",)]):
        user = a_user(unknown=unknown, reset_sent_at=at, reset_sent_to=to if at else None,
                      last_password_update=last, is_admin=is_admin, locked=locked, active=active,
                      user_name=None if "user_name" in unknown else "aino@example.fi")
        decision = decide(facts(user, matched_by=matched_by, admins=admins), services)
        for lang, verified in itertools.product(LANGUAGES, (True, False)):
            said += 1
            try:
                script_text(decision, lang, verified=verified)
            except KeyError as missing:
                failed.append(f"{lang}: {missing}")
    assert (said, sorted(set(failed))) == (23040, [])
