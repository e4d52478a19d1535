"""Lean, tolerant views of the SCIM resources the client reads.

Only the attributes postisupport uses are modelled. A malformed attribute does
not reject its resource: it becomes None (or is left out of its list) and a
note of the problem is kept on the resource, because the broken accounts are
exactly the ones a support desk needs to look at.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from postisupport.core.identifiers import looks_like_email
from postisupport.core.text import shortened
from postisupport.idp import urns

T = TypeVar("T")
MAX_NOTED_VALUE = 60


def _note(info: ValidationInfo, problem: str) -> None:
    if info.context is not None:
        info.context.setdefault("problems", []).append(problem)


def _unreadable(info: ValidationInfo, attribute: str) -> None:
    """An attribute the server sent but that could not be read: what it holds is unknown, not absent."""
    if info.context is not None:
        info.context.setdefault("unreadable", set()).add(attribute)


def _attribute(info: ValidationInfo) -> str:
    head, *rest = (info.field_name or "?").split("_")
    return head + "".join(word.title() for word in rest)


def _shown(value: Any) -> str:
    return shortened(repr(value), MAX_NOTED_VALUE)


# pydantic's words for the usual wrong types, as ours are said ("not a list"): its own name a model, for
# instance ("a valid dictionary or instance of MultiValue"), and a SCIM attribute is no Python type.
_WRONG_TYPE = {"string_type": "not a string", "dict_type": "not an object", "model_type": "not an object",
               "model_attributes_type": "not an object", "list_type": "not a list",
               "bool_type": "not a boolean (true or false)", "bool_parsing": "not a boolean (true or false)",
               "int_type": "not a whole number", "int_parsing": "not a whole number"}


def _reason(error: ValidationError) -> str:
    first = error.errors()[0]
    if (said := _WRONG_TYPE.get(first["type"])) is not None:
        return said
    reason = str(first["msg"]).removeprefix("Value error, ")  # our own validators' words
    return reason.replace("Input should be ", "not ", 1) if reason.startswith("Input should be ") else reason


# Complex core attributes: a sub-attribute is named with its parent ("name.formatted"), as a list's items
# are ("emails.value"); an extension's attributes are named bare, as the extension's own (F29-12).
_WITH_PARENT = frozenset({"name"})


def _lenient(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    try:
        if info.field_name not in _WITH_PARENT:  # every attribute of every user: nothing more to do
            return handler(value)
        name = _attribute(info)
        noted = info.context.setdefault("problems", []) if info.context is not None else []
        before = len(noted)
        read = handler(value)
        within = (f"{name}.", f"{name}:")
        noted[before:] = [p if p.startswith(within) else f"{name}.{p}" for p in noted[before:]]
        return read
    except ValidationError as error:
        _note(info, f"{_attribute(info)}: {_shown(value)} ignored ({_reason(error)})")
        _unreadable(info, _attribute(info))
        return None


def _lenient_list(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    if value is None:
        return []
    name = _attribute(info)
    if not isinstance(value, list):
        _note(info, f"{name}: {_shown(value)} ignored (not a list)")
        _unreadable(info, name)
        return []
    noted = info.context.setdefault("problems", []) if info.context is not None else []
    unread: set[str] = info.context.setdefault("unreadable", set()) if info.context is not None else set()
    before, unread_before = len(noted), set(unread)
    items = [item for item in handler(value) if item is not None]
    nulls = sum(item is None for item in value)
    # An item's attribute is named with its list's ("groups.value"): a bare "value" says nothing. A list
    # known unreadable already (a value sent twice in different case, and so left out) is not said again
    # to miss its items' values.
    noted[before:] = [p if p.startswith(f"{name}:") else f"{name}.{p}" for p in noted[before:]
                      if not (name in unread_before and p == "value: missing")]
    inner = unread - unread_before
    unread -= inner
    unread |= {leaf if leaf == name else f"{name}.{leaf}" for leaf in inner}
    if len(noted) > before:
        _unreadable(info, name)  # an item left out, or one of its attributes: the list is not whole
    if nulls:
        # A null carries nothing, and the list's other items are whole: said, not made unreadable (F29-12).
        noted.append(f"{name}: {nulls} null item(s) ignored")
    return items


def _utc(value: datetime | None) -> datetime | None:
    # SCIM dateTimes carry a zone; a server that drops it almost surely means UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# An xsd:dateTime as text, its date in ISO 8601's extended form: pydantic would read a number, or digits
# ("20210118", "2021"), as seconds or milliseconds since 1970, silently and wrongly. A date alone is
# no moment: read as midnight UTC, it decided whether a change on that day came after a request (F29-8).
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ].+", re.DOTALL)


def _date_time_text(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value.strip()):
        raise ValueError("not a dateTime (YYYY-MM-DDThh:mm:ss)")
    return value


def _text(value: str) -> str:
    # A lone surrogate (a JSON "\ud800") is no text: put into the next request's filter, it can't be sent.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not text: it holds a lone surrogate") from None
    return value


def _address(value: str) -> str:
    # Where a request went, told as an address no longer on the account, must be an address: "",
    # "x", "mailto:...", "Name <address>", a trailing dot or an invisible character say nothing certain
    # of where it went.
    if not looks_like_email(value) or value.endswith(".") or any(
            ch in '<>():;,[]"\\' or unicodedata.category(ch) in ("Cf", "Cc") for ch in value):
        raise ValueError("not an e-mail address")
    return value


def boolean(value: Any) -> bool | None:
    """JSON's true and false, or the same in a string (WSO2 sends some so); None for anything else:
    pydantic would also read "off", "n", "0", 0 or 1, which no SCIM server means as a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _yes_or_no(value: Any) -> bool:
    read = boolean(value)
    if read is None:
        raise ValueError("not a boolean (true or false)")  # unreadable, never a guess
    return read


Lenient = Annotated[T | None, WrapValidator(_lenient)]
Text = Annotated[str, AfterValidator(_text)]
YesOrNo = Annotated[bool, BeforeValidator(_yes_or_no)]
Address = Annotated[str, AfterValidator(_address)]
Timestamp = Annotated[Lenient[Annotated[datetime, BeforeValidator(_date_time_text)]], AfterValidator(_utc)]
if TYPE_CHECKING:
    LenientList = list  # what code sees: the invalid items are already dropped
else:
    LenientList = Annotated[list[Lenient[T]], WrapValidator(_lenient_list)]


class ScimModel(BaseModel):
    """Attribute names are matched case-insensitively, as RFC 7643 section 2.1 asks."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=False)

    @model_validator(mode="before")
    @classmethod
    def _canonical_names(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        names = _canonical_names_of(cls)
        return {names.get(str(key).lower(), key): value for key, value in data.items()}


@cache
def _canonical_names_of(cls: type[BaseModel]) -> dict[str, str]:
    return {(field.alias or name).lower(): field.alias or name for name, field in cls.model_fields.items()}


class MultiValue(ScimModel):
    value: Lenient[Text] = None
    display: Lenient[str] = None
    primary: Lenient[YesOrNo] = None

    @model_validator(mode="before")
    @classmethod
    def _valued(cls, data: Any, info: ValidationInfo) -> Any:
        # An item with no value (a right or a role sent as {"display": ...}) tells nothing: its list is
        # not whole, never read as one item fewer ("no access", "not an administrator").
        if isinstance(data, dict):
            value = next((v for k, v in data.items() if str(k).lower() == "value"), None)
            if value is None or value == "":
                _note(info, "value: missing" if value is None else "value: empty")
                _unreadable(info, "value")
        return data


class Name(ScimModel):
    formatted: Lenient[str] = None
    given_name: Lenient[str] = Field(None, alias="givenName")
    family_name: Lenient[str] = Field(None, alias="familyName")


class LoginExtension(ScimModel):
    legacy_user_id: Lenient[str] = Field(None, alias="legacyUserId")
    force_password_reset: Lenient[YesOrNo] = Field(None, alias="forcePasswordReset")
    password_reset_sent_at: Timestamp = Field(None, alias="passwordResetSentAt")
    password_reset_sent_to: Lenient[Address] = Field(None, alias="passwordResetSentTo")
    last_password_update_time: Timestamp = Field(None, alias="lastPasswordUpdateTime")
    last_login_time: Timestamp = Field(None, alias="lastLoginTime")
    last_failed_login_time: Timestamp = Field(None, alias="lastFailedLoginTime")
    account_locked: Lenient[YesOrNo] = Field(None, alias="accountLocked")
    # What the directory can't tell of this user (a capture read through another mapping keeps it so),
    # and what it sent but could not be read (a capture keeps it so: unknown, with a data problem live).
    unknown_facts: LenientList[str] = Field([], alias="unknownFacts")
    unreadable_facts: LenientList[str] = Field([], alias="unreadableFacts")


class OrganisationExtension(ScimModel):
    business_id: Lenient[Text] = Field(None, alias="businessId")
    services: LenientList[MultiValue] = []
    # What the directory can't tell of this organisation (a capture read through another mapping keeps
    # it so; its extension, empty otherwise, would be left out, and the group be none).
    unknown_facts: LenientList[str] = Field([], alias="unknownFacts")


class Resource(ScimModel):
    id: Lenient[Text] = None
    _problems: list[str] = PrivateAttr(default_factory=list)
    _unreadable: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @property
    def problems(self) -> list[str]:
        """What was wrong with the resource as the server sent it."""
        return self._problems

    @property
    def unreadable(self) -> frozenset[str]:
        """The attributes (by their names on the wire, an extension's by its field's) that were sent
        but could not be read, in whole or in part."""
        return self._unreadable

    @classmethod
    def parse(cls: type[R], data: Any, unreadable: frozenset[str] = frozenset()) -> R:
        """`unreadable`: attributes known already not to be readable (never noted as missing)."""
        context: dict[str, Any] = {"problems": [], "unreadable": set(unreadable)}
        resource = cls.model_validate(data, context=context)
        resource._problems = context["problems"]
        resource._unreadable = frozenset(context["unreadable"])
        if not resource.id and not any(p.startswith("id: ") for p in resource._problems):
            resource._problems.insert(0, "id: missing")
        return resource


R = TypeVar("R", bound=Resource)


class User(Resource):
    user_name: Lenient[str] = Field(None, alias="userName")
    display_name: Lenient[str] = Field(None, alias="displayName")
    name: Lenient[Name] = None
    active: Lenient[YesOrNo] = None
    preferred_language: Lenient[str] = Field(None, alias="preferredLanguage")
    emails: LenientList[MultiValue] = []
    phone_numbers: LenientList[MultiValue] = Field([], alias="phoneNumbers")
    roles: LenientList[MultiValue] = []
    entitlements: LenientList[MultiValue] = []
    groups: LenientList[MultiValue] = []
    login: Lenient[LoginExtension] = Field(None, alias=urns.LOGIN_EXTENSION)  # type: ignore[literal-required]

    @model_validator(mode="after")
    def _check_addresses(self, info: ValidationInfo) -> User:
        unread = info.context.get("unreadable", ()) if info.context is not None else ()
        if self.user_name is None:
            if "userName" not in unread:  # else noted as unreadable already
                _note(info, "userName: missing, so the login e-mail address is unknown")
                _unreadable(info, "userName")  # required by SCIM: missing is not "no login address"
        elif not looks_like_email(self.user_name):
            _note(info, f"userName: {_shown(self.user_name)} is not an e-mail address")
        for email in self.emails:
            if email.value is not None and not looks_like_email(email.value):
                _note(info, f"emails: {_shown(email.value)} is not an e-mail address")
        return self


class Group(Resource):
    display_name: Lenient[Text] = Field(None, alias="displayName")
    organisation: Lenient[OrganisationExtension] = Field(  # type: ignore[literal-required]
        None, alias=urns.ORGANISATION_EXTENSION
    )
