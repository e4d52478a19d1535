"""Directory files for the sandbox: {"Users": [...], "Groups": [...]}, checked before they are served."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from scim2_models import Meta, Resource, ScimProvider

from postisupport.core.identifiers import fold
from postisupport.errors import DataFileError
from postisupport.idp import urns
from postisupport.sandbox.schemas import provider
from postisupport.sandbox.storage import DirectoryStorage


def demo_data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/demo.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


def read_data_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DataFileError(f"cannot read sandbox data {path}: {error.strerror or error}", path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFileError(f"sandbox data {path} is not valid JSON: {error}", path) from None
    except RecursionError:
        raise DataFileError(f"sandbox data {path} is nested too deeply to be a directory", path) from None
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
    if unknown:
        raise DataFileError(f"sandbox data: unknown key(s) {', '.join(sorted(unknown))}; "
                         "expected Users and Groups")
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
            resource_id = entry.get("id")
            if not isinstance(resource_id, str) or not resource_id:
                raise DataFileError(f"sandbox data: {where}: id is missing")
            where = f"{kind}[{position}] (id {resource_id!r})"
            if (kind, resource_id) in ids:
                raise DataFileError(f"sandbox data: {where}: id is used twice")
            ids.add((kind, resource_id))
            if not entry.get(required):
                raise DataFileError(f"sandbox data: {where}: {required} is missing")
            loaded.append(_validated(model, entry, kind[:-1], where))
            if kind == "Users":
                login = fold(str(entry["userName"]))
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
