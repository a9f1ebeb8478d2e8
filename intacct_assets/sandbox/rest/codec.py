"""Stored records <-> REST JSON (camelCase, nested groups, references as {key, id, href})."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from intacct_assets.sandbox import values
from intacct_assets.sandbox.company.store import LineOp
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.objects import ENUMS, ObjectDef, Ref

if TYPE_CHECKING:
    from intacct_assets.sandbox.company.store import Store

READ_ONLY_PATHS = {"key", "href", "audit", "ia::meta"}


def _set(out: dict, path: tuple[str, ...], value: object) -> None:
    for part in path[:-1]:
        out = out.setdefault(part, {})
    out[path[-1]] = value


@cache
def _layout(defn: ObjectDef) -> tuple:
    return tuple((tuple(f.rest.split(".")), f) for f in defn.fields if f.rest)


def ref_value(store: Store, ref: Ref, ident: object) -> dict:
    """Reference object; dangling or empty references come back null-filled like Intacct's."""
    target_def = store.registry[ref.target]
    target = store.find(ref.target, ident) if ident not in (None, "") else None
    out = {"key": str(target["RECORDNO"]) if target else None, "id": (str(ident) if target else None)}
    if "name" in target_def.by_rest:
        out["name"] = target.get(target_def.by_rest["name"].name) if target else None
    if target_def.rest and target:
        out["href"] = target_def.href(target["RECORDNO"])
    return out


def to_rest(store: Store, defn: ObjectDef, record: dict) -> dict:
    out: dict = {"key": str(record["RECORDNO"]), "id": str(defn.ident(record))}
    for path, f in _layout(defn):
        if f.name == "RECORDNO" or f.writeonly:
            continue
        value = record.get(f.name)
        if f.enum and value is not None:
            value = ENUMS[f.enum].get(value, value)
        _set(out, path, value)
    for ref in defn.refs:
        _set(out, tuple(ref.rest.split(".")), ref_value(store, ref, record.get(ref.field)))
    if defn.lines:
        line_def = store.registry[defn.lines.object]
        out[defn.lines.rest] = [to_rest(store, line_def, line) for line in store.lines_of(defn, record["RECORDNO"])]
    if defn.rest:
        out["href"] = defn.href(record["RECORDNO"])
    return out


def reference(defn: ObjectDef, record: dict) -> dict:
    return {"key": str(record["RECORDNO"]), "id": str(defn.ident(record)), "href": defn.href(record["RECORDNO"])}


def from_rest(store: Store, defn: ObjectDef, body: object, *, for_update: bool) -> tuple[dict, list]:
    """REST body -> (stored values, lines). Lines are dicts on create and LineOps on update.
    Unknown fields are refused (400); read-only ones (key, href, audit, computed totals) are ignored."""
    if not isinstance(body, dict):
        raise SandboxError("invalid_request", "The request payload must be a JSON object")
    result: dict = {}
    lines: list = []
    _walk(store, defn, body, "", result, lines, for_update)
    return result, lines


def _walk(store: Store, defn: ObjectDef, node: dict, prefix: str, result: dict, lines: list, for_update: bool) -> None:
    for name, value in node.items():
        path = prefix + name
        if path in READ_ONLY_PATHS or path.startswith("audit.") or name == "ia::operation":
            continue
        if path == "id":
            if defn.id_field:
                result[defn.id_field] = values.parse_value("string", value, "id")
            continue
        ref = defn.refs_by_rest.get(path)
        if ref is not None:
            result[ref.field] = _ref_input(store, ref, value, path)
            continue
        if defn.lines and path == defn.lines.rest:
            lines.extend(_lines(store, defn, value, for_update))
            continue
        f = defn.by_rest.get(path)
        if f is not None:
            if not f.readonly:
                result[f.name] = _field_input(f, value, path)
            continue
        if isinstance(value, dict) and any(k.startswith(path + ".") for k in [*defn.by_rest, *defn.refs_by_rest]):
            _walk(store, defn, value, path + ".", result, lines, for_update)
            continue
        raise SandboxError("invalid_field", f"/{path.replace('.', '/')} is not a valid field", field=path)


def _field_input(f, value: object, path: str) -> object:
    if f.enum and value is not None:
        reverse = {v: k for k, v in ENUMS[f.enum].items()}
        if value not in reverse:
            raise SandboxError(
                "invalid_value", f"'{value}' is not a valid value for {path}; allowed: {', '.join(reverse)}", field=path
            )
        return reverse[value]
    return values.parse_value(f.type, value, path)


def _ref_input(store: Store, ref: Ref, value: object, path: str) -> object:
    """A reference's stored ID. ``null`` (or ``{"id": null}``, as production payloads send for an unset
    dimension) empties it; a blank ``""`` ID is refused (CPW live notes)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not ({"id", "key"} & value.keys()):
        raise SandboxError("invalid_value", f"{path} must be an object with 'id' or 'key'", field=path)
    if all(value.get(part) is None for part in ("id", "key")):
        return None
    if value.get("id") is not None:
        if value["id"] == "":
            raise SandboxError("invalid_value", f"{path}.id must not be blank", field=path)
        return str(value["id"])
    target_def = store.registry[ref.target]
    try:
        target = store.get(ref.target, int(str(value["key"])))
    except ValueError:
        target = None
    if target is None:
        raise SandboxError("business", f"Invalid {target_def.name.title()} key '{value['key']}' specified.", field=path)
    return str(target[target_def.id_field] if target_def.id_field else target["RECORDNO"])


def _lines(store: Store, defn: ObjectDef, value: object, for_update: bool) -> list:
    if not isinstance(value, list):
        raise SandboxError("invalid_value", f"{defn.lines.rest} must be an array", field=defn.lines.rest)
    line_def = store.registry[defn.lines.object]
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise SandboxError("invalid_value", f"{defn.lines.rest} items must be objects", field=defn.lines.rest)
        converted, _ = from_rest(store, line_def, item, for_update=False)
        if not for_update:
            out.append(converted)
        elif item.get("ia::operation") == "delete":
            out.append(LineOp("delete", {}, _line_key(item)))
        elif "key" in item:
            out.append(LineOp("update", converted, _line_key(item)))
        else:
            out.append(LineOp("create", converted))
    return out


def _line_key(item: dict) -> int:
    try:
        return int(str(item["key"]))
    except (KeyError, ValueError):
        raise SandboxError("invalid_value", "line 'key' must be a record key", field="key") from None
