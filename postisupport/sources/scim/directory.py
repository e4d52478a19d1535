"""The SCIM source: what the identity API knows about one identifier, read into a Snapshot, in two
round trips.

Round 1 finds the user; round 2 asks, at the same time, for the user's groups
and for the administrators among their members. Only a server that does not
fill `User.groups` (for the user, or for an administrator it sends) costs a
third round trip: membership is then told by the groups' members, asked for. A caller looked up by name first
costs a round for their organisation and one for its members; a business ID,
the organisation and then its administrators.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import replace

from postisupport.core.facts import OrganisationFacts, Snapshot, UserFacts, matches, member_of, name_matches
from postisupport.core.identifiers import Asked, looks_like_business_id, name_key
from postisupport.errors import ApiError, InvalidInput
from postisupport.idp.reading import group_facts, user_facts
from postisupport.scim.client import BUDGET, LOOKUP_COUNT, Budget, Page
from postisupport.sources.scim.queries import ScimStore

# A diagnosis is at most three round trips, so it gets three request timeouts in all: a server that
# answers each request just in time cannot hold it longer. A name costs two rounds more (its
# organisation, then the members' names).
ROUND_TRIPS = 3

# Organisations whose answers a run keeps: enough for every organisation a run meets in a row, few
# enough that a run over ten thousand organisations stays as small as one over ten.
SHARED_ANSWERS = 1000


class Shared:
    """Round 2 answers shared by every look-up of one run: a bulk check over thousands of users
    asks for each organisation's groups and administrators once. Concurrent look-ups of the same
    organisation wait for the one request in flight instead of each sending their own. The answers
    of the `capacity` organisations used most recently are kept (least recently used first out), so
    memory stays flat however many organisations the run meets."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = SHARED_ANSWERS if capacity is None else capacity
        self._answers: OrderedDict[frozenset[str], asyncio.Task[tuple[Page, Page]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    async def groups_and_admins(self, store: ScimStore, group_ids: tuple[str, ...]) -> tuple[Page, Page]:
        key = frozenset(group_ids)
        task = self._answers.get(key)
        if task is None:
            task = self._answers[key] = asyncio.ensure_future(_groups_and_admins(store, group_ids))
            # Its waiters may all be gone (a run stopped, the client closed under it): its failure is
            # then nobody's, and must not come out at exit as "Task exception was never retrieved".
            task.add_done_callback(_retrieved)
            while len(self._answers) > self.capacity:
                # An evicted answer still in flight stays with those already waiting for it.
                self._answers.popitem(last=False)
        else:
            self._answers.move_to_end(key)
        try:
            return await asyncio.shield(task)
        except BaseException:
            if task.done() and self._answers.get(key) is task:
                del self._answers[key]  # a failure is not kept: the next look-up asks again
            raise


def _retrieved(task: asyncio.Task[tuple[Page, Page]]) -> None:
    if not task.cancelled():
        task.exception()


async def _groups_and_admins(store: ScimStore, group_ids: tuple[str, ...]) -> tuple[Page, Page]:
    groups, admins = await asyncio.gather(store.groups_by_id(group_ids), store.admins_of(group_ids))
    return groups, admins


async def fetch(store: ScimStore, identifier: str, shared: Shared | None = None,
                asked: Asked | None = None) -> Snapshot:
    """`identifier` must already be normalised (postisupport.core.identifiers.normalise)."""
    found = await store.find_users(identifier)
    problems = _problems("Users", found)
    if len(found.resources) > LOOKUP_COUNT:
        # A server that ignores `count` must not flood the agent's screen or cost seconds of parsing.
        problems.append(f"the API sent {len(found.resources)} Users where {LOOKUP_COUNT} were asked for; "
                        f"the first {LOOKUP_COUNT} are read")
        found.resources = found.resources[:LOOKUP_COUNT]
    users = _users(store, found)
    candidates = matches(users, identifier)
    if found.total > len(found.resources) and len(candidates) < 2:
        # It found more than it sent. None of those it sent is the caller: one it held back may be, and
        # "no user has these details" would tell a registered caller they are not (a filter not
        # applied). One of them is: another it held back may answer to the same identifier, and a step
        # for that one person would be for the wrong caller as often as not. (Two or more answering
        # are "several users" whatever else it holds back.)
        which = "none of which answers" if not candidates else "so more than the one it sent may answer"
        raise ApiError("Users", f"the identity API found {found.total} Users for the look-up but sent only "
                       f"{len(found.resources)}, {which} to the identifier: it seems not to "
                       "apply the look-up's filter or its paging (postisupport doctor checks it)")
    snapshot = Snapshot(identifier, users, candidates, problems=tuple(problems), users_reported=found.total,
                        asked=asked, unrecorded=store.unrecorded)
    return await _completed(store, snapshot, shared)


async def fetch_by_name(store: ScimStore, name: str, organisation: str,
                        shared: Shared | None = None) -> Snapshot:
    """A caller by their name within their organisation, the organisation by its business ID (already
    checked, postisupport.core.identifiers.business_id) or by its name. Round 1 finds the
    organisation, round 2 its members, whose names are compared here; then as `fetch`."""
    by_id = looks_like_business_id(organisation)
    org, problems = await _organisation(store, organisation, by_id)
    asked = Asked(name, "name", organisation, organisation_found=org is not None,
                  organisation_name=org.name if org is not None else None)
    if org is None or not org.id:
        return Snapshot(name, (), (), problems=tuple(problems), asked=asked,
                        unrecorded=store.unrecorded)
    members = await store.members_of(org.id)
    problems += _problems("members", members)
    if members.truncated:
        # Members past those read may have the name too: who has it can't be told, and no one found is
        # shown as the caller (lookup.name-unsearchable).
        return Snapshot(name, (), (), problems=tuple(problems), asked=replace(asked, members_cut=True),
                        unrecorded=store.unrecorded)
    users = _users(store, members)
    if any(not user.group_ids for user in users):
        org, noted = await _with_members(store, org)
        problems += noted
    # A server that ignores the filter sends every user: a namesake elsewhere is not the caller.
    theirs = tuple(user for user in users if member_of(user, org))
    if len(theirs) < len(users):
        problems.append(f"the API returned {len(users) - len(theirs)} user(s) not among the "
                        f"organisation's members, left out")
    found = name_matches(theirs, name)
    # Only those who answer: the other members are no look-up's concern (nor "stray" answers).
    snapshot = Snapshot(name, tuple(user for user, _ in found), found, problems=tuple(problems),
                        users_reported=len(found), asked=asked, unrecorded=store.unrecorded)
    return await _completed(store, snapshot, shared)


async def fetch_organisation(store: ScimStore, business_id: str) -> Snapshot:
    """An organisation by its business ID (already checked) and all its administrators."""
    try:
        org, problems = await _organisation(store, business_id, by_id=True)
    except InvalidInput as error:
        # The business ID is what the caller gave, not an organisation named to look them up in.
        raise InvalidInput("identifier", error.reason, error.key, **error.params) from None
    asked = Asked(business_id, "business-id")
    if org is None or not org.id:
        return Snapshot(business_id, (), (), problems=tuple(problems), asked=asked,
                        unrecorded=store.unrecorded)
    admins = await store.admins_of([org.id])
    problems += _problems("administrators", admins)
    read = _users(store, admins)
    if any(not admin.group_ids for admin in read):
        org, noted = await _with_members(store, org)
        problems += noted
    return Snapshot(business_id, (), (), (org,), read, tuple(problems), asked=asked,
                    unrecorded=store.unrecorded)


async def _organisation(store: ScimStore, given: str, by_id: bool) -> tuple[OrganisationFacts | None,
                                                                               list[str]]:
    """The one organisation `given` names (a business ID, or a name as typed), and the problems met;
    None when none answers. Several by that name are refused: the business ID tells them apart."""
    page = await (store.find_organisations(business_id=given) if by_id
                  else store.find_organisations(name=given))
    if not by_id:
        # A name the directory starts with a blank or a quote (" Spacey Oy", '"Quoted" Oy') is no name
        # the agent's typing starts: those that hold its longest word are asked for too, or a second
        # organisation of that name would go unseen and the first be taken for the caller's.
        more = await _anywhere(store, given)
        seen = [resource.get("id") for resource in page.resources]
        added = [r for r in more.resources if not isinstance(r.get("id"), str) or r.get("id") not in seen]
        resources = [*page.resources, *added]
        page = Page(resources, max(page.total, more.total, len(resources)), [*page.problems, *more.problems])
    organisations, problems = _groups(store, page)
    problems += _problems("Groups", page)
    if by_id:
        meant = [org for org in organisations if (org.business_id or "").strip() == given]
    else:
        key = name_key(given)
        exact = [org for org in organisations if org.name and name_key(org.name) == key]
        # "Esimerkki" for "Esimerkki Oy": a whole word or more of the name, when no name is exactly it.
        meant = exact or [org for org in organisations
                          if org.name and name_key(org.name).startswith(key + " ")]
    fact = "business_id" if by_id else "name"
    unreadable = [org for org in organisations if fact in org.unknown]
    others = [org for org in organisations if org not in meant and org not in unreadable]
    if by_id and others:
        # An answer the filter should not have let through: said, as the users a members' search sends
        # that are no members are (F29-11); "no organisation has it" alone hid the server's fault.
        names = ", ".join(repr(org.name or org.id) for org in others)
        problems.append(f"the API returned {len(others)} organisation(s) whose business ID is not {given}, "
                        f"left out: {names}")
    if not meant and unreadable:
        meant = _unreadable_answer(unreadable, given, by_id, problems, alone=len(organisations) == 1)
    if len(meant) > 1 and by_id:
        # The directory's fault, not the agent's: the first is used, and the screen says so.
        names = ", ".join(repr(org.name or org.id) for org in meant)
        problems.append(f"the directory has {len(meant)} organisations with the business ID {given}: "
                        f"{names}; the first is used")
        return meant[0], problems
    if len(meant) > 1:
        names = ", ".join(f"{org.name or org.id!r} ({org.business_id or 'no business ID'})" for org in meant)
        raise InvalidInput("organisation", f"{given!r} is the name of {len(meant)} organisations: {names}; "
                           "give its business ID")
    return (meant[0] if meant else None), problems


async def _anywhere(store: ScimStore, name: str) -> Page:
    """Organisations whose name holds the longest word of `name` (a name written '"Quoted" Oy' holds no
    "Quoted Oy"); none when the server can't filter so (its error is no answer to a look-up the first
    filter answered)."""
    word = max(name.split(), key=len, default=name)
    try:
        return await store.find_organisations(name=word, anywhere=True)
    except ApiError as error:
        if error.status not in (400, 501):
            raise
        return Page([], 0)


def _unreadable_answer(unreadable: list[OrganisationFacts], given: str, by_id: bool,
                       problems: list[str], alone: bool = True) -> list[OrganisationFacts]:
    """The organisation meant when none the API answered with is `given` as read, but some may be: their
    business ID (or name) can't be read. "No organisation has it" would be a guess. The one the API's
    own filter answered with by that business ID, `alone`, is it, the screen saying its ID can't be read
    (an answer of several shows a filter not applied); an answer by name may be a server's whole list,
    so a name that can't be read is asked by business ID."""
    if by_id and alone and len(unreadable) == 1:
        taken = unreadable[0].name or unreadable[0].id
        problems.append(f"the organisation {taken!r} is taken as the one with the business ID {given}: the "
                        "API answered the look-up with it, but its own business ID can't be read")
        return unreadable
    what = "business ID" if by_id else "name"
    raise ApiError("Groups", f"the identity API answered the look-up of {given!r} with {len(unreadable)} "
                   f"organisation(s) whose {what} can't be read, so which one is meant can't be told"
                   + ("" if by_id else "; look the organisation up by its business ID"))


async def _completed(store: ScimStore, snapshot: Snapshot, shared: Shared | None) -> Snapshot:
    """Round 2 for the users found: the organisations of several, or the one's groups and
    administrators."""
    candidates = snapshot.found
    if len(candidates) > 1:
        return await _with_candidate_organisations(store, snapshot)
    if len(candidates) != 1:
        return snapshot

    problems = list(snapshot.problems)
    user = candidates[0][0]
    if not user.id and not user.group_ids:
        # Neither its id nor User.groups can be read: no answer can say which organisations it is in.
        problems.append("the user's id can't be read and User.groups is empty, so its organisations "
                        "can't be asked for")
        return replace(snapshot, problems=tuple(problems))
    if user.group_ids:
        if shared is not None:
            groups, admins = await shared.groups_and_admins(store, user.group_ids)
        else:
            groups, admins = await _groups_and_admins(store, user.group_ids)
        organisations, group_problems = _theirs(store, user, groups)
        read = _users(store, admins)
        if any(not admin.group_ids for admin in read):
            # An administrator sent without User.groups, from a server that fills them for the user:
            # only the organisation's members tell whether they are its (a server that ignores the
            # administrators' groups clause sends administrators of anywhere, or of nowhere).
            found = await asyncio.gather(*(_with_members(store, org) for org in organisations))
            organisations = tuple(org for org, _ in found)
            group_problems += [p for _, noted in found for p in noted]
    else:
        groups = await store.groups_of_member(str(user.id))
        organisations, group_problems = _theirs(store, user, groups, members_asked=True)
        org_ids = [org.id for org in organisations if org.id]
        admins = await store.admins_of(org_ids) if org_ids else Page([], 0)
        read = _users(store, admins)
    problems += _problems("Groups", groups) + _problems("administrators", admins)
    if not organisations and any(org.id is None for org in _groups(store, groups)[0]):
        # The API answered an organisation for the user's groups whose own id can't be read: which
        # organisation the user is in can't be told, and "no organisation" would be untrue.
        told = replace(user, unknown=user.unknown | {"organisation"})
        snapshot = replace(snapshot, users=tuple(told if u is user else u for u in snapshot.users),
                           found=tuple((told if u is user else u, how) for u, how in snapshot.found))
    return replace(snapshot, organisations=organisations, admins=read, problems=tuple(problems),
                   group_problems=tuple(group_problems))


SHOWN_CANDIDATES = 10  # as many as the agent's screen lists


async def _with_candidate_organisations(store: ScimStore, snapshot: Snapshot) -> Snapshot:
    """Several users answer: each one's organisations by name, in one more round trip, so the agent can
    tell them apart without reading their names to the caller."""
    shown = [user for user, _ in snapshot.found[:SHOWN_CANDIDATES]]
    group_ids = tuple(dict.fromkeys(g for user in shown for g in user.group_ids))
    if not group_ids:
        return snapshot
    groups = await store.groups_by_id(group_ids)
    organisations, _ = _groups(store, groups)
    names = {org.id: org.name or org.id or "?" for org in organisations}
    named = tuple(tuple(names[g] for g in user.group_ids if g in names) for user in shown)
    return replace(snapshot, candidate_organisations=named,
                   problems=(*snapshot.problems, *_problems("Groups", groups)))


Organisations = tuple[OrganisationFacts, ...]


def _theirs(store: ScimStore, user: UserFacts, groups: Page,
            members_asked: bool = False) -> tuple[Organisations, list[str]]:
    """The user's organisations among `groups`, and the problems met. A server that ignores the id
    or the members filter sends every group: only those the answers show the user in are theirs, as
    only the users answering to the identifier are taken for them. A group whose id can't be read
    can't be shown to be one of theirs (its id is noted as a data problem already)."""
    organisations, problems = _groups(store, groups, members_asked)
    stray = [org for org in organisations if org.id is None or not member_of(user, org)]
    if stray:
        organisations = tuple(org for org in organisations if org not in stray)
        problems.append(f"the API returned {len(stray)} organisation(s) not among the user's groups, "
                        f"left out: {', '.join(repr(o.name or o.id) for o in stray)}")
    return organisations, problems


async def _with_members(store: ScimStore, org: OrganisationFacts) -> tuple[OrganisationFacts, list[str]]:
    """`org` with its members' ids, when users came without their User.groups: one more round trip,
    only against a server that does not fill them."""
    if org.member_ids is not None or org.id is None:
        return org, []
    page = await store.groups_by_id([org.id], members=True)
    again, problems = _groups(store, page, members_asked=True)
    found = next((o for o in again if o.id == org.id and o.member_ids is not None), None)
    return (replace(org, member_ids=found.member_ids) if found else org), problems + _problems("Groups", page)


def _users(store: ScimStore, page: Page) -> tuple[UserFacts, ...]:
    return tuple(user_facts(resource, store.mapping) for resource in page.resources)


def _groups(store: ScimStore, page: Page,
            members_asked: bool = False) -> tuple[tuple[OrganisationFacts, ...], list[str]]:
    organisations: list[OrganisationFacts] = []
    problems: list[str] = []
    for resource in page.resources:
        organisation, noted = group_facts(resource, members_asked, store.mapping)
        problems += noted
        if organisation is not None:
            organisations.append(organisation)
    return tuple(organisations), problems


def _problems(what: str, page: Page) -> list[str]:
    problems = list(page.problems)
    if page.truncated:
        problems.append(f"the API found {page.total} {what} but sent only {len(page.resources)}")
    return problems


class ScimDirectory:
    """One SCIM service provider as a source (sources.Directory): each look-up read into a Snapshot
    on one open client (a ScimStore's), within the round trips' time budget; with `shared`, round 2's
    answers are shared by every look-up of a run (Shared)."""

    def __init__(self, store: ScimStore, shared: Shared | None = None) -> None:
        self.store = store
        self.shared = shared

    @property
    def requests(self) -> int:
        return self.store.client.requests

    @property
    def unrecorded(self) -> frozenset[str]:
        return self.store.unrecorded

    def secrets(self) -> list[str]:
        return self.store.client.secrets()

    async def probe(self) -> None:
        await self.store.client.probe()

    async def rights(self) -> tuple[str, ...]:
        return ()  # a token's scope shows in the answers themselves: doctor tells what they lack

    async def aclose(self) -> None:
        await self.store.aclose()

    async def __aenter__(self) -> ScimDirectory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def snapshot(self, identifier: str, asked: Asked | None = None) -> Snapshot:
        """`identifier` already normalised (postisupport.core.identifiers.normalise)."""
        return await self._within(ROUND_TRIPS, fetch(self.store, identifier, self.shared, asked))

    async def snapshot_by_name(self, name: str, organisation: str) -> Snapshot:
        looked_up = fetch_by_name(self.store, name, organisation, self.shared)
        return await self._within(ROUND_TRIPS + 2, looked_up)

    async def organisation(self, business_id: str) -> Snapshot:
        return await self._within(ROUND_TRIPS, fetch_organisation(self.store, business_id))

    async def _within(self, rounds: int, looked_up: Awaitable[Snapshot]) -> Snapshot:
        # The budget's clock runs only while the requests are at the server (scim.client.Budget).
        budget = BUDGET.set(Budget(rounds * self.store.client.timeout))
        try:
            return await looked_up
        finally:
            BUDGET.reset(budget)
