"""XML generic writes: create, update (its lines given = its lines replaced) and delete."""

from __future__ import annotations

from xml.etree.ElementTree import Element as InElement

from lxml import etree
from lxml.etree import SubElement

from intacct_assets.sandbox import values
from intacct_assets.sandbox.company.service import Caller, Company
from intacct_assets.sandbox.company.store import LineOp
from intacct_assets.sandbox.objects import ObjectDef
from intacct_assets.sandbox.xml_gateway.envelope import XmlContext, bad, child_text
from intacct_assets.sandbox.xml_gateway.reads import object_of


class Writes:
    """Each record written is billed as one API transaction (by the company); lines are free."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.functions = {"create": self.create, "update": self.update, "delete": self.delete}

    def create(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        created = []
        for node in body:
            defn = self._writable(node.tag)
            fields, lines, _ = self._fields(defn, node, lines_as_ops=False)
            fields.pop("RECORDNO", None)
            created.append((defn, self.company.create(defn, fields, lines, ctx.caller)))
        _written(result, created)

    def update(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        company, updated = self.company, []
        for node in body:
            defn = self._writable(node.tag)
            fields, lines, lines_given = self._fields(defn, node, lines_as_ops=True)
            if fields.get("RECORDNO") is not None:
                record = company.record(defn, fields["RECORDNO"], ctx.caller)
                ident = f"RECORDNO={fields['RECORDNO']}"
            elif defn.id_field and fields.get(defn.id_field):
                record = company.find(defn, fields[defn.id_field], ctx.caller)
                ident = f"{defn.id_field}={fields[defn.id_field]}"
            else:
                raise bad(f"Provide RECORDNO{' or ' + defn.id_field if defn.id_field else ''} to update {defn.name}")
            if record is None:
                raise bad(f"Cannot update non-existing {defn.name} with {ident}.")
            fields.pop("RECORDNO", None)
            record = company.update(defn, record["RECORDNO"], fields, ctx.caller, lines, replace_lines=lines_given)
            updated.append((defn, record))
        _written(result, updated)

    def delete(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = object_of(self.company, body, writable=True)
        if not defn.writable or defn.is_view:
            raise bad(f"Invalid object '{defn.name}' for delete")
        keys = [k.strip() for k in child_text(body, "keys").split(",") if k.strip()]
        if not keys:
            raise bad("<keys> is required", "DL02000001")
        self.delete_keys(defn, keys, ctx.caller)

    def delete_keys(self, defn: ObjectDef, keys: list[str], caller: Caller) -> None:
        for key in keys:
            record = self.company.record(defn, int(key), caller) if key.isdigit() else None
            if record is None:
                raise bad(f"Cannot find {defn.name.lower()} with key '{key}' to delete.")
            self.company.delete(defn, record["RECORDNO"], caller)

    def _writable(self, tag: str) -> ObjectDef:
        defn = self.company.registry.get(tag)
        if defn is None or not defn.writable or defn.is_view or defn.owner:
            raise bad(f"Invalid object '{tag}' for create/update", "BL01001973")
        return defn

    def _fields(self, defn: ObjectDef, node: InElement, *, lines_as_ops: bool) -> tuple[dict, list, bool]:
        """Object element -> (values, lines, lines_given). Nested elements flatten to dotted names."""
        result: dict = {}
        lines: list = []
        lines_given = False

        def walk(element: InElement, prefix: str) -> None:
            nonlocal lines_given
            for item in element:
                name = prefix + item.tag.upper()
                if defn.lines and name == defn.lines.xml:
                    lines_given = True
                    line_def = self.company.registry[defn.lines.object]
                    for line in item:
                        converted, _, _ = self._fields(line_def, line, lines_as_ops=False)
                        lines.append(LineOp("create", converted) if lines_as_ops else converted)
                    continue
                f = defn.by_write_name.get(name)
                if f is not None and f.xml:
                    if not f.readonly or name == "RECORDNO":
                        result[f.name] = values.parse_value(f.type, item.text, name, xml=True)
                elif name in defn.by_name:  # a read name whose write name differs (GLENTRY DEPARTMENTID)
                    write_name = defn.by_name[name].write_as
                    raise bad(f"Unknown field {name} on {defn.name}; it is written as {write_name}", "BL01001973")
                elif len(item):
                    walk(item, name + ".")
                else:
                    raise bad(f"Unknown field {name} on {defn.name}", "BL01001973")

        walk(node, "")
        return result, lines, lines_given


def _written(result: etree._Element, written: list[tuple[ObjectDef, dict]]) -> None:
    data = SubElement(result, "data", listtype="objects", count=str(len(written)))
    for defn, record in written:
        element = SubElement(data, defn.name.lower())
        SubElement(element, "RECORDNO").text = str(record["RECORDNO"])
        if defn.id_field and "." not in defn.id_field:
            SubElement(element, defn.id_field).text = record[defn.id_field]
