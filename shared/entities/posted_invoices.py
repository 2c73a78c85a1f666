"""Posted sales invoices, BC → CRM invoices (product document §20; setup field 16).

BC's posted invoices (companion `crmPostedSalesInvoices`, table 112, with its `lines`,
table 113: sandbox/BC_CUSTOM_API.md) become CRM `invoices` with `invoicedetails`. The
field maps are data, like every entity's; the flow (`shared.flows.crm_posted_invoices`)
adds the values that are not BC fields (`shipToKey`, `crmOrderId`, `priceListId`,
`position`) before mapping:

- header: No. → Invoice ID (`invoicenumber`, also its name); customer → account (by the
  customers' coupling); Name + Name 2 → Bill To Name (BC's Name 2 continues Name: joined
  as they are, CRM holds 200) and Address / Address 2 → Bill To Street 1 / 2; document,
  posting and due dates; salesperson → owner (a salesperson coupled to no CRM user leaves
  the owner as the integration user); payment term, shipment method, shipping agent,
  location, ship-to address and tax area through their couplings; currency through the
  currencies' coupling, a blank code being CRM's base currency (§17); the invoice
  discount → Discount Amount; the CRM order it was invoiced from → Order; the setup's
  default price list → Price List;
- lines: an item coupled to a product → that product in its unit (the unit's coupling);
  quantity, unit price (the price is BC's: overridden, never the price list's), line
  discount amount → Manual Discount, the line's tax → Tax, Description + Description 2 →
  Description. A line of anything else (a G/L account, a resource, a charge), or of an
  item CRM never gets (an Inventory item whose posting group is not for CRM), is a
  write-in product with that text; comment lines are not sent.

Cancelled or corrected in BC (§20) means: status Canceled (BC's Cancel, or Correct,
which cancels and makes a new invoice: the new one comes as an invoice of its own), or a
posted sales credit memo that names the invoice (`invoiceNumber`, "Applies-to Doc.
No."). The CRM invoice then becomes Canceled. An invoice with status Corrective is the
reverse case, an invoice that cancels a credit memo: an ordinary invoice in CRM.

CRM computes the amounts (the Dataverse pricing calculation; its computed columns take
no value): per line Amount = price × quantity and Extended Amount = Amount − manual
discount + tax; on the header Detail Amount = Σ (Amount − manual discount), Total Tax =
Σ tax, Total Amount = Detail Amount − discount + Total Tax. With BC's values on the lines
these are BC's Line Amount, Total Tax Amount and Amount Including VAT ("Amount to
Customer"), which the staging row keeps beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.registry import Table
from shared.sync.maps import Constant, Copy, Direction, EntityMap, Field, Join, Lookup

NAME = "posted-invoices"
SOURCE_SET = "crmPostedSalesInvoices"  # companion API; `lines` is its navigation
CREDIT_MEMOS = "salesCreditMemos"  # v2.0: a posted one naming an invoice corrects it
STAGING = Table.CRM_POSTED_INVOICES
BLANK_DATE = "0001-01-01"
UNPOSTED = frozenset({"Draft", "In Review", "In_x0020_Review", " ", "_x0020_", ""})
CANCELED_IN_BC = "Canceled"  # v2.0 status of an invoice a corrective credit memo cancelled

# Dataverse state models (statecode, statuscode): invoice Active 0 / Paid 2 / Canceled 3,
# salesorder Active 0, Submitted 1, Canceled 2, Fulfilled 3, Invoiced 4.
INVOICE_ACTIVE, INVOICE_PAID, INVOICE_CANCELED = (0, 1), (2, 100001), (3, 100003)
ORDER_INVOICED, ORDER_CANCELED = (4, 100003), 2


@dataclass(frozen=True)
class BcDate:
    """A BC date; BC's blank date (0001-01-01) is no date in CRM."""

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        text = str(values[0] or "")[:10]
        return None if text in ("", BLANK_DATE) else text


@dataclass(frozen=True)
class Concat:
    """Texts joined as they are (BC's Name 2 continues Name), at most `limit` characters:
    a longer result is a mapping problem naming the first field."""

    limit: int

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        text = "".join(str(v) for v in values if v)
        return Copy(self.limit)((text,), source)


@dataclass(frozen=True)
class Bind:
    """A CRM id as an `@odata.bind` to a row of `entity_set`; no id writes null."""

    entity_set: str

    def __call__(self, values: tuple[Any, ...], source: str) -> Any:
        return f"/{self.entity_set}({values[0]})" if values[0] else None


def _master(source: str, entity: str, column: str, target_set: str, label: str) -> Lookup:
    return Lookup(source, entity, f"{column}@odata.bind", target_set, clear=True, label=label)


HEADER = EntityMap(
    name=NAME,
    label="Posted Sales Invoice",
    direction=Direction.BC_TO_CRM,
    source_set=SOURCE_SET,
    target_set="invoices",
    target_table="invoice",
    source_key="number",
    target_key="invoicenumber",
    fields=(
        Field("invoicenumber", ("number",), Copy(100)),
        Field("name", ("number",), Copy(300)),
        Field("billto_name", ("customerName", "customerName2"), Concat(200)),
        Field("billto_line1", ("addressLine1",), Copy(250)),
        Field("billto_line2", ("addressLine2",), Copy(250)),
        Field("bcs_documentdate", ("documentDate",), BcDate()),
        Field("bcs_postingdate", ("postingDate",), BcDate()),
        Field("duedate", ("dueDate",), BcDate()),
        Field("discountamount", ("invoiceDiscountAmount",)),
        Field("salesorderid@odata.bind", ("crmOrderId",), Bind("salesorders")),
        Field("pricelevelid@odata.bind", ("priceListId",), Bind("pricelevels")),
    ),
    lookups=(
        Lookup(
            "customerNumber",
            "customers",
            "customerid_account@odata.bind",
            "accounts",
            label="Customer No. (its CRM account)",
        ),
        Lookup(
            "salespersonCode",
            "salespersons",
            "ownerid@odata.bind",
            "systemusers",
            optional=True,
            label="Salesperson Code (Owner)",
        ),
        Lookup(
            "currencyCode",
            "currencies",
            "transactioncurrencyid@odata.bind",
            "transactioncurrencies",
            blank_is_base=True,
            label="Currency Code (Map CRM Data: currencies)",
        ),
        _master(
            "paymentTermsCode",
            "payment-terms",
            "bcs_PaymentTermId",
            "bcs_paymentterms",
            "Payment Term Code",
        ),
        _master(
            "shipmentMethodCode",
            "shipment-methods",
            "bcs_ShipmentMethodId",
            "bcs_shipmentmethods",
            "Shipment Method Code",
        ),
        _master(
            "shippingAgentCode",
            "shipping-agents",
            "bcs_ShippingAgentId",
            "bcs_shippingagents",
            "Shipping Agent Code",
        ),
        _master("locationCode", "locations", "bcs_LocationId", "bcs_locations", "Location Code"),
        _master(
            "shipToKey",
            "ship-to-addresses",
            "bcs_ShipToAddressId",
            "bcs_shiptoaddresses",
            "Ship-to Code",
        ),
        _master("taxAreaCode", "tax-areas", "bcs_TaxAreaId", "bcs_taxareas", "Tax Area Code"),
    ),
    source_api="companion",
    auto_sync="posted_invoices",
    write_back=False,
    staging=STAGING,
)

_LINE_VALUES = (
    Field("lineitemnumber", ("position",)),
    Field("sequencenumber", ("position",)),
    Field("quantity", ("quantity",)),
    Field("priceperunit", ("unitPrice",)),
    Field("ispriceoverridden", ("unitPrice",), Constant(True)),
    Field("manualdiscountamount", ("lineDiscountAmount",)),
    Field("tax", ("taxAmount",)),
    Field("description", ("description", "description2"), Join(" ", limit=2000)),
)


def _line_map(label: str, fields: tuple[Field, ...], lookups: tuple[Lookup, ...]) -> EntityMap:
    return EntityMap(
        name=f"{NAME}-lines",
        label=label,
        direction=Direction.BC_TO_CRM,
        source_set="lines",
        target_set="invoicedetails",
        target_table="invoicedetail",
        source_key="sequence",
        target_key="lineitemnumber",
        fields=(*_LINE_VALUES, *fields),
        lookups=lookups,
        source_api="companion",
        write_back=False,
    )


PRODUCT_LINE = _line_map(
    "Line",
    (Field("isproductoverridden", ("lineObjectNumber",), Constant(False)),),
    (
        Lookup(
            "lineObjectNumber",
            "items",
            "productid@odata.bind",
            "products",
            label="Item No. (its CRM product)",
        ),
        Lookup(
            "unitOfMeasureCode",
            "units-of-measure",
            "uomid@odata.bind",
            "uoms",
            label="Unit of Measure Code",
        ),
    ),
)
WRITE_IN_LINE = _line_map(
    "Line (write-in)",
    (
        Field("isproductoverridden", ("lineObjectNumber",), Constant(True)),
        Field("productdescription", ("description", "description2"), Join(" ", limit=500)),
    ),
    (),
)


def is_posted(row: Mapping[str, Any]) -> bool:
    return str(row.get("status") or "") not in UNPOSTED


def is_comment(line: Mapping[str, Any]) -> bool:
    return str(line.get("lineType") or "Comment") == "Comment"


def is_item(line: Mapping[str, Any]) -> bool:
    return str(line.get("lineType") or "") == "Item"


def ship_to_key(header: Mapping[str, Any]) -> str:
    """The ship-to addresses' coupling key (customer No./code) of a header's Ship-to Code."""
    code = str(header.get("shipToCode") or "")
    return f"{header.get('customerNumber') or ''}/{code}" if code else ""
