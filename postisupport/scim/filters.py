"""SCIM filter expressions (RFC 7644 section 3.4.2.2) for the questions a diagnosis asks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote_plus

from postisupport.idp import contract


def quote(value: str) -> str:
    """A SCIM filter string literal (JSON string syntax).

    Backslash, double quote and control characters are escaped, so no value
    can end the literal and change the filter.
    """
    return json.dumps(value, ensure_ascii=False)


def any_of(attribute: str, values: Iterable[str]) -> str:
    return " or ".join(f"{attribute} eq {quote(v)}" for v in values)


def lookup_filter(identifier: str, *, upper: bool = True) -> str:
    """Users whose login address, any e-mail address or legacy user ID equals the identifier, in
    lower or upper case.

    RFC 7644 compares these case-insensitively, but some servers compare case-sensitively: asking
    for both forms in the one request finds a value stored all lower or all upper case there too.
    The client's own folded comparison still decides what matches. Without `upper`, just the
    identifier as given (for one so long that both forms would not fit in a URL).
    """
    forms = dict.fromkeys((identifier, identifier.upper()) if upper else (identifier,))
    return " or ".join(f"{attribute} eq {quote(form)}" for attribute in contract.LOOKUP_ATTRIBUTES
                       for form in forms)


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


def admins_filter(group_ids: Iterable[str]) -> str:
    return f"{contract.ROLES} eq {quote(contract.ADMIN_ROLE)} and ({any_of(contract.USER_GROUPS, group_ids)})"


def groups_filter(group_ids: Iterable[str]) -> str:
    return any_of(contract.GROUP_ID, group_ids)


def member_filter(user_id: str) -> str:
    return f"{contract.GROUP_MEMBERS} eq {quote(user_id)}"


def business_id_filter(business_id: str) -> str:
    """Groups whose organisation extension has this business ID."""
    return f"{contract.BUSINESS_ID} eq {quote(business_id)}"


def organisation_name_filter(name: str) -> str:
    """Groups whose name starts with the name as typed ("Esimerkki" finds "Esimerkki Oy"); the
    client's own comparison, case and accents aside, decides which one is meant."""
    return f"{contract.GROUP_NAME} sw {quote(name)}"


def members_filter(group_id: str) -> str:
    """The users in a group, as their own `groups` say."""
    return f"{contract.USER_GROUPS} eq {quote(group_id)}"
