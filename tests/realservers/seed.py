"""The fictional directory every real server is seeded with, over its own SCIM API (POST /Users, then
POST /Groups, then PATCH for a server whose POST ignores a group's members)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WSO2 = "urn:scim:wso2:schema"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LEGACY = "urn:postisupport:scim:schemas:extension:login:1.0:User:legacyUserId"

# Epoch milliseconds in strings, as WSO2 keeps its times.
MAY_2019 = "1557835200000"  # 2019-05-14T12:00:00Z
MARCH_2021 = "1614585600000"  # 2021-03-01T08:00:00Z


@dataclass(frozen=True)
class SeedUser:
    key: str
    user_name: str
    given: str
    family: str
    emails: tuple[str, ...]
    active: bool = True
    organisation: str | None = None
    employee_number: str | None = None
    admin: bool = False
    wso2: dict[str, Any] = field(default_factory=dict)

    def resource(self, wso2: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "schemas": [CORE_USER],
            "userName": self.user_name,
            "name": {"givenName": self.given, "familyName": self.family},
            "displayName": f"{self.given} {self.family}",
            "active": self.active,
            "emails": [{"value": e, "type": "work", "primary": i == 0} for i, e in enumerate(self.emails)],
        }
        if self.admin:
            body["roles"] = [{"value": "admin", "display": "Administrator"}]
        if self.organisation or self.employee_number:
            body["schemas"].append(ENTERPRISE)
            body[ENTERPRISE] = {
                k: v
                for k, v in (("organization", self.organisation), ("employeeNumber", self.employee_number))
                if v
            }
        if wso2 and self.wso2:
            body["schemas"].append(WSO2)
            body[WSO2] = dict(self.wso2)
        return body


ESIMERKKI = "Esimerkki Oy"
TRADING = "Example Trading Ltd"

USERS: tuple[SeedUser, ...] = (
    # Must change her password (WSO2: a forced reset pending); her legacy ID is her employeeNumber.
    SeedUser(
        "aino",
        "aino.virtanen@example.fi",
        "Aino",
        "Virtanen",
        ("aino.virtanen@example.fi", "aino.v@example.net"),
        organisation=ESIMERKKI,
        employee_number="ESIM0101",
        wso2={
            "forcePasswordReset": True,
            "accountState": "PENDING_FUPR",
            "accountLocked": False,
            "lastPasswordUpdateTime": MAY_2019,
        },
    ),
    # Esimerkki's administrator, who has logged in since the renewal.
    SeedUser(
        "matti",
        "matti.makinen@example.fi",
        "Matti",
        "Mäkinen",
        ("matti.makinen@example.fi",),
        organisation=ESIMERKKI,
        employee_number="ESIM0102",
        admin=True,
        wso2={
            "accountLocked": False,
            "accountState": "UNLOCKED",
            "lastLoginTime": MARCH_2021,
            "lastPasswordUpdateTime": MARCH_2021,
        },
    ),
    # A caller whose userName is still the legacy ID.
    SeedUser(
        "kaisa",
        "ESIM0105",
        "Kaisa",
        "Laine",
        ("kaisa.laine@example.fi",),
        organisation=ESIMERKKI,
        employee_number="ESIM0105",
        wso2={"accountLocked": False, "lastLoginTime": MARCH_2021},
    ),
    # Deactivated.
    SeedUser(
        "lauri",
        "lauri.nieminen@example.com",
        "Lauri",
        "Nieminen",
        ("lauri.nieminen@example.com",),
        active=False,
        organisation=TRADING,
        employee_number="EXT0201",
        wso2={"accountDisabled": True, "accountState": "DISABLED"},
    ),
    # Stored in mixed case; the organisation's administrator; locked on WSO2.
    SeedUser(
        "sanna",
        "Sanna.Koski@Example.com",
        "Sanna",
        "Koski",
        ("Sanna.Koski@Example.com",),
        organisation=TRADING,
        employee_number="EXT0202",
        admin=True,
        wso2={
            "accountLocked": True,
            "accountState": "LOCKED",
            "lockedReason": "MAX_ATTEMPTS_EXCEEDED",
            "failedLoginAttempts": "5",
            "lastLoginTime": MARCH_2021,
        },
    ),
    # In no organisation.
    SeedUser("olli", "olli.vapaa@example.net", "Olli", "Vapaa", ("olli.vapaa@example.net",)),
)

GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("esimerkki", ESIMERKKI, ("aino", "matti", "kaisa")),
    ("trading", TRADING, ("lauri", "sanna")),
)

BY_KEY = {u.key: u for u in USERS}


def seed(url: str, *, wso2: bool = False, token: str = "realservers-token") -> dict[str, str]:
    """POST the seed to the SCIM server at `url`; the server's ids, by seed key."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/scim+json",
        "Accept": "application/scim+json",
    }
    ids: dict[str, str] = {}
    with httpx.Client(base_url=url.rstrip("/") + "/", headers=headers, timeout=10) as client:
        for user in USERS:
            ids[user.key] = _created(client.post("Users", content=json.dumps(user.resource(wso2))))["id"]
        for key, name, members in GROUPS:
            values = [{"value": ids[m]} for m in members]
            body = {"schemas": [CORE_GROUP], "displayName": name, "members": values}
            group = _created(client.post("Groups", content=json.dumps(body)))
            ids[key] = group["id"]
            if not group.get("members"):  # django-scim2 adds members by PATCH only
                patch = {
                    "schemas": [PATCH_OP],
                    "Operations": [{"op": "add", "path": "members", "value": values}],
                }
                response = client.patch(f"Groups/{group['id']}", content=json.dumps(patch))
                if response.status_code not in (200, 204):
                    raise RuntimeError(f"PATCH Groups/{group['id']}: {response.status_code} {response.text}")
    return ids


def _created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body
