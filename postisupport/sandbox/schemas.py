"""The sandbox's SCIM provider: RFC 7643's resource types and schemas plus our two extensions."""

from __future__ import annotations

import functools
from typing import Any

from scim2_models import Schema, SchemaExtension, ScimProvider
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

from postisupport.idp import urns


def _attribute(name: str, type_: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "multiValued": False,
        "description": description,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        **extra,
    }


def _schema(urn: str, name: str, description: str, *attributes: dict[str, Any]) -> Schema:
    return Schema.model_validate({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": list(attributes),
    })


def extension_schemas() -> list[Schema]:
    login = _schema(
        urns.LOGIN_EXTENSION, "LoginUser", "Login state after the 2021 login renewal",
        _attribute("legacyUserId", "string", "The old user ID, which no longer logs in"),
        _attribute("forcePasswordReset", "boolean", "The user must change the password"),
        _attribute("passwordResetSentAt", "dateTime", "When the change request was e-mailed"),
        _attribute("passwordResetSentTo", "string", "Where the change request was e-mailed"),
        _attribute("lastPasswordUpdateTime", "dateTime", "When the password last changed"),
        _attribute("lastLoginTime", "dateTime", "The last successful login"),
        _attribute("lastFailedLoginTime", "dateTime", "The last failed login"),
        _attribute("accountLocked", "boolean", "Login is locked"),
        _attribute("unknownFacts", "string", "The facts the directory can't tell for this user, by their "
                   "names in postisupport's vocabulary (docs/identity-api.md)", multiValued=True),
        _attribute("unreadableFacts", "string", "The facts the directory sent for this user in a form that "
                   "can't be read, by their names in postisupport's vocabulary", multiValued=True),
    )
    service = [
        _attribute("value", "string", "Service id", caseExact=True),
        _attribute("display", "string", "Service name"),
    ]
    organisation = _schema(
        urns.ORGANISATION_EXTENSION, "Organisation", "A customer organisation",
        _attribute("businessId", "string", "Finnish business ID, e.g. 1234567-8"),
        _attribute("services", "complex", "Subscribed services", multiValued=True,
                   subAttributes=service),
        _attribute("unknownFacts", "string", "The facts the directory can't tell of this organisation, by "
                   "their names in postisupport's vocabulary (docs/identity-api.md)", multiValued=True),
    )
    return [login, organisation]


@functools.cache
def provider() -> ScimProvider:
    """Built once per process: its models are pydantic classes made from the schemas (50 ms), and
    nothing changes them, so a session, a bulk run and a test run share one."""
    resource_types = load_default_resource_types()
    user_type, group_type = resource_types["User"], resource_types["Group"]
    user_type.schema_extensions = [
        *(user_type.schema_extensions or []),
        SchemaExtension.model_validate({"schema": urns.LOGIN_EXTENSION, "required": False}),
    ]
    group_type.schema_extensions = [
        SchemaExtension.model_validate({"schema": urns.ORGANISATION_EXTENSION, "required": False})
    ]
    schemas = [*load_default_schemas().values(), *extension_schemas()]
    return ScimProvider.from_discovery(
        schemas, resource_types.values(), config=load_default_service_provider_config()
    )
