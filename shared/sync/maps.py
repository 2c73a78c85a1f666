"""Entity maps: what the sync engine needs to know about one synced entity, as data.

An `EntityMap` names the source and target entity sets, the direction, the natural key
both sides share (a payment term's code, an item's number), the field map with named
transforms, the lookups resolved through other entities' couplings, the source filter,
the setting that switches automatic sync on, and whether the target's id is written back
to the source. The engine (`shared.sync.runner`) runs every map the same way; adding an
entity is one map in `shared.entities` and one line in its registry.

Transforms are small named values, not lambdas, so a map reads as a table and its
hash is stable across releases: `COPY`, `Join(" ", limit=100)`, `Constant(x)`,
`BLANK_IS_BASE_CURRENCY` …  A transform that cannot map a value raises `MappingProblem`
naming the field; the engine records it on the record's log row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

Row = Mapping[str, Any]


class Direction(StrEnum):
    BC_TO_CRM = "bc-to-crm"
    CRM_TO_BC = "crm-to-bc"


class MappingProblem(ValueError):
    """A source value the map cannot carry to the target; `field` names the source field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Transform(Protocol):
    """Turns the values of a field's source columns into the target value."""

    def __call__(self, values: tuple[Any, ...], source: str) -> Any: ...


@dataclass(frozen=True)
class Copy:
    """The single source value as it is; text longer than `limit` is a mapping problem."""

    limit: int | None = None

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        value = values[0]
        if self.limit is not None and isinstance(value, str) and len(value) > self.limit:
            raise MappingProblem(
                source, f"{source} is {len(value)} characters; the target holds {self.limit}"
            )
        return value


COPY = Copy()


@dataclass(frozen=True)
class Join:
    """Non-empty texts joined by `separator`, cut to `limit` (the rest is kept elsewhere
    by the map when it matters: an item's full description goes to the product's)."""

    separator: str = " "
    limit: int | None = None

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        text = self.separator.join(str(v).strip() for v in values if v and str(v).strip())
        return text[: self.limit] if self.limit is not None else text


@dataclass(frozen=True)
class Flag:
    """A yes/no: an unset CRM value is BC's false (BC has no null fields)."""

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        return bool(values[0])


@dataclass(frozen=True)
class Constant:
    """Always `value`, whatever the source holds."""

    value: Any

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        return self.value


@dataclass(frozen=True)
class Split:
    """Part `part` (0-based) of a text cut into pieces of `size` characters: a CRM name
    of 200 characters becomes BC's Name (100) and Name 2 (100)."""

    part: int
    size: int
    limit: int | None = None  # the whole text may not be longer (what both parts hold)

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        text = str(values[0] or "")
        if self.limit is not None and len(text) > self.limit:
            raise MappingProblem(
                source, f"{source} is {len(text)} characters; the target holds {self.limit}"
            )
        return text[self.part * self.size : (self.part + 1) * self.size]


_EMAIL = re.compile(r"^[^@\s;,<>()\[\]\\\"]+@[^@\s;,<>()\[\]\\\"]+\.[^@\s;,<>()\[\]\\\"]+$")


@dataclass(frozen=True)
class Email:
    """An e-mail address BC will accept (one address, local@domain.tld), at most `limit`
    characters; blank passes as blank."""

    limit: int = 80

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        text = str(values[0] or "").strip()
        if text and not _EMAIL.match(text):
            raise MappingProblem(source, f'{source} "{text}" is not a valid e-mail address')
        return Copy(self.limit)((text,), source)


@dataclass(frozen=True)
class Code:
    """A text as a BC code: trimmed, upper case, dots and spaces dropped (CRM's salutation
    "Mr." is BC's salutation code MR), at most `limit` characters."""

    limit: int = 10

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        text = str(values[0] or "").strip().upper().replace(".", "").replace(" ", "")
        return Copy(self.limit)((text,), source)


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class Choice:
    """An option mapped to the target's: BC's enum member (escaped in JSON as
    `Non_x002D_Inventory`, read as the member) to a Dataverse choice value, or back."""

    options: Mapping[str, Any]
    default: Any = None

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        member = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), str(values[0] or ""))
        if member in self.options:
            return self.options[member]
        if self.default is not None:
            return self.default
        raise MappingProblem(source, f"{source} '{member}' has no counterpart in the target")


@dataclass(frozen=True)
class Field:
    """One target field from one or more source fields."""

    target: str
    source: tuple[str, ...]
    transform: Transform = COPY

    def value(self, row: Row) -> Any:
        return self.transform(tuple(row.get(name) for name in self.source), self.source[0])


def fields(*pairs: tuple[str, str] | Field) -> tuple[Field, ...]:
    """`("source", "target")` pairs (copied) and `Field`s, in the map's order."""
    return tuple(p if isinstance(p, Field) else Field(p[1], (p[0],)) for p in pairs)


@dataclass(frozen=True)
class Lookup:
    """A target reference resolved through another entity's couplings.

    The source row's `source` field finds the parent's coupling — by the parent's BC
    natural key (`by="key"`, a code), by its CRM id (`by="crm"`) or BC id (`by="bc"`) —
    and the coupling gives what `target` gets: the CRM id (`value="crm_id"`, written as a
    `/<target_set>(<id>)` bind when `target_set` is set), the BC id, the BC key (a code),
    or a field the parent's coupling keeps (`keep` of its map). A blank source value
    writes nothing (`clear` writes `None` instead). A value whose parent is not coupled
    yet makes the record wait (transient), unless `optional`, when the reference is left
    out, or `skip_uncoupled`, when the record is skipped (logged, the watermark moves on):
    for a parent that may never reach the target (a BC person whose company's customer was
    born in BC, not CRM). With `blank_is_base` a blank code resolves through the parent's coupling with the
    blank key: BC leaves its base currency blank where CRM names its base currency
    (product document §17).
    """

    source: str
    entity: str
    target: str
    target_set: str = ""  # Dataverse: the parent's entity set, for `/<set>(<id>)` binds
    optional: bool = False
    clear: bool = False
    blank_is_base: bool = False  # a blank code is BC's base currency: the blank-key coupling
    skip_uncoupled: bool = False  # an uncoupled parent skips the record instead of waiting
    by: str = "key"  # key, crm, bc, or a field the parent's couplings keep
    value: str = "crm_id"  # crm_id, bc_id, key, or a field the parent's coupling keeps
    label: str = ""  # the field as the operator knows it ("Payment Term"), for messages

    def pick(self, parent: Any) -> Any:
        """The value to write, from the parent's coupling."""
        if self.value == "crm_id":
            return f"/{self.target_set}({parent.crm_id})" if self.target_set else parent.crm_id
        if self.value == "bc_id":
            return parent.bc_id
        if self.value == "key":
            return parent.key
        return parent.extra.get(self.value, "")


@dataclass(frozen=True)
class Extra:
    """A second target row written with a new record in the same change set: an item's
    product gets a price list item. `values(row, target_id, context)` builds it; its id is
    derived from the record's, so a retry writes the same row."""

    name: str
    target_set: str
    values: Callable[[Row, str, Any], Mapping[str, Any]]


@dataclass(frozen=True)
class EntityMap:
    """One synced entity (see the module docstring)."""

    name: str
    label: str
    direction: Direction
    source_set: str
    target_set: str
    target_table: str  # logical name, for links to the record in CRM
    source_key: str  # the natural key in the source (a code or number)
    target_key: str  # the same key's column in the target (its alternate key)
    fields: tuple[Field, ...]
    lookups: tuple[Lookup, ...] = ()
    source_api: Literal["v2.0", "companion"] = "v2.0"  # companion: BC sets v2.0 lacks
    target_api: Literal["v2.0", "companion"] = "v2.0"  # for BC targets (CRM → BC)
    include: Callable[[Row, Any], bool] | None = None  # the source filter
    filter_label: str = ""  # what `include` keeps, in words (logs, README)
    auto_sync: str | None = None  # the Setup toggle; None: always on when integrated
    write_back: bool = True  # the target id goes back to the source (BC "BCS CRM ID")
    on_create: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] = field(
        default_factory=dict
    )  # values only a new target row gets (its unit group, its price list, …)
    match_scope: Callable[[Any], str] | None = None  # narrows the natural-key match
    extras: tuple[Extra, ...] = ()
    setup: tuple[str, ...] = ()  # Setup settings it needs, checked before a run uses it
    coupling: str = ""  # the couplings it shares (both directions of one entity); its name
    reverse: str = ""  # the map of the other direction: echo suppression and conflicts
    keep: tuple[str, ...] = ()  # fields of the BC record the coupling keeps (for lookups)
    create_method: Literal["upsert", "post"] = "upsert"  # BC creates by POST, not upsert
    write_back_field: str = ""  # the source field the target's key is written back to
    bc_key: Callable[[Row], str] | None = None  # the BC natural key of the BC-side row
    find_existing: Callable[[Mapping[str, Any]], str] | None = None  # BC: a create that
    # collides with a record of the same natural key finds it by this $filter of its body
    staging: str = ""  # CRM → BC: the CRM Data staging table the records go through
    required: tuple[tuple[str, str], ...] = ()  # (source field, message) that may not be blank
    match: bool = True  # look for a target record with the natural key before creating

    @property
    def coupled_as(self) -> str:
        return self.coupling or self.name

    @property
    def depends_on(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lookup.entity for lookup in self.lookups))

    def target_link(self, crm_url: str, target_id: str) -> str:
        """Where the record opens in the target's web client."""
        base = crm_url.rstrip("/")
        return f"{base}/main.aspx?pagetype=entityrecord&etn={self.target_table}&id={target_id}"
