"""Sales quotes and orders, CRM → BC (product document §18, §19; setup fields 2–7).

Both are documents: a header and its lines, written to BC whole through the companion
API (`crmSalesQuotes` / `crmSalesOrders`). Their field maps are data, like every other
entity's, and use the engine's lookups, so a master, customer, unit or product not in BC
yet makes the document wait:

- header: the CRM number → Your Reference (and the BC No. with "Keep … No. same as
  CRM"); the account's customer, its name (Name 100 + Name 2 50) and street 1 and 2
  (Address, Address 2); quote date → document and posting date (quotes),
  document and posting date (orders); owner → salesperson (a user who is no salesperson
  leaves it blank); payment terms, currency (CRM's base currency → blank, §17), requested
  delivery date, shipment method, shipping agent, location, ship-to code; description →
  Work Description; a quote's revision → `crmRevisionNumber`;
- lines: a product coupled to an item → an Item line with its unit; a write-in product
  → a G/L Account line on the account the operator sets on the staging line; quantity,
  unit price, line discount amount (BC computes the line amount). Description: the CRM
  line's description when there is one, else the product's name, over Description (100)
  and Description 2 (50).

Which documents go (`include`): quotes in state Active; orders in state Active with the
connector's status reason Confirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.ports.sales_documents import SalesDocKind
from shared.registry import Table
from shared.sync.maps import Copy, Direction, EntityMap, Field, Lookup, Split

QUOTE_ACTIVE = 1  # quote statecode: 0 Draft, 1 Active, 2 Won, 3 Closed
ORDER_ACTIVE = 0  # salesorder statecode: 0 Active, 1 Submitted, 2 Canceled, 3 Fulfilled, …
ORDER_CONFIRMED = 862070000  # the connector's status reason "Confirmed" on Active orders


def _header_lookups() -> tuple[Lookup, ...]:
    return (
        Lookup("_customerid_value", "customers", "customerNumber", by="crm", value="key",
               label="Account (its BC customer)"),
        Lookup("_ownerid_value", "salespersons", "salespersonCode", by="crm", value="key",
               optional=True, label="Owner (Salesperson Code)"),
        Lookup("_transactioncurrencyid_value", "currencies", "currencyCode", by="crm",
               value="key", label="Currency (Map CRM Data: currencies)"),
        Lookup("_bcs_paymenttermid_value", "payment-terms", "paymentTermsCode", by="crm",
               value="key", clear=True, label="Payment Term"),
        Lookup("_bcs_shipmentmethodid_value", "shipment-methods", "shipmentMethodCode",
               by="crm", value="key", clear=True, label="Shipment Method"),
        Lookup("_bcs_shippingagentid_value", "shipping-agents", "shippingAgentCode", by="crm",
               value="key", clear=True, label="Shipping Agent"),
        Lookup("_bcs_locationid_value", "locations", "locationCode", by="crm", value="key",
               clear=True, label="Location"),
        Lookup("_bcs_shiptoaddressid_value", "ship-to-addresses", "shipToCode", by="crm",
               value="key", clear=True, label="Ship-to Address"),
    )  # fmt: skip


_CUSTOMER = (  # the account's, read with the document (its name as the customer's is split)
    Field("customerName", ("accountname",), Split(0, 100, limit=150)),
    Field("customerName2", ("accountname",), Split(1, 100, limit=150)),
    Field("addressLine1", ("accountline1",), Copy(100)),
    Field("addressLine2", ("accountline2",), Copy(50)),
)

QUOTE_HEADER = EntityMap(
    name="quotes",
    label="Sales Quote",
    direction=Direction.CRM_TO_BC,
    source_set="quotes",
    target_set="crmSalesQuotes",
    target_table="quote",
    source_key="quotenumber",
    target_key="yourReference",
    fields=(
        Field("yourReference", ("quotenumber",), Copy(35)),
        *_CUSTOMER,
        Field("crmRevisionNumber", ("revisionnumber",)),
        Field("documentDate", ("bcs_quotedate",)),
        Field("postingDate", ("bcs_quotedate",)),
        Field("requestedDeliveryDate", ("requestdeliveryby",)),
        Field("workDescription", ("description",)),
        Field("crmId", ("id",)),
    ),
    lookups=_header_lookups(),
    required=(("_customerid_value", "Account: the quote is for no account"),),
    include=lambda row, _: row.get("statecode") == QUOTE_ACTIVE,
    filter_label="state Active",
    target_api="companion",
    staging=Table.CRM_SALES_QUOTES,
)

ORDER_HEADER = EntityMap(
    name="orders",
    label="Sales Order",
    direction=Direction.CRM_TO_BC,
    source_set="salesorders",
    target_set="crmSalesOrders",
    target_table="salesorder",
    source_key="ordernumber",
    target_key="yourReference",
    fields=(
        Field("yourReference", ("ordernumber",), Copy(35)),
        *_CUSTOMER,
        Field("documentDate", ("bcs_documentdate",)),
        Field("postingDate", ("bcs_postingdate",)),
        Field("requestedDeliveryDate", ("requestdeliveryby",)),
        Field("workDescription", ("description",)),
        Field("crmId", ("id",)),
    ),
    lookups=_header_lookups(),
    required=(("_customerid_value", "Account: the order is for no account"),),
    include=lambda row, _: (
        row.get("statecode") == ORDER_ACTIVE and row.get("statuscode") == ORDER_CONFIRMED
    ),
    filter_label="state Active, status Confirmed",
    target_api="companion",
    staging=Table.CRM_SALES_ORDERS,
)


def _line_map(name: str, source_set: str, target_set: str) -> EntityMap:
    return EntityMap(
        name=name,
        label="Line",
        direction=Direction.CRM_TO_BC,
        source_set=source_set,
        target_set=target_set,
        target_table=source_set[:-1],
        source_key="lineitemnumber",
        target_key="sequence",
        fields=(
            Field("quantity", ("quantity",)),
            Field("unitPrice", ("priceperunit",)),
            Field("lineDiscountAmount", ("manualdiscountamount",)),
            Field("crmLineId", ("id",)),
        ),
        lookups=(
            Lookup(
                "_productid_value",
                "items",
                "lineObjectNumber",
                by="crm",
                value="key",
                label="Existing Product (its BC item)",
            ),
            Lookup(
                "_uomid_value",
                "units-of-measure",
                "unitOfMeasureCode",
                by="crm",
                value="key",
                label="Unit",
            ),
        ),
        target_api="companion",
    )


@dataclass(frozen=True)
class DocumentMap:
    """One CRM document type: its header map, line map and the setup that numbers and
    locks it in BC."""

    kind: SalesDocKind
    header: EntityMap
    line: EntityMap
    lines_set: str  # the CRM lines' entity set
    lines_parent: str  # the lines' lookup to the header (`_quoteid_value`)
    number_field: str  # the CRM number (quotenumber / ordernumber)
    staging: Table
    lines_staging: Table
    keep_number: Callable[[Any], bool]  # setup 6 / 7
    series: Callable[[Any], str]  # setup 2 / 3
    locked: Callable[[Any], bool]  # setup 4 / 5

    @property
    def name(self) -> str:
        return self.header.name

    def include(self, row: Mapping[str, Any]) -> bool:
        return self.header.include is None or self.header.include(row, None)


QUOTES = DocumentMap(
    kind=SalesDocKind.QUOTE,
    header=QUOTE_HEADER,
    line=_line_map("quote-lines", "quotedetails", "crmSalesQuoteLines"),
    lines_set="quotedetails",
    lines_parent="_quoteid_value",
    number_field="quotenumber",
    staging=Table.CRM_SALES_QUOTES,
    lines_staging=Table.CRM_SALES_QUOTE_LINES,
    keep_number=lambda setup: bool(setup.keep_quote_no),
    series=lambda setup: str(setup.sales_quote_no_series or ""),
    locked=lambda setup: bool(setup.do_not_modify_quotes),
)
ORDERS = DocumentMap(
    kind=SalesDocKind.ORDER,
    header=ORDER_HEADER,
    line=_line_map("order-lines", "salesorderdetails", "crmSalesOrderLines"),
    lines_set="salesorderdetails",
    lines_parent="_salesorderid_value",
    number_field="ordernumber",
    staging=Table.CRM_SALES_ORDERS,
    lines_staging=Table.CRM_SALES_ORDER_LINES,
    keep_number=lambda setup: bool(setup.keep_order_no),
    series=lambda setup: str(setup.sales_order_no_series or ""),
    locked=lambda setup: bool(setup.do_not_modify_orders),
)
DOCUMENTS = {document.name: document for document in (QUOTES, ORDERS)}
