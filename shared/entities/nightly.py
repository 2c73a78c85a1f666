"""The nightly feeds, BC → CRM (product document §21, §22): what CRM shows of BC's open
customer ledger entries and of the stock per location, as data.

Each feed is a snapshot of a BC list written to a connector table in CRM, row for row,
plus a total on the parent: an account's Balance is the sum of its open entries'
remaining amounts (LCY), a product's Inventory the sum of its stock over locations.
Rows whose parent is not in CRM (a customer born in BC that never went to CRM, an item
CRM does not sell) are skipped; they carry on the next night once it is coupled.

- customer ledger entries: the eleven fields of §21 (document type and No., posting
  date, customer No., amount, remaining amount, remaining amount (LCY), currency, due
  date, description, entry No.), linked to the account; the currency's lookup gives the
  CRM currency (blank: CRM's base currency);
- inventory: on hand per item and location, linked to the product and to the location;
  stock without a location is shown at a blank location code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.sync.maps import Choice, Copy, Direction, EntityMap, Field, Lookup

Row = Mapping[str, Any]

DOCUMENT_TYPES = {
    "Payment": 862070000, "Invoice": 862070001, "Credit Memo": 862070002,
    "Finance Charge Memo": 862070003, "Reminder": 862070004, "Refund": 862070005,
}  # fmt: skip


@dataclass(frozen=True)
class ParentTotal:
    """A parent's column that sums one field of its rows (an account's Balance)."""

    coupling: str  # the parent's couplings (customers, items)
    group: str  # the source field naming the parent (its BC key)
    value: str  # the source field summed
    target_set: str  # the parent's CRM table
    column: str  # the column that shows the sum


@dataclass(frozen=True)
class SnapshotFeed:
    """One nightly feed: a BC list and the CRM table that mirrors it."""

    name: str
    label: str
    schedule_setting: str
    entity: EntityMap  # the row's field map (BC → CRM), lookups included
    key: Callable[[Row], str]  # the BC natural key of a row (sorts like BC sorts it)
    total: ParentTotal
    crm_columns: tuple[str, ...]  # what a CRM row's key is read from
    crm_key: Callable[[Row, Callable[[str, str], str]], str]  # (row, BC key of a CRM id)

    @property
    def target_set(self) -> str:
        return self.entity.target_set


CUSTOMER_LEDGER = SnapshotFeed(
    name="customer-ledger-entries",
    label="Customer Ledger Entry",
    schedule_setting="CRM_CLE_SCHEDULE",
    entity=EntityMap(
        name="customer-ledger-entries",
        label="Customer Ledger Entry",
        direction=Direction.BC_TO_CRM,
        source_set="customerLedgerEntries",
        source_api="companion",
        target_set="bcs_customerledgerentries",
        target_table="bcs_customerledgerentry",
        source_key="entryNumber",
        target_key="bcs_entryno",
        fields=(
            Field("bcs_entryno", ("entryNumber",)),
            Field(
                "bcs_documenttype",
                ("documentType",),
                Choice({**DOCUMENT_TYPES, " ": None, "": None}),
            ),
            Field("bcs_documentno", ("documentNumber",), Copy(20)),
            Field("bcs_postingdate", ("postingDate",)),
            Field("bcs_customerno", ("customerNumber",), Copy(20)),
            Field("bcs_amount", ("amount",)),
            Field("bcs_remainingamount", ("remainingAmount",)),
            Field("bcs_remainingamountlcy", ("remainingAmountLCY",)),
            Field("bcs_currencycode", ("currencyCode",), Copy(10)),
            Field("bcs_duedate", ("dueDate",)),
            Field("bcs_description", ("description",), Copy(100)),
        ),
        lookups=(
            Lookup(
                "customerNumber",
                "customers",
                "bcs_AccountId@odata.bind",
                "accounts",
                skip_uncoupled=True,
                label="Customer No. (its account)",
            ),
            Lookup(
                "currencyCode",
                "currencies",
                "transactioncurrencyid@odata.bind",
                "transactioncurrencies",
                blank_is_base=True,
                optional=True,
                label="Currency Code",
            ),
        ),
        write_back=False,
    ),
    key=lambda row: f"{int(row['entryNumber']):012d}",
    total=ParentTotal(
        "customers", "customerNumber", "remainingAmountLCY", "accounts", "bcs_balance"
    ),
    crm_columns=("bcs_entryno",),
    crm_key=lambda row, _: f"{int(row.get('bcs_entryno') or 0):012d}",
)

INVENTORY = SnapshotFeed(
    name="inventory",
    label="Inventory",
    schedule_setting="CRM_INVENTORY_SCHEDULE",
    entity=EntityMap(
        name="inventory",
        label="Inventory",
        direction=Direction.BC_TO_CRM,
        source_set="locationInventories",
        source_api="companion",
        target_set="bcs_inventories",
        target_table="bcs_inventory",
        source_key="itemNumber",
        target_key="",
        fields=(
            Field("bcs_locationcode", ("locationCode",), Copy(10)),
            Field("bcs_quantity", ("quantity",)),
        ),
        lookups=(
            Lookup(
                "itemNumber",
                "items",
                "bcs_ProductId@odata.bind",
                "products",
                skip_uncoupled=True,
                label="Item No. (its product)",
            ),
            Lookup(
                "locationCode",
                "locations",
                "bcs_LocationId@odata.bind",
                "bcs_locations",
                optional=True,
                label="Location Code",
            ),
        ),
        write_back=False,
    ),
    key=lambda row: (
        f"{str(row['itemNumber']).upper()}|{str(row.get('locationCode') or '').upper()}"
    ),
    total=ParentTotal("items", "itemNumber", "quantity", "products", "bcs_inventory"),
    crm_columns=("_bcs_productid_value", "bcs_locationcode"),
    crm_key=lambda row, bc_key: (
        f"{bc_key('items', str(row.get('_bcs_productid_value') or ''))}|"
        f"{str(row.get('bcs_locationcode') or '').upper()}"
    ),
)

FEEDS = {feed.name: feed for feed in (CUSTOMER_LEDGER, INVENTORY)}
