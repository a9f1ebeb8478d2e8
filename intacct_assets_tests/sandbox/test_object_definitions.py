"""Object definitions are data (``objects.yaml``): the loader expands field sets, shared refs and overrides,
and refuses a broken file with the object and the mistake named."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct_assets.sandbox.objects import REGISTRY
from intacct_assets.sandbox.objects.loader import load

BASE = """
enums: {status: {active: active}}
refs:
  entity: {rest: entity, target: THING, field: MEGAENTITYID}
field_sets:
  header:
    - {name: RECORDNO, type: integer, rest: key, readonly: true}
    - {name: MEGAENTITYID}
  contact:
    - {name: EMAIL1, rest: email1}
    - {standard: {PHONE2: phone2}}
objects:
  THING:
    rest: things/thing
    refs: [entity]
    fields:
      - header
      - {use: contact, prefix: DISPLAY., rest_prefix: contacts.default., omit: [PHONE2]}
      - {name: STATUS, rest: status, default: active, enum: status}
      - {standard: [PARENTKEY], type: integer}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "objects.yaml"
    path.write_text(text)
    return path


def test_field_sets_prefixes_omissions_and_standard_fields_expand(tmp_path):
    thing = load(write(tmp_path, BASE))["THING"]
    assert [f.name for f in thing.fields] == ["RECORDNO", "MEGAENTITYID", "DISPLAY.EMAIL1", "STATUS", "PARENTKEY"]
    assert thing.by_name["DISPLAY.EMAIL1"].rest == "contacts.default.email1"
    parent = thing.by_name["PARENTKEY"]
    assert (parent.type, parent.rest, parent.emulated, parent.dds) == ("integer", None, False, False)
    assert thing.refs[0].target == "THING" and thing.rest_methods == frozenset({"GET", "POST", "PATCH", "DELETE"})


STATUS = "{name: STATUS, rest: status, default: active, enum: status}"


@pytest.mark.parametrize(
    "change, message",
    [
        ((STATUS, "{name: STATUS, type: money}"), "type 'money'"),
        ((STATUS, "{name: STATUS, default: 1.50}"), "quote"),
        ((STATUS, "{name: STATUS, enum: colour}"), "colour"),
        ((STATUS, "{name: MEGAENTITYID}"), "defined twice"),
        (("rest: things/thing", "rest: things/thing\n    colour: blue"), "unknown attribute(s) colour"),
        (("      - header\n", "      - headers\n"), "no field set 'headers'"),
        (("refs: [entity]", "refs: [entity, {rest: owner, target: NOPE, field: MEGAENTITYID}]"), "names NOPE"),
        (("refs: [entity]", "refs: [entity, {rest: owner, target: THING, field: OWNERID}]"), "uses OWNERID"),
        (("      - header\n", "      - header\n      - {rest: nameless}\n"), "needs a name"),
    ],
)
def test_a_broken_definition_is_refused_naming_the_object(tmp_path, change, message):
    old, new = change
    assert old in BASE
    with pytest.raises(ValueError, match="THING") as refused:
        load(write(tmp_path, BASE.replace(old, new, 1)))
    assert message in str(refused.value)


def test_the_company_definitions_load_with_their_derived_views():
    assert REGISTRY["GLDETAIL"].fields[: len(REGISTRY["GLENTRY"].fields)] == REGISTRY["GLENTRY"].fields
    assert REGISTRY["ARINVOICE"].by_name["WHENCREATED"].rest == "invoiceDate"  # an override of its field set
    assert REGISTRY["APPYMT"].by_name["WHENPOSTED"].rest is None
    assert REGISTRY.by_rest["accounts-payable/bill"] is REGISTRY["APBILL"]
