"""The contract's questions, asked of one SCIM service provider through a mapping: which filters a
diagnosis sends, and how an organisation named by a user's attribute is found. The client under it
(scim/client.py) knows HTTP and list responses only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from postisupport.core.identifiers import fold
from postisupport.errors import InvalidInput
from postisupport.idp import contract, urns
from postisupport.scim.client import LOOKUP_COUNT, PAGE_COUNT, Page, ScimClient
from postisupport.sources.scim.filters import (
    admins_filter,
    batched_filters,
    business_id_filter,
    groups_filter,
    lookup_filter,
    member_filter,
    members_filter,
    organisation_name_filter,
    quote,
)

if TYPE_CHECKING:
    from postisupport.idp.mapping import Mapping


class ScimStore:
    """A service provider's client, and the mapping its filters name attributes by and its answers are
    read through (None: postisupport's contract, which needs no mapping file read)."""

    def __init__(self, client: ScimClient, mapping: Mapping | None = None) -> None:
        self.client, self.mapping = client, mapping

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> ScimStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def find_users(self, identifier: str) -> Page:
        """Users whose userName, any e-mail or legacy user ID equals the identifier."""
        attributes = self.mapping.lookup_paths if self.mapping is not None else contract.LOOKUP_ATTRIBUTES
        scim_filter = lookup_filter(identifier, attributes=attributes)
        if len(quote_plus(scim_filter)) > self.client.url_budget:
            scim_filter = lookup_filter(identifier, upper=False, attributes=attributes)
        # One page: more candidates than that is "ambiguous", whatever the rest would be.
        return await self.client.search("Users", scim_filter, count=LOOKUP_COUNT, pages=1)

    async def groups_by_id(self, group_ids: Sequence[str], *, members: bool = False) -> Page:
        """The groups by their ids, without their members unless asked (they may have thousands)."""
        if self._named_by_attribute:
            return _named_organisations(group_ids)
        if self._no_organisations:
            return Page([], 0)
        return await self._batched("Groups", groups_filter, group_ids,
                                          excluded="" if members else contract.MEMBERS)

    async def groups_of_member(self, user_id: str) -> Page:
        """The groups naming the user among their members, sent with their members: a server that
        ignores the filter sends every group, and only the members tell which are the user's."""
        if self._named_by_attribute or self._no_organisations:
            # The user's own attribute names their organisations (it names none), or nothing does.
            return Page([], 0)
        return await self.client.search("Groups", member_filter(user_id))

    async def admins_of(self, group_ids: Sequence[str]) -> Page:
        if self._no_organisations:
            return Page([], 0)
        return await self._batched("Users", lambda ids: admins_filter(ids, self.mapping), group_ids)

    async def find_organisations(self, *, business_id: str | None = None, name: str | None = None,
                                 anywhere: bool = False) -> Page:
        """Groups with this business ID, or whose name starts with this name, or holds it `anywhere`
        (one page: more than that is several organisations, whatever the rest would be)."""
        if self._named_by_attribute:
            return await self._organisations_named(business_id, name or "", anywhere)
        if self._no_organisations:
            raise InvalidInput("organisation", "this directory records no organisations (its mapping names "
                               "none): look the caller up by their address or legacy user ID")
        scim_filter = business_id_filter(business_id, self.mapping) if business_id is not None \
            else organisation_name_filter(name or "", anywhere)
        return await self.client.search("Groups", scim_filter, count=LOOKUP_COUNT, excluded=contract.MEMBERS,
                                 pages=1)

    async def members_of(self, group_id: str) -> Page:
        """Every user in a group (up to MAX_PAGES pages): their names are compared here, case and
        accents aside, which no SCIM filter can do."""
        return await self.client.search("Users", members_filter(group_id, self.mapping))

    @property
    def unrecorded(self) -> frozenset[str]:
        """The facts (by core field) the mapping leaves unknown for everyone."""
        return self.mapping.unrecorded if self.mapping is not None else frozenset()

    @property
    def _no_organisations(self) -> bool:
        """Whether the mapping records no organisations: no group is one, whatever the server holds."""
        return self.mapping is not None and self.mapping.organisations is None

    @property
    def _named_by_attribute(self) -> bool:
        """Whether an organisation is a user's attribute's value (no Group stands for it)."""
        organisations = self.mapping.organisations if self.mapping is not None else None
        return organisations is not None and organisations.kind == "attribute"

    async def _organisations_named(self, business_id: str | None, name: str, anywhere: bool = False) -> Page:
        """Organisations named by the users' attribute: those whose name starts with `name` (or holds it
        `anywhere`), as the users holding it tell. They have no business ID to be found by."""
        organisations = self.mapping.organisations if self.mapping is not None else None
        attribute = str(organisations.attribute if organisations is not None else "")
        if business_id is not None:
            raise InvalidInput("organisation", f"this directory records no business IDs (its organisations "
                               f"are named by {attribute}): give the organisation's name")
        operator = "co" if anywhere else "sw"
        users = await self.client.search("Users", f"{attribute} {operator} {quote(name)}", count=LOOKUP_COUNT,
                                         pages=1)
        from postisupport.idp.mapping import resolve

        names = (resolve(user, attribute) for user in users.resources)
        # One organisation per name as names are compared: "esimerkki oy", or "Öy" made of O and a combining
        # mark, is "Esimerkki Oy" spelled otherwise, not a second one refused as ambiguous (F34-2).
        found: dict[str, str] = {}
        for named in names:
            if isinstance(named, str) and named:
                found.setdefault(fold(named), named)
        return _named_organisations(list(found.values()))

    async def _batched(
        self, endpoint: str, make_filter: Callable[[Sequence[str]], str], values: Sequence[str],
        excluded: str = "",
    ) -> Page:
        """One search per batch of values, each URL under MAX_URL_BYTES, all at once; one Page back.

        Servers refuse long URLs (414), and a user can be in hundreds of groups.
        """
        pages = await asyncio.gather(*(
            self.client.search(endpoint, scim_filter, excluded=excluded)
            # At most a page of values per batch, so a batch of group ids fits one page of groups.
            for scim_filter in batched_filters(make_filter, values, self.client.url_budget, PAGE_COUNT)
        ))
        merged = Page([], 0)
        for page in pages:
            merged.resources += page.resources
            merged.total += page.total
            merged.problems += page.problems
        return merged


def _named_organisations(names: Sequence[str]) -> Page:
    """Organisations named by a user's attribute, as the contract's Groups: a name, nothing more."""
    groups = [{"id": name, "displayName": name, urns.ORGANISATION_EXTENSION: {}} for name in names]
    return Page(groups, len(groups))
