"""Tables and columns of the Dataverse simulator, as data.

One `Table` per Dataverse table: logical name, entity set, primary id and name, its
columns (`Column`: type, maximum length, requirement level, choices and their labels,
lookup targets and navigation properties), alternate keys, one-to-many relationships
(collection-valued navigation properties), whether change tracking is on, its state
model and the few behaviours the platform adds (auto-numbers, computed names, document
pricing). `sandbox.dataverse.tables` holds the specs; everything else (validation,
`$metadata`, annotations, `$expand`) reads them.

Dataverse conventions reproduced here:

- a lookup column `x` is read as the lookup property `_x_value` and written through its
  single-valued navigation property: the column's logical name for system lookups
  (`transactioncurrencyid`), its SchemaName for custom ones (`bcs_PaymentTermId`, case
  sensitive), and `<name>_<target>` for each target of a multi-table lookup
  (`customerid_account`, `customerid_contact`),
- a table with money columns also has `transactioncurrencyid`, `exchangerate` and a
  read-only `<money>_base` column per money column (see `with_currency`),
- requirement levels are `None`, `ApplicationRequired` (shown, not enforced by the API)
  and `SystemRequired` (enforced).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

from sandbox.odata.spec import EntitySetSpec

NAMESPACE = "Microsoft.Dynamics.CRM"


class Kind(StrEnum):
    """AttributeType of a column; the Edm type follows from it (`EDM_TYPES`)."""

    STRING = "String"
    MEMO = "Memo"
    INTEGER = "Integer"
    BIGINT = "BigInt"
    DECIMAL = "Decimal"
    MONEY = "Money"
    BOOLEAN = "Boolean"
    DATETIME = "DateTime"
    DATEONLY = "DateOnly"  # a DateTime column with DateOnly behaviour: Edm.Date
    PICKLIST = "Picklist"
    STATE = "State"
    STATUS = "Status"
    LOOKUP = "Lookup"
    CUSTOMER = "Customer"
    OWNER = "Owner"
    UNIQUEIDENTIFIER = "Uniqueidentifier"


EDM_TYPES = {
    Kind.STRING: "Edm.String", Kind.MEMO: "Edm.String", Kind.INTEGER: "Edm.Int32",
    Kind.BIGINT: "Edm.Int64", Kind.DECIMAL: "Edm.Decimal", Kind.MONEY: "Edm.Decimal",
    Kind.BOOLEAN: "Edm.Boolean", Kind.DATETIME: "Edm.DateTimeOffset",
    Kind.DATEONLY: "Edm.Date", Kind.PICKLIST: "Edm.Int32", Kind.STATE: "Edm.Int32",
    Kind.STATUS: "Edm.Int32", Kind.LOOKUP: "Edm.Guid", Kind.CUSTOMER: "Edm.Guid",
    Kind.OWNER: "Edm.Guid", Kind.UNIQUEIDENTIFIER: "Edm.Guid",
}  # fmt: skip
LOOKUP_KINDS = frozenset({Kind.LOOKUP, Kind.CUSTOMER, Kind.OWNER})
CHOICE_KINDS = frozenset({Kind.PICKLIST, Kind.STATE, Kind.STATUS, Kind.BOOLEAN})


class Required(StrEnum):
    NONE = "None"
    APPLICATION = "ApplicationRequired"
    SYSTEM = "SystemRequired"


@dataclass(frozen=True)
class Column:
    """One column. `writable` False = IsValidForCreate/Update false (the platform sets it)."""

    name: str
    kind: Kind
    label: str = ""
    max_length: int | None = None
    required: Required = Required.NONE
    writable: bool = True
    options: Mapping[Any, str] = field(default_factory=dict)  # value → label
    targets: tuple[str, ...] = ()  # lookup: target table logical names
    schema_name: str | None = None  # custom lookups navigate by their SchemaName

    @property
    def is_lookup(self) -> bool:
        return self.kind in LOOKUP_KINDS

    @property
    def property_name(self) -> str:
        """How the column appears in JSON: `_x_value` for lookups, else its logical name."""
        return f"_{self.name}_value" if self.is_lookup else self.name

    @property
    def type_field(self) -> str:
        """Hidden stored field naming the target table of a multi-table lookup."""
        return f"{self.name}type"

    def navigations(self) -> dict[str, str]:
        """Single-valued navigation property → target table, for a lookup."""
        if not self.is_lookup:
            return {}
        base = self.schema_name or self.name
        if len(self.targets) == 1:
            return {base: self.targets[0]}
        return {f"{base}_{target}": target for target in self.targets}

    @property
    def edm_type(self) -> str:
        return EDM_TYPES[self.kind]


@dataclass(frozen=True)
class StateModel:
    """statecode → (label, default statuscode); statuscode → (statecode, label).

    `editable` are the states in which columns other than state and status may change;
    `transitions` the (from, to) state changes an update may make; `by_action` the states
    only an action reaches (quotes are won with WinQuote, not with an update); `initial`
    the state a create gives (the client cannot choose it).
    """

    states: Mapping[int, tuple[str, int]]
    statuses: Mapping[int, tuple[int, str]]
    editable: frozenset[int]
    transitions: frozenset[tuple[int, int]]
    by_action: frozenset[int] = frozenset()
    initial: int = 0  # the state of a new row

    def default_status(self, state: int) -> int:
        return self.states[state][1]


@dataclass(frozen=True)
class AlternateKey:
    name: str
    columns: tuple[str, ...]  # property names: `_x_value` for a lookup part


@dataclass(frozen=True)
class OneToMany:
    """A collection-valued navigation property: rows of `child` whose `lookup` points here."""

    name: str
    child: str  # logical name of the referencing table
    lookup: str  # logical name of the lookup column on the child
    cascade_delete: bool = False  # parental: deleting the parent deletes the children


@dataclass(frozen=True)
class AutoNumber:
    """A number the platform gives a new row when the client sends none (QUO-01001-A1B2C3)."""

    column: str
    prefix: str
    first: int = 1000


@dataclass(frozen=True)
class Pricing:
    """Document pricing: a line table names its header lookup; a header table its lines."""

    lines: str | None = None  # header: logical name of its line table
    header_lookup: str | None = None  # line: the lookup column to its header


@dataclass(frozen=True)
class Table:
    logical_name: str
    entity_set: str
    label: str
    primary_id: str
    primary_name: str
    columns: tuple[Column, ...]
    keys: tuple[AlternateKey, ...] = ()
    relationships: tuple[OneToMany, ...] = ()
    change_tracking: bool = False
    states: StateModel | None = None
    custom: bool = False
    autonumber: AutoNumber | None = None
    full_name: tuple[str, ...] = ()  # parts of a computed `fullname`
    pricing: Pricing | None = None
    locked_with: str | None = None  # lookup to the row whose lock also locks this one

    @property
    def entity_type(self) -> str:
        return f"{NAMESPACE}.{self.logical_name}"

    def column(self, name: str) -> Column | None:
        """The column by logical name or by property name (`_x_value`)."""
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns} | {c.property_name: c for c in self.columns}

    def navigation(self, name: str) -> tuple[Column, str] | None:
        """The lookup column and target table behind a single-valued navigation property."""
        for column in self.columns:
            target = column.navigations().get(name)
            if target is not None:
                return column, target
        return None

    def relationship(self, name: str) -> OneToMany | None:
        return next((r for r in self.relationships if r.name == name), None)

    @property
    def money_columns(self) -> tuple[Column, ...]:
        return tuple(
            c for c in self.columns if c.kind == Kind.MONEY and not c.name.endswith("_base")
        )

    def entity_set_spec(self) -> EntitySetSpec:
        """How the shared store keeps the rows: null for every column a create leaves out
        (No for yes/no columns, which have a default value)."""
        fields = tuple(c.property_name for c in self.columns if c.name != self.primary_id)
        hidden = frozenset(c.type_field for c in self.columns if c.is_lookup)
        return EntitySetSpec(
            self.entity_set, self.entity_type, key=self.primary_id,
            fields=fields + tuple(sorted(hidden)), hidden=hidden,
            created_field="createdon", modified_field="modifiedon",
            defaults={**dict.fromkeys(fields + tuple(hidden)), **{  # yes/no columns default to No
                c.name: False for c in self.columns if c.kind == Kind.BOOLEAN
            }},
        )  # fmt: skip


# --- column builders ------------------------------------------------------------------------
def text(name: str, max_length: int, label: str = "", **more: Any) -> Column:
    return Column(name, Kind.STRING, label, max_length=max_length, **more)


def memo(name: str, max_length: int = 2000, label: str = "", **more: Any) -> Column:
    return Column(name, Kind.MEMO, label, max_length=max_length, **more)


def lookup(name: str, *targets: str, label: str = "", **more: Any) -> Column:
    kind = Kind.CUSTOMER if len(targets) > 1 else Kind.LOOKUP
    return Column(name, kind, label, targets=targets, **more)


def custom_lookup(schema_name: str, target: str, label: str = "", **more: Any) -> Column:
    """A lookup a publisher added: logical name is the SchemaName in lower case."""
    return lookup(schema_name.lower(), target, label=label, schema_name=schema_name, **more)


def choice(name: str, options: Mapping[int, str], label: str = "", **more: Any) -> Column:
    return Column(name, Kind.PICKLIST, label, options=options, **more)


def yes_no(name: str, label: str = "", labels: tuple[str, str] = ("No", "Yes")) -> Column:
    return Column(name, Kind.BOOLEAN, label, options={False: labels[0], True: labels[1]})


def money(name: str, label: str = "", **more: Any) -> Column:
    return Column(name, Kind.MONEY, label, **more)


def number(name: str, kind: Kind = Kind.DECIMAL, label: str = "", **more: Any) -> Column:
    return Column(name, kind, label, **more)


def date_only(name: str, label: str = "", **more: Any) -> Column:
    return Column(name, Kind.DATEONLY, label, **more)


def state_columns(model: StateModel) -> tuple[Column, ...]:
    states = {code: label for code, (label, _) in model.states.items()}
    statuses = {code: label for code, (_, label) in model.statuses.items()}
    return (
        Column("statecode", Kind.STATE, "Status", options=states, required=Required.SYSTEM),
        Column("statuscode", Kind.STATUS, "Status Reason", options=statuses),
    )


def with_currency(table: Table) -> Table:
    """Add the currency columns Dataverse gives every table with money columns."""
    extra: list[Column] = []
    if table.column("transactioncurrencyid") is None:
        extra.append(lookup("transactioncurrencyid", "transactioncurrency", label="Currency"))
    extra.append(number("exchangerate", label="Exchange Rate", writable=False))
    extra += [
        money(f"{c.name}_base", f"{c.label} (Base)", writable=False) for c in table.money_columns
    ]
    return replace(table, columns=table.columns + tuple(extra))
