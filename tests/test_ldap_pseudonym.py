"""The LDAP capture's stand-ins, unit by unit (the real servers' tests are in tests/ldapservers)."""

from __future__ import annotations

from postisupport.sources.ldap.capture import _Rewriting
from postisupport.sources.ldap.mapping import load
from postisupport.sources.ldap.reading import dn_key
from postisupport.sources.stand_ins import StandIns

KEY = b"k" * 32


def rewriting(preset: str = "ad", services: frozenset[str] = frozenset()) -> _Rewriting:
    return _Rewriting(load(preset), StandIns(KEY), services)


def test_a_filter_keeps_what_names_no_one_as_written_and_replaces_the_rest_as_the_entries_are() -> None:
    rewrite = rewriting()
    stand_in = StandIns(KEY)
    address = stand_in.identifier("aino@example.fi")
    written = "(&(objectCategory=person)(mail=*)(|(userPrincipalName=aino@example.fi)" \
              "(proxyAddresses=smtp:aino@example.fi)(sAMAccountName=aino@example.fi)))"
    assert rewrite.filter(written) == (
        f"(&(objectCategory=person)(mail=*)(|(userPrincipalName={address})(proxyAddresses=smtp:{address})"
        f"(sAMAccountName={address})))")
    # A legacy ID asked folded is folded in the filter, as the replay asks for the stand-in.
    assert rewrite.filter("(sAMAccountName=esim0102)") == \
        f"(sAMAccountName={stand_in.identifier('ESIM0102').casefold()})"


def test_a_dn_keeps_the_service_groups_and_the_administrators_group_by_name() -> None:
    """A service group is one the entries' groups name (its prefix alone would pass a person's
    "svc-anna" too, and with an empty prefix everyone's name)."""
    rewrite = rewriting("openldap", frozenset({dn_key("cn=svc-invoicing,o=Esimerkki Oy,dc=example")}))
    stand_in = StandIns(KEY)
    tail = f"o={stand_in.text('Esimerkki Oy', 'o')},dc={stand_in.text('example', 'dc')}"
    assert rewrite.dn("cn=admins,o=Esimerkki Oy,dc=example") == f"cn=admins,{tail}"
    assert rewrite.dn("cn=svc-invoicing,o=Esimerkki Oy,dc=example") == f"cn=svc-invoicing,{tail}"
    assert rewrite.dn("uid=ESIM0101,o=Esimerkki Oy,dc=example") == \
        f"uid={stand_in.text('ESIM0101', 'uid')},{tail}"
    assert rewrite.dn("uid=svc-anna,o=Esimerkki Oy,dc=example") == \
        f"uid={stand_in.text('svc-anna', 'uid')},{tail}"


def test_an_entry_keeps_only_what_its_mapping_reads() -> None:
    rewrite = rewriting()
    stand_in = StandIns(KEY)
    entry = {"dn": "", "attributes": {"defaultNamingContext": ["DC=example"], "ldapServiceName": ["x@AD"]}}
    assert rewrite.entry(entry) == {"dn": "", "attributes": {
        "defaultNamingContext": [f"DC={stand_in.text('example', 'dc')}"]}}
    user = {"dn": "CN=Aino,DC=example", "attributes": {
        "proxyAddresses": ["SMTP:aino@example.fi", "X400:c=FI;a=;p=Example"], "telephoneNumber": ["+358 1"],
        "preferredLanguage": ["fi", "Finnish, please"], "userAccountControl": ["512"],
        "homeDirectory": ["\\\\server\\aino"], "displayName": ["Aino"]}}
    dn = f"CN={stand_in.text('Aino', 'cn')},DC={stand_in.text('example', 'dc')}"
    assert rewrite.entry(user) == {"dn": dn, "attributes": {
        "proxyAddresses": [f"SMTP:{stand_in.identifier('aino@example.fi')}"],
        "telephoneNumber": [stand_in.phone("+358 1")], "preferredLanguage": ["fi"],
        "userAccountControl": ["512"], "displayName": [stand_in.text("Aino", "Person")]}}
