"""Every table the Dataverse simulator serves, and lookups across them (`Catalog`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sandbox.dataverse.schema import Column, OneToMany, Table
from sandbox.dataverse.tables.connector import (
    CONFIGTEMPLATE,
    COUNTRYREGION,
    CUSTOMERLEDGERENTRY,
    INVENTORY,
    LOCATION,
    PAYMENTTERM,
    SHIPMENTMETHOD,
    SHIPPINGAGENT,
    SHIPTOADDRESS,
    TAXAREA,
)
from sandbox.dataverse.tables.core import (
    ACCOUNT,
    CONTACT,
    ORGANIZATION,
    SYSTEMUSER,
    TRANSACTIONCURRENCY,
)
from sandbox.dataverse.tables.products import (
    PRICELEVEL,
    PRODUCT,
    PRODUCTPRICELEVEL,
    UOM,
    UOMSCHEDULE,
)
from sandbox.dataverse.tables.project import INVOICELINETRANSACTION, PROJECT, TRANSACTIONCATEGORY
from sandbox.dataverse.tables.sales import (
    INVOICE,
    INVOICEDETAIL,
    QUOTE,
    QUOTEDETAIL,
    SALESORDER,
    SALESORDERDETAIL,
)
from sandbox.dataverse.tables.staging import INVOICESTAGING, INVOICESTAGINGLINE

TABLES: tuple[Table, ...] = (
    ORGANIZATION, SYSTEMUSER, TRANSACTIONCURRENCY, ACCOUNT, CONTACT,
    UOMSCHEDULE, UOM, PRICELEVEL, PRODUCT, PRODUCTPRICELEVEL,
    QUOTE, QUOTEDETAIL, SALESORDER, SALESORDERDETAIL, INVOICE, INVOICEDETAIL,
    PROJECT, TRANSACTIONCATEGORY, INVOICELINETRANSACTION,
    PAYMENTTERM, SHIPMENTMETHOD, SHIPPINGAGENT, TAXAREA, LOCATION, COUNTRYREGION,
    CONFIGTEMPLATE, SHIPTOADDRESS, CUSTOMERLEDGERENTRY, INVENTORY,
    INVOICESTAGING, INVOICESTAGINGLINE,
)  # fmt: skip


class UnknownTable(KeyError):
    pass


class Catalog:
    """The served tables by entity set and by logical name."""

    def __init__(self, tables: Iterable[Table] = TABLES) -> None:
        self._by_set: dict[str, Table] = {}
        self._by_name: dict[str, Table] = {}
        for table in tables:
            self.add(table)

    def add(self, table: Table) -> None:
        self._by_set[table.entity_set] = table
        self._by_name[table.logical_name] = table

    def __iter__(self) -> Iterator[Table]:
        return iter(self._by_name.values())

    def by_set(self, entity_set: str) -> Table:
        """Raises UnknownTable (set names are case-sensitive, as in Dataverse)."""
        try:
            return self._by_set[entity_set]
        except KeyError:
            raise UnknownTable(entity_set) from None

    def by_name(self, logical_name: str) -> Table:
        """Raises UnknownTable."""
        try:
            return self._by_name[logical_name]
        except KeyError:
            raise UnknownTable(logical_name) from None

    def children(self, relationship: OneToMany) -> tuple[Table, Column]:
        """The referencing table of a one-to-many relationship and its lookup column."""
        child = self.by_name(relationship.child)
        column = child.column(relationship.lookup)
        if column is None:
            raise UnknownTable(f"{relationship.child}.{relationship.lookup}")
        return child, column
