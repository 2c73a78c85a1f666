"""The BC Invoice Mapping: which EcpPro invoice field fills which Business Central field.

Operators edit it (HTTP `PUT /api/invoice-mapping`, `hub invoices mapping set`); the
import applies it. Business Central fields are a fixed list (`TARGETS`): a mapping to
a field not on it is refused, as are two sources for one field and a missing required
field. EcpPro line fields are written `lines.<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from shared.errors import ValidationError
from shared.mappings.engine import FieldMap, Transform, apply_mapping, decimal, integer, text

Level = Literal["header", "line"]
LINE_PREFIX = "lines."
_SOURCE = re.compile(r"^(lines\.)?[A-Za-z_][A-Za-z0-9_]{0,79}$")


def iso_date(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def code(value: Any) -> str:
    """A BC code: trimmed text, upper-cased as BC stores codes."""
    return text(value).upper()


@dataclass(frozen=True)
class Target:
    """A Business Central field the mapping can fill, and where the hub keeps it."""

    bc_field: str
    attribute: str
    level: Level
    transform: Transform = text
    required: bool = False
    max_length: int | None = None  # the BC field's size (Code[35] → 35)


TARGETS: tuple[Target, ...] = (
    Target("External Document No.", "invoice_number", "header", text, required=True, max_length=35),
    Target("Sell-to Customer No.", "customer_number", "header", code, required=True, max_length=20),
    Target("Customer Name", "customer_name", "header", max_length=100),
    Target("Posting Date", "posting_date", "header", iso_date, required=True),
    Target("Due Date", "due_date", "header", iso_date),
    Target("Currency Code", "currency_code", "header", code, max_length=10),
    Target("Total Amount", "total", "header", decimal, required=True),
    Target("Buy-from Vendor No.", "vendor_number", "header", code, max_length=20),
    Target("Vendor Invoice No.", "vendor_invoice_number", "header", max_length=35),
    Target("Cost Centre Code", "cost_centre", "header", code, max_length=20),
    Target("Tenant ID", "tenant_id", "header"),
    Target("Line No.", "line_no", "line", integer, required=True),
    # EcpPro's product code: a BC item number when one matches, else the line goes to the
    # G/L account, so a code longer than an item number (Code[20]) is fine.
    Target("No.", "number", "line", code, required=True),
    # Longer descriptions are cut to BC's 100 characters when sent, not refused.
    Target("Description", "description", "line"),
    Target("Quantity", "quantity", "line", decimal, required=True),
    Target("Unit Price", "unit_price", "line", decimal, required=True),
    Target("Unit Cost", "unit_cost", "line", decimal),
    Target("Line Amount", "amount", "line", decimal),
)
TARGETS_BY_FIELD: Mapping[str, Target] = {target.bc_field: target for target in TARGETS}


@dataclass(frozen=True)
class MappingEntry:
    """One row of the mapping: EcpPro field name → BC field name."""

    ecppro_field: str
    bc_field: str


DEFAULT_MAPPING: tuple[MappingEntry, ...] = tuple(
    MappingEntry(source, target)
    for source, target in (
        ("invoiceNumber", "External Document No."),
        ("customerNumber", "Sell-to Customer No."),
        ("customerName", "Customer Name"),
        ("invoiceDate", "Posting Date"),
        ("dueDate", "Due Date"),
        ("currencyCode", "Currency Code"),
        ("totalAmount", "Total Amount"),
        ("vendorNumber", "Buy-from Vendor No."),
        ("providerInvoiceNumber", "Vendor Invoice No."),
        ("costCentre", "Cost Centre Code"),
        ("tenantId", "Tenant ID"),
        ("lines.lineNo", "Line No."),
        ("lines.productCode", "No."),
        ("lines.description", "Description"),
        ("lines.quantity", "Quantity"),
        ("lines.unitPrice", "Unit Price"),
        ("lines.unitCost", "Unit Cost"),
        ("lines.amount", "Line Amount"),
    )
)


def validate_mapping(entries: Sequence[MappingEntry]) -> None:
    """Refuse unknown BC fields, bad EcpPro names, wrong levels, duplicates, missing required."""
    seen: set[str] = set()
    for entry in entries:
        target = TARGETS_BY_FIELD.get(entry.bc_field)
        if target is None:
            raise ValidationError(
                f"BC field '{entry.bc_field}' does not exist; known fields: "
                + ", ".join(t.bc_field for t in TARGETS),
                record="invoice mapping",
                field=entry.bc_field,
            )
        if not _SOURCE.match(entry.ecppro_field):
            raise ValidationError(
                f"EcpPro field name '{entry.ecppro_field}' is not a field name "
                "(letters, digits, _; line fields as lines.<name>)",
                record="invoice mapping",
                field=entry.bc_field,
            )
        is_line = entry.ecppro_field.startswith(LINE_PREFIX)
        if is_line != (target.level == "line"):
            where = "a line" if target.level == "line" else "a header"
            raise ValidationError(
                f"BC field '{entry.bc_field}' is {where} field; map it from "
                + ("lines.<EcpPro field>" if target.level == "line" else "a header EcpPro field"),
                record="invoice mapping",
                field=entry.bc_field,
            )
        if entry.bc_field in seen:
            raise ValidationError(
                f"BC field '{entry.bc_field}' is mapped twice",
                record="invoice mapping",
                field=entry.bc_field,
            )
        seen.add(entry.bc_field)
    missing = [t.bc_field for t in TARGETS if t.required and t.bc_field not in seen]
    if missing:
        raise ValidationError(
            f"required BC fields are not mapped: {', '.join(missing)}",
            record="invoice mapping",
            field=missing[0],
        )


def field_maps(entries: Iterable[MappingEntry], level: Level) -> tuple[FieldMap, ...]:
    """The generic field maps for one level of a validated mapping."""
    maps = []
    for entry in entries:
        target = TARGETS_BY_FIELD[entry.bc_field]
        if target.level == level:
            source = entry.ecppro_field.removeprefix(LINE_PREFIX)
            maps.append(FieldMap(source, target.attribute, target.transform, target.required,
                                 max_length=target.max_length,
                                 target_label=f"Business Central's {target.bc_field}"))  # fmt: skip
    return tuple(maps)


def map_invoice(
    entries: Sequence[MappingEntry], raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Header and line attributes of one EcpPro invoice.

    Raises ValidationError naming the invoice, the line and the EcpPro field.
    """
    label = f"EcpPro invoice {raw.get('invoiceNumber') or raw.get('id') or '?'}"
    header = apply_mapping(field_maps(entries, "header"), raw, record_label=label)
    raw_lines = raw.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise ValidationError(f"{label}: has no lines", record=label, field="lines")
    line_maps = field_maps(entries, "line")
    lines: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}
    for position, line in enumerate(raw_lines, start=1):
        if not isinstance(line, Mapping):
            raise ValidationError(
                f"{label}: line #{position} is not an object ({type(line).__name__})",
                record=label,
                field="lines",
            )
        line_label = f"{label} line {line.get('lineNo', f'#{position}')}"
        mapped = apply_mapping(line_maps, line, record_label=line_label)
        number = mapped.get("line_no")
        if number in seen:
            raise ValidationError(
                f"{label}: lines #{seen[number]} and #{position} both have line number {number}",
                record=label,
                field=_source_of(entries, "line_no"),
            )
        seen[number] = position
        lines.append(mapped)
    return header, lines


def _source_of(entries: Sequence[MappingEntry], attribute: str) -> str:
    """The EcpPro field an attribute is mapped from (for messages)."""
    for entry in entries:
        if TARGETS_BY_FIELD[entry.bc_field].attribute == attribute:
            return entry.ecppro_field.removeprefix(LINE_PREFIX)
    return attribute
