"""Fetch what the identity API knows about one identifier, in two round trips.

Round 1 finds the user; round 2 asks, at the same time, for the user's groups
and for the administrators among their members. Only a server that does not
fill `User.groups` costs a third round trip.
"""

from __future__ import annotations

import asyncio

from postisupport.facts import matches
from postisupport.models import Snapshot
from postisupport.scim import Page, ScimClient, groups_of, users_of


async def fetch(client: ScimClient, identifier: str) -> Snapshot:
    """`identifier` must already be normalised (identifiers.normalise)."""
    found = await client.find_users(identifier)
    snapshot = Snapshot(identifier, users_of(found))
    _keep_problems(snapshot, "Users", found)
    candidates = matches(snapshot.users, identifier)
    if len(candidates) != 1 or not candidates[0][0].id:
        return snapshot

    user = candidates[0][0]
    group_ids = [g.value for g in user.groups if g.value]
    if group_ids:
        groups, admins = await asyncio.gather(
            client.groups_by_id(group_ids), client.admins_of(group_ids)
        )
        snapshot.groups = groups_of(groups)
    else:
        groups = await client.groups_of_member(str(user.id))
        snapshot.groups = groups_of(groups)
        org_ids = [g.id for g in snapshot.groups if g.organisation is not None and g.id]
        admins = await client.admins_of(org_ids) if org_ids else Page([], 0)
    snapshot.admins = users_of(admins)
    _keep_problems(snapshot, "Groups", groups)
    _keep_problems(snapshot, "administrators", admins)
    return snapshot


def _keep_problems(snapshot: Snapshot, what: str, page: Page) -> None:
    snapshot.problems.extend(page.problems)
    if page.truncated:
        snapshot.problems.append(
            f"the API found {page.total} {what} but sent only {len(page.resources)}"
        )
