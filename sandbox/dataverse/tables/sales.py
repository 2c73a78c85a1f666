"""Quotes, orders and invoices with their lines; Project Operations columns on invoices.

From the quote, quotedetail, salesorder, salesorderdetail, invoice and invoicedetail
reference pages: state models (quote Draft/Active/Won/Closed with Revised as a closing
reason; order Active/Submitted/Canceled/Fulfilled/Invoiced; invoice Active/Closed
(deprecated)/Paid/Canceled), numbers the platform assigns (QUO-, ORD-, INV-), totals it
computes from the lines, write-in lines (`isproductoverridden` with `productdescription`),
and the Bill To address columns (`billto_name`, `billto_line1` …) the three headers share.

Project Operations extends `invoice` and `invoicedetail` (dynamics-365-project-operations
`proforma-invoicing/manage-proforma-invoice`, the invoice EntityType reference):
`msdyn_projectinvoicestatus` (Draft, In Review, Confirmed, Invoice Paid),
`msdyn_hascorrections`, `msdyn_invoicedate`, `msdyn_ordertype`, `msdyn_amountdue`; lines
have `msdyn_project`, `msdyn_billingmethod`, `msdyn_linetype`.

The connector adds to quotes and orders the quote/document and posting dates and the
lookups to location, ship-to address, payment term, shipment method and shipping agent;
to invoices the same plus tax area. Orders get its status reason Confirmed (862070000)
under Active: the product sends only Active + Confirmed orders to BC. On invoices it
writes back what BC made of a project invoice (`bcs_bcinvoiceno`, `bcs_bccreditmemono`,
`bcs_bccreditmemoposted`, `bcs_bcintegrationstatus`, `bcs_bcintegrationmessage`), and
an invoice's BC Invoice Stagings point at it (`sandbox.dataverse.tables.staging`).
"""

from __future__ import annotations

from sandbox.dataverse.schema import (
    AlternateKey,
    AutoNumber,
    Column,
    Kind,
    OneToMany,
    Pricing,
    Required,
    StateModel,
    Table,
    choice,
    custom_lookup,
    date_only,
    lookup,
    memo,
    money,
    number,
    state_columns,
    text,
    with_currency,
    yes_no,
)
from sandbox.dataverse.tables.common import (
    PAYMENT_TERMS,
    SHIPPING_METHODS,
    audit_columns,
    id_column,
    owner_column,
)

CONFIRMED = 862070000  # the connector's status reason (its publisher's option prefix 86207)

QUOTE_STATES = StateModel(
    states={0: ("Draft", 1), 1: ("Active", 2), 2: ("Won", 4), 3: ("Closed", 5)},
    statuses={1: (0, "In Progress"), 2: (1, "In Progress"), 3: (1, "Open"), 4: (2, "Won"),
              5: (3, "Lost"), 6: (3, "Canceled"), 7: (3, "Revised")},
    editable=frozenset({0}),
    transitions=frozenset({(0, 0), (0, 1), (1, 1)}),
    by_action=frozenset({2, 3}),
)  # fmt: skip

ORDER_STATES = StateModel(
    states={0: ("Active", 1), 1: ("Submitted", 3), 2: ("Canceled", 4), 3: ("Fulfilled", 100001),
            4: ("Invoiced", 100003)},
    statuses={1: (0, "New"), 2: (0, "Pending"), CONFIRMED: (0, "Confirmed"),
              3: (1, "In Progress"), 4: (2, "No Money"), 100001: (3, "Complete"),
              100002: (3, "Partial"), 100003: (4, "Invoiced")},
    editable=frozenset({0}),
    transitions=frozenset({(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (1, 1), (1, 2), (1, 3),
                           (1, 4), (3, 4)}),
)  # fmt: skip

INVOICE_STATES = StateModel(
    states={0: ("Active", 1), 1: ("Closed (deprecated)", 3), 2: ("Paid", 100001),
            3: ("Canceled", 100003)},
    statuses={1: (0, "New"), 2: (0, "Partially Shipped"), 4: (0, "Billed"),
              5: (0, "Booked (applies to services)"), 6: (0, "Installed (applies to services)"),
              3: (1, "Canceled (deprecated)"), 7: (1, "Paid in Full (deprecated)"),
              100001: (2, "Complete"), 100002: (2, "Partial"), 100003: (3, "Canceled")},
    editable=frozenset({0}),
    transitions=frozenset({(0, 0), (0, 2), (0, 3), (2, 0), (2, 2), (3, 0)}),
)  # fmt: skip

PROJECT_INVOICE_STATUS = {
    192350000: "Draft", 192350001: "In Review", 192350002: "Confirmed",
    192350003: "Invoice Paid",
}  # fmt: skip
ORDER_TYPES = {192350000: "Item based", 192350001: "Work based",
               690970002: "Service-Maintenance Based"}  # fmt: skip


def _header_columns(number_column: str) -> tuple[Column, ...]:
    return (
        text("name", 300, "Name", required=Required.APPLICATION),
        text(number_column, 100, "ID", required=Required.SYSTEM),
        lookup("customerid", "account", "contact", label="Customer", required=Required.APPLICATION),
        lookup("pricelevelid", "pricelevel", label="Price List", required=Required.APPLICATION),
        lookup(
            "transactioncurrencyid",
            "transactioncurrency",
            label="Currency",
            required=Required.APPLICATION,
        ),
        owner_column(),
        memo("description", 2000, "Description"),
        date_only("requestdeliveryby", "Requested Delivery Date"),
        choice("paymenttermscode", PAYMENT_TERMS, "Payment Terms"),
        choice("shippingmethodcode", SHIPPING_METHODS, "Shipping Method"),
        money("discountamount", "Discount Amount"),
        number("discountpercentage", label="Discount (%)"),
        money("freightamount", "Freight Amount"),
        money("totallineitemamount", "Detail Amount", writable=False),
        money("totalamountlessfreight", "Total Pre-Freight Amount", writable=False),
        money("totaltax", "Total Tax", writable=False),
        money("totalamount", "Total Amount", writable=False),
        custom_lookup("bcs_PaymentTermId", "bcs_paymentterm", "Payment Term"),
        custom_lookup("bcs_ShipmentMethodId", "bcs_shipmentmethod", "Shipment Method"),
        custom_lookup("bcs_ShippingAgentId", "bcs_shippingagent", "Shipping Agent"),
        custom_lookup("bcs_LocationId", "bcs_location", "Location"),
        custom_lookup("bcs_ShipToAddressId", "bcs_shiptoaddress", "Ship-to Address"),
        date_only("bcs_postingdate", "Posting Date"),
        *_bill_to_columns(),
    )


def _bill_to_columns() -> tuple[Column, ...]:
    """The Bill To address every quote, order and invoice has (their reference pages'
    BillTo_Name, BillTo_Line1 … with those lengths), filled by the client."""
    return (
        text("billto_name", 200, "Bill To Name"),
        text("billto_line1", 250, "Bill To Street 1"),
        text("billto_line2", 250, "Bill To Street 2"),
        text("billto_line3", 250, "Bill To Street 3"),
        text("billto_city", 80, "Bill To City"),
        text("billto_stateorprovince", 50, "Bill To State/Province"),
        text("billto_postalcode", 20, "Bill To ZIP/Postal Code"),
        text("billto_country", 80, "Bill To Country/Region"),
    )


BC_INTEGRATION_STATUS = {
    100000000: "Pending", 100000001: "Created", 100000002: "Posted", 100000003: "Credited",
    100000004: "Cancelled", 100000005: "Error",
}  # fmt: skip


def _write_back_columns() -> tuple[Column, ...]:
    """What the connector writes back to a project invoice: BC's numbers and its outcome.
    A confirmed project invoice still takes them (`sandbox.dataverse.states`)."""
    return (
        text("bcs_bcinvoiceno", 20, "BC Invoice No."),
        text("bcs_bccreditmemono", 20, "BC Credit Memo No."),
        yes_no("bcs_bccreditmemoposted", "BC Credit Memo Posted"),
        choice("bcs_bcintegrationstatus", BC_INTEGRATION_STATUS, "BC Integration Status"),
        memo("bcs_bcintegrationmessage", 2000, "BC Integration Message"),
    )


WRITE_BACK_COLUMNS = frozenset(c.name for c in _write_back_columns())


def _line_columns(header: str, header_label: str, name: str) -> tuple[Column, ...]:
    return (
        lookup(header, header.removesuffix("id"), label=header_label, required=Required.SYSTEM),
        text(name, 500, "Name"),
        lookup("productid", "product", label="Existing Product"),
        text("productdescription", 500, "Write-In Product"),
        yes_no("isproductoverridden", "Select Product", labels=("Existing", "Write In")),
        yes_no("ispriceoverridden", "Pricing", labels=("Use Default", "Override Price")),
        lookup("uomid", "uom", label="Unit"),
        number("quantity", label="Quantity", required=Required.APPLICATION),
        money("priceperunit", "Price Per Unit"),
        money("baseamount", "Amount", writable=False),
        money("manualdiscountamount", "Manual Discount"),
        money("tax", "Tax"),
        money("extendedamount", "Extended Amount", writable=False),
        memo("description", 2000, "Description"),
        number("lineitemnumber", Kind.INTEGER, "Line Item Number"),
        number("sequencenumber", Kind.INTEGER, "Sequence Number"),
        date_only("requestdeliveryby", "Requested Delivery Date"),
        *audit_columns(),
    )


QUOTE = with_currency(Table(
    "quote", "quotes", "Quote", "quoteid", "name",
    columns=(
        id_column("quoteid", "Quote"),
        *_header_columns("quotenumber"),
        number("revisionnumber", Kind.INTEGER, "Revision ID", writable=False),
        date_only("effectivefrom", "Effective From"),
        date_only("effectiveto", "Effective To"),
        date_only("closedon", "Closed On"),
        date_only("bcs_quotedate", "Quote Date"),
        *state_columns(QUOTE_STATES),
        *audit_columns(),
    ),
    relationships=(
        OneToMany("quote_details", "quotedetail", "quoteid", cascade_delete=True),
        OneToMany("quote_orders", "salesorder", "quoteid"),
    ),
    change_tracking=True,
    states=QUOTE_STATES,
    autonumber=AutoNumber("quotenumber", "QUO"),
    pricing=Pricing(lines="quotedetail"),
))  # fmt: skip

QUOTEDETAIL = with_currency(Table(
    "quotedetail", "quotedetails", "Quote Line", "quotedetailid", "quotedetailname",
    columns=(
        id_column("quotedetailid", "Quote Product"),
        *_line_columns("quoteid", "Quote", "quotedetailname"),
    ),
    change_tracking=True,
    pricing=Pricing(header_lookup="quoteid"),
    locked_with="quoteid",
))  # fmt: skip

SALESORDER = with_currency(Table(
    "salesorder", "salesorders", "Order", "salesorderid", "name",
    columns=(
        id_column("salesorderid", "Order"),
        *_header_columns("ordernumber"),
        lookup("quoteid", "quote", label="Quote"),
        date_only("datefulfilled", "Date Fulfilled"),
        date_only("submitdate", "Date Submitted"),
        date_only("bcs_documentdate", "Document Date"),
        *state_columns(ORDER_STATES),
        *audit_columns(),
    ),
    relationships=(
        OneToMany("order_details", "salesorderdetail", "salesorderid", cascade_delete=True),
        OneToMany("order_invoices", "invoice", "salesorderid"),
    ),
    change_tracking=True,
    states=ORDER_STATES,
    autonumber=AutoNumber("ordernumber", "ORD"),
    pricing=Pricing(lines="salesorderdetail"),
))  # fmt: skip

SALESORDERDETAIL = with_currency(Table(
    "salesorderdetail", "salesorderdetails", "Order Line", "salesorderdetailid",
    "salesorderdetailname",
    columns=(
        id_column("salesorderdetailid", "Order Product"),
        *_line_columns("salesorderid", "Order", "salesorderdetailname"),
    ),
    change_tracking=True,
    pricing=Pricing(header_lookup="salesorderid"),
    locked_with="salesorderid",
))  # fmt: skip

INVOICE = with_currency(Table(
    "invoice", "invoices", "Invoice", "invoiceid", "name",
    columns=(
        id_column("invoiceid", "Invoice"),
        *_header_columns("invoicenumber"),
        lookup("salesorderid", "salesorder", label="Order"),
        date_only("duedate", "Due Date"),
        date_only("datedelivered", "Date Delivered"),
        date_only("bcs_documentdate", "Document Date"),
        custom_lookup("bcs_TaxAreaId", "bcs_taxarea", "Tax Area"),
        choice("msdyn_projectinvoicestatus", PROJECT_INVOICE_STATUS, "Project Invoice Status"),
        yes_no("msdyn_hascorrections", "Has Corrections"),
        date_only("msdyn_invoicedate", "Invoice Date"),
        choice("msdyn_ordertype", ORDER_TYPES, "Type"),
        money("msdyn_amountdue", "Amount Due"),
        *_write_back_columns(),
        *state_columns(INVOICE_STATES),
        *audit_columns(),
    ),
    keys=(AlternateKey("bcs_invoicenumber_key", ("invoicenumber",)),),
    relationships=(
        OneToMany("invoice_details", "invoicedetail", "invoiceid", cascade_delete=True),
        OneToMany("msdyn_invoice_msdyn_invoicelinetransaction_Invoice",
                  "msdyn_invoicelinetransaction", "msdyn_invoice", cascade_delete=True),
        OneToMany("bcs_invoice_bcs_bcinvoicestaging_Invoice", "bcs_bcinvoicestaging",
                  "bcs_invoice"),
    ),
    change_tracking=True,
    states=INVOICE_STATES,
    autonumber=AutoNumber("invoicenumber", "INV"),
    pricing=Pricing(lines="invoicedetail"),
))  # fmt: skip

INVOICEDETAIL = with_currency(Table(
    "invoicedetail", "invoicedetails", "Invoice Line", "invoicedetailid", "invoicedetailname",
    columns=(
        id_column("invoicedetailid", "Invoice Product"),
        *_line_columns("invoiceid", "Invoice", "invoicedetailname"),
        lookup("salesorderdetailid", "salesorderdetail", label="Order Line"),
        custom_lookup("msdyn_Project", "msdyn_project", "Project"),
        choice("msdyn_billingmethod", {192350000: "Time and Material", 192350001: "Fixed Price"},
               "Billing Method"),
        choice("msdyn_linetype", {690970000: "Project Service Line",
                                  690970001: "Field Service Line"}, "Line Type"),
        money("msdyn_contractlineamount", "Contract Line Amount"),
        money("msdyn_invoicedtilldate", "Invoiced till Date"),
        money("msdyn_chargeableamount", "Chargeable Amount"),
    ),
    relationships=(
        OneToMany("msdyn_invoicedetail_msdyn_invoicelinetransaction_InvoiceLineId",
                  "msdyn_invoicelinetransaction", "msdyn_invoicelineid", cascade_delete=True),
    ),
    change_tracking=True,
    pricing=Pricing(header_lookup="invoiceid"),
    locked_with="invoiceid",
))  # fmt: skip
