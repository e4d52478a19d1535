"""Directory files for the sandbox: {"Users": [...], "Groups": [...]}, checked before they are served."""

from __future__ import annotations

import json
import os
import stat
from importlib import resources
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from scim2_models import Meta, Resource, ScimProvider

from postisupport.core.identifiers import fold
from postisupport.core.text import NESTED, NotJson, json_document
from postisupport.errors import DataFileError, os_reason
from postisupport.idp import urns
from postisupport.idp.reading import named
from postisupport.sandbox.schemas import provider
from postisupport.sandbox.storage import DirectoryStorage


def demo_data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/demo.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


# The most of any data or capture file that is read: a directory a diagnosis reads is a few
# kilobytes, the largest test directory a few megabytes. Beyond this a file is refused, so
# /dev/zero or a runaway file cannot eat the memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


def read_json(path: Path, limit: int = MAX_FILE_BYTES) -> Any:
    """The JSON document in `path`, reading at most `limit` bytes of it, whatever the file is.

    Raises OSError when it can't be read, NotJson when it holds no JSON document (or too much).
    """
    # Opened without waiting: a named pipe with no writer would keep us waiting for ever. Then read as
    # usual, so a pipe with a writer (`cat t.json | replay /dev/stdin`) is read whole; one without is
    # at its end at once.
    with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as source:
        if stat.S_ISFIFO(os.fstat(source.fileno()).st_mode):
            os.set_blocking(source.fileno(), True)
        # One byte past the limit tells a file of exactly `limit` bytes from a larger one,
        # also for a character device that has no size to ask for.
        content = source.read(limit + 1)
    if len(content) > limit:
        raise NotJson(f"larger than {limit // (1024 * 1024)} MB")
    return json_document(content)


def read_data_file(path: Path) -> dict[str, Any]:
    try:
        data = read_json(path)
    except OSError as error:
        raise DataFileError(f"cannot read sandbox data {path}: {os_reason(error)}", path) from None
    except NotJson as error:
        suffix = " to be a directory" if error.reason == NESTED else ""
        raise DataFileError(f"sandbox data {path} is {error.reason}{suffix}", path) from None
    if not isinstance(data, dict):
        raise DataFileError(
            f'sandbox data {path} must be a JSON object {{"Users": [...], "Groups": [...]}}', path
        )
    return data


def build_storage(data: dict[str, Any], scim: ScimProvider | None = None) -> DirectoryStorage:
    """A storage holding the Users and Groups of `data`, their ids kept.

    Raises DataFileError naming the resource and the attribute at fault.
    """
    scim = scim or provider()
    unknown = set(data) - {"Users", "Groups", "capture"}  # a capture file is a data file too
    if {"Entries", "Searches"} <= unknown:
        # An LDAP directory's capture answers the searches it recorded, not a SCIM client's requests.
        raise DataFileError("sandbox data: this is an LDAP directory's capture (Entries and Searches), which "
                            "the SCIM sandbox can't serve; decide from it with postisupport replay FILE")
    if unknown:
        raise DataFileError(f"sandbox data: unknown key(s) {', '.join(sorted(unknown))}; "
                         "expected Users and Groups")
    # A directory written by hand must name its users and organisations, each user by a userName
    # of its own, or it has a typo; one a capture kept is what a server sent, and a server may send
    # a user without a userName, or two users with one.
    captured = "capture" in data
    loaded: list[Resource[Any]] = []
    ids: set[tuple[str, str]] = set()
    user_names: dict[str, str] = {}
    for kind, required in (("Users", "userName"), ("Groups", "displayName")):
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise DataFileError(f"sandbox data: {kind} must be a list")
        model = scim.model_for_endpoint(f"/{kind}")
        for position, entry in enumerate(entries):
            where = f"{kind}[{position}]"
            if not isinstance(entry, dict):
                raise DataFileError(f"sandbox data: {where} is not a JSON object")
            resource_id = named(entry, "id")
            if resource_id is None or resource_id == "":
                raise DataFileError(f"sandbox data: {where}: id is missing")
            if not isinstance(resource_id, str):
                raise DataFileError(f"sandbox data: {where}: id is {_json_type(resource_id)}, not a string")
            where = f"{kind}[{position}] (id {resource_id!r})"
            if (kind, resource_id) in ids:
                raise DataFileError(f"sandbox data: {where}: id is used twice")
            ids.add((kind, resource_id))
            if not named(entry, required) and not captured:
                raise DataFileError(f"sandbox data: {where}: {required} is missing")
            loaded.append(_validated(model, entry, kind[:-1], where))
            if kind == "Users" and named(entry, "userName") and not captured:
                login = fold(str(named(entry, "userName")))
                if login in user_names:
                    raise DataFileError(f"sandbox data: {where}: userName is also used by "
                                     f"user {user_names[login]!r}")
                user_names[login] = resource_id
    for resource in loaded:
        for member in getattr(resource, "members", None) or []:
            if ("Users", member.value) not in ids and ("Groups", member.value) not in ids:
                raise DataFileError(f"sandbox data: group {resource.id!r}: members.value "
                                 f"{member.value!r} is no user or group in the file")
    storage = DirectoryStorage()
    storage.load(loaded)
    return storage


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)



def _validated(model: Any, entry: dict[str, Any], type_name: str, where: str) -> Resource[Any]:
    entry = dict(entry)
    entry.setdefault("schemas", [model.__schema__] + [
        urn for urn in (urns.LOGIN_EXTENSION, urns.ORGANISATION_EXTENSION) if urn in entry
    ])
    entry.pop("meta", None)
    try:
        resource = model.model_validate(entry)
    except ValidationError as error:
        first = error.errors()[0]
        attribute = ".".join(str(part) for part in first["loc"]) or "(resource)"
        raise DataFileError(f"sandbox data: {where}: {attribute}: {first['msg']}") from None
    resource.meta = Meta(resource_type=type_name, version='W/"1"')
    return cast(Resource[Any], resource)
