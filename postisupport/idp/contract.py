"""The Posti contract on top of SCIM: which attributes the tool asks by, and what makes an administrator.

The filters the client sends and the facts read from the answers both take
these names from here, so the two cannot drift apart. Free of imports beyond
the URNs, so any layer can use them cheaply.
"""

from typing import Any

from postisupport.idp import urns

ADMIN_ROLE = "admin"  # a user with this role value (any case) administers their organisations

USER_NAME = "userName"  # the login e-mail address
EMAILS = "emails.value"
LEGACY_USER_ID = f"{urns.LOGIN_EXTENSION}:legacyUserId"
# A caller is looked up by each of these, in this order of preference.
LOOKUP_ATTRIBUTES = (USER_NAME, EMAILS, LEGACY_USER_ID)

ROLES = "roles.value"
USER_GROUPS = "groups.value"
GROUP_ID = "id"
GROUP_MEMBERS = "members.value"
GROUP_NAME = "displayName"  # an organisation's name
BUSINESS_ID = f"{urns.ORGANISATION_EXTENSION}:businessId"
MEMBERS = "members"  # left out of group answers: an organisation may have thousands


def told_unknown(resource: dict[str, Any], extension: str, names: list[str],
                 key: str = "unknownFacts") -> dict[str, Any]:
    """`resource` with `names` (of the facts vocabulary) added to its `extension`'s unknownFacts (or
    `key`: "unreadableFacts", for facts sent but unreadable), each once, after those it held: how a
    file tells a replay, or a client, what can't be told."""
    held = resource.get(extension)
    held = held if isinstance(held, dict) else {}
    had = held.get(key)
    told = list(dict.fromkeys([*(had if isinstance(had, list) else []), *names]))
    return {**resource, extension: {**held, key: told}}
