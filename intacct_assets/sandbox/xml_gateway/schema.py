"""Schema validation of the legacy AR creates, as the gateway validates every request it receives.

Intacct publishes the schema its gateway validates requests against (github.com/intacct/intacct_dtd,
README: requests "are parsed and validated against a DTD or XSD", dtdversion 3.0 against
``v3.0/api.xsd``). Its content models are sequences, so children in another order, unknown children
or a missing required child fail the request. The models below transcribe ``api.xsd`` for the
functions the sandbox's legacy creates accept: ``name`` required, ``name?`` optional, ``name*`` any
number, ``name+`` at least one, ``a|b`` one of them. The nested currency group (``basecurr``,
``currency``, then ``exchratedate``/``exchratetype`` or ``exchrate``) is flattened to optional
elements in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from xml.etree.ElementTree import Element

_CURRENCY = "basecurr? currency? exchratedate? exchratetype? exchrate?"
MODELS = {
    "create_invoice": "customerid datecreated dateposted? datedue? termname? batchkey? action? invoiceno? ponumber? "
    f"description? externalid? billto? shipto? {_CURRENCY} nogl? supdocid? customfields? "
    "taxsolutionid? invoiceitems",
    "create_aradjustment": "customerid datecreated dateposted? batchkey? adjustmentno? action? invoiceno? "
    f"description? externalid? {_CURRENCY} nogl? taxsolutionid? aradjustmentitems",
    "create_arpayment": "customerid paymentamount translatedamount? batchkey|bankaccountid|undepfundsacct? refid? "
    f"overpaylocid? overpaydeptid? datereceived? paymentmethod? {_CURRENCY} cctype? authcode? "
    "arpaymentitem* onlinecardpayment|onlineachpayment*",
    "invoiceitems": "lineitem+",
    "aradjustmentitems": "lineitem+",
    "lineitem": "accountlabel|glaccountno offsetglaccountno? amount allocationid? memo? locationid? departmentid? "
    "item1099? form1099type? form1099box? key? totalpaid? totaldue? customfields? revrectemplate? "
    "defrevaccount? revrecstartdate? revrecenddate? projectid? taskid? costtypeid? customerid? vendorid? "
    "employeeid? itemid? classid? contractid? warehouseid? billable? totaltrxamount? partialexempt? "
    "paymenttaxcapture? taxentries?",
    "arpaymentitem": "invoicekey amount",
}


@dataclass(frozen=True)
class _Particle:
    names: tuple[str, ...]
    required: bool
    repeats: bool

    @property
    def label(self) -> str:
        return "|".join(f"<{name}>" for name in self.names)


@cache
def _model(tag: str) -> tuple[_Particle, ...] | None:
    text = MODELS.get(tag)
    if text is None:
        return None
    return tuple(
        _Particle(tuple(token.rstrip("?*+").split("|")), token[-1] not in "?*", token[-1] in "*+")
        for token in text.split()
    )


def schema_error(element: Element) -> str | None:
    """Why ``element`` (and what it holds) does not follow the schema, or None."""
    model = _model(element.tag)
    if model is None:
        return None
    position, counts = 0, [0] * len(model)
    for child in element:
        start = position
        while position < len(model) and child.tag not in model[position].names:
            if model[position].required and not counts[position]:
                return f"<{element.tag}> needs {model[position].label} before <{child.tag}>"
            position += 1
        if position == len(model):
            earlier = any(child.tag in particle.names for particle in model[:start])
            return (
                f"<{element.tag}>: <{child.tag}> is out of order (the schema puts it earlier)"
                if earlier
                else f"<{element.tag}> has no element <{child.tag}>"
            )
        counts[position] += 1
        if counts[position] > 1 and not model[position].repeats:
            return f"<{element.tag}> holds {model[position].label} more than once"
        nested = schema_error(child)
        if nested:
            return nested
    missing = [particle.label for particle, count in zip(model, counts, strict=True) if particle.required and not count]
    return f"<{element.tag}> needs {missing[0]}" if missing else None
