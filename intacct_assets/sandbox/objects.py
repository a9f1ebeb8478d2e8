"""The one table of object definitions every face is driven by.

Each object is described once: XML/DDS field names (UPPERCASE, dotted for nested groups), type, REST
path (camelCase dot path), references to other objects, owned lines. REST, XML and DDS views, the
query engines, validation and DDL are all derived from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

# Enumerations: stored (XML) value -> REST value.
ENUMS: dict[str, dict[object, str]] = {
    "status": {"active": "active", "inactive": "inactive", "active non-posting": "activeNonPosting"},
    "accounttype": {"balancesheet": "balanceSheet", "incomestatement": "incomeStatement"},
    "normalbalance": {"debit": "debit", "credit": "credit"},
    "closingtype": {"non-closing account": "nonClosingAccount", "closing account": "closingAccount"},
    "trtype": {1: "debit", -1: "credit"},
    "jestate": {"Posted": "posted", "Draft": "draft", "Submitted": "submitted", "Reversed": "reversed"},
    "recstate": {
        "Posted": "posted",
        "Draft": "draft",
        "Paid": "paid",
        "Partially Paid": "partiallyPaid",
        "Selected": "selected",
        "Reversed": "reversed",
    },
    "auditaction": {"C": "create", "M": "modify", "D": "delete"},  # XML query codes; REST actionPerformed
    "itemtype": {
        "Inventory": "inventory",
        "Non-Inventory": "nonInventory",
        "Non-Inventory (Purchase only)": "nonInventoryPurchase",
        "Non-Inventory (Sales only)": "nonInventorySales",
        "Kit": "kit",
        "Stockable Kit": "stockableKit",
    },
    "paymentmethod": {
        "Printed Check": "printedCheck",
        "Cash": "cash",
        "EFT": "eft",
        "Credit Card": "creditCard",
        "Online Charge Card": "onlineChargeCard",
        "Online ACH Debit": "onlineACHDebit",
    },
}
# readByQuery accepts database codes for some enumerations (e.g. STATE = 'P'); code -> stored value.
QUERY_CODES: dict[str, dict[str, object]] = {
    "status": {"T": "active", "F": "inactive"},
    "accounttype": {"N": "balancesheet", "I": "incomestatement"},
    "jestate": {"P": "Posted", "I": "Draft", "S": "Submitted", "Z": "Reversed"},
    "recstate": {"A": "Posted", "D": "Draft", "P": "Paid", "T": "Partially Paid"},
    "auditaction": {"Create": "C", "Modify": "M", "Delete": "D"},  # readByQuery takes the words
}
DDL_TYPES = {
    "string": "varchar",
    "integer": "integer",
    "decimal": "numeric",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class Field:
    name: str  # XML / DDS name (as reads show it)
    type: str  # string | integer | decimal | date | timestamp | boolean
    rest: str | None  # REST dot path; None = not a plain REST field (maybe exposed through a Ref)
    required: bool = False
    readonly: bool = False  # maintained by the system; ignored on write
    default: object = None
    enum: str | None = None
    emulated: bool = True  # False: a standard field accepted and stored as given, with no behaviour behind it
    write_as: str | None = None  # XML name writes use when it differs from the read name (GLENTRY DEPARTMENT)
    writeonly: bool = False  # REST model ``writeOnly``: accepted on write, refused in a query (REST-1106)
    deprecated: bool = False  # REST model ``deprecated``: still answered
    rest_only: bool = False  # no XML/DDS counterpart (kept under this internal name)

    @property
    def dds(self) -> bool:
        """DDS files carry the emulated top-level fields (standard-but-not-emulated ones would be empty)."""
        return "." not in self.name and self.emulated and not self.rest_only

    @property
    def xml(self) -> bool:
        return not self.rest_only


@dataclass(frozen=True)
class Ref:
    """A reference held in ``field`` (the target's ID, or RECORDNO when the target has no ID field)."""

    rest: str  # REST path of the reference object ("customer", "dimensions.department")
    target: str
    field: str
    key_field: str | None = None  # optional local copy of the target RECORDNO (GLENTRY.ACCOUNTKEY)
    xml: str | None = None  # prefix for one-hop XML traversal ("VENDOR" in VENDOR.NAME)


@dataclass(frozen=True)
class Lines:
    """Owned line collection: REST ``rest`` list, XML ``xml``/``xml_item`` elements, stored as ``object``."""

    object: str
    rest: str
    xml: str
    xml_item: str
    parent_field: str
    inherit: tuple[tuple[str, str], ...] = ()  # (header field, line field) copied onto lines on every write
    min_lines: int = 0


@dataclass(eq=False)
class ObjectDef:
    name: str
    fields: tuple[Field, ...]
    id_field: str | None = None  # user-facing ID; None = transaction (id == RECORDNO)
    rest: str | None = None  # module-qualified REST object
    refs: tuple[Ref, ...] = ()
    lines: Lines | None = None
    owner: str | None = None  # set on line objects
    rest_methods: frozenset[str] = frozenset({"GET", "POST", "PATCH", "DELETE"})
    key_space: str | None = None  # objects sharing RECORDNO numbering (PRRECORD, PRENTRY)
    dds: bool = True
    writable: bool = True  # False: read-only system objects (AUDITHISTORY, DDSJOB)
    view_of: tuple[str, ...] = ()  # derived object: computed from these base objects
    key: tuple[str, ...] = ("RECORDNO",)
    auto_id: str | None = None  # prefix for generated IDs when none is given
    record_type: str | None = None  # RECORDTYPE of AR/AP records
    entity_scoped: bool = True
    audit: bool = True  # writes produce AUDITHISTORY rows

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def by_write_name(self) -> dict[str, Field]:
        """Fields by the XML name a create/update sends (``DEPARTMENT`` for GLENTRY's ``DEPARTMENTID``)."""
        return {f.write_as or f.name: f for f in self.fields}

    @property
    def audit_created(self) -> str:
        """Field stamped with the creation time: AUWHENCREATED where WHENCREATED is the document date."""
        return "AUWHENCREATED" if "AUWHENCREATED" in self.by_name else "WHENCREATED"

    @cached_property
    def by_rest(self) -> dict[str, Field]:
        return {f.rest: f for f in self.fields if f.rest}

    @cached_property
    def refs_by_rest(self) -> dict[str, Ref]:
        return {r.rest: r for r in self.refs}

    @cached_property
    def dds_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.dds)

    @property
    def dds_pk(self) -> tuple[str, ...]:
        """Primary key declared by getDdsDdl: the ID field for master data (as Intacct's DDL does)."""
        return (self.id_field,) if self.id_field and "." not in self.id_field else self.key

    @property
    def is_view(self) -> bool:
        return bool(self.view_of)


_FLAGS = {"req": "required", "ro": "readonly", "wo": "writeonly", "dep": "deprecated", "restonly": "rest_only"}


def _parse(spec: str) -> tuple[Field, ...]:
    """Compact field table: ``NAME type rest-path [req] [ro] [wo] [dep] [restonly] [std] [default=V] [enum=E]
    [write=NAME]`` (rest '-' = none; ``std`` = a standard field stored as given, not emulated; ``wo`` writeOnly,
    ``dep`` deprecated, ``restonly`` no XML/DDS counterpart)."""
    fields = []
    for line in filter(str.strip, spec.splitlines()):
        name, kind, rest, *flags = line.split()
        options: dict[str, object] = {}
        for flag in flags:
            if flag in _FLAGS:
                options[_FLAGS[flag]] = True
            elif flag == "std":
                options["emulated"] = False
            else:
                key, _, value = flag.partition("=")
                options["write_as" if key == "write" else key] = value
        if "default" in options:
            raw = str(options["default"]).replace("_", " ")
            options["default"] = raw == "true" if kind == "boolean" else int(raw) if kind == "integer" else raw
        fields.append(Field(name, kind, None if rest == "-" else rest, **options))
    return tuple(fields)


HEADER = """
RECORDNO      integer   key                     ro
WHENCREATED   timestamp audit.createdDateTime   ro
WHENMODIFIED  timestamp audit.modifiedDateTime  ro
CREATEDBY     string    audit.createdBy         ro dep
MODIFIEDBY    string    audit.modifiedBy        ro dep
MEGAENTITYID  string    -
"""
STATUS = "STATUS string status default=active enum=status"
ENTITY_REF = Ref("entity", "LOCATIONENTITY", "MEGAENTITYID")
ENTITY_NAMES = "\nMEGAENTITYKEY integer - std\nMEGAENTITYNAME string - std\n"


def _doc_header(created_rest: str, flags: str) -> str:
    """AR/AP documents and their lines: WHENCREATED is the document (transaction) date, AUWHENCREATED the
    audit timestamp (both are in the field lists the Python SDK dumped from real tenants, e.g. ARINVOICE)."""
    return f"""
RECORDNO      integer   key                     ro
WHENCREATED   date      {created_rest}          {flags}
AUWHENCREATED timestamp audit.createdDateTime   ro
WHENMODIFIED  timestamp audit.modifiedDateTime  ro
CREATEDBY     string    audit.createdBy         ro dep
MODIFIEDBY    string    audit.modifiedBy        ro dep
MEGAENTITYID  string    -
"""


def _std(names: str, kind: str = "string") -> str:
    """Standard fields accepted and stored as given but not emulated (no REST path)."""
    return "".join(f"\n{name} {kind} - std" for name in names.split()) + "\n"


def _contact_group(prefix: str, rest: str) -> str:
    return f"""
{prefix}.PRINTAS               string {rest}.printAs
{prefix}.EMAIL1                string {rest}.email1
{prefix}.PHONE1                string {rest}.phone1
{prefix}.MAILADDRESS.ADDRESS1  string {rest}.mailingAddress.addressLine1
{prefix}.MAILADDRESS.CITY      string {rest}.mailingAddress.city
{prefix}.MAILADDRESS.STATE     string {rest}.mailingAddress.state
{prefix}.MAILADDRESS.ZIP       string {rest}.mailingAddress.postCode
{prefix}.MAILADDRESS.COUNTRY   string {rest}.mailingAddress.country
""" + _contact_extras(prefix + ".", rest + ".")


def _contact_extras(prefix: str, rest: str) -> str:
    """The rest of a contact's standard fields (names from the SDK field lists and the REST contact)."""
    return f"""
{prefix}CONTACTNAME              string {rest}id                          std
{prefix}PREFIX                   string {rest}prefix                      std
{prefix}FIRSTNAME                string {rest}firstName                   std
{prefix}INITIAL                  string {rest}middleName                  std
{prefix}LASTNAME                 string {rest}lastName                    std
{prefix}COMPANYNAME              string {rest}companyName                 std
{prefix}PHONE2                   string {rest}phone2                      std
{prefix}CELLPHONE                string {rest}mobile                      std
{prefix}PAGER                    string {rest}pager                       std
{prefix}FAX                      string {rest}fax                         std
{prefix}EMAIL2                   string {rest}email2                      std
{prefix}URL1                     string {rest}URL1                        std
{prefix}URL2                     string {rest}URL2                        std
{prefix}MAILADDRESS.ADDRESS2     string {rest}mailingAddress.addressLine2 std
{prefix}MAILADDRESS.COUNTRYCODE  string {rest}mailingAddress.isoCountryCode std
"""


def _std_contact(prefix: str, visible: bool = False) -> str:
    """A document's contact group (CONTACT, SHIPTO, BILLTO of ARINVOICE): standard, not emulated."""
    names = (
        "CONTACTNAME PREFIX FIRSTNAME INITIAL LASTNAME COMPANYNAME PRINTAS PHONE1 PHONE2 CELLPHONE PAGER FAX "
        "EMAIL1 EMAIL2 URL1 URL2 MAILADDRESS.ADDRESS1 MAILADDRESS.ADDRESS2 MAILADDRESS.CITY MAILADDRESS.STATE "
        "MAILADDRESS.ZIP MAILADDRESS.COUNTRY MAILADDRESS.COUNTRYCODE"
    )
    return _std(" ".join(f"{prefix}.{n}" for n in names.split())) + (
        _std(f"{prefix}.VISIBLE", "boolean") if visible else ""
    )


DIMENSION_TARGETS = {
    "department": "DEPARTMENT",
    "location": "LOCATION",
    "customer": "CUSTOMER",
    "vendor": "VENDOR",
    "project": "PROJECT",
    "class": "CLASS",
    "employee": "EMPLOYEE",
    "item": "ITEM",
}


def _dimension_refs(*names: str) -> tuple[Ref, ...]:
    return tuple(
        Ref(f"dimensions.{n}", DIMENSION_TARGETS[n], f"{DIMENSION_TARGETS[n]}ID", xml=DIMENSION_TARGETS[n])
        for n in names
    )


# Dimensions a line may carry that the sandbox stores without emulating their objects.
_STD_DIMENSIONS = """
TASKID      string  dimensions.task.id      std
COSTTYPEID  string  dimensions.costType.id  std
CONTRACTID  string  dimensions.contract.id  std
WAREHOUSEID string  dimensions.warehouse.id std
ALLOCATION  string  allocation.id           std
"""


def _party(obj: str, idname: str, auto: str, standard: str) -> ObjectDef:
    """CUSTOMER and VENDOR share their shape."""
    rest = {"CUSTOMER": "accounts-receivable/customer", "VENDOR": "accounts-payable/vendor"}[obj]
    return ObjectDef(
        obj,
        _parse(
            HEADER
            + f"""
{idname}     string  id
NAME         string  name        req
{STATUS}
CREDITLIMIT  decimal creditLimit
TOTALDUE     decimal totalDue    ro default=0.00
ONHOLD       boolean onHold      default=false
TAXID        string  taxId
PARENTID     string  -
COMMENTS     string  notes
"""
            + _contact_group("DISPLAYCONTACT", "contacts.default")
            + _std("PARENTKEY GLGRPKEY", "integer")
            + _std("PARENTNAME")
            + standard
        ),
        id_field=idname,
        rest=rest,
        refs=(ENTITY_REF, Ref("parent", obj, "PARENTID")),
        auto_id=auto,
    )


def _record(
    obj: str,
    rest: str | None,
    party: str,
    number: str,
    record_type: str,
    lines: Lines | None,
    *,
    created: str,
    extra: str = "",
    rest_paths: dict[str, str | None] | None = None,
    methods: frozenset[str] | None = None,
) -> ObjectDef:
    """AR/AP documents (invoice, bill, payment, adjustment) share the PRRECORD shape. ``created`` is the
    REST path and flags of WHENCREATED, the document date; ``rest_paths`` renames fields on REST."""
    party_rest = party.lower()
    fields = _parse(
        _doc_header(*created.split(maxsplit=1))
        + f"""
RECORDTYPE        string  -                    ro
RECORDID          string  {number}
STATE             string  state                ro default=Posted enum=recstate
WHENPOSTED        date    postingDate
WHENDUE           date    dueDate
WHENPAID          date    paidDate             ro
TOTALENTERED      decimal totalBaseAmount      ro default=0.00
TOTALPAID         decimal totalBaseAmountPaid  ro default=0.00
TOTALDUE          decimal totalBaseAmountDue   ro default=0.00
TRX_TOTALENTERED  decimal totalTxnAmount       ro default=0.00
TRX_TOTALPAID     decimal totalTxnAmountPaid   ro default=0.00
TRX_TOTALDUE      decimal totalTxnAmountDue    ro default=0.00
VENDORID          string  -
CUSTOMERID        string  -
CURRENCY          string  currency.txnCurrency default=USD
DESCRIPTION       string  description
BASECURR          string  currency.baseCurrency            std
EXCH_RATE_DATE    date    currency.exchangeRate.date       std
EXCH_RATE_TYPE_ID string  currency.exchangeRate.typeId     std
EXCHANGE_RATE     decimal currency.exchangeRate.rate       std
SUPDOCID          string  attachment.id                    std
DOCNUMBER         string  referenceNumber                  std
TERMNAME          string  term.id                          std
TOTALSELECTED     decimal -                                std
DUE_IN_DAYS       integer -                                std
SYSTEMGENERATED   boolean -                                std
"""
        + _std(f"{party}NAME PRBATCH TAXSOLUTIONID RECORD_URL")
        + ENTITY_NAMES
        + extra
    )
    renamed = rest_paths or {}
    return ObjectDef(
        obj,
        tuple(replace(f, rest=renamed[f.name]) if f.name in renamed else f for f in fields),
        rest=rest,
        refs=(ENTITY_REF, Ref(party_rest, party, f"{party}ID", xml=party)),
        lines=lines,
        key_space="PRRECORD",
        record_type=record_type,
        rest_methods=methods or frozenset({"GET", "POST", "PATCH", "DELETE"}),
    )


def _detail(obj: str, rest: str | None, owner: str, owner_rest: str) -> ObjectDef:
    """AR/AP document lines share the PRENTRY shape. Field names are the ones production payloads write
    (fylein/fyle-intacct-api ``__construct_bill``: ENTRYDESCRIPTION, TOTALTRXAMOUNT, BILLABLE, ITEMID…)."""
    return ObjectDef(
        obj,
        _parse(
            _doc_header("createdDate", "ro")
            + f"""
RECORDKEY        string  {owner_rest}.key     ro
LINE_NO          integer lineNumber           ro
ACCOUNTNO        string  -                    req
ACCOUNTKEY       string  -                    ro
AMOUNT           decimal baseAmount           ro
TRX_AMOUNT       decimal txnAmount            req
TOTALPAID        decimal totalBaseAmountPaid  ro default=0.00
ENTRY_DATE       date    entryDate
DEPARTMENTID     string  -
LOCATIONID       string  -
PROJECTID        string  -
CLASSID          string  -
CUSTOMERID       string  -
VENDORID         string  -
EMPLOYEEID       string  -
ITEMID           string  -
ENTRYDESCRIPTION string  memo
TOTALTRXAMOUNT   decimal totalTxnAmount       std
BILLABLE         boolean project.isBillable   std
ACCOUNTLABEL     string  accountLabel.id      std
EXCH_RATE_DATE   date    -                    std
EXCHANGE_RATE    decimal -                    std
"""
            + _STD_DIMENSIONS
            + _std(
                "OFFSETACCOUNTKEY OFFSETGLACCOUNTNO OFFSETGLACCOUNTTITLE ACCOUNTTITLE ACCOUNTLABELKEY DEPARTMENTNAME "
                "LOCATIONNAME EXCH_RATE_TYPE_ID ALLOCATIONKEY LINEITEM CURRENCY BASECURR TRX_TOTALPAID "
                "TRX_DISCOUNTAPPLIED TOTALSELECTED TRX_TOTALSELECTED SUBTOTAL PARENTENTRY PAYMENTTAXCAPTURE "
                "DEFERREVENUE REVRECTEMPLATEKEY REVRECTEMPLATE DEFERREDREVACCTKEY DEFERREDREVACCTNO "
                "DEFERREDREVACCTTITLE REVRECSTARTDATE REVRECENDDATE BASELOCATION STATE RECORDTYPE "
                "BILLABLECONTRACTSCHENTRYKEY BILLABLECONTRACTUSAGEBILLINGID DETAILKEY RETAINAGEPERCENTAGE "
                "TRX_AMOUNTRETAINED AMOUNTRETAINED TRX_AMOUNTRELEASED RETAINAGE_OFFSETGLACCOUNTNO PROJECTCONTRACTID "
                "PROJECTCONTRACTKEY PROJECTCONTRACTLINEID PROJECTCONTRACTLINEKEY PROJECTCONTRACTNAME "
                "PROJECTCONTRACTLINENAME ISRETAINAGERELEASE ISSUMMARIZED AMORTIZATIONTEMPLATEKEY "
                "AMORTIZATIONTEMPLATEID AMORTIZATIONSTARTDATE AMORTIZATIONENDDATE ORIGDOCKEY ORIGDOCLINEKEY ORIGDOCID "
                "ORIGDOCLINEID "
                "CLASSDIMKEY CLASSNAME CUSTOMERDIMKEY CUSTOMERNAME VENDORDIMKEY VENDORNAME EMPLOYEEDIMKEY "
                "EMPLOYEENAME ITEMDIMKEY ITEMNAME PROJECTDIMKEY PROJECTNAME CONTRACTDIMKEY CONTRACTNAME"
            )
        ),
        rest=rest,
        refs=(
            ENTITY_REF,
            Ref("glAccount", "GLACCOUNT", "ACCOUNTNO", key_field="ACCOUNTKEY", xml="GLACCOUNT"),
            *_dimension_refs("department", "location", "project", "class", "customer", "vendor", "employee", "item"),
        ),
        owner=owner,
        key_space="PRENTRY",
        rest_methods=frozenset({"GET"}),
    )


def _payment_detail(obj: str, owner: str, target: str, target_rest: str, amount_rest: str) -> ObjectDef:
    return ObjectDef(
        obj,
        _parse(
            HEADER
            + f"""
PAYMENTKEY         string  payment.key  ro
LINE_NO            integer lineNumber   ro
RECORDKEY          string  -            req
TRX_PAYMENTAMOUNT  decimal {amount_rest} req
"""
        ),
        refs=(ENTITY_REF, Ref(target_rest, target, "RECORDKEY")),
        owner=owner,
        key_space="PRENTRY",
        dds=False,
        rest_methods=frozenset(),
    )


def _lines(
    obj: str, rest: str, xml: str, item: str, parent: str, inherit: tuple[tuple[str, str], ...], min_lines: int
) -> Lines:
    return Lines(obj, rest, xml, item, parent, (("MEGAENTITYID", "MEGAENTITYID"), *inherit), min_lines)


_DOC_DATE = (("WHENPOSTED", "ENTRY_DATE"),)
# A real tenant's invoice model (keboola/component-sage-intacct-extractor, 07_full_load_invoices) declares these
# writeOnly (``action`` also deprecated) and refuses them in a query with 400 REST-1106.
_INVOICE_WRITE_ONLY = "ACTION string action wo dep restonly\nCREATEAPBILL boolean createAPBill wo restonly\n"
_PAYMENT = "PAYMENTMETHOD string paymentMethod req enum=paymentmethod\n"
# The AP payment's REST shape (mirrored OpenAPI dump, accounts-payable/payment): amounts per currency.
_AP_PAYMENT_REST = {
    "WHENPOSTED": None,
    "WHENDUE": None,
    "WHENPAID": "txnPaidDate",
    "TOTALENTERED": "baseCurrency.totalAmount",
    "TOTALPAID": "baseCurrency.totalPaid",
    "TOTALDUE": "baseCurrency.totalDue",
    "TRX_TOTALENTERED": "txnCurrency.totalAmount",
    "TRX_TOTALPAID": "txnCurrency.totalPaid",
    "TRX_TOTALDUE": "txnCurrency.totalDue",
    "CURRENCY": "txnCurrency.currency",
    "BASECURR": "baseCurrency.currency",
    "DOCNUMBER": "documentNumber",
    "EXCH_RATE_DATE": "exchangeRate.date",
    "EXCH_RATE_TYPE_ID": "exchangeRate.typeId",
    "EXCHANGE_RATE": "exchangeRate.rate",
}

OBJECTS: tuple[ObjectDef, ...] = (
    _party(
        "CUSTOMER",
        "CUSTOMERID",
        "CUST-",
        _std("ENTITY CUSTREPNAME GLGROUP OBJECTRESTRICTION") + _std("ONETIME", "boolean"),
    ),
    _party(
        "VENDOR", "VENDORID", "VEND-", _std("VENDORACCOUNTNO VENDTYPE ACCOUNTLABEL APACCOUNT APACCOUNTTITLE")
    ),
    ObjectDef(
        "CONTACT",
        _parse(
            HEADER
            + f"""
CONTACTNAME           string id   req
PRINTAS               string printAs
COMPANYNAME           string companyName
FIRSTNAME             string firstName
LASTNAME              string lastName
EMAIL1                string email1
PHONE1                string phone1
MAILADDRESS.ADDRESS1  string mailingAddress.addressLine1
MAILADDRESS.CITY      string mailingAddress.city
MAILADDRESS.STATE     string mailingAddress.state
MAILADDRESS.ZIP       string mailingAddress.postCode
MAILADDRESS.COUNTRY   string mailingAddress.country
{STATUS}
TAXABLE               boolean tax.isTaxable  std
"""
            + "\n".join(
                line
                for line in _contact_extras("", "").splitlines()
                if line.split()[:1] not in (["CONTACTNAME"], ["FIRSTNAME"], ["LASTNAME"], ["COMPANYNAME"])
            )
        ),
        id_field="CONTACTNAME",
        rest="company-config/contact",
        refs=(ENTITY_REF,),
    ),
    ObjectDef(
        "GLACCOUNT",
        _parse(
            HEADER
            + f"""
ACCOUNTNO      string  id                             req
TITLE          string  name                           req
ACCOUNTTYPE    string  accountType   default=balancesheet enum=accounttype
NORMALBALANCE  string  normalBalance default=debit enum=normalbalance
CLOSINGTYPE    string  closingType   default=non-closing_account enum=closingtype
{STATUS}
REQUIREDEPT    boolean requireDimensions.department   default=false
REQUIRELOC     boolean requireDimensions.location     default=false
"""
            + _std("CATEGORY ALTERNATIVEACCOUNT")
        ),
        id_field="ACCOUNTNO",
        rest="general-ledger/account",
        refs=(ENTITY_REF,),
    ),
    ObjectDef(
        "GLBATCH",
        _parse(
            HEADER
            + """
BATCHNO          string  txnNumber            ro
JOURNAL          string  glJournal.id         default=GJ
BATCH_DATE       date    postingDate          req
BATCH_TITLE      string  description          req
STATE            string  state                default=Posted enum=jestate
REVERSEDATE      date    reverseDate
MODULEKEY        string  moduleName           ro default=2.GL
SUPDOCID         string  attachment.id        std
REFERENCENO      string  referenceNumber      std
BASELOCATION_NO  string  baseLocation.id      std
TAXIMPLICATIONS  string  tax.taxImplication   std
"""
            + _std("HISTORY_COMMENT VATVENDORID VATCUSTOMERID VATCONTACTID TAXSOLUTIONID RECORD_URL")
        ),
        rest="general-ledger/journal-entry",
        refs=(ENTITY_REF,),
        lines=_lines(
            "GLENTRY", "lines", "ENTRIES", "GLENTRY", "BATCHNO", (("BATCH_DATE", "BATCH_DATE"), ("STATE", "STATE")), 2
        ),
    ),
    ObjectDef(
        "GLENTRY",
        _parse(
            HEADER
            + """
BATCHNO        string  journalEntry.key      ro
LINE_NO        integer lineNumber            ro
TR_TYPE        integer txnType               req enum=trtype
AMOUNT         decimal baseAmount
TRX_AMOUNT     decimal txnAmount
EXCHANGE_RATE  decimal exchangeRate.rate     default=1.00
CURRENCY       string  currency.txnCurrency  default=USD
ACCOUNTNO      string  -                     req
ACCOUNTKEY     string  -                     ro
ENTRY_DATE     date    entryDate
BATCH_DATE     date    -                     ro
DEPARTMENTID   string  -                     write=DEPARTMENT
LOCATIONID     string  -                     write=LOCATION
CUSTOMERID     string  -
VENDORID       string  -
PROJECTID      string  -
CLASSID        string  -
EMPLOYEEID     string  -
ITEMID         string  -
DESCRIPTION    string  description
STATE          string  state                 ro enum=jestate
BILLABLE       boolean isBillable            std
DOCUMENT       string  -                     std
EXCH_RATE_DATE date    exchangeRate.date     std
EXCH_RATE_TYPE_ID string exchangeRate.typeId std
"""
            + _STD_DIMENSIONS
        ),
        rest="general-ledger/journal-entry-line",
        owner="GLBATCH",
        rest_methods=frozenset({"GET", "DELETE"}),
        refs=(
            ENTITY_REF,
            Ref("glAccount", "GLACCOUNT", "ACCOUNTNO", key_field="ACCOUNTKEY", xml="GLACCOUNT"),
            *_dimension_refs("department", "location", "customer", "vendor", "project", "class", "employee", "item"),
        ),
    ),
    _record(
        "ARINVOICE",
        "accounts-receivable/invoice",
        "CUSTOMER",
        "invoiceNumber",
        "arinvoice",
        _lines("ARINVOICEITEM", "lines", "ARINVOICEITEMS", "ARINVOICEITEM", "RECORDKEY", _DOC_DATE, 1),
        created="invoiceDate req",
        extra=_INVOICE_WRITE_ONLY
        + _std(
            "CUSTMESSAGEID CUSTMESSAGE.MESSAGE DESCRIPTION2 BILLTOPAYTOCONTACTNAME SHIPTORETURNTOCONTACTNAME "
            "SHIPTO.TAXGROUP.NAME SHIPTO.TAXID SHIPTO.TAXGROUP.RECORDNO TAXMETHOD RETAINAGEPERCENTAGE"
        )
        + _std("WHENDISCOUNT", "date")
        + _std("TRX_TOTALRETAINED TRX_TOTALRELEASED TOTALRETAINED", "decimal")
        + _std_contact("CONTACT")
        + _std_contact("SHIPTO", visible=True)
        + _std_contact("BILLTO", visible=True),
    ),
    _detail("ARINVOICEITEM", "accounts-receivable/invoice-line", "ARINVOICE", "invoice"),
    _record(
        "APBILL",
        "accounts-payable/bill",
        "VENDOR",
        "billNumber",
        "apbill",
        _lines("APBILLITEM", "lines", "APBILLITEMS", "APBILLITEM", "RECORDKEY", _DOC_DATE, 1),
        created="createdDate req",
        extra="""
RECPAYMENTDATE   date    recommendedPaymentDate  std
PAYMENTPRIORITY  string  paymentPriority         std
ONHOLD           boolean isOnHold                std
INCLUSIVETAX     boolean isTaxInclusive          std
""",
    ),
    _detail("APBILLITEM", "accounts-payable/bill-line", "APBILL", "bill"),
    _record(
        "ARADJUSTMENT",
        "accounts-receivable/adjustment",
        "CUSTOMER",
        "adjustmentNumber",
        "aradjustment",
        _lines("ARADJUSTMENTITEM", "lines", "ARADJUSTMENTITEMS", "ARADJUSTMENTITEM", "RECORDKEY", _DOC_DATE, 1),
        created="createdDate req",
    ),
    _detail("ARADJUSTMENTITEM", "accounts-receivable/adjustment-line", "ARADJUSTMENT", "adjustment"),
    _record(
        "ARPYMT",
        "accounts-receivable/payment",
        "CUSTOMER",
        "referenceNumber",
        "arpayment",
        _lines("ARPYMTDETAIL", "details", "ARPYMTDETAILS", "ARPYMTDETAIL", "PAYMENTKEY", (), 1),
        created="- ro",
        extra=_PAYMENT
        + "RECEIPTDATE date receiptDate req\n"
        + _std(
            "PRBATCHKEY FINANCIALENTITY FINANCIALENTITYTYPE FINANCIALACCOUNTNAME FINANCIALACCOUNTCURRENCY "
            "SUMMARYTITLE DISPLAYSTATE PAYMENTMETHODKEY PAYERNAME BILLTOPAYTONAME CLEARED BILLTOPAYTOKEY "
            "PARENTPAYMENTKEY UNDEPOSITEDACCOUNTNO MULTIENTITYPYMTKEY"
        )
        + _std("CLRDATE", "date"),
        rest_paths={"DOCNUMBER": None},
        methods=frozenset({"GET", "POST", "DELETE"}),
    ),
    _payment_detail("ARPYMTDETAIL", "ARPYMT", "ARINVOICE", "invoice", "txnAmount"),
    _record(
        "APPYMT",
        "accounts-payable/payment",
        "VENDOR",
        "documentId",
        "appayment",
        _lines("APPYMTDETAIL", "details", "APPYMTDETAILS", "APPYMTDETAIL", "PAYMENTKEY", (), 1),
        created="txnDate ro",
        extra=_PAYMENT
        + """
PAYMENTDATE      date    paymentDate              req
FINANCIALENTITY  string  financialEntity.entityId std
""",
        rest_paths=_AP_PAYMENT_REST,
    ),
    _payment_detail("APPYMTDETAIL", "APPYMT", "APBILL", "bill", "txnCurrency.paymentAmount"),
    ObjectDef(
        "PROJECT",
        _parse(
            HEADER
            + f"""
PROJECTID        string  id               req
NAME             string  name             req
PROJECTCATEGORY  string  projectCategory  default=Contract
{STATUS}
BEGINDATE        date    startDate
ENDDATE          date    endDate
BUDGETAMOUNT     decimal budgetAmount
DESCRIPTION      string  description
CUSTOMERID       string  -
DEPARTMENTID     string  -
LOCATIONID       string  -
BILLABLEEXPDEFAULT   boolean isBillableEmployeeExpense      std
BILLABLEAPPODEFAULT  boolean isBillablePurchasingAPExpense  std
"""
            + _std("PARENTKEY CUSTOMERKEY", "integer")
            + _std(
                "CURRENCY PROJECTSTATUS PARENTID PARENTNAME CUSTOMERNAME PROJECTTYPE DEPARTMENTNAME LOCATIONNAME "
                "BUDGETID MEGAENTITYNAME"
            )
        ),
        id_field="PROJECTID",
        rest="projects/project",
        refs=(
            ENTITY_REF,
            Ref("customer", "CUSTOMER", "CUSTOMERID", xml="CUSTOMER"),
            Ref("department", "DEPARTMENT", "DEPARTMENTID"),
            Ref("location", "LOCATION", "LOCATIONID"),
        ),
    ),
    ObjectDef(
        "EMPLOYEE",
        _parse(
            HEADER
            + f"""
EMPLOYEEID                string id               req
PERSONALINFO.CONTACTNAME  string name             req
TITLE                     string jobTitle
STARTDATE                 date   startDate
ENDDATE                   date   endDate
{STATUS}
DEPARTMENTID              string -
LOCATIONID                string -
SSN                       string SSN              std
BIRTHDATE                 date   birthDate        std
GENDER                    string gender           std
TERMINATIONTYPE           string terminationType  std
CURRENCY                  string defaultCurrency  std
"""
            + _std("EMPLOYEETYPE EMPLOYEETYPE1099TYPE PAYMETHODKEY CONTACTKEY")
            + ENTITY_NAMES
        ),
        id_field="EMPLOYEEID",
        rest="company-config/employee",
        refs=(
            ENTITY_REF,
            # the contact's fields read as CONTACT.* (the SDK's EMPLOYEE field list: CONTACT.EMAIL1, …)
            Ref("primaryContact", "CONTACT", "PERSONALINFO.CONTACTNAME", xml="CONTACT"),
            Ref("department", "DEPARTMENT", "DEPARTMENTID"),
            Ref("location", "LOCATION", "LOCATIONID"),
        ),
    ),
    ObjectDef(
        "DEPARTMENT",
        _parse(
            HEADER
            + f"""
DEPARTMENTID  string id    req
TITLE         string name  req
{STATUS}
PARENTID      string -
"""
            + _std("PARENTKEY", "integer")
            + _std("SUPERVISORNAME CUSTTITLE")
        ),
        id_field="DEPARTMENTID",
        rest="company-config/department",
        refs=(ENTITY_REF, Ref("parent", "DEPARTMENT", "PARENTID")),
    ),
    ObjectDef(
        "LOCATION",
        _parse(
            HEADER
            + f"""
LOCATIONID  string id         req
NAME        string name       req
{STATUS}
STARTDATE   date   startDate
ENDDATE     date   endDate
PARENTID    string -
"""
            + _std("CURRENCY")
        ),
        id_field="LOCATIONID",
        rest="company-config/location",
        refs=(ENTITY_REF, Ref("parent", "LOCATION", "PARENTID")),
    ),
    ObjectDef(
        "CLASS",
        _parse(
            HEADER
            + f"""
CLASSID      string id           req
NAME         string name         req
{STATUS}
PARENTID     string -
DESCRIPTION  string description  std
"""
            + _std("PARENTKEY", "integer")
            + _std("RECORD_URL")
            + ENTITY_NAMES
        ),
        id_field="CLASSID",
        rest="company-config/class",
        refs=(ENTITY_REF, Ref("parent", "CLASS", "PARENTID")),
    ),
    ObjectDef(
        "ITEM",
        _parse(
            HEADER
            + f"""
ITEMID                string  id                        req
NAME                  string  name                      req
{STATUS}
ITEMTYPE              string  itemType                  default=Non-Inventory enum=itemtype
BASEPRICE             decimal sales.basePrice
STANDARD_COST         decimal purchasing.standardCost
MRR                   boolean isItemEnabledForMRR       std
EXTENDED_DESCRIPTION  string  description               std
PRODUCTLINEID         string  productLine.id            std
GLGROUP               string  inventory.glGroup.id      std
"""
        ),
        id_field="ITEMID",
        rest="inventory-control/item",
        refs=(ENTITY_REF,),
    ),
    ObjectDef(
        "USERINFO",
        _parse(
            HEADER
            + f"""
LOGINID             string    id             req
DESCRIPTION         string    userName
USERTYPE            string    userType       default=business
{STATUS}
LASTLOGIN           timestamp -
CONTACTINFO.EMAIL1  string    contact.email1
"""
        ),
        id_field="LOGINID",
        rest="company-config/user",
        refs=(ENTITY_REF,),
    ),
    ObjectDef(
        "REPORTINGPERIOD",
        _parse(
            HEADER
            + f"""
NAME        string  id             req
HEADER1     string  columnHeader1
START_DATE  date    startDate      req
END_DATE    date    endDate        req
{STATUS}
"""
        ),
        id_field="NAME",
        rest="general-ledger/reporting-period",
        refs=(ENTITY_REF,),
    ),
    ObjectDef(
        "LOCATIONENTITY",
        _parse(
            HEADER
            + f"""
LOCATIONID  string id                req
NAME        string name              req
{STATUS}
CURRENCY    string currency          default=USD
OPCOUNTRY   string operatingCountry  std
"""
            + _std(
                "REPORTPRINTAS SUPERVISORID FIRSTMONTH FIRSTMONTHTAX WEEKSTART FEDERALID CUSTOMERID CUSTOMERNAME "
                "VENDORID VENDORNAME TAXID LEGALNAME LEGALADDRESS1 LEGALADDRESS2 LEGALCITY LEGALSTATE LEGALZIPCODE "
                "LEGALCOUNTRY ADDRESSCOUNTRYDEFAULT RECORD_URL"
            )
            + _std("STARTDATE ENDDATE", "date")
            + _std("HAS_IE_RELATION ENABLELEGALCONTACT", "boolean")
        ),
        id_field="LOCATIONID",
        rest="company-config/entity",
        dds=False,
        entity_scoped=False,
    ),
    # XML fields: developer.intacct.com/api/company-console/audit-trails (no RECORDNO: clients select and order
    # by ID); REST company-config/audit-history: developer.sage.com's OpenAPI (key, id, changeDetails,
    # changeSource). OBJECTKEY depends on the knob audit_object_key; OBJECTNAME/OBJECTID feed REST only.
    ObjectDef(
        "AUDITHISTORY",
        _parse("""
RECORDNO    integer   key                           ro restonly
ID          string    id
OBJECTTYPE  string    -
OBJECTKEY   string    -
OBJECTDESC  string    -
USERID      string    changeSource.completedBy
ACCESSMODE  string    changeSource.actionPerformed  enum=auditaction
ACCESSTIME  timestamp changeSource.accessDateTime
SOURCE      string    -
WHENMODIFIED timestamp -
OBJECTNAME  string    changeDetails.objectName      restonly
OBJECTID    string    changeDetails.objectId        restonly
"""),
        id_field="ID",
        rest="company-config/audit-history",
        dds=False,
        writable=False,
        entity_scoped=False,
        audit=False,
        rest_methods=frozenset(),
    ),
    ObjectDef(
        "DDSJOB",
        _parse("""
RECORDNO        integer   key  ro
OBJECT          string    -
JOBTYPE         string    -
JOBNAME         string    -
STATUS          string    -
TIMESTAMP       timestamp -
RECORDSCREATED  integer   -
RECORDSUPDATED  integer   -
RECORDSDELETED  integer   -
FILELIST        string    -
ERROR           string    -
WHENCREATED     timestamp -
WHENMODIFIED    timestamp -
"""),
        dds=False,
        writable=False,
        entity_scoped=False,
        audit=False,
        rest_methods=frozenset(),
    ),
)


def _view(
    name: str, sources: tuple[str, ...], base: ObjectDef, extra: str = "", key: tuple[str, ...] = ("RECORDNO",)
) -> ObjectDef:
    return ObjectDef(
        name,
        base.fields + _parse(extra) if extra else base.fields,
        view_of=sources,
        key=key,
        refs=base.refs,
        writable=False,
        audit=False,
        rest_methods=frozenset(),
    )


_BY_NAME = {o.name: o for o in OBJECTS}
VIEWS: tuple[ObjectDef, ...] = (
    _view(
        "GLDETAIL",
        ("GLENTRY", "GLBATCH"),
        _BY_NAME["GLENTRY"],
        """
DEBITAMOUNT       decimal -
CREDITAMOUNT      decimal -
TRX_DEBITAMOUNT   decimal -
TRX_CREDITAMOUNT  decimal -
BATCHKEY          string  -
JOURNAL           string  -
BATCH_TITLE       string  -
"""
        + _std(
            "SYMBOL BATCH_NO BOOKID CHILDENTITY MODIFIED REFERENCENO ADJ MODULEKEY OWNERSHIPKEY ACCOUNTTITLE "
            "STATISTICAL DEPARTMENTTITLE LOCATIONNAME BASECURR"
        ),
    ),
    _view("APRECORD", ("APBILL", "APPYMT"), _BY_NAME["APBILL"]),
    _view("ARRECORD", ("ARINVOICE", "ARPYMT", "ARADJUSTMENT"), _BY_NAME["ARINVOICE"]),
    _view("APDETAIL", ("APBILLITEM",), _BY_NAME["APBILLITEM"]),
    _view("ARDETAIL", ("ARINVOICEITEM", "ARADJUSTMENTITEM"), _BY_NAME["ARINVOICEITEM"]),
    ObjectDef(
        "GLACCOUNTBALANCE",
        _parse("""
ACCOUNTNO        string    -
PERIODNAME       string    -
LOCATIONID       string    -
DEPARTMENTID     string    -
CURRENCY         string    -
PERIODSTARTDATE  date      -
PERIODENDDATE    date      -
OPENBAL          decimal   -
TOTDEBIT         decimal   -
TOTCREDIT        decimal   -
TOTADJDEBIT      decimal   -
TOTADJCREDIT     decimal   -
FORBAL           decimal   -
ENDBAL           decimal   -
WHENMODIFIED     timestamp -
"""),
        view_of=("GLENTRY", "GLBATCH"),
        key=("ACCOUNTNO", "PERIODNAME", "LOCATIONID", "DEPARTMENTID", "CURRENCY"),
        writable=False,
        audit=False,
        entity_scoped=False,
        rest_methods=frozenset(),
    ),
)


@dataclass
class Registry:
    """Lookup of object definitions by XML name and by REST path."""

    objects: dict[str, ObjectDef] = field(default_factory=lambda: {o.name: o for o in OBJECTS + VIEWS})

    def __post_init__(self) -> None:
        self.by_rest = {o.rest: o for o in self.objects.values() if o.rest}

    def get(self, name: str) -> ObjectDef | None:
        return self.objects.get(name.upper())

    def __getitem__(self, name: str) -> ObjectDef:
        return self.objects[name]

    def base_objects(self) -> list[ObjectDef]:
        return [o for o in self.objects.values() if not o.is_view]

    def dds_objects(self) -> list[str]:
        return [o.name for o in self.objects.values() if o.dds]


REGISTRY = Registry()
