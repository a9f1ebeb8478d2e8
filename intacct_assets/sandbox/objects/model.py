"""What an object of the sandbox's company is: its fields, references and owned lines (plain dataclasses).

The definitions themselves are data (``objects.yaml``, read by ``loader``); REST, XML and DDS views, the
query engines, validation and DDL are all derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Field:
    name: str  # XML / DDS name (as reads show it)
    type: str = "string"  # string | integer | decimal | date | timestamp | boolean
    rest: str | None = None  # REST dot path; None = not a plain REST field (maybe exposed through a Ref)
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

    def ident(self, record: dict) -> object:
        """A record's user-facing ID: its ID field, or its RECORDNO for objects without one."""
        return record.get(self.id_field) if self.id_field else record["RECORDNO"]

    def href(self, key: object) -> str:
        """REST link of one record."""
        return f"/objects/{self.rest}/{key}"


@dataclass
class Registry:
    """Object definitions by XML name and by REST path, with the enumerations their fields use."""

    objects: dict[str, ObjectDef]
    enums: dict[str, dict[object, str]]  # stored (XML) value -> REST value
    query_codes: dict[str, dict[str, object]]  # readByQuery's database codes (STATE = 'P') -> stored value

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
