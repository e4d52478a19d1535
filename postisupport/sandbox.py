"""The embedded sandbox: a real SCIM 2.0 server (scim2-server) over a directory in memory.

It serves our two schema extensions under /Schemas, keeps `User.groups` in
sync with group membership, and answers the equality filters the client
sends (`or`/`and` of `eq`, multi-valued attributes included) from indexes, so
a look-up among 10,000 users does not walk them all.

In process it is reached through httpx's ASGI transport, the same client code
path as a real API; `serve` puts it on a loopback HTTP port.
"""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Callable
from importlib import resources
from pathlib import Path as FilePath
from typing import Any, cast

from pydantic import ValidationError
from scim2_models import (
    Meta,
    Path,
    Resource,
    ResourceType,
    Schema,
    SchemaExtension,
    ScimProvider,
    UnauthorizedException,
)
from scim2_models.path import AttributeBinding, Comparison, LogicalExpr, LogicalOperator
from scim2_models.path.expressions import CompareOperator, FilterNode
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage, InMemoryStorage
from scim2_server.requests import ScimRequest
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
    parametrize,
)

from postisupport import urns
from postisupport.errors import UsageError

MOUNT = "/scim"
BASE_PATH = f"{MOUNT}/v2"
IN_PROCESS_URL = f"http://sandbox.invalid{BASE_PATH}"


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
    )
    return [login, organisation]


def provider() -> ScimProvider:
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


# -- storage ------------------------------------------------------------------

IndexKey = tuple[str | None, str]  # resource type name, attribute URN


class DirectoryStorage(InMemoryStorage):
    """InMemoryStorage with equality indexes for or/and filters, and group membership mirrored on users.

    The indexes only narrow the search: every candidate still goes through the
    filter, so an index can never make a search answer wrongly.
    """

    def __init__(self) -> None:
        super().__init__()
        self._indexes: dict[IndexKey, dict[Any, set[str]]] = {}
        self._bindings: dict[IndexKey, AttributeBinding] = {}
        self._indexed: dict[tuple[str | None, str], list[tuple[IndexKey, Any]]] = {}
        self._members: dict[str, set[str]] = {}
        self._groups_of: dict[str, set[str]] = {}

    def load(self, loaded: list[Resource[Any]]) -> None:
        self._indexes, self._bindings, self._indexed = {}, {}, {}
        self._members, self._groups_of = {}, {}
        InMemoryStorage.resources.fset(self, loaded)  # type: ignore[attr-defined]

    # Searching.

    def _candidates(self, names: list[str | None], scim_filter: Any) -> list[Resource[Any]]:
        if len(names) == 1 and scim_filter is not None and scim_filter.model is not None:
            ids = self._lookup(names[0], scim_filter, scim_filter.ast)
            if ids is not None:
                stored = self._resources.get(names[0], {})
                return [stored[i] for i in sorted(ids) if i in stored]
        return super()._candidates(names, scim_filter)

    def _lookup(self, name: str | None, scim_filter: Any, node: FilterNode) -> set[str] | None:
        """The ids that can match `node`, or None when no index can tell."""
        if isinstance(node, Comparison):
            return self._lookup_comparison(name, scim_filter, node)
        if isinstance(node, LogicalExpr):
            found = [self._lookup(name, scim_filter, term) for term in node.terms]
            if node.op == LogicalOperator.or_:
                return None if None in found else set().union(*cast(list[set[str]], found))
            known = [ids for ids in found if ids is not None]
            return set.intersection(*known) if known else None
        return None

    def _lookup_comparison(
        self, name: str | None, scim_filter: Any, node: Comparison
    ) -> set[str] | None:
        if node.op != CompareOperator.eq or not isinstance(node.value, str):
            return None
        binding = scim_filter.resolve_comparison(node.attr_path, strict=False)
        if binding is None or not _holds_strings(binding):
            return None
        try:
            value = binding.comparable(node.value)
        except ValueError:
            return set()
        return self._index(name, binding).get(value, set())

    def _index(self, name: str | None, binding: AttributeBinding) -> dict[Any, set[str]]:
        key = (name, binding.urn)
        if key not in self._indexes:
            self._indexes[key], self._bindings[key] = {}, binding
            for resource in self._resources.get(name, {}).values():
                self._index_one(key, resource)
        return self._indexes[key]

    def _index_one(self, key: IndexKey, resource: Resource[Any]) -> None:
        binding = self._bindings[key]
        value = _path(type(resource), binding.urn).get(resource, strict=False)
        values = value if isinstance(value, list) else [value]
        resource_key = (key[0], cast(str, resource.id))
        for item in values:
            if not isinstance(item, str):
                continue
            try:
                comparable = binding.comparable(item)
            except ValueError:
                continue
            self._indexes[key].setdefault(comparable, set()).add(resource_key[1])
            self._indexed.setdefault(resource_key, []).append((key, comparable))

    # Keeping indexes and memberships up to date.

    def _store(self, resource: Resource[Any], values: dict[str, Any]) -> None:
        name, resource_id = resource.meta.resource_type, cast(str, resource.id)  # type: ignore[union-attr]
        if name == "User":
            resource.groups = self._memberships(resource_id) or None  # type: ignore[attr-defined]
        super()._store(resource, values)
        for key in self._indexes:
            if key[0] == name:
                self._index_one(key, resource)
        if name == "Group":
            members = {m.value for m in resource.members or [] if m.value}  # type: ignore[attr-defined]
            self._sync_members(resource_id, members)

    def _remove(self, key: tuple[str | None, str]) -> None:
        super()._remove(key)
        for index_key, value in self._indexed.pop(key, []):
            self._indexes[index_key].get(value, set()).discard(key[1])

    def delete(self, resource_type: ResourceType, resource_id: str, **kwargs: Any) -> None:
        with self.lock:
            super().delete(resource_type, resource_id, **kwargs)
            if resource_type.name == "Group":
                self._sync_members(resource_id, set())

    def _sync_members(self, group_id: str, members: set[str]) -> None:
        before = self._members.pop(group_id, set())
        if members:
            self._members[group_id] = members
        for user_id in before - members:
            self._groups_of.get(user_id, set()).discard(group_id)
        for user_id in members:
            self._groups_of.setdefault(user_id, set()).add(group_id)
        users = self._resources.get("User", {})
        for user_id in before | members:
            if user_id in users:
                self._store(users[user_id], self._unique_values.get(("User", user_id), {}))

    def _memberships(self, user_id: str) -> list[dict[str, Any]]:
        # Plain dicts: the provider builds its own User model, with its own Groups type.
        groups = self._resources.get("Group", {})
        return [
            {
                "value": group_id,
                "display": getattr(groups.get(group_id), "display_name", None),
                "type": "direct",
                "$ref": f"Groups/{group_id}",
            }
            for group_id in sorted(self._groups_of.get(user_id, ()))
        ]


def _holds_strings(binding: AttributeBinding) -> bool:
    target = binding.target_type
    return target is not None and (
        target.__name__ == "EmailStr" or (isinstance(target, type) and issubclass(target, str))
    )


_paths: dict[tuple[type, str], Any] = {}


def _path(model: type, urn: str) -> Any:
    key = (model, urn)
    if key not in _paths:
        _paths[key] = parametrize(Path, model)(urn)
    return _paths[key]


# -- loading a directory file -------------------------------------------------


def demo_data() -> dict[str, Any]:
    text = resources.files("postisupport").joinpath("data/demo.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


def generated_directory(users: int, organisations: int = 10, admin_every: int = 50) -> dict[str, Any]:
    """A large fictional directory for load tests and benchmarks.

    User i is user{i}@example.com, also answers to alias{i}@example.net and
    legacy ID LEG{i:06d}, is an admin when i is a multiple of `admin_every`,
    and belongs to organisation g{i % organisations}.
    """
    return {
        "Users": [{
            "id": f"u{i}", "userName": f"user{i}@example.com",
            "emails": [{"value": f"user{i}@example.com"}, {"value": f"alias{i}@example.net"}],
            "roles": [{"value": "admin"}] if i % admin_every == 0 else [],
            urns.LOGIN_EXTENSION: {"legacyUserId": f"LEG{i:06d}"},
        } for i in range(users)],
        "Groups": [{
            "id": f"g{k}", "displayName": f"Organisation {k}",
            "members": [{"value": f"u{i}"} for i in range(k, users, organisations)],
            urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", "services": []},
        } for k in range(organisations)],
    }


def read_data_file(path: FilePath) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read sandbox data {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"sandbox data {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise UsageError(f'sandbox data {path} must be a JSON object {{"Users": [...], "Groups": [...]}}')
    return data


def build_storage(data: dict[str, Any], scim: ScimProvider | None = None) -> DirectoryStorage:
    """A storage holding the Users and Groups of `data`, their ids kept.

    Raises UsageError naming the resource and the attribute at fault.
    """
    scim = scim or provider()
    unknown = set(data) - {"Users", "Groups"}
    if unknown:
        raise UsageError(f"sandbox data: unknown key(s) {', '.join(sorted(unknown))}; "
                         "expected Users and Groups")
    loaded: list[Resource[Any]] = []
    ids: set[tuple[str, str]] = set()
    user_names: dict[str, str] = {}
    for kind, required in (("Users", "userName"), ("Groups", "displayName")):
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise UsageError(f"sandbox data: {kind} must be a list")
        model = scim.model_for_endpoint(f"/{kind}")
        for position, entry in enumerate(entries):
            where = f"{kind}[{position}]"
            if not isinstance(entry, dict):
                raise UsageError(f"sandbox data: {where} is not a JSON object")
            resource_id = entry.get("id")
            if not isinstance(resource_id, str) or not resource_id:
                raise UsageError(f"sandbox data: {where}: id is missing")
            where = f"{kind}[{position}] (id {resource_id!r})"
            if (kind, resource_id) in ids:
                raise UsageError(f"sandbox data: {where}: id is used twice")
            ids.add((kind, resource_id))
            if not entry.get(required):
                raise UsageError(f"sandbox data: {where}: {required} is missing")
            loaded.append(_validated(model, entry, kind[:-1], where))
            if kind == "Users":
                login = str(entry["userName"]).casefold()
                if login in user_names:
                    raise UsageError(f"sandbox data: {where}: userName is also used by "
                                     f"user {user_names[login]!r}")
                user_names[login] = resource_id
    for resource in loaded:
        for member in getattr(resource, "members", None) or []:
            if ("Users", member.value) not in ids and ("Groups", member.value) not in ids:
                raise UsageError(f"sandbox data: group {resource.id!r}: members.value "
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
        raise UsageError(f"sandbox data: {where}: {attribute}: {first['msg']}") from None
    resource.meta = Meta(resource_type=type_name, version='W/"1"')
    return cast(Resource[Any], resource)


# -- the application ----------------------------------------------------------


class SandboxApplication(ASGIApplication):
    """scim2-server's ASGI application, mounted under /scim, with an optional bearer token."""

    def __init__(
        self, storage: DirectoryStorage, token: str | None = None, scim: ScimProvider | None = None
    ) -> None:
        super().__init__(AsyncInMemoryStorage(storage), scim or provider())
        self.token = token

    def check_auth(self, request: ScimRequest) -> None:
        if self.token is None:
            return
        scheme, _, given = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or given != self.token:
            raise UnauthorizedException

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path != MOUNT and not path.startswith(MOUNT + "/"):
                await _not_found(send)
                return
            scope = {**scope, "root_path": MOUNT}
        await super().__call__(scope, receive, send)


async def _not_found(send: Any) -> None:
    body = json.dumps({
        "schemas": [urns.ERROR], "status": "404", "detail": f"the SCIM API is under {BASE_PATH}"
    }).encode()
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"application/scim+json")]})
    await send({"type": "http.response.body", "body": body})


def application(data_file: FilePath | None = None, token: str | None = None) -> SandboxApplication:
    data = demo_data() if data_file is None else read_data_file(data_file)
    scim = provider()
    return SandboxApplication(build_storage(data, scim), token, scim)


def transport(app: SandboxApplication) -> Any:
    import httpx

    return httpx.ASGITransport(app=app)


def bind(host: str, port: int) -> tuple[socket.socket, str]:
    """A listening socket, and the SCIM base URL it serves."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)  # connections made before the server runs wait instead of failing
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return sock, f"http://{shown}:{bound_port}{BASE_PATH}"


def serve(app: SandboxApplication, sock: socket.socket, on_ready: Callable[[], None]) -> None:
    """Serve until Ctrl-C or SIGTERM, then return after a graceful shutdown.

    `on_ready` runs once a signal would stop the server cleanly, so whoever
    waits for it can stop the server straight away.
    """
    import uvicorn

    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    def stop(signum: int, frame: Any) -> None:
        # Before uvicorn runs, this stops it as soon as it starts; after its
        # graceful shutdown, uvicorn re-raises the signal here, where it ends.
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        on_ready()
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
