"""Masking named fields in JSON, XML and form bodies: every value of the field, nothing else, any content."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct_assets.intacct.field_mask import FieldMask

MASK = FieldMask(["name", "Email1", "amount"])


def bracketed(value: str) -> str:
    return f"<{value}>"


def test_json_keys_are_matched_by_their_last_segment_in_any_case_and_only_scalars_are_masked():
    body = json.dumps(
        {
            "NAME": "Acme",
            "contacts.default.email1": "a@b.c",
            "nickname": "keep",
            "amount": 12.5,
            "nested": {"name": ["x", 3, None, True]},
            "name.first": "keep",
            "email1": None,
            "filters": [{"$eq": {"customer.name": "Acme"}}],
            "amountDue": "keep",
            "empty": {"name": ""},
            "group": {"name": {"id": "keep"}},
        }
    )
    masked = json.loads(MASK.apply(body, bracketed))
    assert masked["NAME"] == "<Acme>" and masked["contacts.default.email1"] == "<a@b.c>"
    assert masked["amount"] == "<12.5>"  # not a number any more: written as a string
    assert masked["nested"]["name"] == ["<x>", "<3>", None, True]
    assert masked["filters"] == [{"$eq": {"customer.name": "<Acme>"}}]
    for kept in ("nickname", "name.first", "amountDue"):
        assert masked[kept] == "keep"
    assert masked["email1"] is None and masked["empty"] == {"name": ""} and masked["group"] == {"name": {"id": "keep"}}


def test_a_number_masked_to_a_number_stays_a_json_number():
    assert json.loads(FieldMask(["amount"]).apply('{"amount": 12.50, "n": 1}', lambda v: "98.76")) == {
        "amount": 98.76,
        "n": 1,
    }


json_keys = st.sampled_from(
    ["name", "NAME", "x.name", "a.b.Email1", "amount", "names", "id", "key", "Name.x", "email", "amount2"]
)
json_scalars = st.one_of(
    st.text(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_keys, inner, max_size=4),
    max_leaves=12,
)


def expected(value: object, mask) -> object:
    """What masking must give: every scalar of a masked key (or of its flat list) replaced, the rest as it was."""

    def masked_scalar(scalar: object) -> object:
        if isinstance(scalar, bool) or scalar is None or scalar == "":
            return scalar
        return mask(scalar if isinstance(scalar, str) else json.dumps(scalar))

    if isinstance(value, list):
        return [expected(item, mask) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        named = key.rsplit(".", 1)[-1].lower() in MASK.fields
        if named and not isinstance(item, (dict, list)):
            out[key] = masked_scalar(item)
        elif named and isinstance(item, list) and all(not isinstance(i, (dict, list)) for i in item):
            out[key] = [masked_scalar(i) for i in item]
        else:
            out[key] = expected(item, mask)
    return out


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(json_keys, json_values, max_size=5), ascii_only=st.booleans(), spaced=st.booleans())
def test_any_json_document_keeps_its_structure_and_loses_exactly_the_masked_values(document, ascii_only, spaced):
    text = json.dumps(document, ensure_ascii=ascii_only, separators=(", ", ": ") if spaced else (",", ":"))
    assert json.loads(MASK.apply(text, bracketed)) == expected(document, bracketed)


def test_xml_elements_dotted_names_entities_cdata_attributes_and_filter_values():
    body = (
        "<?xml version='1.0'?><r><CUSTOMER><NAME>A &amp; B</NAME><DISPLAYCONTACT.EMAIL1>x@y</DISPLAYCONTACT.EMAIL1>"
        "<NAMEX>keep</NAMEX><AMOUNT currency='USD'>10.00</AMOUNT><AMOUNT/><NAME></NAME>"
        "<DISPLAYCONTACT><EMAIL1><![CDATA[<raw> & text]]></EMAIL1></DISPLAYCONTACT></CUSTOMER>"
        "<filter><in><field>CUSTOMER.NAME</field><value>Acme</value><value>B&lt;C</value></in>"
        "<equalto><field>STATUS</field><value>active</value></equalto></filter>"
        "<select><field>NAME</field></select></r>"
    )
    root = etree.fromstring(MASK.apply(body, bracketed).encode())
    assert root.findtext("CUSTOMER/NAME") == "<A & B>" and root.findtext("CUSTOMER/DISPLAYCONTACT.EMAIL1") == "<x@y>"
    assert root.findtext("CUSTOMER/NAMEX") == "keep" and root.find("CUSTOMER/AMOUNT").get("currency") == "USD"
    assert [a.text for a in root.findall("CUSTOMER/AMOUNT")] == ["<10.00>", None]
    assert root.findall("CUSTOMER/NAME")[1].text is None
    assert root.findtext("CUSTOMER/DISPLAYCONTACT/EMAIL1") == "<<raw> & text>"
    assert [v.text for v in root.findall("filter/in/value")] == ["<Acme>", "<B<C>"]
    assert root.findtext("filter/equalto/value") == "active" and root.findtext("select/field") == "NAME"


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc"))), min_size=1, max_size=4))
def test_any_xml_text_is_masked_exactly(texts):
    root = etree.Element("r")
    for text in texts:
        etree.SubElement(root, "NAME").text = text
        etree.SubElement(root, "OTHER").text = text
    masked = etree.fromstring(MASK.apply(etree.tostring(root, encoding="unicode"), bracketed).encode())
    assert [e.text or "" for e in masked.findall("NAME")] == [f"<{t}>" if t else "" for t in texts]
    assert [e.text or "" for e in masked.findall("OTHER")] == texts


def test_form_values_are_masked_and_still_encoded():
    masked = MASK.apply("grant_type=x&name=J%C3%BCrgen+%26+Co&user.email1=a%40b&names=keep&amount=", bracketed)
    assert dict(parse_qsl(masked, keep_blank_values=True)) == {
        "grant_type": "x",
        "name": "<Jürgen & Co>",
        "user.email1": "<a@b>",
        "names": "keep",
        "amount": "",
    }


def test_no_fields_leave_every_body_untouched():
    body = '{"name": "Acme"}'
    assert FieldMask([" ", ""]).apply(body, bracketed) is body and not FieldMask([])
