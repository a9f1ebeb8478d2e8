"""What REST says about objects: ``GET /services/core/model`` and the dimensions list, derived from the
object definitions."""

from __future__ import annotations

from intacct_assets.sandbox.objects import ObjectDef, Registry

DIMENSIONS = ("DEPARTMENT", "LOCATION", "PROJECT", "CUSTOMER", "VENDOR", "EMPLOYEE", "ITEM", "CLASS")
_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "decimal": {"type": "string", "format": "decimal-precision-2"},  # sent as strings: "68400.00"
    "date": {"type": "string", "format": "date"},
    "timestamp": {"type": "string", "format": "date-time"},
}


def dimensions(registry: Registry) -> list[dict]:
    """``GET /services/company-config/dimensions/list``: the standard dimensions the sandbox has, in the order
    and shape of the mirrored OpenAPI dump (dgaretz-oss/intacct-mcp docs/rest/company-configuration.md).
    Dimensions of modules the sandbox lacks (contract, task, warehouse…) and user-defined ones are absent."""
    return [
        {
            "dimensionName": name,
            "dimensionLabel": name.title(),
            "termName": name.title(),
            "isUserDefinedDimension": False,
            "isEnabledInGL": True,
            "dimensionEndpoint": f"/objects/{registry[name].rest}",
        }
        for name in DIMENSIONS
    ]


def model(registry: Registry, defn: ObjectDef) -> dict:
    """``fields``/``groups``/``refs``/``lists`` tree; dot-joining group and ref names gives query paths."""
    root: dict = {
        "fields": {
            "key": {"type": "string", "readOnly": True},
            "id": {"type": "string"},
            "href": {"type": "string", "readOnly": True},
        },
        "groups": {},
        "refs": {},
        "lists": {},
    }

    def node(path: list[str]) -> dict:
        current = root
        for part in path:
            current = current["groups"].setdefault(part, {"fields": {}, "groups": {}, "refs": {}})
        return current

    for f in defn.fields:
        if not f.rest or f.rest in ("key", "id"):
            continue
        *group, leaf = f.rest.split(".")
        spec = dict(_TYPES[f.type])
        for flag, on in (("readOnly", f.readonly), ("writeOnly", f.writeonly), ("deprecated", f.deprecated)):
            if on:
                spec[flag] = True
        if f.required:
            spec["required"] = True
        if f.enum:
            spec["enum"] = list(registry.enums[f.enum].values())
        node(group)["fields"][leaf] = spec
    for ref in defn.refs:
        *group, leaf = ref.rest.split(".")
        node(group)["refs"][leaf] = {
            "apiObject": registry[ref.target].rest,
            "fields": {
                "key": {"type": "string"},
                "id": {"type": "string"},
                "href": {"type": "string", "readOnly": True},
            },
        }
    if defn.lines:
        root["lists"][defn.lines.rest] = {"apiObject": registry[defn.lines.object].rest}
    methods = ",".join(["OPTIONS", *sorted(defn.rest_methods)])
    return {**root, "httpMethods": methods, "idempotenceSupported": True}
