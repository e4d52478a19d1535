"""The sandbox's storage: scim2-server's in-memory storage with equality indexes and synced groups."""

from __future__ import annotations

from typing import Any, cast

from scim2_models import Path, Resource, ResourceType
from scim2_models.path import AttributeBinding, Comparison, LogicalExpr, LogicalOperator
from scim2_models.path.expressions import CompareOperator, FilterNode
from scim2_server.memory import InMemoryStorage
from scim2_server.utils import parametrize

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
        self._loading = False
        self.changes = 0  # counts every load, store and removal: what was read before is stale once it moves

    def load(self, loaded: list[Resource[Any]]) -> None:
        self.changes += 1
        self._indexes, self._bindings, self._indexed = {}, {}, {}
        self._members, self._groups_of = {}, {}
        # Members are synced once, after everything is in: syncing a user's groups as each group
        # comes costs a user in n groups n stores of ever longer lists (1,100 groups took 30 s).
        self._loading = True
        try:
            InMemoryStorage.resources.fset(self, loaded)  # type: ignore[attr-defined]
        finally:
            self._loading = False
        users = self._resources.get("User", {})
        for user_id in sorted(self._groups_of):
            if user_id in users:
                self._store(users[user_id], self._unique_values.get(("User", user_id), {}))

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
        self.changes += 1
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
        self.changes += 1
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
        if self._loading:
            return
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
