"""Reads ``objects.yaml`` (the format is described at its top) into the dataclasses of ``model``.

Field sets and shared refs are expanded here, once; every mistake in the file is a ValueError naming the
object and what is wrong, raised at import, so a bad definition never reaches a request.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from intacct_assets.sandbox.objects.model import Field, Lines, ObjectDef, Ref, Registry

DEFINITIONS = Path(__file__).with_name("objects.yaml")
TYPES = ("string", "integer", "decimal", "date", "timestamp", "boolean")
_FIELD_ATTRIBUTES = {f.name for f in dataclasses.fields(Field)}
_OBJECT_ATTRIBUTES = {f.name for f in dataclasses.fields(ObjectDef)} - {"name"}
_YAML_ONLY = {"fields_of", "overrides"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: start-up stays fast


def load(path: Path = DEFINITIONS) -> Registry:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    reader = _Reader(data.get("field_sets", {}), data.get("refs", {}), data.get("enums", {}))
    objects: dict[str, ObjectDef] = {}
    for name, spec in data["objects"].items():
        objects[name] = reader.object(name, spec, objects)
    for defn in objects.values():
        _check_links(defn, objects)
    return Registry(objects, data.get("enums", {}), data.get("query_codes", {}))


class _Reader:
    def __init__(self, field_sets: dict[str, list], refs: dict[str, dict], enums: dict[str, dict]) -> None:
        self.field_sets, self.refs, self.enums = field_sets, refs, enums

    def object(self, name: str, spec: dict[str, Any], done: dict[str, ObjectDef]) -> ObjectDef:
        unknown = set(spec) - _OBJECT_ATTRIBUTES - _YAML_ONLY
        if unknown:
            raise ValueError(f"objects.yaml: {name}: unknown attribute(s) {', '.join(sorted(unknown))}")
        attributes = {k: v for k, v in spec.items() if k not in _YAML_ONLY}
        fields: list[Field] = []
        refs: list[Ref] = []
        if "fields_of" in spec:  # a view starts from its base object
            base = done.get(spec["fields_of"])
            if base is None:
                raise ValueError(f"objects.yaml: {name}: fields_of {spec['fields_of']} is not defined above it")
            fields, refs = list(base.fields), list(base.refs)
        fields += self.fields(name, spec.get("fields", []))
        fields = _override(name, fields, spec.get("overrides", {}))
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"objects.yaml: {name}: field(s) defined twice: {', '.join(twice)}")
        for f in fields:
            self._check_field(name, f)
        attributes["fields"] = tuple(fields)
        attributes["refs"] = tuple(refs + [self.ref(name, item) for item in spec.get("refs", [])])
        if "lines" in spec:
            lines = dict(spec["lines"])
            lines["inherit"] = tuple(tuple(pair) for pair in lines.get("inherit", ()))
            attributes["lines"] = Lines(**lines)
        if "rest_methods" in attributes:
            attributes["rest_methods"] = frozenset(attributes["rest_methods"])
        for key in ("key", "view_of"):
            if key in attributes:
                attributes[key] = tuple(attributes[key])
        return ObjectDef(name, **attributes)

    def fields(self, owner: str, items: list, prefix: str = "", rest_prefix: str = "") -> list[Field]:
        out: list[Field] = []
        for item in items:
            if isinstance(item, str):
                item = {"use": item}
            if "use" in item:
                out += self._field_set(owner, item, prefix, rest_prefix)
            elif "standard" in item:
                out += self._standard(owner, item, prefix, rest_prefix)
            else:
                unknown = set(item) - _FIELD_ATTRIBUTES
                if unknown or "name" not in item:
                    raise ValueError(f"objects.yaml: {owner}: a field needs a name and knows no {sorted(unknown)}")
                rest = item.get("rest")
                out.append(Field(**{**item, "name": prefix + item["name"], "rest": rest and rest_prefix + rest}))
        return out

    def _field_set(self, owner: str, item: dict, prefix: str, rest_prefix: str) -> list[Field]:
        if item["use"] not in self.field_sets:
            raise ValueError(f"objects.yaml: {owner}: no field set {item['use']!r}")
        found = self.fields(
            owner,
            self.field_sets[item["use"]],
            prefix + item.get("prefix", ""),
            rest_prefix + item.get("rest_prefix", ""),
        )
        omit = {prefix + item.get("prefix", "") + name for name in item.get("omit", ())}
        return [f for f in found if f.name not in omit]

    @staticmethod
    def _standard(owner: str, item: dict, prefix: str, rest_prefix: str) -> list[Field]:
        """Standard fields real clients use, stored as given with no behaviour behind them."""
        names = item["standard"]
        paths = names if isinstance(names, dict) else dict.fromkeys(names)
        kind = item.get("type", "string")
        return [Field(prefix + name, kind, rest and rest_prefix + rest, emulated=False) for name, rest in paths.items()]

    def ref(self, owner: str, item: str | dict) -> Ref:
        if isinstance(item, str):
            if item not in self.refs:
                raise ValueError(f"objects.yaml: {owner}: no shared ref {item!r}")
            item = self.refs[item]
        return Ref(**item)

    def _check_field(self, owner: str, f: Field) -> None:
        where = f"objects.yaml: {owner}.{f.name}"
        if not isinstance(f.name, str):
            raise ValueError(f"{where}: the name must be text (quote it)")
        if f.type not in TYPES:
            raise ValueError(f"{where}: type {f.type!r} is not one of {', '.join(TYPES)}")
        if f.enum is not None and f.enum not in self.enums:
            raise ValueError(f"{where}: no enumeration {f.enum!r}")
        expected = {"boolean": bool, "integer": int}.get(f.type, str)
        if f.default is not None and type(f.default) is not expected:
            raise ValueError(f"{where}: default {f.default!r} must be {expected.__name__} (quote decimals)")


def _override(owner: str, fields: list[Field], overrides: dict[str, dict]) -> list[Field]:
    """Attributes an object changes on fields its field sets gave it (a REST name, required...)."""
    by_name = {f.name: i for i, f in enumerate(fields)}
    for name, changes in overrides.items():
        if name not in by_name:
            raise ValueError(f"objects.yaml: {owner}: overrides {name}, which it does not have")
        fields[by_name[name]] = dataclasses.replace(fields[by_name[name]], **changes)
    return fields


def _check_links(defn: ObjectDef, objects: dict[str, ObjectDef]) -> None:
    """Every object a definition names exists, and every field a ref or line list names is a field."""
    named = [r.target for r in defn.refs] + list(defn.view_of) + [defn.owner] * bool(defn.owner)
    if defn.lines:
        named.append(defn.lines.object)
    for target in named:
        if target not in objects:
            raise ValueError(f"objects.yaml: {defn.name} names {target}, which is not defined")
    for ref in defn.refs:
        for name in filter(None, (ref.field, ref.key_field)):
            if name not in defn.by_name:
                raise ValueError(f"objects.yaml: {defn.name}: ref {ref.rest} uses {name}, which it does not have")
