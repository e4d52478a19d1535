"""SCIM filter expressions (RFC 7644 section 3.4.2.2) for the questions a diagnosis asks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from postisupport.idp import contract

if TYPE_CHECKING:
    from postisupport.idp.mapping import Mapping


def quote(value: str) -> str:
    """A SCIM filter string literal (JSON string syntax).

    Backslash, double quote and control characters are escaped, so no value
    can end the literal and change the filter.
    """
    return json.dumps(value, ensure_ascii=False)


def any_of(attribute: str, values: Iterable[str]) -> str:
    return " or ".join(f"{attribute} eq {quote(v)}" for v in values)


def lookup_filter(identifier: str, *, upper: bool = True,
                  attributes: Sequence[str] = contract.LOOKUP_ATTRIBUTES) -> str:
    """Users whose login address, any e-mail address or legacy user ID equals the identifier, in
    lower or upper case.

    RFC 7644 compares these case-insensitively, but some servers compare case-sensitively: asking
    for both forms in the one request finds a value stored all lower or all upper case there too.
    The client's own folded comparison still decides what matches. Without `upper`, just the
    identifier as given (for one so long that both forms would not fit in a URL). `attributes`: the
    mapping's look-up attributes, so no attribute the mapping does not name is ever sent.
    """
    forms = dict.fromkeys((identifier, identifier.upper()) if upper else (identifier,))
    return " or ".join(f"{attribute} eq {quote(form)}" for attribute in attributes for form in forms)


def batched_filters(
    make: Callable[[Sequence[str]], str], values: Sequence[str], budget: int, most: int
) -> list[str]:
    """`make(batch)` for consecutive batches of `values`: each filter at most `budget` bytes URL-encoded
    (one value per batch when a single value alone is longer), each batch at most `most` values."""
    filters: list[str] = []
    batch: list[str] = []
    for value in values:
        if batch and (len(batch) == most or len(quote_plus(make([*batch, value]))) > budget):
            filters.append(make(batch))
            batch = []
        batch.append(value)
    if batch:
        filters.append(make(batch))
    return filters


def admins_filter(group_ids: Iterable[str], mapping: Mapping | None = None) -> str:
    """The administrators among the members of these organisations (by the mapping: the groups', or,
    for organisations named by a user's attribute, those names)."""
    admins = mapping.administrators if mapping is not None else None
    organisations = mapping.organisations if mapping is not None else None
    role, value = (admins.attribute, admins.value) if admins else (contract.ROLES, contract.ADMIN_ROLE)
    members = organisations.attribute if organisations and organisations.kind == "attribute" \
        else contract.USER_GROUPS
    return f"{role} eq {quote(value)} and ({any_of(str(members), group_ids)})"


def groups_filter(group_ids: Iterable[str]) -> str:
    return any_of(contract.GROUP_ID, group_ids)


def member_filter(user_id: str) -> str:
    return f"{contract.GROUP_MEMBERS} eq {quote(user_id)}"


def business_id_filter(business_id: str, mapping: Mapping | None = None) -> str:
    """Groups whose organisation extension has this business ID."""
    path = mapping.organisations.business_id if mapping is not None and mapping.organisations else None
    return f"{path or contract.BUSINESS_ID} eq {quote(business_id)}"


def organisation_name_filter(name: str, anywhere: bool = False) -> str:
    """Groups whose name starts with the name as typed ("Esimerkki" finds "Esimerkki Oy"), or holds it
    `anywhere` (a name the directory starts with a blank or a quote); the client's own comparison,
    case and accents aside, decides which one is meant."""
    return f"{contract.GROUP_NAME} {'co' if anywhere else 'sw'} {quote(name)}"


def members_filter(group_id: str, mapping: Mapping | None = None) -> str:
    """The users in a group, as their own `groups` say (or in an organisation named by their attribute)."""
    organisations = mapping.organisations if mapping is not None else None
    if organisations is not None and organisations.kind == "attribute":
        return f"{organisations.attribute} eq {quote(group_id)}"
    return f"{contract.USER_GROUPS} eq {quote(group_id)}"
